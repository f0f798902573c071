"""4. Back-dating of activity entries (messages in Bahasa Indonesia)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from replika.core.calendar import RegionCalendar, period_of
from replika.core.config import RemunerasiPolicy

_BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def format_tanggal(d: date) -> str:
    """``date(2026, 8, 14)`` -> ``"14 Agustus 2026"``."""
    return f"{d.day} {_BULAN[d.month - 1]} {d.year}"


def entry_date_problem(
    entry_date: date,
    today_local: date,
    calendar: RegionCalendar,
    policy: RemunerasiPolicy,
    locked_periods: Iterable[str] = (),
) -> str | None:
    """Why an activity entry may not be dated ``entry_date`` (Bahasa Indonesia), or ``None``.

    Checked in this order: a date after ``today_local`` (the region-local today); a date in a
    locked period (``YYYY-MM``); a date before the back-dating limit, which is
    ``policy.backdate_working_days`` working days before today
    (:meth:`RegionCalendar.working_days_back`: public holidays, cuti bersama and weekends are
    skipped; the limit day itself is allowed). The entry date itself may be a non-working day
    (assigned overtime).
    """
    if entry_date > today_local:
        return "Tanggal kegiatan tidak boleh melewati hari ini."
    period = period_of(entry_date)
    if period in set(locked_periods):
        return f"Periode {period} sudah dikunci; kegiatan tidak dapat ditambah atau diubah."
    n = policy.backdate_working_days
    limit = calendar.working_days_back(today_local, n)
    if entry_date < limit:
        return (
            f"Kegiatan hanya dapat diisi mundur paling lama {n} hari kerja "
            f"(paling awal tanggal {format_tanggal(limit)})."
        )
    return None
