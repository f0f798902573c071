"""WBS over HTTP (Chalice test client, moto): the reporter flow, every route against every role,
receipt lockout, no trace of the reporter in logs or tables, encryption at rest, EXIF removal,
the status machine, notification, public figures and retention."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from chalice.test import Client

from replika_infra.demo import seed
from replika_infra.local.gateway import load_app
from tests.conftest import auth_header

PEOPLE = seed.demo_employees(n_opd=6, n_employees=120)
OPDS = sorted({e.opd_code for e in PEOPLE})
INSP_OPD, OTHER_OPD, REPORTED_OPD = OPDS[2], OPDS[3], OPDS[4]


def _staff(opd: str, skip: int = 0) -> seed.SeedEmployee:
    return [e for e in PEOPLE if e.opd_code == opd and e.supervisor_nip][skip]


HEAD_E, HANDLER_E, HANDLER2_E = _staff(INSP_OPD, 0), _staff(INSP_OPD, 1), _staff(INSP_OPD, 2)
REPORTED_E = _staff(REPORTED_OPD, 0)
SAME_OPD_E = _staff(REPORTED_OPD, 1)  # works in the reported OPD
OUTSIDER_E = _staff(OTHER_OPD, 0)

ROLES: dict[str, dict[str, str]] = {
    "anonymous": {},
    "pegawai": auth_header(OUTSIDER_E.nip, OUTSIDER_E.opd_code, "pegawai"),
    "reported_pegawai": auth_header(REPORTED_E.nip, REPORTED_E.opd_code, "pegawai"),
    "same_opd_pegawai": auth_header(SAME_OPD_E.nip, SAME_OPD_E.opd_code, "pegawai"),
    "admin": auth_header("199001012015011001", OTHER_OPD, "admin"),
    "bkpsdm": auth_header("199001012015011002", OTHER_OPD, "bkpsdm"),
    "head": auth_header(HEAD_E.nip, HEAD_E.opd_code, "inspektorat-kepala"),
    "handler": auth_header(HANDLER_E.nip, HANDLER_E.opd_code, "inspektorat"),
    "other_handler": auth_header(HANDLER2_E.nip, HANDLER2_E.opd_code, "inspektorat"),
    # Inspektorat staff who are the reported person, or work in the reported OPD: conflict.
    "reported_as_handler": auth_header(REPORTED_E.nip, REPORTED_E.opd_code, "inspektorat"),
    "same_opd_handler": auth_header(SAME_OPD_E.nip, SAME_OPD_E.opd_code, "inspektorat"),
    "reported_as_head": auth_header(REPORTED_E.nip, REPORTED_E.opd_code, "inspektorat-kepala"),
}
HEAD, HANDLER = ROLES["head"], ROLES["handler"]
SECRET_TEXT = "Kepala seksi meminta uang pelicin Rp5.000.000 untuk izin gudang"
REPORT = {
    "category": "gratifikasi",
    "what": SECRET_TEXT,
    "who": {"name": REPORTED_E.name, "nip": REPORTED_E.nip, "opd": REPORTED_E.opd_code},
    "where": "Kantor pelayanan lantai 2",
    "when": "Maret 2026",
    "how": "Diminta secara lisan saat menyerahkan berkas",
}
CLIENT_IP, CLIENT_UA = "203.0.113.77", "ReporterPhone/9.9 (Secret-Device)"
CLIENT_HEADERS = {"X-Forwarded-For": CLIENT_IP, "User-Agent": CLIENT_UA, "X-Real-Ip": CLIENT_IP}


@pytest.fixture
def wbs_env(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from replika.core import storage
    from replika.core.runtime import rebind_tables
    from replika.directory import service as directory
    from replika.wbs import crypto, service

    rebind_tables()
    crypto.reset()
    storage.reset_client()
    monkeypatch.setattr(service, "MIN_EXCHANGE_SECONDS", 0.0)
    directory.import_directory(seed.to_csv(PEOPLE), actor="test")
    # moto 5.2.5 ignores a bucket policy's Condition, so the template's TLS-only Deny (s3:* when
    # aws:SecureTransport is false) would refuse every object call here; AWS applies it to HTTP only.
    boto3.client("s3", region_name="ap-southeast-3").delete_bucket_policy(Bucket=region_stack["WBS_BUCKET"])
    return region_stack


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the app's loggers write (the Powertools JSON lines), whatever pytest captures."""
    buf = io.StringIO()
    loggers = [logging.getLogger(name) for name in ("replika-wbs", "wbs", "replika-directory")]
    handlers = [h for lg in loggers for h in lg.handlers if isinstance(h, logging.StreamHandler)]
    old = [h.setStream(buf) for h in handlers]
    try:
        yield buf
    finally:
        for h, stream in zip(handlers, old, strict=True):
            if stream is not None:
                h.setStream(stream)


