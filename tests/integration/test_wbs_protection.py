"""WBS reporter-protection review (items 1-13): each test failed on the code before the fix.

Fixtures and helpers come from ``test_wbs_api`` (Chalice test client on the moto region stack).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.conftest import auth_header
from tests.integration.test_wbs_api import (
    HANDLER,
    HANDLER2_E,
    HANDLER_E,
    HEAD,
    HEAD_E,
    OPDS,
    OUTSIDER_E,
    REPORT,
    _staff,
    assign,
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

SEKDA_E = _staff(OPDS[0], 0)
SEKDA = auth_header(SEKDA_E.nip, SEKDA_E.opd_code, "sekda")
APIP = auth_header(_staff(OPDS[0], 1).nip, OPDS[0], "apip-provinsi")  # not this region's desk
ABOUT_HEAD = {**REPORT, "who": {"name": HEAD_E.name, "nip": HEAD_E.nip, "opd": HEAD_E.opd_code}}
ABOUT_STAFF = {**REPORT, "who": {"name": HANDLER2_E.name, "nip": HANDLER2_E.nip, "opd": HANDLER2_E.opd_code}}


def _cursor_payload(cursor: str) -> str:
    b64 = cursor.split(".", 1)[0]
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()


def _versions(env: dict[str, str], prefix: str) -> list[str]:
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    listed = s3.list_object_versions(Bucket=env["WBS_BUCKET"], Prefix=prefix)
    return [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


# -- 1. every report reaches someone entitled to handle it --------------------------------------


def test_report_about_inspektorat_staff_reaches_the_head(client: Client) -> None:
    rid = report_id_of(file_report(client, ABOUT_STAFF)["token"])
    assert get(client, f"/reports/{rid}", HEAD).status_code == 200
    assert rid in [i["id"] for i in body(get(client, "/reports?status=received", HEAD))["items"]]
    # the reported person's colleagues (same OPD) may not handle it; the head handles it
    r = assign(client, rid, HANDLER_E.nip)
    assert r.status_code == 409 and body(r)["error"]["code"] == "conflict_of_interest"
    assert move(client, rid, "verification", who=HEAD).status_code == 200


def test_report_about_the_head_goes_to_the_escalation_desk(client: Client) -> None:
    rid = report_id_of(file_report(client, ABOUT_HEAD)["token"])
    assert get(client, f"/reports/{rid}", HEAD).status_code == 404
    assert get(client, f"/reports/{rid}", SEKDA).status_code == 200
    assert rid in [i["id"] for i in body(get(client, "/reports?status=received", SEKDA))["items"]]
    assert get(client, f"/reports/{rid}", APIP).status_code == 404  # the config names sekda
    assert move(client, rid, "verification", who=SEKDA).status_code == 200
    assert get(client, f"/reports/{rid}/audit", SEKDA).status_code == 200
    # an ordinary report is not the escalation desk's
    other = report_id_of(file_report(client)["token"])
    assert get(client, f"/reports/{other}", SEKDA).status_code == 404


# -- 2. no response, cursor or count reveals a hidden report ------------------------------------


def test_hidden_reports_leave_no_trace_in_list_pages_or_cursors(client: Client) -> None:
    hidden = {report_id_of(file_report(client, ABOUT_HEAD)["token"]) for _ in range(3)}
    shown = {report_id_of(file_report(client)["token"]) for _ in range(2)}
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        url = "/reports?status=received&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = body(get(client, url, HEAD))
        assert page["items"] or page["next_cursor"] is None  # no empty page pointing further
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert not any(h in _cursor_payload(cursor) for h in hidden)
    assert set(seen) == shown and len(seen) == len(shown)


def test_retention_due_follows_the_visibility_rule(client: Client) -> None:
    from replika.core.auth import Principal, Role
    from replika.wbs import service

    rid = report_id_of(file_report(client, ABOUT_HEAD)["token"])
    assert move(client, rid, "rejected", who=SEKDA, reason="tidak terbukti").status_code == 200
    shown = report_id_of(file_report(client)["token"])
    assert move(client, shown, "rejected", who=HEAD, reason="tidak terbukti").status_code == 200
    head = Principal("h", "h", frozenset({Role.INSPEKTORAT_KEPALA}), nip=HEAD_E.nip, opd=HEAD_E.opd_code)
    later = datetime.now(UTC) + timedelta(days=service.policy().retention_days)
    page = service.due_for_purge(head, service.Status.REJECTED, 30, 1, None, "req", now=later)
    assert [i.id for i in page.items] == [shown] and page.next_cursor is None


# -- 3. throttling by proof of work, not by lock-out ---------------------------------------------


def _flood(client: Client, n: int) -> None:
    for i in range(n):
        assert (
            post(client, "/reporter/session", {"receipt": f"{1000000000000000 + i * 7919}"}).status_code
            == 401
        )


def test_a_right_code_with_proof_of_work_gets_in_during_a_flood(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.wbs import rules, service

    monkeypatch.setattr(service, "GLOBAL_FAILURE_LIMIT", 3)
    monkeypatch.setattr(rules, "POW_BASE_BITS", 8)
    receipt = file_report(client)["receipt"]
    _flood(client, 3)
    r = post(client, "/reporter/session", {"receipt": receipt})
    assert r.status_code == 429
    pow_ = body(r)["error"]["details"]["pow"]
    nonce = rules.solve_pow(pow_["challenge"], pow_["bits"])
    r = post(
        client,
        "/reporter/session",
        {"receipt": receipt, "pow_challenge": pow_["challenge"], "pow_nonce": nonce},
    )
    assert r.status_code == 200, r.body
    # a solved challenge buys one guess only
    r = post(
        client,
        "/reporter/session",
        {"receipt": receipt, "pow_challenge": pow_["challenge"], "pow_nonce": nonce},
    )
    assert r.status_code == 429
    # the public challenge route answers too
    c = body(get(client, "/reporter/challenge"))
    assert c["bits"] >= 8 and c["challenge"]


def test_unanswered_429s_do_not_count(client: Client) -> None:
    from replika.wbs import crypto, service

    file_report(client)
    wrong = "1111-2222-3333-4444"
    bucket = crypto.receipt_hash("1111222233334444")[: service.BUCKET_HEX]
    limit = service.policy().max_receipt_attempts
    for _ in range(limit):
        post(client, "/reporter/session", {"receipt": wrong})
    for _ in range(10):
        assert post(client, "/reporter/session", {"receipt": wrong}).status_code == 429
    current, _previous = service._window_counts(bucket, int(time.time()))
    assert current + _previous == limit


# -- 4. raw uploads never stay -------------------------------------------------------------------


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 9, 9)).save(out, format="JPEG")
    return out.getvalue()


def test_upload_after_confirmation_is_deleted_and_never_used(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    upload = upload_evidence(client, wbs_env, token, _jpeg(), "a.jpg", "image/jpeg")
    confirm = f"/reporter/evidence/{upload['file_id']}/confirm"
    first = body(post(client, confirm, {}, tok(token)))
    # a second upload to the still-valid link
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    s3.put_object(Bucket=wbs_env["WBS_BUCKET"], Key=upload["fields"]["key"], Body=b"\xff\xd8\xffGPS-raw")
    again = post(client, confirm, {}, tok(token))
    assert again.status_code == 200 and body(again)["sha256"] == first["sha256"]
    assert _versions(wbs_env, upload["fields"]["key"]) == []
    assert upload["fields"]["key"].startswith("incoming/")  # the prefix the lifecycle rule expires


def test_failed_confirm_deletes_the_raw_upload(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    upload = upload_evidence(client, wbs_env, token, b"\xff\xd8\xffnot-really-a-jpeg", "a.jpg", "image/jpeg")
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 400
    assert _versions(wbs_env, upload["fields"]["key"]) == []


def test_template_expires_raw_uploads_within_a_day() -> None:
    from replika_infra.release.templates import load_template

    rules_ = load_template()["Resources"]["WbsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    raw = [r for r in rules_ if r.get("Prefix") == "incoming/" and r["Status"] == "Enabled"]
    assert (
        raw
        and raw[0]["ExpirationInDays"] <= 1
        and raw[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 1
    )


# -- 5. PDFs are rewritten ------------------------------------------------------------------------


def _hostile_pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    w.add_metadata({"/Author": "Pelapor Rahasia", "/Creator": "Laptop-Budi"})
    js = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('track-me');"),
        }
    )
    w._root_object[NameObject("/OpenAction")] = w._add_object(js)
    w.add_attachment("rahasia.txt", b"lampiran tersembunyi")
    out = io.BytesIO()
    w.write(out)
    # an incremental update appending another script object
    return out.getvalue() + b"\n99 0 obj\n<< /S /JavaScript /JS (exfiltrate-me) >>\nendobj\n"


def test_pdf_evidence_is_rewritten_without_metadata_scripts_or_attachments(
    client: Client, wbs_env: dict[str, str]
) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    pdf = _hostile_pdf()
    upload = upload_evidence(client, wbs_env, token, pdf, "bukti.pdf", "application/pdf")
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 200, r.body
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    stored = s3.get_object(Bucket=wbs_env["WBS_BUCKET"], Key=f"evidence/{rid}/{upload['file_id']}.pdf")[
        "Body"
    ].read()
    for needle in (
        b"Pelapor Rahasia",
        b"Laptop-Budi",
        b"track-me",
        b"exfiltrate-me",
        b"lampiran",
        b"/JavaScript",
        b"/EmbeddedFile",
    ):
        assert needle not in stored, needle
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(stored)).pages) == 1


# -- 6. malformed images are a 400 that says why ------------------------------------------------


def _png_with_truncated_exif() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    png = out.getvalue()
    data = b"MM\x00*"  # a TIFF header cut short: no IFD offset

    chunk = struct.pack(">I", len(data)) + b"eXIf" + data + struct.pack(">I", zlib.crc32(b"eXIf" + data))
    return png[:33] + chunk + png[33:]


def test_malformed_png_is_400_and_the_raw_object_is_deleted(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    upload = upload_evidence(client, wbs_env, token, _png_with_truncated_exif(), "a.png", "image/png")
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 400, r.body
    err = body(r)["error"]
    assert err["code"] == "evidence_rejected" and err["details"]["reason"] == "image_malformed"
    assert _versions(wbs_env, upload["fields"]["key"]) == []


# -- 9. path parameters are bounded before storage ----------------------------------------------


def test_overlong_path_ids_never_reach_storage(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB refuses keys over 2,048 (partition) / 1,024 (sort) bytes with a ValidationException
    that moto does not raise on reads: this stand-in does."""
    from replika.wbs.tables import WbsItem

    token = file_report(client)["token"]
    real_get, real_query = WbsItem.get, WbsItem.query

    def check(pk: Any, sk: Any = None) -> None:
        if len(str(pk).encode()) > 2048 or (sk is not None and len(str(sk).encode()) > 1024):
            raise RuntimeError("ValidationException: key too large")

    def get_(pk: Any, sk: Any = None, **kw: Any) -> Any:
        check(pk, sk)
        return real_get(pk, sk, **kw)

    def query_(pk: Any, *a: Any, **kw: Any) -> Any:
        check(pk)
        return real_query(pk, *a, **kw)

    monkeypatch.setattr(WbsItem, "get", get_)
    monkeypatch.setattr(WbsItem, "query", query_)
    long_id = "a" * 3000
    for path, who, method in (
        (f"/reports/{long_id}", HEAD, "GET"),
        (f"/reports/{long_id}/notes", HEAD, "GET"),
        (f"/reports/{long_id}/messages", HEAD, "GET"),
        (f"/reports/{long_id}/evidence", HEAD, "GET"),
        (f"/reports/{long_id}/audit", HEAD, "GET"),
        (f"/reports/{long_id}/evidence/{long_id}", HEAD, "GET"),
        (f"/reports/{long_id}/status", HEAD, "POST"),
        (f"/reports/{long_id}/notes", HEAD, "POST"),
        (f"/reports/{long_id}/assign", HEAD, "POST"),
        (f"/reporter/evidence/{'b' * 1100}/confirm", tok(token), "POST"),
    ):
        data = {"to": "verification"} if path.endswith("status") else {"text": "x"}
        if path.endswith("assign"):
            data = {"handler_nip": HANDLER_E.nip}
        if path.endswith("confirm"):
            data = {}
        r = get(client, path, who) if method == "GET" else post(client, path, data, who)
        assert r.status_code == 404, (path[:40], r.status_code, r.body[:200])


