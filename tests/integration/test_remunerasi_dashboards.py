"""Dashboards, worked by hand: the OPD workload dashboard and an employee's projected allowance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig, load_region_config, region_config_path
from replika.core.errors import Forbidden, NotFound

PERIOD = "2026-08"
A, B, C = "32.73.01", "32.73.02", "32.73.03"


def nip(n: int) -> str:
    return f"1990010120150110{n:02d}"


def who(nip_: str | None, opd: str | None, *roles: Role) -> Principal:
    return Principal(subject=f"s-{nip_}", username=f"u-{nip_}", roles=frozenset(roles), nip=nip_, opd=opd)


@pytest.fixture
def config() -> RegionConfig:
    return load_region_config(region_config_path("kota-bandung"))  # target 6,000 minutes


def opd(code: str, name: str) -> None:
    from replika.directory.tables import OPD, DirectoryItem, opd_key

    DirectoryItem(opd_key(code), OPD, kind=OPD, code=code, name=name).save()


def employee(n: int, opd_code: str, *, kelas: int = 9, active: bool = True) -> None:
    from replika.directory.tables import EMP, DirectoryItem, emp_key

    DirectoryItem(
        emp_key(nip(n)),
        EMP,
        kind=EMP,
        nip=nip(n),
        name=f"Pegawai {n}",
        opd_code=opd_code,
        position_code="P1",
        position_name="Analis",
        kelas=kelas,
        active=active,
    ).save()


def month_total(n: int, opd_code: str, days: dict[int, int], period: str = PERIOD, **kw: Any) -> None:
    from replika.remunerasi import keys
    from replika.remunerasi.tables import MonthTotal, day_attr

    item = MonthTotal(
        *keys.TOTALS.key(period, nip(n)),
        gsi1pk=keys.TOTALS.opd_pk(period, opd_code, nip(n)),
        gsi1sk=nip(n),
        nip=nip(n),
        period=period,
        opd_code=opd_code,
        approved_minutes=sum(days.values()),
        **kw,
    )
    for d, m in days.items():
        setattr(item, day_attr("d", d), m)
    item.save()


def opd_total(code: str, minutes: int) -> None:
    from replika.remunerasi.tables import OpdTotal

    OpdTotal(f"OPDTOT#{PERIOD}", code, opd_code=code, period=PERIOD, approved_minutes=minutes).save()


@pytest.fixture
def three_opds(region_stack: dict[str, str]) -> None:
    """Target 6,000 minutes.

    | OPD | employees (directory)      | month totals            | total  | average | under | ratio  |
    | A   | 1, 2, 3, 4                 | 6,600  6,000  3,000  -  | 15,600 | 3,900   | 2/4   | 0.65   |
    | B   | 5, 6                       | 7,200  6,000            | 13,200 | 6,600   | 0/2   | 1.10   |
    | C   | 7, 8, 9 (+10 inactive)     | 1,500  -  -             |  1,500 |   500   | 3/3   | 0.0833 |

    Employee 4, 8 and 9 have no month total: 0 minutes, under target. Ranking: B, A, C.
    Region: 9 employees, 30,300 minutes, average 3,366.67, 5 under target.
    """
    opd(A, "Dinas Komunikasi dan Informatika")
    opd(B, "Badan Kepegawaian dan Pengembangan SDM")
    opd(C, "Kecamatan Coblong")
    for n in (1, 2, 3, 4):
        employee(n, A)
    for n in (5, 6):
        employee(n, B)
    for n in (7, 8, 9):
        employee(n, C)
    employee(10, C, active=False)
    # 300 minutes a day over 22 days = 6,600, etc. (only the sums matter here)
    month_total(1, A, {d: 300 for d in range(3, 25)})
    month_total(2, A, {d: 300 for d in range(3, 23)})
    month_total(3, A, {d: 300 for d in range(3, 13)})
    month_total(5, B, {d: 300 for d in range(3, 27)})
    month_total(6, B, {d: 300 for d in range(3, 23)})
    month_total(7, C, {d: 300 for d in range(3, 8)})
    month_total(5, B, {3: 60}, period="2026-07")  # another period: not counted
    opd_total(A, 15_600)
    opd_total(B, 13_200)
    opd_total(C, 1_500)


class TestOpdDashboard:
    def test_worked_example(self, three_opds: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import opd_dashboard

        out = opd_dashboard(PERIOD, config=config)
        assert out.target_minutes == 6_000
        got = [
            (
                o.rank,
                o.opd_code,
                o.employees,
                o.employees_with_minutes,
                o.total_minutes,
                o.average_minutes,
                o.under_target,
                o.under_target_pct,
                o.load_ratio,
            )
            for o in out.opds
        ]
        assert got == [
            (1, B, 2, 2, 13_200, Decimal("6600.00"), 0, Decimal("0.00"), Decimal("1.1000")),
            (2, A, 4, 3, 15_600, Decimal("3900.00"), 2, Decimal("50.00"), Decimal("0.6500")),
            (3, C, 3, 1, 1_500, Decimal("500.00"), 3, Decimal("100.00"), Decimal("0.0833")),
        ]
        assert out.opds[0].opd_name == "Badan Kepegawaian dan Pengembangan SDM"
        assert out.region_employees == 9
        assert out.region_total_minutes == 30_300
        assert out.region_average_minutes == Decimal("3366.67")
        assert out.region_under_target == 5

    def test_opd_without_opd_total_sums_month_totals(self, three_opds: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import opd_dashboard
        from replika.remunerasi.tables import OpdTotal

        OpdTotal.get(f"OPDTOT#{PERIOD}", A).delete()
        a = next(o for o in opd_dashboard(PERIOD, config=config).opds if o.opd_code == A)
        assert a.total_minutes == 15_600 and a.rank == 2

    def test_empty_period(self, three_opds: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import opd_dashboard

        out = opd_dashboard("2026-09", config=config)
        assert [(o.opd_code, o.total_minutes, o.under_target_pct) for o in out.opds] == [
            (A, 0, Decimal("100.00")),
            (B, 0, Decimal("100.00")),
            (C, 0, Decimal("100.00")),
        ]

    @pytest.mark.parametrize("role", [Role.BKPSDM, Role.BPKAD, Role.ADMIN])
    def test_region_roles_see_every_opd(self, three_opds: None, config: RegionConfig, role: Role) -> None:
        from replika.remunerasi.dashboards import opd_dashboard_for

        out = opd_dashboard_for(who(nip(5), B, role), PERIOD, config)
        assert [o.opd_code for o in out.opds] == [B, A, C]

    def test_others_see_only_their_opd_with_its_rank(self, three_opds: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import opd_dashboard_for

        out = opd_dashboard_for(who(nip(1), A, Role.PEGAWAI), PERIOD, config)
        assert [(o.opd_code, o.rank) for o in out.opds] == [(A, 2)]
        assert out.region_employees == 4 and out.region_total_minutes == 15_600
        with pytest.raises(Forbidden):
            opd_dashboard_for(who("199001012015011099", None, Role.PEGAWAI), PERIOD, config)


class TestEmployeeDashboard:
    """August 2026 in Kota Bandung: working days 3–7, 10–14, 18–21, 24, 26–28, 31 = 19 (17 August
    is Independence Day, 25 August the Prophet's Birthday). Today Friday 14 August: 10 working days
    elapsed (today included), 9 remaining.

    Employee 1 (kelas 9, base 3,450,000) logged 250 minutes on each working day so far except
    400 on 4 August (capped at 300), 350 on Saturday 8 (assigned overtime, capped at 300) and 120 on
    Sunday 9 (assigned overtime): approved 9×250 + 400 + 350 + 120 = 3,120; countable
    2,250 + 300 + 300 + 120 = 2,970 (49.50 % of 6,000). Attendance: TL1 on 5 Aug (0.5 %) and TL2 on
    12 Aug (1 %) = 1.5 %; a light sentence (20 %).

    Projection × 19/10: approved 5,928, countable 5,643.
      kinerja  = 3,450,000 × 60 % × 5,643/6,000       = 1,946,835
      disiplin = 3,450,000 × 40 % × (1 − 1.5 %)        = 1,359,300
      gross    = (1,946,835 + 1,359,300) × 80 %        = 2,644,908   (cut 661,227)
      BPJS 4 % = 105,796.32 -> 105,796; 1 % = 26,449.08 -> 26,449; net = 2,618,459
    """

    TODAY = date(2026, 8, 14)

    @pytest.fixture
    def month(self, region_stack: dict[str, str]) -> None:
        from replika.remunerasi import keys
        from replika.remunerasi.tables import MonthTotal, day_attr

        employee(1, A, kelas=9)
        days = {d: 250 for d in (3, 5, 6, 7, 10, 11, 12, 13, 14)}
        days.update({4: 400, 8: 350, 9: 120})
        month_total(1, A, days, sentence_pct=20, sentence_level="ringan")
        item = MonthTotal.get(*keys.TOTALS.key(PERIOD, nip(1)))
        setattr(item, day_attr("a", 5), 50)
        setattr(item, day_attr("c", 5), "TL1")
        setattr(item, day_attr("a", 12), 100)
        setattr(item, day_attr("c", 12), "TL2")
        item.save()

    def test_worked_example(self, month: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import employee_dashboard

        out = employee_dashboard(nip(1), config=config, today_local=self.TODAY)
        assert (out.period, out.approved_minutes, out.countable_minutes) == (PERIOD, 3_120, 2_970)
        assert (out.target_minutes, out.progress_pct) == (6_000, Decimal("49.50"))
        assert (out.working_days_total, out.working_days_elapsed, out.working_days_remaining) == (19, 10, 9)
        assert out.attendance_deduction_pct == Decimal("1.5")
        assert out.sentence_cut_pct == Decimal("20")
        p = out.projection
        assert p is not None
        assert (p.approved_minutes, p.countable_minutes) == (5_928, 5_643)
        assert (p.base, p.kinerja_ratio, p.kinerja, p.disiplin) == (
            3_450_000,
            Decimal("0.9405"),
            1_946_835,
            1_359_300,
        )
        assert (p.sentence_cut, p.gross, p.bpjs_employer, p.bpjs_employee, p.net) == (
            661_227,
            2_644_908,
            105_796,
            26_449,
            2_618_459,
        )
        assert p.method == "linear_working_days"
        assert "linier" in out.projection_note and "19/10" in out.projection_note
        by_day = {d.day.day: (d.working_day, d.approved_minutes, d.countable_minutes) for d in out.days}
        assert by_day[4] == (True, 400, 300)
        assert by_day[8] == (False, 350, 300)
        assert by_day[9] == (False, 120, 120)

    def test_nothing_logged_yet(self, region_stack: dict[str, str], config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import employee_dashboard

        employee(2, A, kelas=1)
        out = employee_dashboard(nip(2), config=config, today_local=date(2026, 8, 1))  # a Saturday
        assert (out.approved_minutes, out.countable_minutes, out.working_days_elapsed) == (0, 0, 0)
        assert out.projection is not None
        # nothing worked, no deduction: only the disiplin part, 1,600,000 × 40 % = 640,000
        assert (out.projection.kinerja, out.projection.disiplin, out.projection.gross) == (
            0,
            640_000,
            640_000,
        )

    def test_access(self, month: None, config: RegionConfig) -> None:
        from replika.remunerasi.dashboards import employee_dashboard_for

        me = employee_dashboard_for(
            who(nip(1), A, Role.PEGAWAI), nip(1), config=config, today_local=self.TODAY
        )
        assert me.countable_minutes == 2_970
        with pytest.raises(Forbidden):  # a colleague, even in the same OPD
            employee_dashboard_for(
                who(nip(2), A, Role.PEGAWAI), nip(1), config=config, today_local=self.TODAY
            )
        hr = who(None, None, Role.BKPSDM)
        assert employee_dashboard_for(hr, nip(1), config=config, today_local=self.TODAY).nip == nip(1)
        with pytest.raises(NotFound):
            employee_dashboard_for(hr, nip(77), config=config, today_local=self.TODAY)


class TestOneMonthMapping:
    """The payroll run and the employee dashboard read a month total through the same
    ``rules.month_input``. They used to map it twice and differed on a month the rules cannot
    take: the run recorded a failed result, the dashboard crashed (``date.replace`` on day 31 of
    a 30-day month: a 500) or, for an employee without OPD, projected an allowance the run would
    never pay."""

    def test_bad_day_fails_the_run_and_the_dashboard_shows_no_projection(
        self, region_stack: dict[str, str], config: RegionConfig
    ) -> None:
        from replika.remunerasi import payroll
        from replika.remunerasi.dashboards import employee_dashboard
        from replika.remunerasi.store import employees, totals

        employee(5, A, kelas=9)
        month_total(5, A, {3: 200, 31: 100}, period="2026-09")  # September has 30 days
        cfg = config
        result = payroll.compute_chunk("2026-09", 1, [nip(5)], cfg)[0]
        assert result.status == "failed" and "31" in (result.reason or "")
        out = employee_dashboard(nip(5), config=cfg, today_local=date(2026, 9, 15))
        assert out.projection is None and "tidak valid" in out.projection_note
        assert employees.get(nip(5)) is not None and totals.get("2026-09", nip(5)) is not None

    def test_run_and_dashboard_agree_at_the_end_of_the_month(
        self, region_stack: dict[str, str], config: RegionConfig
    ) -> None:
        from replika.remunerasi import payroll
        from replika.remunerasi.dashboards import employee_dashboard

        employee(6, A, kelas=9)
        days = {d: 250 for d in (3, 5, 6, 7, 10, 11, 12, 13, 14)}
        days.update({4: 400, 8: 350, 9: 120, 31: 90})
        month_total(6, A, days, sentence_pct=30, sentence_level="sedang")
        result = payroll.compute_chunk(PERIOD, 1, [nip(6)], config)[0]
        out = employee_dashboard(nip(6), config=config, today_local=date(2026, 8, 31))
        p = out.projection
        assert result.status == "ok" and p is not None
        assert (out.approved_minutes, out.countable_minutes) == (
            result.approved_minutes,
            result.countable_minutes,
        )
        assert out.sentence_cut_pct == Decimal(result.sentence_cut_pct or "0")
        assert (p.kinerja, p.disiplin, p.gross, p.net) == (
            result.kinerja,
            result.disiplin,
            result.gross,
            result.net,
        )

    def test_no_opd_is_no_projection(self, region_stack: dict[str, str], config: RegionConfig) -> None:
        from replika.directory.tables import EMP, DirectoryItem, emp_key
        from replika.remunerasi import payroll
        from replika.remunerasi.dashboards import employee_dashboard

        DirectoryItem(emp_key(nip(7)), EMP, kind=EMP, nip=nip(7), name="Tanpa OPD", kelas=9).save()
        assert payroll.compute_chunk(PERIOD, 1, [nip(7)], config)[0].status == "failed"
        out = employee_dashboard(nip(7), config=config, today_local=date(2026, 8, 14))
        assert out.projection is None