@pytest.fixture
def client(wbs_env: dict[str, str]) -> Iterator[Client]:
    with Client(load_app("wbs")) as c:
        yield c


def body(r: Any) -> Any:
    return json.loads(r.body)


def post(client: Client, path: str, data: Any, headers: dict[str, str] | None = None) -> Any:
    h = {"Content-Type": "application/json", **CLIENT_HEADERS, **(headers or {})}
    return client.http.post(path, body=json.dumps(data), headers=h)


def get(client: Client, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers={**CLIENT_HEADERS, **(headers or {})})


def tok(token: str) -> dict[str, str]:
    return {"X-Wbs-Token": token}


def file_report(client: Client, report: dict[str, Any] | None = None) -> dict[str, Any]:
    r = post(client, "/reports", report or REPORT)
    assert r.status_code == 201, r.body
    return body(r)  # type: ignore[no-any-return]


def upload_evidence(
    client: Client, env: dict[str, str], token: str, data: bytes, name: str, ct: str
) -> dict[str, Any]:
    """Ask for an evidence upload link and store ``data`` where its policy points (moto in-process
    cannot take the browser's POST); the caller confirms the upload."""
    r = post(
        client, "/reporter/evidence", {"filename": name, "content_type": ct, "size": len(data)}, tok(token)
    )
    assert r.status_code == 201, r.body
    upload = body(r)
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    s3.put_object(Bucket=env["WBS_BUCKET"], Key=upload["fields"]["key"], Body=data, ContentType=ct)
    return upload  # type: ignore[no-any-return]


def report_id_of(token: str) -> str:
    from replika.wbs import crypto

    return crypto.verify_token(token)


def assign(client: Client, rid: str, nip: str = HANDLER_E.nip) -> Any:
    return post(client, f"/reports/{rid}/assign", {"handler_nip": nip}, HEAD)


def move(client: Client, rid: str, to: str, who: dict[str, str] = HANDLER, **extra: Any) -> Any:
    return post(client, f"/reports/{rid}/status", {"to": to, **extra}, who)


# -- the reporter flow ----------------------------------------------------------------------------


def test_receipt_flow_end_to_end(client: Client) -> None:
    created = file_report(client)
    receipt = created["receipt"]
    assert len(receipt.replace("-", "")) == 16 and receipt.replace("-", "").isdigit()
    assert "report_id" not in created

    r = post(client, "/reporter/session", {"receipt": receipt.replace("-", " ")})
    assert r.status_code == 200, r.body
    token = body(r)["token"]
    assert body(r)["expires_in"] == 900
    view = body(get(client, "/reporter/report", tok(token)))
    assert view["status"] == "received" and view["category"] == "gratifikasi"
    rid = report_id_of(token)

    listed = body(get(client, "/reports?status=received", HEAD))["items"]
    assert [i["id"] for i in listed] == [rid]
    detail = body(get(client, f"/reports/{rid}", HEAD))
    assert detail["content"]["what"] == SECRET_TEXT
    assert detail["content"]["who"]["nip"] == REPORTED_E.nip

    assert assign(client, rid).status_code == 200
    assert move(client, rid, "verification").status_code == 200
    assert move(client, rid, "investigation").status_code == 200
    assert post(client, f"/reports/{rid}/notes", {"text": "Catatan rahasia tim"}, HANDLER).status_code == 201
    r = post(client, f"/reports/{rid}/messages", {"text": "Mohon kirim foto kuitansi"}, HANDLER)
    assert r.status_code == 201

    msgs = body(get(client, "/reporter/messages", tok(token)))["items"]
    assert [(m["author"], m["text"]) for m in msgs] == [("inspektorat", "Mohon kirim foto kuitansi")]
    assert "Catatan rahasia" not in json.dumps(body(get(client, "/reporter/report", tok(token))))
    r = post(client, "/reporter/messages", {"text": "Foto menyusul"}, tok(token))
    assert r.status_code == 201
    staff_msgs = body(get(client, f"/reports/{rid}/messages", HANDLER))["items"]
    assert [m["author"] for m in staff_msgs] == ["inspektorat", "reporter"]
    notes = body(get(client, f"/reports/{rid}/notes", HANDLER))["items"]
    assert notes[0]["text"] == "Catatan rahasia tim" and notes[0]["author_nip"] == HANDLER_E.nip

    assert move(client, rid, "closed").status_code == 200
    assert body(get(client, "/reporter/report", tok(token)))["status"] == "closed"
    assert post(client, "/reporter/messages", {"text": "lagi"}, tok(token)).status_code == 409

    trail = body(get(client, f"/reports/{rid}/audit?limit=100", HEAD))["items"]
    actions = [e["action"] for e in trail]
    for action in (
        "wbs.report.create",
        "wbs.reporter.session",
        "wbs.reporter.read",
        "wbs.read",
        "wbs.assign",
        "wbs.status",
        "wbs.note",
        "wbs.notes.read",
        "wbs.message",
        "wbs.messages.read",
        "wbs.reporter.messages.read",
        "wbs.reporter.message",
    ):
        assert action in actions, action
    assert actions.count("wbs.status") == 3
    assert {e["actor"] for e in trail if e["action"].startswith("wbs.reporter")} == {"reporter"}


