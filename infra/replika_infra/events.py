"""`replika events`: write sample Lambda events for every handler into `events/<app>/`.

API Gateway REST proxy events carry Cognito claims the way API Gateway's authorizer hands them
over (groups as one string). The NIPs come from the deterministic demo seed, so the events work
against a seeded stack. `events/<app>/expected.json` says which status each event should get.
"""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path
from typing import Any

from replika_infra.demo import seed
from replika_infra.events_perizinan import perizinan_events
from replika_infra.events_sabilulungan import sabilulungan_events

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def api_event(
    method: str,
    resource: str,
    path_params: dict[str, str] | None = None,
    *,
    query: dict[str, list[str]] | None = None,
    claims: dict[str, str] | None = None,
    body: str | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    path = resource
    for k, v in (path_params or {}).items():
        path = path.replace("{" + k + "}", v)
    hdrs = {"content-type": content_type, "accept": "application/json"}
    hdrs.update(headers or {})
    if claims:
        hdrs["authorization"] = "Bearer <id-token>"
    ctx: dict[str, Any] = {
        "resourcePath": resource,
        "httpMethod": method,
        "requestId": str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps([method, path, query, claims]))),
        "path": "/api" + path,
        "stage": "api",
        "identity": {"sourceIp": "203.0.113.10", "userAgent": "sample"},
    }
    if claims:
        ctx["authorizer"] = {"claims": claims}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": ctx,
        "body": body,
        "isBase64Encoded": False,
    }


def claims_for(e: seed.SeedEmployee, group: str) -> dict[str, str]:
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_OID, e.nip)),
        "cognito:username": f"user-{e.nip[-6:]}",
        "cognito:groups": group,
        "custom:nip": e.nip,
        "custom:opd": e.opd_code,
        "token_use": "id",
    }


def schedule_event(rule_name: str, time: str = "2026-11-30T18:00:00Z") -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, rule_name)),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "ap-southeast-3",
        "resources": [f"arn:aws:events:ap-southeast-3:123456789012:rule/{rule_name}"],
        "detail": {},
    }


def sqs_event(queue: str, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{queue}/{i}")),
                "receiptHandle": f"handle-{i}",
                "body": json.dumps(b),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:ap-southeast-3:123456789012:{queue}",
                "awsRegion": "ap-southeast-3",
            }
            for i, b in enumerate(bodies)
        ]
    }


def directory_events() -> dict[str, tuple[dict[str, Any], int]]:
    people = seed.demo_employees()
    head = people[0]
    staff = next(e for e in people if e.supervisor_nip and e.supervisor_nip != head.nip)
    chief = next(e for e in people if e.nip == staff.supervisor_nip)
    hr = next(e for e in people if e.opd_code.endswith(".06") and e.supervisor_nip)
    other_opd = next(e for e in people if e.opd_code != staff.opd_code and e.supervisor_nip)
    bkpsdm = claims_for(hr, "bkpsdm")
    pegawai = claims_for(staff, "pegawai")
    auditor = claims_for(
        next(e for e in people if e.opd_code.endswith(".03") and e.supervisor_nip), "inspektorat"
    )
    csv_body = seed.to_csv([staff, chief, head]).decode()
    return {
        "list_opds": (api_event("GET", "/opds", query={"limit": ["5"]}, claims=pegawai), 200),
        "get_opd": (api_event("GET", "/opds/{code}", {"code": staff.opd_code}, claims=pegawai), 200),
        "get_opd_unknown": (api_event("GET", "/opds/{code}", {"code": "99.99.99"}, claims=pegawai), 404),
        "list_employees": (
            api_event("GET", "/employees", query={"opd": [staff.opd_code], "limit": ["10"]}, claims=bkpsdm),
            200,
        ),
        "list_employees_other_opd": (
            api_event("GET", "/employees", query={"opd": [other_opd.opd_code]}, claims=pegawai),
            403,
        ),
        "get_employee": (api_event("GET", "/employees/{nip}", {"nip": staff.nip}, claims=pegawai), 200),
        "direct_reports": (
            api_event(
                "GET", "/employees/{nip}/reports", {"nip": chief.nip}, claims=claims_for(chief, "pegawai")
            ),
            200,
        ),
        "me": (api_event("GET", "/me", claims=pegawai), 200),
        "me_without_token": (api_event("GET", "/me"), 401),
        "import_dry_run": (
            api_event(
                "POST",
                "/import",
                query={"dry_run": ["true"]},
                claims=bkpsdm,
                body=csv_body,
                content_type="text/csv",
            ),
            200,
        ),
        "import_as_pegawai": (
            api_event("POST", "/import", claims=pegawai, body=csv_body, content_type="text/csv"),
            403,
        ),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
        # tamper evidence of the audit log
        "audit_verify": (
            api_event("GET", "/audit/verify", query={"since": ["2026-11-30"]}, claims=auditor),
            200,
        ),
        "audit_verify_as_pegawai": (
            api_event("GET", "/audit/verify", query={"since": ["2026-11-30"]}, claims=pegawai),
            403,
        ),
        "audit_heads_not_published": (
            api_event("GET", "/public/audit/heads/{day}", {"day": "2020-01-01"}),
            404,
        ),
        "publish_audit_heads": (schedule_event("replika-directory-publish_audit_heads"), 200),
    }


