"""The offline verifier (`replika permit-verify`): only this region's QR codes, the signed code,
known payload versions, expiry by the region's date, and a clear refusal of junk payloads."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from replika.perizinan.rules import permit
from replika_infra.permit_cli import cmd_verify, region_today, verify_qr
from tests.unit.test_perizinan_rules import sample_fields

BASE = "https://perizinan.bandung.go.id/perizinan/public/verify/"
CODE = "ABCDEFGHJKLMNPQR"


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _fields(**changes: Any) -> dict[str, Any]:
    return {**sample_fields(verify_code=CODE, valid_until=None), **changes}


def _qr(key: ec.EllipticCurvePrivateKey, fields: Any, base: str = BASE, code: str = CODE) -> str:
    payload = permit.canonical(fields) if isinstance(fields, dict) else json.dumps(fields).encode()
    return permit.qr_text(base, code, payload, key.sign(payload, ec.ECDSA(hashes.SHA256())))


def test_a_genuine_qr_verifies(key: ec.EllipticCurvePrivateKey) -> None:
    ok, fields = verify_qr(_qr(key, _fields()), _pem(key), BASE)
    assert ok and fields["code"] == CODE


def test_a_qr_pointing_at_another_site_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ValueError, match="verify URL"):
        verify_qr(_qr(key, _fields(), base="https://evil.example/verify/"), _pem(key), BASE)
    with pytest.raises(ValueError, match="verify URL"):
        verify_qr(_qr(key, _fields()), _pem(key), "")


def test_the_path_code_must_be_the_signed_code(key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ValueError, match="signed code"):
        verify_qr(_qr(key, _fields(), code="ZZZZZZZZZZZZZZZZ"), _pem(key), BASE)


def test_an_unknown_payload_version_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    for v in (1, 99, None):
        with pytest.raises(ValueError, match="version"):
            verify_qr(_qr(key, _fields(v=v)), _pem(key), BASE)


def test_a_payload_that_is_not_an_object_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    for junk in ([1, 2], "x", 3, None):
        with pytest.raises(ValueError, match="not a JSON object"):
            verify_qr(_qr(key, junk), _pem(key), BASE)


def _run(tmp_path: Path, key: ec.EllipticCurvePrivateKey, qr: str, *, bare: bool = False) -> int:
    path = tmp_path / ("key.pem" if bare else "key.json")
    if bare:
        path.write_bytes(_pem(key))
    else:
        doc = {"algorithm": "ECDSA_SHA_256", "pem": _pem(key).decode(), "verify_url_base": BASE}
        path.write_text(json.dumps({**doc, "timezone": "Asia/Makassar"}))
    return int(cmd_verify(argparse.Namespace(key=path, qr=qr, verify_url_base=None, timezone=None)))


def test_the_cli_prints_expired_and_fails_past_the_last_valid_day(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, capsys: pytest.CaptureFixture[str]
) -> None:
    today = region_today("Asia/Makassar")
    assert _run(tmp_path, key, _qr(key, _fields(until=today.isoformat()))) == 0
    assert "EXPIRED" not in capsys.readouterr().out
    yesterday = (today - timedelta(days=1)).isoformat()
    assert _run(tmp_path, key, _qr(key, _fields(until=yesterday))) == 1
    assert "EXPIRED" in capsys.readouterr().out


def test_the_cli_refuses_junk_and_foreign_qr_codes_cleanly(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, key, _qr(key, [1])) == 1
    assert "not a JSON object" in capsys.readouterr().out
    assert _run(tmp_path, key, _qr(key, _fields(), base="https://evil.example/verify/")) == 1
    # a bare PEM carries no verify URL: refused unless --verify-url-base is given
    assert _run(tmp_path, key, _qr(key, _fields()), bare=True) == 1
    path = tmp_path / "key.pem"
    ns = argparse.Namespace(key=path, qr=_qr(key, _fields()), verify_url_base=BASE, timezone=None)
    assert cmd_verify(ns) == 0