# -- 10. sensitive loggers never go below WARNING -------------------------------------------------


def test_botocore_never_logs_at_debug(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    from replika.core import observability

    logging.getLogger("botocore").setLevel(logging.DEBUG)
    logging.getLogger("botocore.endpoint").setLevel(logging.DEBUG)
    observability.get_logger("wbs-debug-check")
    with caplog.at_level(logging.DEBUG):
        token = file_report(client)["token"]
        get(client, "/reporter/report", tok(token))
    noisy = [r for r in caplog.records if r.name.split(".")[0] in observability.SENSITIVE_LOGGERS]
    assert [r for r in noisy if r.levelno < logging.WARNING] == []
    for name in observability.SENSITIVE_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


# -- 11. a purge leaves nothing restorable that reveals the report or the reporter ---------------


def _raw(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name="ap-southeast-3").scan(TableName=table)["Items"]  # type: ignore[no-any-return]


def test_purge_crypto_shreds_restorable_copies_and_audit_details(
    client: Client, wbs_env: dict[str, str]
) -> None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from replika.core import audit
    from replika.wbs import crypto, service, store

    created = file_report(client)
    token = created["token"]
    rid = report_id_of(token)
    post(client, "/reporter/session", {"receipt": created["receipt"]})
    post(client, "/reporter/messages", {"text": "pesan pelapor"}, tok(token))
    assert assign(client, rid).status_code == 200
    get(client, f"/reports/{rid}", HANDLER)
    assert move(client, rid, "rejected", who=HEAD, reason="alasan").status_code == 200
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    snapshot = [i for i in _raw(wbs_env["WBS_TABLE"]) if i["pk"]["S"] == f"REPORT#{rid}"]  # "PITR"
    assert (
        service.purge(now=datetime.now(UTC) + timedelta(days=service.policy().retention_days + 1)).reports
        == 1
    )
    for item in snapshot:  # a point-in-time restore brings the items back
        ddb.put_item(TableName=wbs_env["WBS_TABLE"], Item=item)
    restored = store.report(rid)
    assert restored is not None
    with pytest.raises(crypto.Shredded):
        store.envelope(restored)
    # the KMS key still decrypts the data key, but that key alone opens nothing
    plain = crypto.client("kms").decrypt(
        CiphertextBlob=restored.data_key, EncryptionContext={"app": "wbs", "report_id": rid}
    )["Plaintext"]
    assert restored.content is not None
    with pytest.raises(InvalidTag):
        AESGCM(plain).decrypt(restored.content[:12], restored.content[12:], f"{rid}|content".encode())
    # the audit log: no staff NIP, no assignee, reporter events at day precision, chains verify
    about_reports = [
        r
        for r in _raw(wbs_env["AUDIT_TABLE"])
        if r["stream"]["S"].split("@")[0] in ("wbs", "wbs-reporter")  # chains are per stream per day
        and r["subject"]["S"] not in ("wbs#list", "wbs#retention")
    ]
    records = json.dumps(about_reports)
    assert "pesan pelapor" not in records and "alasan" not in records
    for nip in (HANDLER_E.nip, HEAD_E.nip):
        assert nip not in records
    reporter = [r for r in _raw(wbs_env["AUDIT_TABLE"]) if r["stream"]["S"].split("@")[0] == "wbs-reporter"]
    assert reporter and all(r["at"]["S"].endswith("T00:00:00.000000Z") for r in reporter)
    assert all("request_id" not in r or "NULL" in r["request_id"] for r in reporter)
    assert audit.verify("wbs").ok and audit.verify("wbs-reporter").ok


def test_audit_details_are_keyed_digests_that_verify(client: Client) -> None:
    from replika.core import audit
    from replika.wbs import store, trail

    rid = report_id_of(file_report(client)["token"])
    assert assign(client, rid).status_code == 200
    rec = next(r for r in audit.trail(f"wbs#{rid}", limit=10).items if r.action == "wbs.assign")
    assert rec.actor == "inspektorat" and set(rec.after) == {"sealed", "digest"}
    env = store.envelope(store.report(rid))  # type: ignore[arg-type]
    detail = json.loads(env.open("audit:wbs.assign", base64.b64decode(rec.after["sealed"])))
    assert detail["after"]["assignee_nip"] == HANDLER_E.nip
    assert trail.verify_detail(rec.subject, rec.action, detail, rec.after["digest"])
    assert not trail.verify_detail(
        rec.subject, rec.action, {**detail, "actor": "someone"}, rec.after["digest"]
    )


# -- 12. smaller gaps -----------------------------------------------------------------------------


def test_evidence_cannot_be_confirmed_after_rejection(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    upload = upload_evidence(client, wbs_env, token, _jpeg(), "a.jpg", "image/jpeg")
    assert move(client, rid, "rejected", who=HEAD, reason="bukan pelanggaran").status_code == 200
    r = post(client, f"/reporter/evidence/{upload['file_id']}/confirm", {}, tok(token))
    assert r.status_code == 409 and body(r)["error"]["code"] == "report_closed"
    assert _versions(wbs_env, upload["fields"]["key"]) == []


def test_head_cannot_assign_outside_the_inspektorat(client: Client) -> None:
    rid = report_id_of(file_report(client)["token"])
    r = assign(client, rid, OUTSIDER_E.nip)
    assert r.status_code == 409 and body(r)["error"]["code"] == "not_inspektorat", r.body


# -- 13. the reporter sees days, not seconds ------------------------------------------------------


def test_reporter_sees_days_only(client: Client) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    assert move(client, rid, "verification", who=HEAD).status_code == 200
    post(client, f"/reports/{rid}/messages", {"text": "mohon data"}, HEAD)
    view = body(get(client, "/reporter/report", tok(token)))
    day = datetime.now(UTC).date().isoformat()
    assert view["changed_at"] == day and view["created_at"] == day
    msgs = body(get(client, "/reporter/messages", tok(token)))["items"]
    assert [m["at"] for m in msgs] == [day]
    stats = body(get(client, f"/stats?year={datetime.now(UTC).year}"))
    assert "T" not in json.dumps(stats).replace("total", "")
