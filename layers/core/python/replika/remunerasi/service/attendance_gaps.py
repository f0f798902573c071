"""Attendance missing: the working days of a period with no attendance import at all for an OPD
(DOMAIN.md §1). Not deducted from anyone; shown on the OPD dashboard and on the payroll run, and
BKPSDM acknowledges them (with a reason) before verifying the run."""

from __future__ import annotations

from datetime import date, timedelta

from replika.core.calendar import calendar_for, period_bounds
from replika.core.config import RegionConfig
from replika.remunerasi import rules
from replika.remunerasi.store import attendance, employees

__all__ = ["missing_attendance"]


def missing_attendance(
    period: str, config: RegionConfig, *, opds: list[str] | None = None, today: date | None = None
) -> dict[str, tuple[date, ...]]:
    """Missing days by OPD code (only OPDs with any), for the directory's active OPDs (or
    ``opds``), working days before ``today`` (region-local; default: now). Two reads: the
    directory's OPD list and one Query of the period's import markers."""
    cal = calendar_for(config)
    first, last = period_bounds(period)
    days = [first + timedelta(days=i) for i in range(last.day)]
    imported = attendance.imported(period)
    codes = employees.active_opds() if opds is None else opds
    on = today if today is not None else cal.today()
    out: dict[str, tuple[date, ...]] = {}
    for opd in codes:
        missing = rules.missing_attendance_days(days, imported.get(opd, frozenset()), cal, on)
        if missing:
            out[opd] = missing
    return out