def test_token_is_scoped_signed_and_expires(client: Client) -> None:
    from replika.wbs import crypto

    token = file_report(client)["token"]
    _payload, sig = token.split(".")
    other = crypto.sign_token("someone-else")
    forged = f"{other.split('.')[0]}.{sig}"
    assert get(client, "/reporter/report", tok(forged)).status_code == 401
    expired = crypto.sign_token(report_id_of(token), now=time.time() - 3600)
    assert get(client, "/reporter/report", tok(expired)).status_code == 401
    assert get(client, "/reporter/report").status_code == 401
    # a staff token is no reporter token
    assert get(client, "/reporter/report", HEAD).status_code == 401


def test_unknown_category_and_bad_body_are_400(client: Client) -> None:
    r = post(client, "/reports", {**REPORT, "category": "bukan-kategori"})
    assert r.status_code == 400 and body(r)["error"]["code"] == "validation_failed"
    r = post(client, "/reports", {**REPORT, "what": "x"})
    assert r.status_code == 400


# -- every route against every role ---------------------------------------------------------------

# route name -> (method, path template, body); {rid} is an assigned report about REPORTED_E
ROUTES: dict[str, tuple[str, str, Any]] = {
    "list": ("GET", "/reports?status=verification", None),
    "read": ("GET", "/reports/{rid}", None),
    "assign": ("POST", "/reports/{rid}/assign", {"handler_nip": HANDLER_E.nip}),
    "status": ("POST", "/reports/{rid}/status", {"to": "investigation"}),
    "notes": ("GET", "/reports/{rid}/notes", None),
    "add_note": ("POST", "/reports/{rid}/notes", {"text": "catatan"}),
    "messages": ("GET", "/reports/{rid}/messages", None),
    "send_message": ("POST", "/reports/{rid}/messages", {"text": "pesan"}),
    "evidence": ("GET", "/reports/{rid}/evidence", None),
    "download": ("GET", "/reports/{rid}/evidence/nofile", None),
    "audit": ("GET", "/reports/{rid}/audit", None),
    "due": ("GET", "/retention/due", None),
    "stats": ("GET", "/stats?year=2026", None),
    "reporter_report": ("GET", "/reporter/report", None),
}
OK = {
    "list": 200,
    "read": 200,
    "assign": 200,
    "status": 200,
    "notes": 200,
    "add_note": 201,
    "messages": 200,
    "send_message": 201,
    "evidence": 200,
    "download": 404,  # no such file, but allowed to ask
    "audit": 200,
    "due": 200,
    "stats": 200,
    "reporter_report": 401,  # staff have no reporter token
}
STAFF_ONLY = set(OK) - {"stats", "reporter_report"}
HEAD_ONLY = {"assign", "audit", "due"}
CONFLICTED = {"reported_as_handler", "same_opd_handler", "reported_as_head"}


