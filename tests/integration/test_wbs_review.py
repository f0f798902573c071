"""WBS security review: each test proves a weakness found in review (and stays as its guard).

Fixtures and helpers come from ``test_wbs_api`` (Chalice test client on the moto region stack).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from chalice.test import Client

from replika.core.http import status_of
from tests.integration.test_wbs_api import (
    REPORT,
    REPORTED_E,
    ROLES,
    SAME_OPD_E,
    assign,
    body,
    client,
    file_report,
    get,
    post,
    report_id_of,
    wbs_env,
)

__all__ = ["client", "wbs_env"]  # fixtures re-exported for pytest


def _raw_post(client: Client, path: str, raw: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, body=raw, headers={"Content-Type": "application/json", **(headers or {})})


# -- malformed input on the public routes -------------------------------------------------------


@pytest.mark.parametrize("path", ["/reports", "/reporter/session", "/reporter/messages"])
def test_deeply_nested_json_is_400_not_500(client: Client, path: str) -> None:
    """``json.loads`` raises RecursionError (not ValueError) on deep nesting: it used to be a 500."""
    deep = "[" * 100_000 + "]" * 100_000
    r = _raw_post(client, path, deep)
    assert r.status_code == 400, r.body
    assert body(r)["error"]["code"] == "invalid_json"


def test_wrong_types_and_garbage_are_4xx(client: Client) -> None:
    token = file_report(client)["token"]
    cases: list[tuple[str, Any, dict[str, str]]] = [
        ("/reporter/session", [1], {}),
        ("/reporter/session", "1234567890123456", {}),
        ("/reporter/session", None, {}),
        ("/reporter/session", {"receipt": 1234567890123456}, {}),
        ("/reporter/session", {"receipt": "1234567890123456\ud800"}, {}),
        ("/reports", {**REPORT, "who": "x"}, {}),
        ("/reports", {**REPORT, "what": "uang pelicin \ud800 banyak sekali"}, {}),
        ("/reporter/messages", {"text": ["a"]}, {"X-Wbs-Token": token}),
        (
            "/reporter/evidence",
            {"filename": "a.pdf", "content_type": "application/pdf", "size": 1.5},
            {"X-Wbs-Token": token},
        ),
        (
            "/reporter/evidence",
            {"filename": "a.pdf", "content_type": "application/pdf", "size": 10**40},
            {"X-Wbs-Token": token},
        ),
    ]
    for path, data, headers in cases:
        r = post(client, path, data, headers)
        assert 400 <= r.status_code < 500, (path, data, r.body)
    for fid in ("x" * 2000, "..", "%00", "é" * 600):
        r = post(client, f"/reporter/evidence/{fid}/confirm", {}, {"X-Wbs-Token": token})
        assert r.status_code == 404, (fid, r.body)
    r = client.http.post("/reporter/session", body=b"\xff\xfe", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert get(client, "/reporter/report", {"X-Wbs-Token": "é.é"}).status_code == 401


# -- who may see a report ---------------------------------------------------------------------------


def test_same_opd_rule_holds_when_the_reporter_omits_the_opd(client: Client) -> None:
    """The reporter names the reported person by NIP only: the same-OPD rule must still apply (the
    directory knows the OPD). Before: the head could assign a colleague of the reported person,
    who then read the report."""
    who = {"name": REPORTED_E.name, "nip": REPORTED_E.nip}
    rid = report_id_of(file_report(client, {**REPORT, "who": who})["token"])
    r = assign(client, rid, SAME_OPD_E.nip)
    assert r.status_code == 409 and body(r)["error"]["code"] == "conflict_of_interest", r.body
    assert get(client, f"/reports/{rid}", ROLES["same_opd_handler"]).status_code == 404
    # and when the reporter names a wrong OPD, the directory's still counts
    wrong = {**who, "opd": "9.99.99"}
    rid = report_id_of(file_report(client, {**REPORT, "who": wrong})["token"])
    r = assign(client, rid, SAME_OPD_E.nip)
    assert r.status_code == 409 and body(r)["error"]["code"] == "conflict_of_interest", r.body


def test_unknown_nip_keeps_the_given_opd(client: Client) -> None:
    who = {"name": "Orang Luar", "nip": "199912312020121999", "opd": REPORTED_E.opd_code}
    rid = report_id_of(file_report(client, {**REPORT, "who": who})["token"])
    r = assign(client, rid, SAME_OPD_E.nip)
    assert r.status_code == 409 and body(r)["error"]["code"] == "conflict_of_interest", r.body


# -- receipt guessing ---------------------------------------------------------------------------


def test_concurrent_guesses_cannot_exceed_the_bucket_limit(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent Lambda invocations guessing in one bucket, held together at the receipt lookup:
    each attempt is counted (atomically) before the lock decision, so no more than
    ``max_receipt_attempts`` of them are answered; the rest get 429."""
    from replika.core.errors import AppError
    from replika.wbs import service

    file_report(client)
    limit = service.policy().max_receipt_attempts
    n = limit + 3
    real_get, barrier = service._get, threading.Barrier(n, timeout=30)

    def held_get(pk: str, sk: str) -> Any:
        if sk == "RECEIPT":
            barrier.wait()
        return real_get(pk, sk)

    monkeypatch.setattr(service, "_get", held_get)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            service.exchange_receipt("1111-2222-3333-4444", None)
            status = 200
        except AppError as exc:
            status = status_of(exc)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=guess) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) <= limit, sorted(statuses)
