"""WBS over HTTP, continued: evidence (EXIF and GPS removed, type and size limits), notification
without content, public figures, and retention (purge of items and files, with an audit record).
Fixtures and helpers come from ``test_wbs_api``."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import boto3
from chalice.test import Client

from replika_infra.local.gateway import load_app
from tests.integration.test_wbs_api import (
    HEAD,
    HEAD_E,
    REPORT,
    REPORTED_E,
    SECRET_TEXT,
    _raw_items,
    body,
    client,
    file_report,
    get,
    move,
    post,
    report_id_of,
    tok,
    upload_evidence,
    wbs_env,
)

__all__ = ["client", "wbs_env"]  # fixtures re-exported for pytest


# -- evidence ---------------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Maker"  # Make
    exif[0x0110] = "Model-X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (6.0, 54.0, 53.0)  # Bandung
    gps[3], gps[4] = "E", (107.0, 36.0, 35.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_evidence_loses_exif_and_gps(client: Client, wbs_env: dict[str, str]) -> None:
    from PIL import Image

    token = file_report(client)["token"]
    rid = report_id_of(token)
    data = _jpeg_with_gps()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the test image really has GPS
    upload = upload_evidence(client, wbs_env, token, data, "kuitansi.jpg", "image/jpeg")
    assert upload["fields"]["Content-Type"] == "image/jpeg"
    assert body(get(client, f"/reports/{rid}/evidence", HEAD))["items"] == []  # not processed yet
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 200, r.body
    assert body(r)["status"] == "ready"
    files = body(get(client, f"/reports/{rid}/evidence", HEAD))["items"]
    assert [f["filename"] for f in files] == ["kuitansi.jpg"]
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=wbs_env["WBS_BUCKET"])["Contents"]]
    # the cleaned file, and the report's shred secret (crypto.shred_key); no raw upload
    assert keys == [f"evidence/{rid}/{upload['file_id']}.jpg", f"keys/{rid}"]
    cleaned = s3.get_object(Bucket=wbs_env["WBS_BUCKET"], Key=keys[0])["Body"].read()
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.size == (64, 48)
        assert not img.getexif()
        assert "exif" not in img.info
    assert b"SpyCam" not in cleaned and b"GPS" not in cleaned
    r = get(client, f"/reports/{rid}/evidence/{upload['file_id']}", HEAD)
    assert r.status_code == 200 and "kuitansi.jpg" in body(r)["filename"]


def test_evidence_type_and_size_limits(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    exe = {"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10}
    assert post(client, "/reporter/evidence", exe, tok(token)).status_code == 415
    big = {"filename": "a.pdf", "content_type": "application/pdf", "size": 50 * 1024 * 1024}
    assert post(client, "/reporter/evidence", big, tok(token)).status_code == 413
    # a "JPEG" that is not one is refused at confirmation
    fake = {"filename": "x.jpg", "content_type": "image/jpeg", "size": 20}
    upload = body(post(client, "/reporter/evidence", fake, tok(token)))
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    s3.put_object(Bucket=wbs_env["WBS_BUCKET"], Key=upload["fields"]["key"], Body=b"MZ-not-an-image-at-all")
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 400 and body(r)["error"]["code"] == "evidence_rejected"


# -- notification, figures --------------------------------------------------------------------------


def test_new_report_notifies_without_content(client: Client, wbs_env: dict[str, str]) -> None:
    sqs = boto3.client("sqs", region_name="ap-southeast-3")
    sns = boto3.client("sns", region_name="ap-southeast-3")
    url = sqs.create_queue(QueueName="inspektorat-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=wbs_env["WBS_TOPIC_ARN"], Protocol="sqs", Endpoint=arn)
    token = file_report(client)["token"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    text = messages[0]["Body"]
    assert report_id_of(token) in text
    for clear in (SECRET_TEXT, REPORTED_E.name, REPORTED_E.nip, "gratifikasi"):
        assert clear not in text


def test_public_figures_count_by_category_and_status(client: Client) -> None:
    a = report_id_of(file_report(client)["token"])
    file_report(client)
    file_report(client, {**REPORT, "category": "korupsi"})
    move(client, a, "verification", who=HEAD)
    year = datetime.now(UTC).year  # WIB year; the tests do not run at new year's midnight
    r = get(client, f"/stats?year={year}")
    assert r.status_code == 200
    stats = body(r)
    assert stats["total"] == 3
    counts = {(c["category"], c["status"]): c["count"] for c in stats["counts"]}
    assert counts == {
        ("gratifikasi", "received"): 1,
        ("gratifikasi", "verification"): 1,
        ("korupsi", "received"): 1,
    }
    assert SECRET_TEXT not in r.body.decode() if isinstance(r.body, bytes) else r.body


# -- retention --------------------------------------------------------------------------------------


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_purge_removes_items_and_files_and_leaves_an_audit_record(
    client: Client, wbs_env: dict[str, str]
) -> None:
    from replika.core import audit
    from replika.wbs import service

    created = file_report(client)
    token, receipt = created["token"], created["receipt"]
    rid = report_id_of(token)
    keep = report_id_of(file_report(client)["token"])  # still open: stays
    pdf = _pdf()  # a real PDF: evidence PDFs are rewritten with pypdf (a bare header is refused)
    upload = upload_evidence(client, wbs_env, token, pdf, "b.pdf", "application/pdf")
    assert post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token)).status_code == 200
    post(client, "/reporter/messages", {"text": "pesan"}, tok(token))
    assert move(client, rid, "rejected", who=HEAD, reason="tidak cukup bukti").status_code == 200

    retention = service.policy().retention_days
    # due list: a month ahead of the purge date
    soon = datetime.now(UTC) + timedelta(days=retention - 10)
    page = service.due_for_purge(
        __import__("replika.core.auth", fromlist=["Principal"]).Principal(
            subject="h",
            username="h",
            roles=frozenset({__import__("replika.core.auth", fromlist=["Role"]).Role.INSPEKTORAT_KEPALA}),
            nip=HEAD_E.nip,  # the due list follows the visibility rule, which fails closed without a NIP
            opd=HEAD_E.opd_code,
        ),
        service.Status.REJECTED,
        30,
        50,
        None,
        "req",
        now=soon,
    )
    assert [i.id for i in page.items] == [rid]
    assert body(get(client, "/retention/due?status=rejected", HEAD))["items"] == []  # not yet due

    assert service.purge(now=datetime.now(UTC) + timedelta(days=retention - 1)).reports == 0
    result = service.purge(now=datetime.now(UTC) + timedelta(days=retention + 1))
    assert result.reports == 1 and result.files >= 1
    raw = _raw_items(wbs_env["WBS_TABLE"])
    assert f"REPORT#{rid}" not in raw and keep in raw
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    listed = s3.list_object_versions(Bucket=wbs_env["WBS_BUCKET"])
    assert not [v for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []) if rid in v["Key"]]
    assert post(client, "/reporter/session", {"receipt": receipt}).status_code == 401
    trail = audit.trail(f"wbs#{rid}", limit=100).items
    assert trail[0].action == "wbs.purge" and trail[0].actor == "system:retention"
    assert body(get(client, f"/stats?year={datetime.now(UTC).year}"))["total"] == 2  # figures stay
    assert audit.verify("wbs").ok


def test_purge_schedule_runs_through_the_app(client: Client) -> None:
    from replika_infra.events import schedule_event

    app = load_app("wbs")
    result = app.handlers["wbs_purge"] if hasattr(app, "handlers") else None
    assert result is None or callable(result)
    from tests.integration.test_sample_events import FakeLambdaContext

    fn = load_app("wbs")
    module = __import__("sys").modules["replika_fn_wbs"]
    out = module.purge(schedule_event("wbs_purge"), FakeLambdaContext())
    assert out == {"reports": 0, "files": 0}
    assert module.PURGE_CRON == "cron(0 19 * * ? *)"  # 02:00 WIB
    assert fn is app