def expected(role: str, route: str) -> int:
    if route == "stats":
        return 200
    if route == "reporter_report":
        return 401
    if role == "anonymous":
        return 401
    if role in {"pegawai", "reported_pegawai", "same_opd_pegawai", "admin", "bkpsdm"}:
        return 403
    head = role in {"head", "reported_as_head"}
    if route in HEAD_ONLY and not head:
        return 403
    if route in {"list", "due"}:
        return 200  # lists answer, but without the report (checked below)
    if role in CONFLICTED or role == "other_handler":
        return 404  # absent and not-yours look the same
    return OK[route]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_route_against_every_role(client: Client, role: str) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    assert assign(client, rid).status_code == 200
    assert move(client, rid, "verification").status_code == 200
    headers = ROLES[role]
    for route, (method, path, data) in ROUTES.items():
        url = path.format(rid=rid)
        r = get(client, url, headers) if method == "GET" else post(client, url, data, headers)
        assert r.status_code == expected(role, route), (role, route, r.body)
        if route == "list" and r.status_code == 200:
            ids = [i["id"] for i in body(r)["items"]]
            assert (rid in ids) == (role in {"head", "handler"}), (role, ids)
        if r.status_code >= 400:
            assert SECRET_TEXT not in r.body.decode() if isinstance(r.body, bytes) else r.body
    # the conflicted and unassigned never got content; a refused look is audited
    if role in CONFLICTED:
        from replika.core import audit

        actions = [e.action for e in audit.trail(f"wbs#{rid}", limit=100).items]
        assert "wbs.read.denied" in actions


def test_head_cannot_assign_a_conflicted_handler(client: Client) -> None:
    rid = report_id_of(file_report(client)["token"])
    for nip in (REPORTED_E.nip, SAME_OPD_E.nip):
        r = assign(client, rid, nip)
        assert r.status_code == 409 and body(r)["error"]["code"] == "conflict_of_interest"
    assert assign(client, rid, "199912312020121999").status_code == 404


