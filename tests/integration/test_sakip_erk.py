"""The E-RK link: entries logged and approved through e-Remunerasi's own use cases roll up, through
e-SAKIP's read-only port, into person-minutes per linked sub-activity — exactly the sum of the
approved minutes of the linked entries — with the flags, the employee's served targets, and a
refresh that is idempotent and follows un-approvals."""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from botocore.client import BaseClient
from chalice.test import Client

from replika.core.auth import Principal, Role
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s

CATALOGUE = (
    "kode,nama,menit\nRAPAT,Rapat koordinasi,60\nSURAT,Menyusun konsep surat dinas,30\n"
    "LAYAN,Melayani masyarakat,20\n"
)
WORKERS_A = [e for e in s.PEOPLE if e.opd_code == s.OPD_A and e.supervisor_nip][:3]
WORKER_B = next(e for e in s.PEOPLE if e.opd_code == s.OPD_B and e.supervisor_nip)


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from replika.remunerasi import service as rem

    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    rem.import_activities(CATALOGUE.encode(), actor="test", request_id=None)
    return region_stack


def pegawai(e: Any) -> Principal:
    return s.principal(Role.PEGAWAI, e)


def boss_of(e: Any) -> Principal:
    boss = next(x for x in s.PEOPLE if x.nip == e.supervisor_nip)
    return s.principal(Role.PEGAWAI, boss)


def log_and_decide() -> list[Any]:
    """Three entries per worker of A (the last one of the first worker left pending, the LAYAN of
    the second rejected) and one of B's worker; everything else approved."""
    from replika.remunerasi import service as rem
    from replika.remunerasi.models import DecisionIn, EntryIn, EntryRef

    made = []
    plan = [(e, [("RAPAT", 2), ("SURAT", 1), ("LAYAN", 3)]) for e in WORKERS_A] + [(WORKER_B, [("RAPAT", 1)])]
    for person, rows in plan:
        for code, qty in rows:
            out = rem.create_entry(
                pegawai(person), EntryIn(entry_date=date(2026, 7, 6), activity_code=code, quantity=qty)
            )
            made.append((person, out))
    pending = made[2]  # WORKERS_A[0]'s LAYAN
    rejected = made[5]  # WORKERS_A[1]'s LAYAN
    for person, out in made:
        if out is pending[1]:
            continue
        action = "reject" if out is rejected[1] else "approve"
        rem.decide(
            boss_of(person),
            DecisionIn(
                action=action,
                entries=[EntryRef(nip=person.nip, entry_id=out.entry_id, version=out.version)],
                reason="x" if action == "reject" else None,
            ),
            request_id=None,
        )
    return made


def link(who: Any, activity: str, sub: str, opd: str = "*") -> None:
    from replika.sakip import erk
    from replika.sakip.models import ErkLinkIn

    erk.put_link(who, s.PERIOD, activity, ErkLinkIn(sub_activity=sub, opd=opd), None)


def expected_minutes(links: dict[tuple[str, str], str]) -> tuple[dict[str, int], int]:
    """Straight from e-Remunerasi's log: approved entries of July 2026, by the link rule."""
    from replika.remunerasi.tables import Entry

    per_sub: dict[str, int] = defaultdict(int)
    unlinked = 0
    for person in [*WORKERS_A, WORKER_B]:
        for e in Entry.query(f"LOG#{person.nip}#2026-07"):
            if e.status != "approved":
                continue
            sub = links.get((e.activity_code, e.opd_code)) or links.get((e.activity_code, "*"))
            if sub is None:
                unlinked += int(e.minutes)
            else:
                per_sub[sub] += int(e.minutes)
    return dict(per_sub), unlinked


@contextlib.contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, str, list[str]]]]:
    """Every DynamoDB call made inside: (operation, table, the key values it names)."""
    seen: list[tuple[str, str, list[str]]] = []
    real = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            values = params.get("ExpressionAttributeValues") or {}
            named = [v["S"] for v in values.values() if "S" in v]
            for req in (params.get("RequestItems") or {}).values():
                named += [k["pk"]["S"] for k in req.get("Keys", [])] if isinstance(req, dict) else []
            table = params.get("TableName") or ",".join(params.get("RequestItems") or {})
            seen.append((operation, table, named))
        return real(self, operation, params)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(BaseClient, "_make_api_call", counted)
        yield seen


