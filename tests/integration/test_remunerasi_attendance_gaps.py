"""Attendance gaps end to end (issue 14 §2, DOMAIN.md §1): import -> payroll -> run -> verify.

Worked examples: a missing row is TK; a day with no import is "missing" (on the run, the OPD
dashboard and the employee's month); verification needs the missing days acknowledged with a
reason (audited); unapproved leave is TK; no run before the region's go-live month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from replika.core.auth import Principal, Role
from replika.core.calendar import calendar_for
from replika.core.config import RegionConfig, load_region_config, region_config_path
from replika.core.errors import Conflict, ValidationFailed
from replika.remunerasi import payroll, rules, service
from replika.remunerasi.models import OpdDashboardOut
from replika_infra.demo import seed

PERIOD = "2026-08"
PEOPLE = seed.demo_employees(n_opd=2, n_employees=12)
BKPSDM = Principal(subject="sub-bkpsdm", username="hr", roles=frozenset({Role.BKPSDM}))


def bandung() -> RegionConfig:
    return load_region_config(region_config_path("kota-bandung"))


@pytest.fixture
def imported(region_stack: dict[str, str]) -> dict[str, list[str]]:
    """OPD A imports Monday 3 August: one employee on time, one with unapproved leave, one with
    approved leave, the rest no row. OPD B imports nothing."""
    from replika.directory import service as directory

    directory.import_directory(seed.to_csv(PEOPLE), actor="test")
    by_opd: dict[str, list[str]] = {}
    for e in PEOPLE:
        by_opd.setdefault(e.opd_code, []).append(e.nip)
    a = sorted(by_opd)[0]
    assert len(by_opd[a]) >= 4
    on_time, unapproved, approved = by_opd[a][:3]
    csv = (
        "nip,tanggal,masuk,pulang,keterangan,cuti_nomor\n"
        f"{on_time},2026-08-03,07:25,16:05,,\n"
        f"{unapproved},2026-08-03,,,cuti,\n"
        f"{approved},2026-08-03,,,cuti,800/17-BKPSDM\n"
    )
    service.import_attendance(csv.encode(), actor="test", request_id=None)
    return by_opd


def drain(config: RegionConfig) -> None:
    payroll.drain_local_queue(config=config, visibility_timeout=0, max_seconds=60)


def test_gaps_through_the_run(imported: dict[str, list[str]]) -> None:
    config = bandung()
    a, b = sorted(imported)
    on_time, unapproved, approved, *absent = imported[a]
    payroll.start_run(PERIOD, actor="test", config=config)
    drain(config)
    results = {r.nip: r for r in payroll.list_results(PERIOD, limit=100).items}

    # a missing row is TK, unapproved leave is TK, approved leave and on time cost nothing
    assert results[on_time].attendance_deduction_pct == Decimal(0)
    assert results[approved].attendance_deduction_pct == Decimal(0)
    assert results[unapproved].attendance_deduction_pct == Decimal(3)
    assert absent and all(results[n].attendance_deduction_pct == Decimal(3) for n in absent)
    # OPD B has no import at all: missing, not deducted
    assert all(results[n].attendance_deduction_pct == Decimal(0) for n in imported[b])

    # the run lists the missing days per OPD
    cal = calendar_for(config)
    working = [d for d in (date(2026, 8, i) for i in range(1, 32)) if cal.is_working_day(d)]
    run = payroll.get_run(PERIOD, BKPSDM)
    missing = {m.opd_code: m.days for m in run.attendance_missing}
    assert missing[b] == working
    assert missing[a] == [d for d in working if d != date(2026, 8, 3)]
    assert run.attendance_missing_days == 2 * len(working) - 1

    # the OPD dashboard shows them too
    board = {o.opd_code: o for o in payroll_dashboard(config).opds}
    assert board[b].attendance_missing == working and date(2026, 8, 3) not in board[a].attendance_missing

    # the employee's month: the day without a row is TK "no_record", the OPD's gaps are listed
    who = Principal(subject="sub-x", username="x", roles=frozenset({Role.BKPSDM}))
    month = service.attendance_month(who, absent[0], PERIOD)
    assert month.days["2026-08-03"] == {"codes": "TK", "deduction_bp": 300, "source": "no_record"}
    assert month.total_deduction_pct == "3" and len(month.missing_days) == len(working) - 1

    # verification: refused without an acknowledgement, or with a stale count; then audited
    with pytest.raises(Conflict) as refused:
        payroll.act(PERIOD, "verify", BKPSDM, config=config)
    assert refused.value.code == "attendance_missing"
    reason = "mesin sidik jari OPD B rusak sebulan"
    stale = rules.MissingAcknowledgement(reason, run.attendance_missing_days - 1)
    with pytest.raises(Conflict) as changed:
        payroll.act(PERIOD, "verify", BKPSDM, config=config, acknowledge=stale)
    assert changed.value.code == "attendance_missing_changed"
    ack = rules.MissingAcknowledgement(reason, run.attendance_missing_days)
    verified = payroll.act(PERIOD, "verify", BKPSDM, config=config, acknowledge=ack)
    assert verified.state == "verified" and verified.history[-1].reason == ack.reason

    from replika.core import audit

    trail = audit.trail(f"payroll#{PERIOD}").items
    record = next(t for t in trail if t.action == "remunerasi.payroll.verify")
    assert record.after["acknowledged"] == ack.reason
    assert len(record.after["attendance_missing"][b]) == len(working)


def payroll_dashboard(config: RegionConfig) -> OpdDashboardOut:
    from replika.remunerasi.dashboards import opd_dashboard

    return opd_dashboard(PERIOD, config=config)


def test_no_run_before_go_live(region_stack: dict[str, str]) -> None:
    config = bandung()
    # an implausible schedule time (1970) would compute 1969-12: nothing happens
    assert payroll.scheduled_run(datetime(1970, 1, 1, 0, 0, tzinfo=UTC), config=config) is None
    with pytest.raises(ValidationFailed) as refused:
        payroll.start_run("2024-12", actor="test", config=config)
    assert refused.value.code == "before_go_live"