def test_same_opd_rule_follows_region_policy(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from replika.core.config import WbsPolicy
    from replika.wbs import service

    monkeypatch.setattr(service, "policy", lambda: WbsPolicy(forbid_same_opd_handler=False))
    rid = report_id_of(file_report(client)["token"])
    assert assign(client, rid, SAME_OPD_E.nip).status_code == 200
    assert get(client, f"/reports/{rid}", ROLES["same_opd_handler"]).status_code == 200
    assert get(client, f"/reports/{rid}", ROLES["reported_as_handler"]).status_code == 404


# -- status machine ---------------------------------------------------------------------------------


def test_invalid_transitions_are_409(client: Client) -> None:
    rid = report_id_of(file_report(client)["token"])
    assert assign(client, rid).status_code == 200
    for to in ("closed", "investigation", "forwarded", "received"):
        r = move(client, rid, to)
        assert r.status_code == 409 and body(r)["error"]["code"] == "invalid_transition", to
    r = move(client, rid, "rejected")
    assert r.status_code == 409 and body(r)["error"]["code"] == "reason_required"
    assert move(client, rid, "verification").status_code == 200
    r = move(client, rid, "forwarded")
    assert r.status_code == 409 and body(r)["error"]["code"] == "forward_target_required"
    r = move(client, rid, "investigation", expected_version=1)
    assert r.status_code == 409 and body(r)["error"]["code"] == "conflict"
    r = move(client, rid, "forwarded", forwarded_to="kpk", forwarded_at="2026-05-04")
    assert r.status_code == 200
    detail = body(get(client, f"/reports/{rid}", HANDLER))
    assert (detail["forwarded_to"], detail["forwarded_at"]) == ("kpk", "2026-05-04")
    assert move(client, rid, "closed").status_code == 200
    for to in ("verification", "rejected", "closed"):
        assert move(client, rid, to, reason="x").status_code == 409
    r = post(client, f"/reports/{rid}/assign", {"handler_nip": HANDLER2_E.nip}, HEAD)
    assert r.status_code == 409


def test_rejection_reason_reaches_the_reporter(client: Client) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    assert move(client, rid, "rejected", who=HEAD, reason="Bukan pelanggaran ASN").status_code == 200
    view = body(get(client, "/reporter/report", tok(token)))
    assert view["status"] == "rejected" and view["rejection_reason"] == "Bukan pelanggaran ASN"


# -- receipts: lockout and timing -----------------------------------------------------------------


def test_repeated_wrong_receipt_locks_out(client: Client) -> None:
    from replika.wbs import service

    file_report(client)
    wrong = {"receipt": "1111-2222-3333-4444"}
    limit = service.policy().max_receipt_attempts
    for _ in range(limit):
        r = post(client, "/reporter/session", wrong)
        assert r.status_code == 401 and body(r)["error"]["code"] == "invalid_receipt"
    r = post(client, "/reporter/session", wrong)
    assert r.status_code == 429 and body(r)["error"]["code"] == "receipt_locked"
    assert 0 < int(r.headers["Retry-After"]) <= service.THROTTLE_WINDOW
    # garbage counts as a failure too, and never 500s
    assert post(client, "/reporter/session", {"receipt": "abcdefghijklmnopq"}).status_code in (401, 429)


def test_global_limit_stops_spraying_even_for_a_right_code(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.wbs import service

    monkeypatch.setattr(service, "GLOBAL_FAILURE_LIMIT", 3)
    receipt = file_report(client)["receipt"]
    for guess in ("1000000000000001", "1000000000000002", "1000000000000003"):
        assert post(client, "/reporter/session", {"receipt": guess}).status_code == 401
    assert post(client, "/reporter/session", {"receipt": receipt}).status_code == 429


def test_locked_bucket_refuses_the_right_code(client: Client) -> None:
    from replika.wbs import crypto, service

    receipt = file_report(client)["receipt"].replace("-", "")
    bucket = crypto.receipt_hash(receipt)[: service.BUCKET_HEX]
    now = int(time.time())
    for _ in range(service.policy().max_receipt_attempts):
        service._count(bucket, now, 1)  # earlier failed attempts in this window
    assert post(client, "/reporter/session", {"receipt": receipt}).status_code == 429


def test_exchange_takes_the_same_minimum_time(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from replika.wbs import service

    monkeypatch.setattr(service, "MIN_EXCHANGE_SECONDS", 0.3)
    receipt = file_report(client)["receipt"]
    timings = {}
    for name, code in (("live", receipt), ("dead", "9999-8888-7777-6666")):
        t0 = time.perf_counter()
        post(client, "/reporter/session", {"receipt": code})
        timings[name] = time.perf_counter() - t0
    assert min(timings.values()) >= 0.3
    assert abs(timings["live"] - timings["dead"]) < 0.15


# -- no trace of the reporter; nothing in clear at rest ---------------------------------------------


def _raw_items(table: str) -> str:
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    items = ddb.scan(TableName=table)["Items"]  # test inspection only
    return json.dumps(items, default=str)


def test_logs_tables_hold_no_receipt_ip_user_agent_or_text(
    client: Client, wbs_env: dict[str, str], capfd: pytest.CaptureFixture[str], caplog: Any
) -> None:
    load_app("wbs")
    with caplog.at_level(logging.DEBUG), captured_logs() as buf:
        created = file_report(client)
        receipt = created["receipt"]
        token = body(post(client, "/reporter/session", {"receipt": receipt}))["token"]
        rid = report_id_of(token)
        post(client, "/reporter/session", {"receipt": "1234-1234-1234-1234"})
        get(client, "/reporter/report", tok(token))
        post(client, "/reporter/messages", {"text": "Pesan rahasia pelapor"}, tok(token))
        assign(client, rid)
        get(client, f"/reports/{rid}", HANDLER)
        move(client, rid, "verification")
        get(client, "/reporter/messages", tok(token))
    out = capfd.readouterr()
    records = json.dumps([r.__dict__ for r in caplog.records], default=str)
    logs = buf.getvalue() + out.out + out.err + caplog.text + records
    assert buf.getvalue().count('"message":"request"') >= 9  # the request log lines are there
    tables = _raw_items(wbs_env["WBS_TABLE"]) + _raw_items(wbs_env["AUDIT_TABLE"])
    digits = receipt.replace("-", "")
    for needle in (digits, receipt, CLIENT_IP, CLIENT_UA, "Secret-Device", SECRET_TEXT, "Pesan rahasia"):
        assert needle not in logs, needle
        assert needle not in tables, needle
    assert "1234123412341234" not in logs and "1234-1234-1234-1234" not in logs


def test_raw_report_item_holds_no_plaintext(client: Client, wbs_env: dict[str, str]) -> None:
    token = file_report(client)["token"]
    rid = report_id_of(token)
    post(client, f"/reports/{rid}/notes", {"text": "Catatan internal sangat rahasia"}, HEAD)
    post(client, f"/reports/{rid}/messages", {"text": "Pesan untuk pelapor tertentu"}, HEAD)
    raw = _raw_items(wbs_env["WBS_TABLE"])
    for clear in (
        SECRET_TEXT,
        REPORTED_E.name,
        REPORTED_E.nip,
        REPORTED_E.opd_code,
        REPORT["where"],
        REPORT["how"],
        "Catatan internal",
        "Pesan untuk pelapor",
        "pelicin",
    ):
        assert clear not in raw, clear
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    item = ddb.get_item(
        TableName=wbs_env["WBS_TABLE"], Key={"pk": {"S": f"REPORT#{rid}"}, "sk": {"S": "REPORT"}}
    )
    assert "B" in item["Item"]["content"] and "B" in item["Item"]["data_key"]