def wbs_events() -> dict[str, tuple[dict[str, Any], int]]:
    """WBS: the reporter's public routes (no identity in the event beyond API Gateway's own
    ``identity`` block, which the app drops) and the Inspektorat's routes."""
    people = seed.demo_employees()
    insp = [e for e in people if e.opd_code.endswith(".03") and e.supervisor_nip]
    head, pegawai = claims_for(insp[0], "inspektorat-kepala"), claims_for(people[-1], "pegawai")
    handler = claims_for(insp[1], "inspektorat")
    reported = next(e for e in people if e.opd_code.endswith(".09") and e.supervisor_nip)
    report = {
        "category": "gratifikasi",
        "what": "Permintaan uang pelicin untuk mempercepat izin",
        "who": {"name": reported.name, "nip": reported.nip, "opd": reported.opd_code},
        "where": "Loket pelayanan",
        "when": "Maret 2026",
        "how": "Diminta lisan saat menyerahkan berkas",
    }
    rid = {"report_id": "0" * 32}
    bad_token = {"x-wbs-token": "e30.c2ln"}

    def reporter(method: str, resource: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        return api_event(method, resource, body=None if body is None else json.dumps(body), **kw)

    def assign(claims: dict[str, str]) -> dict[str, Any]:
        """Assign the unknown report to the second inspector, as ``claims``."""
        body = {"handler_nip": insp[1].nip}
        return reporter("POST", "/reports/{report_id}/assign", body, path_params=rid, claims=claims)

    return {
        "create_report": (reporter("POST", "/reports", report), 201),
        "create_report_unknown_category": (reporter("POST", "/reports", {**report, "category": "x"}), 400),
        "reporter_session_wrong_receipt": (
            reporter("POST", "/reporter/session", {"receipt": "0000-1111-2222-3333"}),
            401,
        ),
        "reporter_report_without_token": (api_event("GET", "/reporter/report"), 401),
        "reporter_messages_bad_token": (api_event("GET", "/reporter/messages", headers=bad_token), 401),
        "reporter_reply_without_token": (reporter("POST", "/reporter/messages", {"text": "halo"}), 401),
        "reporter_add_evidence_without_token": (
            reporter(
                "POST",
                "/reporter/evidence",
                {"filename": "bukti.jpg", "content_type": "image/jpeg", "size": 1000},
            ),
            401,
        ),
        "reporter_confirm_evidence_without_token": (
            api_event("POST", "/reporter/evidence/{file_id}/confirm", {"file_id": "f" * 32}),
            401,
        ),
        "stats": (api_event("GET", "/stats", query={"year": ["2026"]}), 200),
        "reporter_challenge": (api_event("GET", "/reporter/challenge"), 200),
        "list_reports": (api_event("GET", "/reports", query={"status": ["received"]}, claims=head), 200),
        "list_reports_as_pegawai": (api_event("GET", "/reports", claims=pegawai), 403),
        "list_reports_without_token": (api_event("GET", "/reports"), 401),
        "get_report_unknown": (api_event("GET", "/reports/{report_id}", rid, claims=head), 404),
        "assign_as_handler": (assign(handler), 403),
        "assign_unknown": (assign(head), 404),
        "change_status_unknown": (
            reporter(
                "POST", "/reports/{report_id}/status", {"to": "verification"}, path_params=rid, claims=handler
            ),
            404,
        ),
        "list_notes_unknown": (api_event("GET", "/reports/{report_id}/notes", rid, claims=head), 404),
        "add_note_unknown": (
            reporter("POST", "/reports/{report_id}/notes", {"text": "catatan"}, path_params=rid, claims=head),
            404,
        ),
        "list_messages_unknown": (api_event("GET", "/reports/{report_id}/messages", rid, claims=head), 404),
        "send_message_unknown": (
            reporter(
                "POST", "/reports/{report_id}/messages", {"text": "pesan"}, path_params=rid, claims=head
            ),
            404,
        ),
        "list_evidence_unknown": (api_event("GET", "/reports/{report_id}/evidence", rid, claims=head), 404),
        "download_evidence_unknown": (
            api_event(
                "GET", "/reports/{report_id}/evidence/{file_id}", {**rid, "file_id": "f" * 32}, claims=head
            ),
            404,
        ),
        "audit_trail_as_handler": (api_event("GET", "/reports/{report_id}/audit", rid, claims=handler), 403),
        "audit_trail_unknown": (api_event("GET", "/reports/{report_id}/audit", rid, claims=head), 404),
        "retention_due": (api_event("GET", "/retention/due", claims=head), 200),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
    }


#: The "today" the remunerasi samples are written for (a Friday): entry dates must lie within the
#: back-dating limit (5 working days) before it. The sample-event test fixes the calendar to it.
REMUNERASI_TODAY = "2026-11-20"
#: The period the payroll samples read: a run the test starts (generation 1) before replaying them.
PAYROLL_PERIOD = "2026-10"


def remunerasi_events() -> dict[str, tuple[dict[str, Any], int]]:
    """e-Remunerasi: every route (catalogue as in ``demo_data.CATALOGUE``, entries dated for
    :data:`REMUNERASI_TODAY`, the payroll run of :data:`PAYROLL_PERIOD` computing with chunk 0
    done), plus the schedule and the SQS worker. For those two, 200 means the handler returns."""
    people = seed.demo_employees()
    staff = next(e for e in people if e.supervisor_nip and e.kelas < 12)
    chief = next(e for e in people if e.nip == staff.supervisor_nip)
    peers = [e for e in people if e.supervisor_nip == chief.nip and e.nip != staff.nip]
    other_chief = next(e for e in people if e.kelas == 12 and e.opd_code == staff.opd_code and e is not chief)
    hr = next(e for e in people if e.opd_code.endswith(".06") and e.supervisor_nip)
    finance = next(e for e in people if e.opd_code.endswith(".05") and e.supervisor_nip)
    first = min(people, key=lambda e: e.nip)  # in chunk 0 of every run (chunks are by sorted NIP)
    pegawai, boss = claims_for(staff, "pegawai"), claims_for(chief, "pegawai")
    bkpsdm, bpkad = claims_for(hr, "bkpsdm"), claims_for(finance, "bpkad")
    period, run = {"period": [REMUNERASI_TODAY[:7]]}, {"period": PAYROLL_PERIOD}
    missing_entry = {"nip": staff.nip, "entry_id": "20261119-0a1b2c3d4e"}

    def js(method: str, resource: str, body: Any, **kw: Any) -> dict[str, Any]:
        return api_event(method, resource, body=json.dumps(body), **kw)

    def csv(resource: str, text: str, claims: dict[str, str]) -> dict[str, Any]:
        return api_event("POST", resource, claims=claims, body=text, content_type="text/csv")

    entry = {
        "entry_date": "2026-11-19",
        "activity_code": "RAPAT",
        "quantity": 2,
        "note": "Rapat koordinasi penyusunan anggaran",
    }
    activity = {"code": "LATIH", "name": "Mengikuti pelatihan teknis", "minutes": 240}
    catalogue = (
        "kode,nama,menit,jabatan\nPIKET,Piket pelayanan terpadu,240,\nLIPUT,Meliput kegiatan pimpinan,120,\n"
    )
    attendance = (
        "nip,tanggal,masuk,pulang,keterangan,cuti_nomor\n"
        f"{staff.nip},2026-11-19,07:28,16:05,,\n"
        f"{peers[0].nip},2026-11-19,08:10,16:00,,\n"
        f"{peers[1].nip},2026-11-18,,,cuti,800/123-BKPSDM\n"
    )
    return {
        # catalogue
        "list_activities": (api_event("GET", "/activities", query={"limit": ["20"]}, claims=pegawai), 200),
        "create_activity": (js("POST", "/activities", activity, claims=bkpsdm), 201),
        "create_activity_as_pegawai": (js("POST", "/activities", activity, claims=pegawai), 403),
        "create_activity_bad_minutes": (
            js("POST", "/activities", {**activity, "minutes": 0}, claims=bkpsdm),
            400,
        ),
        "update_activity": (
            js(
                "PUT",
                "/activities/{code}",
                {"code": "SURAT", "name": "Menyusun konsep surat dinas", "minutes": 45, "version": 1},
                path_params={"code": "SURAT"},
                claims=bkpsdm,
            ),
            200,
        ),
        "import_activities": (csv("/activities/import", catalogue, bkpsdm), 200),
        # daily log
        "create_entry": (
            js("POST", "/entries", entry, claims=pegawai, headers={"idempotency-key": "sample-entry-0001"}),
            201,
        ),
        "create_entry_without_token": (js("POST", "/entries", entry), 401),
        "create_entry_too_old": (
            js("POST", "/entries", {**entry, "entry_date": "2026-11-12"}, claims=pegawai),
            400,
        ),
        "evidence_upload": (
            js(
                "POST",
                "/entries/evidence-upload",
                {"filename": "notulen-rapat.pdf", "content_type": "application/pdf", "size": 245760},
                claims=pegawai,
            ),
            200,
        ),
        "my_entries": (api_event("GET", "/me/entries", query=period, claims=pegawai), 200),
        "employee_entries": (
            api_event("GET", "/employees/{nip}/entries", {"nip": staff.nip}, query=period, claims=boss),
            200,
        ),
        "update_entry_unknown": (
            js(
                "PATCH",
                "/entries/{nip}/{entry_id}",
                {"version": 1, "quantity": 3},
                path_params=missing_entry,
                claims=pegawai,
            ),
            404,
        ),
        "delete_entry_unknown": (
            api_event(
                "DELETE", "/entries/{nip}/{entry_id}", missing_entry, query={"version": ["1"]}, claims=pegawai
            ),
            404,
        ),
        # supervisor
        "pending": (api_event("GET", "/pending", query={"limit": ["50"]}, claims=boss), 200),
        "decide_unknown_entry": (
            js(
                "POST",
                "/decisions",
                {"action": "approve", "entries": [{**missing_entry, "version": 1}]},
                claims=boss,
            ),
            404,
        ),
        "assign_acting": (
            js(
                "POST",
                "/acting",
                {
                    "acting_nip": other_chief.nip,
                    "for_nip": chief.nip,
                    "start": "2026-11-23",
                    "end": "2026-11-27",
                },
                claims=bkpsdm,
            ),
            201,
        ),
        "rate_behaviour": (
            js(
                "PUT",
                "/employees/{nip}/behaviour/{period}",
                {"score": 85},
                path_params={"nip": staff.nip, "period": REMUNERASI_TODAY[:7]},
                claims=boss,
            ),
            200,
        ),
        # attendance and discipline
        "import_attendance": (csv("/attendance/import", attendance, bkpsdm), 200),
        "import_attendance_as_pegawai": (csv("/attendance/import", attendance, pegawai), 403),
        "attendance": (
            api_event("GET", "/employees/{nip}/attendance", {"nip": staff.nip}, query=period, claims=pegawai),
            200,
        ),
        "record_sentence": (
            js(
                "POST",
                "/sentences",
                {
                    "nip": peers[2].nip,
                    "level": "ringan",
                    "start_period": "2026-12",
                    "end_period": "2027-02",
                    "note": "Teguran tertulis: terlambat berulang",
                },
                claims=bkpsdm,
            ),
            201,
        ),
        # the monthly run
        "start_run": (api_event("POST", "/payroll/{period}/run", {"period": "2026-09"}, claims=bkpsdm), 202),
        "start_run_as_pegawai": (
            api_event("POST", "/payroll/{period}/run", {"period": "2026-09"}, claims=pegawai),
            403,
        ),
        "get_run": (api_event("GET", "/payroll/{period}", run, claims=bpkad), 200),
        "get_run_unknown_period": (
            api_event("GET", "/payroll/{period}", {"period": "2025-01"}, claims=bpkad),
            404,
        ),
        "run_action_while_computing": (
            api_event(
                "POST", "/payroll/{period}/actions/{action}", {**run, "action": "verify"}, claims=bkpsdm
            ),
            409,
        ),
        "list_results": (
            api_event("GET", "/payroll/{period}/results", run, query={"opd": [first.opd_code]}, claims=bpkad),
            200,
        ),
        "get_result": (
            api_event("GET", "/payroll/{period}/results/{nip}", {**run, "nip": first.nip}, claims=bkpsdm),
            200,
        ),
        "recompute_employee_while_computing": (
            api_event(
                "POST", "/payroll/{period}/results/{nip}/recompute", {**run, "nip": first.nip}, claims=bkpsdm
            ),
            409,
        ),
        "list_outputs_not_ready": (api_event("GET", "/payroll/{period}/outputs", run, claims=bpkad), 404),
        "slip": (
            api_event(
                "GET",
                "/payroll/{period}/slips/{nip}",
                {**run, "nip": first.nip},
                claims=claims_for(first, "pegawai"),
            ),
            200,
        ),
        "sheet_not_ready": (
            api_event("GET", "/payroll/{period}/sheets", run, query={"opd": [first.opd_code]}, claims=bpkad),
            404,
        ),
        # dashboards
        "opd_dashboard": (api_event("GET", "/dashboards/opd", query=period, claims=boss), 200),
        "employee_dashboard": (
            api_event("GET", "/dashboards/employees/{nip}", {"nip": staff.nip}, claims=bkpsdm),
            200,
        ),
        "employee_dashboard_by_supervisor": (
            api_event("GET", "/dashboards/employees/{nip}", {"nip": staff.nip}, claims=boss),
            403,
        ),
        "my_dashboard": (api_event("GET", "/dashboards/me", claims=pegawai), 200),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
        # schedule and queue
        "monthly_payroll": (schedule_event("replika-remunerasi-monthly_payroll"), 200),
        "payroll_worker": (
            sqs_event(
                "replika-payroll",
                [{"kind": "chunk", "period": PAYROLL_PERIOD, "generation": 1, "chunk": 0}],
            ),
            200,
        ),
    }


def _sakip_events() -> dict[str, tuple[dict[str, Any], int]]:
    from replika_infra.sakip_events import sakip_events  # its own module: this one is long enough

    return sakip_events()


GENERATORS = {"directory": directory_events, "wbs": wbs_events, "remunerasi": remunerasi_events}
GENERATORS["sabilulungan"] = sabilulungan_events
GENERATORS["sakip"] = _sakip_events
GENERATORS["perizinan"] = perizinan_events


def write_events(root: Path = EVENTS) -> list[Path]:
    written: list[Path] = []
    for app, gen in GENERATORS.items():
        folder = root / app
        folder.mkdir(parents=True, exist_ok=True)
        expected: dict[str, int] = {}
        for name, (event, status) in gen().items():
            path = folder / f"{name}.json"
            path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
            expected[name] = status
            written.append(path)
        (folder / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    return written


def cmd_events(args: argparse.Namespace) -> int:
    for p in write_events():
        print(p.relative_to(ROOT))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("events", help="write sample Lambda events for every handler into events/")
    p.set_defaults(func=cmd_events)
