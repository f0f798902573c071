"""Dashboards of e-Remunerasi: the OPD workload dashboard and an employee's month so far.

OPD dashboard (:func:`opd_dashboard`), per OPD for one period:

* ``employees`` — headcount of active employees from the directory's ``by_opd`` index
  (``Select=COUNT`` per OPD, no items read, no scan); the OPD list is the directory's OPDs
  (``by_kind`` Query) plus any OPD that has totals in the period;
* ``total_minutes`` — approved minutes of the OPD (its ``OpdTotal`` item; when absent, the sum of
  its employees' ``MonthTotal`` items);
* ``average_minutes`` = total / employees, where employees without a ``MonthTotal`` count as 0
  minutes (the denominator is the larger of the headcount and the number of employees with
  totals, so a total is never spread over too few people); 2 decimals, half up;
* ``under_target`` — employees whose approved minutes are below the region's target (an
  employee with no ``MonthTotal`` is under target), and ``under_target_pct`` of employees;
* ``load_ratio`` = average / target (4 decimals, half up), and ``rank``: OPDs ordered by load
  ratio, the most loaded first (ties by OPD code).
* ``attendance_missing`` — the OPD's working days so far with no attendance import at all (not
  deducted from anyone; BKPSDM acknowledges them before verifying the run). One more Query
  (``ATTIMP#<period>``).

Reads: Query ``TOT#<period>`` (one item per employee, paged — never the activity log), Query
``OPDTOT#<period>``, one by_kind Query and one COUNT Query per OPD. An employee's OPD is the one on
their ``MonthTotal`` (the OPD where the minutes were approved); the headcount is today's directory.

Employee dashboard (:func:`employee_dashboard`): the month of ``today_local`` so far, and the
projected allowance (see the function).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from replika.core.auth import Principal
from replika.core.calendar import calendar_for, parse_period, period_bounds, period_of
from replika.core.config import RegionConfig
from replika.core.errors import Forbidden, NotFound
from replika.core.money import round_half_up
from replika.remunerasi import rules
from replika.remunerasi.models import (
    DayOut,
    EmployeeDashboardOut,
    OpdDashboardOut,
    OpdLoadOut,
    ProjectionOut,
)
from replika.remunerasi.service.attendance_gaps import missing_attendance
from replika.remunerasi.store import attendance, totals
from replika.remunerasi.store import employees as directory

__all__ = [
    "DayOut",
    "EmployeeDashboardOut",
    "OpdDashboardOut",
    "OpdLoadOut",
    "ProjectionOut",
    "employee_dashboard",
    "employee_dashboard_for",
    "opd_dashboard",
    "opd_dashboard_for",
]

_CENT = Decimal("0.01")
_RATIO = Decimal("0.0001")


# -- API models -----------------------------------------------------------------------------------
# -- helpers --------------------------------------------------------------------------------------
def _q(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _div(num: int, den: int, step: Decimal) -> Decimal:
    return Decimal(0).quantize(step) if den <= 0 else _q(Decimal(num) / Decimal(den), step)


# =================================================================================================
# OPD dashboard
# =================================================================================================
@dataclass
class _Acc:
    with_minutes: int = 0
    at_target: int = 0
    minutes_from_totals: int = 0


def _month_totals(period: str, target: int) -> dict[str, _Acc]:
    """Per OPD, from every employee's ``MonthTotal`` of the period (Query ``TOT#<period>``)."""
    acc: dict[str, _Acc] = {}
    for t in totals.of_period(period):
        if not t.opd_code:
            continue
        a = acc.setdefault(t.opd_code, _Acc())
        minutes = int(t.approved_minutes or 0)
        a.with_minutes += 1
        a.minutes_from_totals += minutes
        if minutes >= target:
            a.at_target += 1
    return acc