def test_person_minutes_are_the_approved_minutes_of_linked_entries(sakip: dict[str, str]) -> None:
    from replika.remunerasi import service as rem
    from replika.remunerasi.models import DecisionIn, EntryRef
    from replika.sakip import erk

    made = log_and_decide()
    link(s.BAPPEDA, "RAPAT", "A.P1.K1.S1")  # every OPD without its own link
    link(s.STAFF_A, "SURAT", "A.P1.K1.S2", s.OPD_A)  # an OPD links its own activity
    link(s.BAPPEDA, "RAPAT", "B.P1.K1.S1", s.OPD_B)  # B's own link wins over "*"
    with pytest.raises(Forbidden):
        link(s.STAFF_A, "LAYAN", "B.P1.K1.S1", s.OPD_A)  # not A's sub-activity
    with pytest.raises(Forbidden):
        link(s.STAFF_A, "LAYAN", "A.P1.K1.S1")  # "*" is Bappeda's
    with pytest.raises(NotFound):  # not in the E-RK catalogue
        link(s.BAPPEDA, "NOPE", "A.P1.K1.S1")
    with pytest.raises(Conflict):
        link(s.BAPPEDA, "LAYAN", "A.P1.K1")  # an activity, not a sub-activity
    links = {("RAPAT", "*"): "A.P1.K1.S1", ("SURAT", s.OPD_A): "A.P1.K1.S2", ("RAPAT", s.OPD_B): "B.P1.K1.S1"}
    per_sub, unlinked = expected_minutes(links)
    assert per_sub == {"A.P1.K1.S1": 360, "A.P1.K1.S2": 90, "B.P1.K1.S1": 60}
    assert unlinked == 60  # LAYAN x 3 of the third worker

    with dynamodb_calls() as seen:
        done = erk.refresh(2026, 3)
    assert (done.opds, done.employees, done.linked_minutes, done.unlinked_minutes) == (2, 4, 510, 60)
    assert done.unattributed_minutes == 0 and done.next_cursor is None
    # read from e-Remunerasi's month totals, never from its log, in a number of reads that does
    # not grow with the employees: per month the OPD list, per OPD and month its activity totals
    # (1 Query) and its month totals (8 shard Queries); nothing else of e-Remunerasi's table
    rem_reads = [(op, keys) for op, table, keys in seen if table.endswith("remunerasi")]
    assert {op for op, _ in rem_reads} == {"Query"}
    assert not any(k.startswith("LOG#") for _, keys in rem_reads for k in keys)
    assert len(rem_reads) == 3 + 2 * 3 * (1 + 8)
    assert erk.refresh(2026, 3) == done  # idempotent
    region = erk.rollup(s.BAPPEDA, 2026, 3, None)
    got = {i.code: i.minutes for i in region.items if i.minutes}
    assert got == per_sub and region.minutes == sum(per_sub.values())
    flags = {i.code: i.flag for i in region.items}
    assert flags["A.P1.K1.S1"] == "work_without_results"  # minutes, but no realisation yet
    mine = erk.rollup(s.STAFF_A, 2026, 3, None)  # OPD staff see their OPD's
    assert {i.owner for i in mine.items} == {s.OPD_A}
    with pytest.raises(Forbidden):
        erk.rollup(s.STAFF_A, 2026, 3, s.OPD_B)

    worker = WORKERS_A[0]
    served = erk.my_work(pegawai(worker), 2026)
    assert [(x.sub_activity, x.minutes, x.quarters) for x in served.served] == [
        ("A.P1.K1.S1", 120, [3]),
        ("A.P1.K1.S2", 30, [3]),
    ]
    assert [step.code for step in served.served[0].path] == [
        "A.P1.K1",
        "A.P1",
        "A.SS1",
        "S1",
        "T1",
        "M1",
        "V",
    ]

    # an un-approval takes the minutes out at the next refresh
    person, out = made[0]
    current = rem.list_entries(pegawai(person), person.nip, "2026-07", 10, None).items
    rapat = next(e for e in current if e.entry_id == out.entry_id)
    rem.decide(
        boss_of(person),
        DecisionIn(
            action="unapprove",
            entries=[EntryRef(nip=person.nip, entry_id=rapat.entry_id, version=rapat.version)],
        ),
        request_id=None,
    )
    erk.refresh(2026, 3, s.OPD_A)
    after = {i.code: i.minutes for i in erk.rollup(s.BAPPEDA, 2026, 3, None).items}
    assert after["A.P1.K1.S1"] == 240
    assert {x.sub_activity: x.minutes for x in erk.my_work(pegawai(person), 2026).served} == {
        "A.P1.K1.S2": 30
    }


