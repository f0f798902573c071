"""WBS on the local stack as `make demo` runs it: a report filed over real HTTP without an account,
followed with its receipt, answered by a handler with a real Cognito token, closed, and the audit
trail shows every read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.http import request

pytestmark = pytest.mark.e2e


def call(
    url: str, *, token: str | None = None, data: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """GET, or POST of ``data`` as JSON, from a phone-like client (a user agent the server must drop)."""
    raw = None if data is None else json.dumps(data).encode()
    return request(
        url,
        method="GET" if data is None else "POST",
        token=token,
        data=raw,
        headers={"User-Agent": "ReporterPhone/1.0", **(headers or {})},
    )


def test_report_followed_with_receipt_answered_and_closed(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    base = f"{stack.state.gateway}/wbs"
    reported = stack.state.users["pegawai"]
    status, created = call(
        f"{base}/reports",
        data={
            "category": "pelanggaran-disiplin",
            "what": "Pegawai sering tidak masuk tetapi presensi tercatat hadir",
            "who": {"name": reported["name"], "nip": reported["nip"], "opd": reported["opd"]},
            "where": "Kantor dinas",
            "when": "Januari-Maret 2026",
            "how": "Presensi dititipkan kepada rekan",
        },
    )
    assert status == 201, created
    receipt = created["receipt"]

    status, session = call(f"{base}/reporter/session", data={"receipt": receipt})
    assert status == 200, session
    reporter = {"X-Wbs-Token": session["token"]}
    status, view = call(f"{base}/reporter/report", headers=reporter)
    assert (status, view["status"]) == (200, "received")
    assert call(f"{base}/reporter/session", data={"receipt": "0000-0000-0000-0001"})[0] == 401

    head = id_token(stack.state, "inspektorat-kepala")
    handler = id_token(stack.state, "inspektorat")
    status, page = call(f"{base}/reports?status=received", token=head)
    assert status == 200 and len(page["items"]) == 1
    rid = page["items"][0]["id"]
    first = call(f"{base}/reports/{rid}", token=handler)
    assert first[0] == 404, first  # not assigned yet
    handler_nip = stack.state.users["inspektorat"]["nip"]
    status, _ = call(f"{base}/reports/{rid}/assign", token=head, data={"handler_nip": handler_nip})
    assert status == 200, _
    status, detail = call(f"{base}/reports/{rid}", token=handler)
    assert status == 200, (detail, call(f"{base}/reports/{rid}/audit", token=head))
    assert detail["content"]["who"]["nip"] == reported["nip"]
    # the reported person, even with a valid token, gets nothing
    pegawai = id_token(stack.state, "pegawai")
    assert call(f"{base}/reports/{rid}", token=pegawai)[0] == 403

    assert call(f"{base}/reports/{rid}/status", token=handler, data={"to": "verification"})[0] == 200
    status, _ = call(f"{base}/reports/{rid}/messages", token=handler, data={"text": "Siapa saksinya?"})
    assert status == 201
    status, msgs = call(f"{base}/reporter/messages", headers=reporter)
    assert [m["text"] for m in msgs["items"]] == ["Siapa saksinya?"]
    assert call(f"{base}/reporter/messages", headers=reporter, data={"text": "Rekan satu seksi"})[0] == 201
    assert call(f"{base}/reports/{rid}/status", token=handler, data={"to": "closed"})[0] == 409
    assert call(f"{base}/reports/{rid}/status", token=handler, data={"to": "investigation"})[0] == 200
    assert call(f"{base}/reports/{rid}/status", token=handler, data={"to": "closed"})[0] == 200
    assert call(f"{base}/reporter/report", headers=reporter)[1]["status"] == "closed"

    status, trail = call(f"{base}/reports/{rid}/audit?limit=100", token=head)
    assert status == 200
    actions = [e["action"] for e in trail["items"]]
    assert {"wbs.read", "wbs.read.denied", "wbs.reporter.read", "wbs.reporter.messages.read"} <= set(actions)
    assert "ReporterPhone" not in json.dumps(trail)

    status, figures = call(f"{base}/stats?year={created_year(trail)}")
    assert status == 200 and figures["total"] >= 1


def created_year(trail: dict[str, Any]) -> str:
    return str(trail["items"][-1]["at"][:4])