def opd_dashboard(period: str, *, config: RegionConfig, opds: Iterable[str] | None = None) -> OpdDashboardOut:
    """The OPD workload dashboard for ``period`` (see the module docstring for every figure).

    ``opds`` limits the OPDs shown (their ranks are still among every OPD of the region).
    """
    parse_period(period)
    target = config.remunerasi.target_minutes
    names = directory.opd_names()
    per_opd = _month_totals(period, target)
    opd_minutes = totals.opd_minutes(period)
    codes = sorted(set(names) | set(per_opd) | set(opd_minutes))
    gaps = missing_attendance(period, config, opds=sorted(names))

    rows: list[OpdLoadOut] = []
    for code in codes:
        acc = per_opd.get(code, _Acc())
        headcount = directory.headcount(code) if code in names else 0
        people = max(headcount, acc.with_minutes)
        total = opd_minutes.get(code, acc.minutes_from_totals)
        under = people - acc.at_target
        average = _div(total, people, _CENT)
        rows.append(
            OpdLoadOut(
                opd_code=code,
                opd_name=names.get(code),
                employees=headcount,
                employees_with_minutes=acc.with_minutes,
                total_minutes=total,
                average_minutes=average,
                under_target=under,
                under_target_pct=_div(under * 100, people, _CENT),
                load_ratio=_div(total, people * target, _RATIO),
                rank=0,
                attendance_missing=list(gaps.get(code, ())),
            )
        )
    # Rank on the exact ratio total / (people × target), compared by cross-multiplication.
    exact = {r.opd_code: (r.total_minutes, max(r.employees, r.employees_with_minutes)) for r in rows}

    def key(r: OpdLoadOut) -> tuple[Decimal, str]:
        total, people = exact[r.opd_code]
        ratio = Decimal(total) / Decimal(people * target) if people else Decimal(0)
        return (-ratio, r.opd_code)

    rows.sort(key=key)
    for i, r in enumerate(rows, start=1):
        r.rank = i
    shown = rows if opds is None else [r for r in rows if r.opd_code in set(opds)]
    employees = sum(max(r.employees, r.employees_with_minutes) for r in shown)
    total = sum(r.total_minutes for r in shown)
    return OpdDashboardOut(
        period=period,
        target_minutes=target,
        opds=shown,
        region_employees=employees,
        region_total_minutes=total,
        region_average_minutes=_div(total, employees, _CENT),
        region_under_target=sum(r.under_target for r in shown),
    )


def opd_dashboard_for(principal: Principal, period: str, config: RegionConfig) -> OpdDashboardOut:
    """BKPSDM/BPKAD/admin see every OPD; anyone else only their own OPD (with its rank among all);
    a user without an OPD gets 403."""
    if principal.region_wide:
        return opd_dashboard(period, config=config)
    if not principal.opd:
        raise Forbidden("Dasbor beban kerja hanya untuk OPD Anda; akun Anda tidak memiliki OPD.")
    return opd_dashboard(period, config=config, opds=[principal.opd])


