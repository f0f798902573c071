"""e-Remunerasi HTTP contract: catalogue, the daily log, supervisor decisions with running totals,
acting supervisors, attendance, sentences, behaviour and period locks — against every role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chalice.test import Client

from replika.core.calendar import RegionCalendar
from replika_infra.demo import seed
from replika_infra.local.gateway import load_app
from tests.conftest import auth_header

TODAY = date(2026, 11, 20)  # a Friday
PEOPLE = seed.demo_employees(n_opd=4, n_employees=60)
STAFF = next(e for e in PEOPLE if e.supervisor_nip and e.kelas < 12)
CHIEF = next(e for e in PEOPLE if e.nip == STAFF.supervisor_nip)
PEER = next(e for e in PEOPLE if e.supervisor_nip == CHIEF.nip and e.nip != STAFF.nip)
OTHER_CHIEF = next(e for e in PEOPLE if e.kelas == 12 and e.opd_code != STAFF.opd_code)
HR = auth_header("199001012015011001", "32.73.06", "bkpsdm")
ME = auth_header(STAFF.nip, STAFF.opd_code, "pegawai")
BOSS = auth_header(CHIEF.nip, CHIEF.opd_code, "pegawai")
OTHER = auth_header(OTHER_CHIEF.nip, OTHER_CHIEF.opd_code, "pegawai")
COLLEAGUE = auth_header(PEER.nip, PEER.opd_code, "pegawai")
FINANCE = auth_header("198001012005011002", "32.73.05", "bpkad")


@pytest.fixture
def client(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from replika.directory import service as directory

    monkeypatch.setattr(RegionCalendar, "today", lambda self: TODAY)
    directory.import_directory(seed.to_csv(PEOPLE), actor="test")
    with Client(load_app("remunerasi")) as c:
        r = c.http.post(
            "/activities",
            headers={**HR, "Content-Type": "application/json"},
            body=json.dumps({"code": "RAPAT", "name": "Rapat koordinasi", "minutes": 60}),
        )
        assert r.status_code == 201, r.body
        r = c.http.post(
            "/activities",
            headers={**HR, "Content-Type": "application/json"},
            body=json.dumps(
                {"code": "AUDIT", "name": "Audit lapangan", "minutes": 120, "allowed_positions": ["nobody"]}
            ),
        )
        assert r.status_code == 201
        yield c


def post(c: Client, path: str, data: Any, headers: dict[str, str], **extra: str) -> Any:
    return c.http.post(
        path, body=json.dumps(data), headers={**headers, "Content-Type": "application/json", **extra}
    )


def body(r: Any) -> Any:
    return json.loads(r.body)


def err(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.body
    e = body(r)["error"]
    if code:
        assert e["code"] == code
    return e  # type: ignore[no-any-return]


def log(
    c: Client, day: str = "2026-11-19", qty: int = 2, headers: dict[str, str] | None = None, **kw: Any
) -> Any:
    return post(
        c, "/entries", {"entry_date": day, "activity_code": "RAPAT", "quantity": qty, **kw}, headers or ME
    )


def assert_no_total(nip: str) -> None:
    from replika.remunerasi.tables import MonthTotal

    with pytest.raises(MonthTotal.DoesNotExist):
        total(nip)


def total(nip: str, period: str = "2026-11") -> Any:
    from replika.remunerasi import keys
    from replika.remunerasi.tables import MonthTotal

    return MonthTotal.get(*keys.TOTALS.key(period, nip))


def decide(
    c: Client, action: str, entries: list[dict[str, Any]], headers: dict[str, str], reason: str | None = None
) -> Any:
    refs = [{"nip": e["nip"], "entry_id": e["entry_id"], "version": e["version"]} for e in entries]
    payload: dict[str, Any] = {"action": action, "entries": refs}
    if reason:
        payload["reason"] = reason
    return post(c, "/decisions", payload, headers)


class TestCatalogue:
    def test_only_hr_manages_the_catalogue(self, client: Client) -> None:
        r = post(client, "/activities", {"code": "X1", "name": "Kegiatan X", "minutes": 30}, ME)
        err(r, 403, "forbidden")

    def test_duplicate_code_is_409_and_stale_version_is_409(self, client: Client) -> None:
        err(post(client, "/activities", {"code": "RAPAT", "name": "Rapat lain", "minutes": 30}, HR), 409)
        r = client.http.put(
            "/activities/RAPAT",
            headers={**HR, "Content-Type": "application/json"},
            body=json.dumps({"code": "RAPAT", "name": "Rapat", "minutes": 45, "version": 9}),
        )
        err(r, 409, "conflict")

    def test_csv_import_all_or_nothing(self, client: Client) -> None:
        bad = "kode,nama,menit\nK1,Kegiatan satu,30\nK2,Kegiatan dua,abc\nK1,Kegiatan lagi,30\n"
        r = client.http.post("/activities/import", body=bad, headers={**HR, "Content-Type": "text/csv"})
        e = err(r, 400, "import_rejected")
        assert [(p["line"], p["column"]) for p in e["details"]["problems"]] == [(3, "menit"), (4, "kode")]
        listed = body(client.http.get("/activities?limit=100", headers=ME))["items"]
        assert {a["code"] for a in listed} == {"RAPAT", "AUDIT"}
        good = "kode,nama,menit,jabatan\nK1,Kegiatan satu,30,\nK2,Kegiatan dua,45,A|B\n"
        r = client.http.post("/activities/import", body=good, headers={**HR, "Content-Type": "text/csv"})
        assert body(r) == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
        r = client.http.post("/activities/import", body=good, headers={**HR, "Content-Type": "text/csv"})
        assert body(r)["unchanged"] == 2


class TestLog:
    def test_log_entry_is_pending_with_minutes(self, client: Client) -> None:
        e = body(log(client))
        assert (e["status"], e["minutes"], e["approver_nip"]) == ("pending", 120, CHIEF.nip)

    def test_retry_with_idempotency_key_creates_one_entry(self, client: Client) -> None:
        first = log(client, **{})
        key = {"Idempotency-Key": "mobile-retry-0001"}
        a = post(
            client,
            "/entries",
            {"entry_date": "2026-11-18", "activity_code": "RAPAT", "quantity": 1},
            ME,
            **key,
        )
        b = post(
            client,
            "/entries",
            {"entry_date": "2026-11-18", "activity_code": "RAPAT", "quantity": 1},
            ME,
            **key,
        )
        assert a.status_code == b.status_code == 201
        assert body(a)["entry_id"] == body(b)["entry_id"]
        page = body(client.http.get("/me/entries?period=2026-11", headers=ME))
        assert len(page["items"]) == 2 and body(first)["entry_id"] in {i["entry_id"] for i in page["items"]}

    @pytest.mark.parametrize(
        ("payload", "status", "code"),
        [
            ({"activity_code": "NOPE"}, 400, "unknown_activity"),
            ({"activity_code": "AUDIT"}, 400, "activity_not_allowed"),
            ({"quantity": 0}, 400, "validation_failed"),
            ({"quantity": 51}, 400, "validation_failed"),
            ({"entry_date": "2026-11-21"}, 400, "invalid_date"),  # tomorrow
            ({"entry_date": "2026-11-12"}, 400, "invalid_date"),  # 6 working days back
            ({"entry_date": "2026-11-15"}, 400, "overtime_required"),  # Sunday, not flagged
            ({"unknown_field": 1}, 400, "validation_failed"),
        ],
    )
    def test_rules_give_clear_errors(
        self, client: Client, payload: dict[str, Any], status: int, code: str
    ) -> None:
        data = {"entry_date": "2026-11-19", "activity_code": "RAPAT", "quantity": 1, **payload}
        err(post(client, "/entries", data, ME), status, code)
        assert body(client.http.get("/me/entries?period=2026-11", headers=ME))["items"] == []

    def test_sunday_overtime_is_accepted(self, client: Client) -> None:
        assert log(client, "2026-11-15", overtime=True).status_code == 201

    def test_edit_and_delete_only_while_pending_and_only_by_owner(self, client: Client) -> None:
        e = body(log(client))
        path = f"/entries/{STAFF.nip}/{e['entry_id']}"
        r = client.http.patch(
            path,
            body=json.dumps({"version": e["version"], "quantity": 3}),
            headers={**BOSS, "Content-Type": "application/json"},
        )
        err(r, 403)
        r = client.http.patch(
            path,
            body=json.dumps({"version": e["version"], "quantity": 3}),
            headers={**ME, "Content-Type": "application/json"},
        )
        assert body(r)["minutes"] == 180
        stale = client.http.patch(
            path,
            body=json.dumps({"version": e["version"], "quantity": 4}),
            headers={**ME, "Content-Type": "application/json"},
        )
        err(stale, 409)
        e2 = body(r)
        assert decide(client, "approve", [e2], BOSS).status_code == 200
        err(client.http.delete(f"{path}?version={e2['version'] + 1}", headers=ME), 409, "not_pending")

    def test_who_reads_a_log(self, client: Client) -> None:
        log(client)
        path = f"/employees/{STAFF.nip}/entries?period=2026-11"
        assert len(body(client.http.get(path, headers=BOSS))["items"]) == 1
        assert len(body(client.http.get(path, headers=HR))["items"]) == 1
        err(client.http.get(path, headers=OTHER), 404)
        err(client.http.get(path, headers=COLLEAGUE), 404)


class TestDecisions:
    def test_approve_updates_running_totals_in_the_same_transaction(self, client: Client) -> None:
        a, b = body(log(client, qty=2)), body(log(client, "2026-11-18", qty=3))
        assert {e["entry_id"] for e in body(client.http.get("/pending", headers=BOSS))["items"]} == {
            a["entry_id"],
            b["entry_id"],
        }
        r = decide(client, "approve", [a, b], BOSS)
        assert [e["status"] for e in body(r)["decided"]] == ["approved", "approved"]
        t = total(STAFF.nip)
        assert (t.approved_minutes, t.d19, t.d18, t.opd_code) == (300, 120, 180, STAFF.opd_code)
        from replika.remunerasi.tables import OpdTotal

        o = OpdTotal.get("OPDTOT#2026-11", STAFF.opd_code)
        assert (o.approved_minutes, o.approved_entries) == (300, 2)
        assert body(client.http.get("/pending", headers=BOSS))["items"] == []

    def test_approving_twice_or_a_changed_entry_is_409(self, client: Client) -> None:
        e = body(log(client))
        assert decide(client, "approve", [e], BOSS).status_code == 200
        err(decide(client, "approve", [e], BOSS), 409)
        e2 = body(log(client, "2026-11-18"))
        err(decide(client, "approve", [{**e2, "version": e2["version"] + 1}], BOSS), 409, "conflict")
        assert total(STAFF.nip).approved_minutes == 120

    @pytest.mark.parametrize("who", ["self", "other_opd_chief", "colleague", "hr"])
    def test_only_the_direct_supervisor_decides(self, client: Client, who: str) -> None:
        headers = {"self": ME, "other_opd_chief": OTHER, "colleague": COLLEAGUE, "hr": HR}[who]
        e = body(log(client))
        err(decide(client, "approve", [e], headers), 403, "forbidden")

    def test_one_foreign_entry_refuses_the_whole_batch(self, client: Client) -> None:
        mine = body(log(client))
        theirs = body(log(client, headers=auth_header(OTHER_CHIEF.nip, OTHER_CHIEF.opd_code, "pegawai")))
        err(decide(client, "approve", [mine, theirs], BOSS), 403)
        assert (
            body(client.http.get(f"/employees/{STAFF.nip}/entries?period=2026-11", headers=ME))["items"][0][
                "status"
            ]
            == "pending"
        )

    def test_reject_needs_a_reason_and_counts_nothing(self, client: Client) -> None:
        e = body(log(client))
        err(decide(client, "reject", [e], BOSS), 400, "reason_required")
        r = decide(client, "reject", [e], BOSS, reason="Tidak ada bukti")
        assert body(r)["decided"][0]["reason"] == "Tidak ada bukti"
        assert_no_total(STAFF.nip)

    def test_unapprove_takes_minutes_back_and_requeues(self, client: Client) -> None:
        e = body(log(client))
        approved = body(decide(client, "approve", [e], BOSS))["decided"][0]
        r = decide(client, "unapprove", [approved], BOSS)
        assert body(r)["decided"][0]["status"] == "pending"
        assert (total(STAFF.nip).approved_minutes, total(STAFF.nip).d19) == (0, 0)
        assert [i["entry_id"] for i in body(client.http.get("/pending", headers=BOSS))["items"]] == [
            e["entry_id"]
        ]

    def test_bulk_of_100(self, client: Client) -> None:
        entries = [body(log(client, "2026-11-19" if i % 2 else "2026-11-18", qty=1)) for i in range(100)]
        r = decide(client, "approve", entries, BOSS)
        assert r.status_code == 200 and len(body(r)["decided"]) == 100
        assert total(STAFF.nip).approved_minutes == 6000
        err(
            post(
                client,
                "/decisions",
                {
                    "action": "approve",
                    "entries": [
                        {"nip": STAFF.nip, "entry_id": f"20261119-{i:05d}", "version": 1} for i in range(101)
                    ],
                },
                BOSS,
            ),
            400,
            "validation_failed",
        )

    def test_acting_supervisor_approves_within_dates(self, client: Client) -> None:
        e = body(log(client))
        r = post(
            client,
            "/acting",
            {"acting_nip": OTHER_CHIEF.nip, "for_nip": CHIEF.nip, "start": "2026-11-16", "end": "2026-11-30"},
            HR,
        )
        assert r.status_code == 201
        assert [i["entry_id"] for i in body(client.http.get("/pending", headers=OTHER))["items"]] == [
            e["entry_id"]
        ]
        assert decide(client, "approve", [e], OTHER).status_code == 200
        early = body(log(client, "2026-11-13"))  # before the Plt's range
        err(decide(client, "approve", [early], OTHER), 403)
        err(
            post(
                client,
                "/acting",
                {
                    "acting_nip": OTHER_CHIEF.nip,
                    "for_nip": CHIEF.nip,
                    "start": "2026-11-16",
                    "end": "2026-11-30",
                },
                ME,
            ),
            403,
        )


class TestLock:
    def test_locked_period_refuses_entries_decisions_and_imports(self, client: Client) -> None:
        from replika.remunerasi.tables import PayrollRun

        e = body(log(client))
        PayrollRun("RUN#2026-11", "RUN", period="2026-11", state="locked").save()
        err(log(client, "2026-11-18"), 409, "period_locked")
        err(decide(client, "approve", [e], BOSS), 409, "period_locked")
        csv = f"nip,tanggal,masuk,pulang\n{STAFF.nip},2026-11-19,07:45,16:00\n"
        err(client.http.post("/attendance/import", body=csv, headers={**HR, "Content-Type": "text/csv"}), 409)
        r = client.http.put(
            f"/employees/{STAFF.nip}/behaviour/2026-11",
            body=json.dumps({"score": 80}),
            headers={**BOSS, "Content-Type": "application/json"},
        )
        err(r, 409, "period_locked")


class TestAttendance:
    def test_import_classifies_and_reimport_replaces(self, client: Client) -> None:
        csv = (
            f"nip,tanggal,masuk,pulang,keterangan,cuti_nomor\n{STAFF.nip},2026-11-19,08:05,16:00,,\n"
            f"{STAFF.nip},2026-11-18,,,,\n{STAFF.nip},2026-11-17,,,cuti,800/123-BKPSDM\n"
            f"{STAFF.nip},2026-11-15,,,,\n"
        )
        r = client.http.post("/attendance/import", body=csv, headers={**HR, "Content-Type": "text/csv"})
        assert body(r)["rows"] == 3  # Sunday skipped
        t = total(STAFF.nip)
        assert (t.a19, t.c19, t.a18, t.c18, t.a17, t.c17) == (100, "TL2", 300, "TK", 0, "CUTI")
        again = f"nip,tanggal,masuk,pulang\n{STAFF.nip},2026-11-19,07:30,16:00\n"
        client.http.post("/attendance/import", body=again, headers={**HR, "Content-Type": "text/csv"})
        t = total(STAFF.nip)
        assert (t.a19, t.c19, t.a18) == (0, "H", 300)
        month = body(client.http.get(f"/employees/{STAFF.nip}/attendance?period=2026-11", headers=ME))
        assert month["total_deduction_pct"] == "3"

    def test_bad_rows_reject_the_file(self, client: Client) -> None:
        csv = (
            f"nip,tanggal,masuk,pulang\n{STAFF.nip},2026-11-19,08:05,16:00\n{STAFF.nip},2026-13-01,07:00,16:00\n"
            f"123,2026-11-19,07:00,16:00\n"
        )
        e = err(
            client.http.post("/attendance/import", body=csv, headers={**HR, "Content-Type": "text/csv"}), 400
        )
        assert [p["line"] for p in e["details"]["problems"]] == [3, 4]
        assert_no_total(STAFF.nip)

    def test_pegawai_cannot_import(self, client: Client) -> None:
        csv = f"nip,tanggal,masuk,pulang\n{STAFF.nip},2026-11-19,08:05,16:00\n"
        err(client.http.post("/attendance/import", body=csv, headers={**ME, "Content-Type": "text/csv"}), 403)


class TestDiscipline:
    def test_heaviest_sentence_applies_to_each_month(self, client: Client) -> None:
        r = post(
            client,
            "/sentences",
            {"nip": STAFF.nip, "level": "berat", "start_period": "2026-11", "end_period": "2026-12"},
            HR,
        )
        assert body(r)["cut_pct"] == "40"
        post(
            client,
            "/sentences",
            {"nip": STAFF.nip, "level": "ringan", "start_period": "2026-12", "end_period": "2027-01"},
            HR,
        )
        assert [total(STAFF.nip, p).sentence_pct for p in ("2026-11", "2026-12", "2027-01")] == [40, 40, 20]
        err(
            post(
                client,
                "/sentences",
                {"nip": STAFF.nip, "level": "berat", "start_period": "2026-11", "end_period": "2026-11"},
                BOSS,
            ),
            403,
        )

    def test_behaviour_rated_by_the_supervisor_only(self, client: Client) -> None:
        put = {"Content-Type": "application/json"}
        r = client.http.put(
            f"/employees/{STAFF.nip}/behaviour/2026-11",
            body=json.dumps({"score": 85}),
            headers={**BOSS, **put},
        )
        assert body(r)["score"] == 85 and total(STAFF.nip).behaviour == 85
        for who in (ME, OTHER, COLLEAGUE):
            r = client.http.put(
                f"/employees/{STAFF.nip}/behaviour/2026-11",
                body=json.dumps({"score": 99}),
                headers={**who, **put},
            )
            err(r, 403)
        r = client.http.put(
            f"/employees/{STAFF.nip}/behaviour/2026-11",
            body=json.dumps({"score": 101}),
            headers={**BOSS, **put},
        )
        err(r, 400, "validation_failed")


def test_every_decision_is_in_the_verifiable_audit_chain(client: Client) -> None:
    from replika.core import audit

    e = body(log(client))
    decide(client, "approve", [e], BOSS)
    catalogue = audit.verify("remunerasi/activity")
    assert catalogue.ok and catalogue.count == 2  # two catalogue puts
    trail = audit.verify(f"remunerasi/opd/{STAFF.opd_code}")  # decisions: one chain per OPD
    assert trail.ok and trail.count == 1


def test_the_app_registers_the_tested_payroll_schedule(region_stack: dict[str, str]) -> None:
    from replika.remunerasi import payroll, service

    app = load_app("remunerasi")
    schedules = {
        getattr(s, "name", None): getattr(s, "schedule_expression", None)
        for s in app.event_sources
        if hasattr(s, "schedule_expression")
    }
    expected = payroll.payroll_schedule_expression(service.region())
    assert expected == "cron(0 18 L * ? *)"  # 01:00 WIB on the 1st
    assert schedules["monthly_payroll"] == expected
