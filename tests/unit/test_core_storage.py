from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from moto import mock_aws

from replika.core import runtime, storage
from replika.core.errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType

PDF = "application/pdf"
IMAGES = {"image/jpeg", "image/png", PDF}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, fake_aws_env: None) -> Iterator[Any]:
    monkeypatch.setenv("DOCUMENTS_BUCKET", "replika-test-documents")
    runtime.reset()
    storage.reset_client()
    with mock_aws():
        client = boto3.client("s3", region_name="ap-southeast-3")
        client.create_bucket(
            Bucket="replika-test-documents",
            CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"},
        )
        yield client
    storage.reset_client()
    runtime.reset()


def _policy(post: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(post["fields"]["policy"]))
    return policy


def test_presigned_post_policy_pins_type_size_and_key(s3: Any) -> None:
    post = storage.presign_upload(
        key_prefix="remunerasi/evidence/198001012005011001",
        filename="../../Foto Kegiatan.JPG",
        content_type="image/jpeg",
        max_bytes=2_000_000,
        allowed_types=IMAGES,
        size=150_000,
    )
    key = post["key"]
    assert re.fullmatch(r"remunerasi/evidence/198001012005011001/[0-9a-f]{32}\.jpg", key)
    assert post["fields"]["key"] == key
    assert post["fields"]["Content-Type"] == "image/jpeg"
    assert post["url"].startswith("https://replika-test-documents.s3.ap-southeast-3.amazonaws.com")
    assert post["expires_in"] == 900
    policy = _policy(post)
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 2_000_000] in conditions
    assert {"key": key} in conditions
    assert {"bucket": "replika-test-documents"} in conditions
    assert policy["expiration"].endswith("Z")
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_upload_through_the_presigned_post(s3: Any) -> None:
    post = storage.presign_upload(
        key_prefix="wbs/r-1", filename="bukti.pdf", content_type=PDF, max_bytes=1024, allowed_types={PDF}
    )
    # moto accepts presigned POSTs but does NOT evaluate the policy conditions (content type,
    # content-length-range): refusal of a wrong type / oversize body is S3's job in production,
    # so we assert the signed policy above and only the happy path here.
    r = requests.post(post["url"], data=post["fields"], files={"file": ("bukti.pdf", b"%PDF-1.7 test")})
    assert r.status_code in (200, 201, 204)
    assert storage.exists(post["key"])
    assert storage.get_bytes(post["key"]) == b"%PDF-1.7 test"
    head = s3.head_object(Bucket="replika-test-documents", Key=post["key"])
    assert head["ContentType"] == PDF


#: What differs from a valid upload of a PDF of at most 10 bytes, the error, its code (when stated).
REFUSED_UPLOADS = [
    pytest.param({"filename": "x.html", "content_type": "text/html"}, UnsupportedMediaType, None, id="html"),
    # parameters are not an exact match
    pytest.param(
        {"content_type": "application/pdf; x=1"}, UnsupportedMediaType, None, id="pdf-with-parameter"
    ),
    pytest.param({"size": 11}, PayloadTooLarge, None, id="declared-too-large"),
    pytest.param({"size": 0}, BadRequest, "invalid_size", id="declared-empty"),
    pytest.param({"key_prefix": "../etc"}, ValueError, None, id="prefix-escapes"),
]


@pytest.mark.parametrize(("change", "error", "code"), REFUSED_UPLOADS)
def test_rejects_disallowed_type_and_declared_size(
    s3: Any, change: dict[str, Any], error: type[Exception], code: str | None
) -> None:
    upload: dict[str, Any] = {
        "key_prefix": "wbs/r-1",
        "filename": "x.pdf",
        "content_type": PDF,
        "max_bytes": 10,
        "allowed_types": {PDF},
    }
    with pytest.raises(error) as info:
        storage.presign_upload(**{**upload, **change})
    if code is not None:
        assert getattr(info.value, "code", None) == code


def test_extension_is_sanitised() -> None:
    # the file name's extension is kept only when it matches the content type
    assert storage.new_key("a", "report.PDF", PDF).endswith(".pdf")
    assert storage.new_key("a", "evil.php", PDF).endswith(".pdf")
    assert storage.new_key("a", "noext", "image/png").endswith(".png")
    assert re.fullmatch(r"a/[0-9a-f]{32}", storage.new_key("a", "x.bin", "application/x-unknown-type"))


def test_presign_download_and_io(s3: Any) -> None:
    storage.put_bytes("slips/2026-08/198001012005011001.pdf", b"%PDF slip", PDF)
    assert storage.exists("slips/2026-08/198001012005011001.pdf")
    assert not storage.exists("slips/2026-08/missing.pdf")
    with pytest.raises(NotFound):
        storage.get_bytes("slips/2026-08/missing.pdf")
    url = storage.presign_download(
        "slips/2026-08/198001012005011001.pdf", filename="Slip TKD Agustus 2026 – Ñ.pdf", expires=120
    )
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith('attachment; filename="Slip TKD Agustus 2026  N.pdf"')
    assert "filename*=UTF-8''Slip%20TKD%20Agustus%202026%20%E2%80%93%20%C3%91.pdf" in disposition
    got = requests.get(url)
    assert got.status_code == 200 and got.content == b"%PDF slip"


def test_client_is_cached(s3: Any) -> None:
    assert storage.s3_client() is storage.s3_client()