# =================================================================================================
# Employee dashboard
# =================================================================================================
def employee_dashboard(nip: str, *, config: RegionConfig, today_local: date) -> EmployeeDashboardOut:
    """``nip``'s month so far (the period of ``today_local``, a region-local date).

    * ``approved_minutes``: the sum of the ``MonthTotal`` day minutes ``d01``..``d31``;
      ``countable_minutes``: :func:`rules.countable_minutes` over those days (daily cap; minutes
      on a non-working day are assigned overtime, since the entry service refuses any other).
    * attendance deduction so far: the sum of ``a01``..``a31`` basis points, as percent; the
      sentence: the month total's ``sentence_pct`` (the heaviest sentence covering the month).
    * Working days of the period: ``elapsed`` = first day of the month to ``today_local``
      inclusive (today counts as elapsed), ``remaining`` = after today to the month's end.
    * **Projection (linear over working days):** approved and countable minutes are each scaled by
      ``working_days_total / working_days_elapsed`` (rounded half up; unscaled when no working day
      has elapsed yet), then :func:`rules.compute_tkd` runs with the employee's kelas, the
      attendance deduction **so far** and the month's sentence. ``None`` when the employee's
      kelas has no rate.

    404 when ``nip`` is not in the directory.
    """
    emp = directory.get(nip)
    if emp is None:
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})

    policy = config.remunerasi
    cal = calendar_for(config)
    period = period_of(today_local)
    first, last = period_bounds(period)
    total = totals.get(period, nip)
    imported = attendance.imported_one(period, emp.opd_code) if emp.opd_code else frozenset()
    # The same mapping as the payroll run (rules.month_input): a month the run would refuse
    # (a day outside the period, negative minutes) shows no figures and no projection.
    problem: str | None = None
    try:
        counted = rules.month_minutes(period, total, cal, policy)
    except ValueError as exc:
        problem = str(exc)
        counted = rules.countable_minutes((), cal, policy)
    sentences = rules.month_sentences(period, total)
    approved = counted.approved_total
    countable = counted.total

    total_wd = len(cal.working_days(first, last))
    elapsed = len(cal.working_days(first, min(today_local, last)))
    remaining = total_wd - elapsed
    absences = rules.month_absences(period, total, imported, cal) if problem is None else ()
    attendance_pct = rules.month_attendance_pct(total, absences=len(absences), policy=policy)
    cut_pct = rules.sentence_cut_pct(sentences, period, policy)

    if elapsed > 0:
        proj_approved = round_half_up(Decimal(approved * total_wd) / elapsed)
        proj_countable = round_half_up(Decimal(countable * total_wd) / elapsed)
        scale = f"× {total_wd}/{elapsed} hari kerja"
    else:
        proj_approved, proj_countable = approved, countable
        scale = "tanpa perpanjangan (belum ada hari kerja yang berlalu)"
    projection: ProjectionOut | None = None
    tkd: rules.TkdResult | None = None
    kelas = None if emp.kelas is None else int(emp.kelas)
    if problem is None and kelas is not None and kelas in policy.class_rates:
        try:
            month = rules.month_input(
                period,
                nip,
                kelas=kelas,
                opd_code=emp.opd_code,
                record=total,
                calendar=cal,
                policy=policy,
                imported=imported,
            )
        except ValueError as exc:  # what the payroll run would refuse (e.g. no OPD)
            problem = str(exc)
        else:
            projected = replace(
                month, approved_minutes=proj_approved, countable_minutes=min(proj_countable, proj_approved)
            )
            tkd = rules.compute_tkd(projected, policy)
    if tkd is not None and kelas is not None:
        # the slip's fields under their own names (the rest of the slip is not shown)
        projection = ProjectionOut.model_validate(
            {**asdict(tkd), "method": "linear_working_days", "kelas": kelas}
        )
    note = (
        "Proyeksi linier: menit sampai hari ini "
        f"{scale} pada periode {period}, dengan potongan kehadiran sejauh ini "
        "dan hukuman disiplin yang berlaku. Bukan jumlah yang akan dibayar."
    )
    if problem is not None:
        note = f"Proyeksi tunjangan tidak tersedia: data bulan ini tidak valid ({problem})."
    elif projection is None:
        note = "Proyeksi tunjangan tidak tersedia: kelas jabatan pegawai tidak ada dalam tabel tarif."

    return EmployeeDashboardOut(
        nip=nip,
        name=emp.name,
        opd_code=emp.opd_code,
        period=period,
        today=today_local,
        approved_minutes=approved,
        countable_minutes=countable,
        target_minutes=policy.target_minutes,
        progress_pct=_div(countable * 100, policy.target_minutes, _CENT),
        working_days_total=total_wd,
        working_days_elapsed=elapsed,
        working_days_remaining=remaining,
        attendance_deduction_pct=attendance_pct,
        sentence_cut_pct=cut_pct,
        projection=projection,
        projection_note=note,
        days=[DayOut.model_validate(x, from_attributes=True) for x in counted.days],
    )


def employee_dashboard_for(
    principal: Principal, nip: str, *, config: RegionConfig, today_local: date
) -> EmployeeDashboardOut:
    """The employee themself or BKPSDM/BPKAD/admin; anyone else 403."""
    if not (principal.region_wide or (principal.nip is not None and principal.nip == nip)):
        raise Forbidden("Anda hanya dapat melihat dasbor Anda sendiri.", details={"nip": nip})
    return employee_dashboard(nip, config=config, today_local=today_local)