def test_results_without_work_and_the_routes(sakip: dict[str, str]) -> None:
    from replika.sakip import erk, realisation
    from replika.sakip.models import RealisationIn

    realisation.put_quarter(
        s.STAFF_B,
        2026,
        "B.P1.K1.S2",
        2,
        RealisationIn.model_validate({"values": {"D1": {"value": "9"}}}),
        None,
    )
    erk.refresh(2026, 2)
    items = {i.code: i for i in erk.rollup(s.BAPPEDA, 2026, 2, s.OPD_B).items}
    assert items["B.P1.K1.S2"].flag == "results_without_work" and items["B.P1.K1.S2"].minutes == 0
    with Client(load_app("sakip")) as client:
        h = s.headers_of(s.BAPPEDA)
        r = client.http.put(
            f"/erk/links/{s.PERIOD}/RAPAT", headers=h, body=json.dumps({"sub_activity": "A.P1.K1.S1"})
        )
        assert r.status_code == 200, r.body
        # what the request names that is not stored is a 404; a stored node of another level a 409
        for activity, sub, status, code in (
            ("NOPE", "A.P1.K1.S1", 404, "unknown_activity"),
            ("RAPAT", "A.P1.K1.S9", 404, "unknown_sub_activity"),
            ("RAPAT", "A.P1.K1", 409, "not_a_sub_activity"),
        ):
            r = client.http.put(
                f"/erk/links/{s.PERIOD}/{activity}", headers=h, body=json.dumps({"sub_activity": sub})
            )
            assert (r.status_code, json.loads(r.body)["error"]["code"]) == (status, code), r.body
        r = client.http.get(f"/erk/links/{s.PERIOD}", headers=s.headers_of(s.STAFF_B))
        assert [(x["activity"], x["sub_activity_name"]) for x in json.loads(r.body)["items"]] == [
            ("RAPAT", "Node A.P1.K1.S1")
        ]
        r = client.http.post("/erk/rollups/2026/3/refresh", headers=s.headers_of(s.STAFF_A), body=b"{}")
        assert r.status_code == 403
        r = client.http.post("/erk/rollups/2026/3/refresh", headers=h, body=json.dumps({"opd": s.OPD_A}))
        assert r.status_code == 200 and json.loads(r.body)["opds"] == 1
        r = client.http.delete(f"/erk/links/{s.PERIOD}/RAPAT", headers=h)
        assert r.status_code == 204
        r = client.http.get("/erk/me?year=2026", headers=s.headers_of(s.STAFF_A))
        assert r.status_code == 200 and json.loads(r.body)["served"] == []


def test_a_refresh_of_every_opd_goes_page_by_page(
    sakip: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an OPD a refresh does a bounded number of OPDs and hands back a cursor; the pages
    together are the whole refresh, and the nightly job walks them all."""
    from replika.sakip import erk

    log_and_decide()
    link(s.BAPPEDA, "RAPAT", "A.P1.K1.S1")
    whole = erk.refresh(2026, 3)
    monkeypatch.setattr(erk, "OPDS_PER_CALL", 1)
    first = erk.refresh(2026, 3)
    assert first.opds == 1 and first.next_cursor
    second = erk.refresh(2026, 3, cursor=first.next_cursor)
    assert second.opds == 1 and second.next_cursor is None
    assert first.linked_minutes + second.linked_minutes == whole.linked_minutes
    assert first.employees + second.employees == whole.employees
    with pytest.raises(BadRequest):
        erk.refresh(2026, 4, cursor=first.next_cursor)  # a cursor of another quarter
    monkeypatch.setattr(erk, "quarters_to_refresh", lambda today: [(2026, 3)])
    assert [p.opds for p in erk.nightly()] == [1, 1]
