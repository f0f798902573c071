"""2. Minutes: what counts towards the monthly target (daily cap, non-working days)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from replika.core.calendar import RegionCalendar
from replika.core.config import RemunerasiPolicy


class MinuteEntryLike(Protocol):
    """An approved activity entry: its local date, its minutes (quantity × standard minutes) and
    whether it was assigned overtime."""

    @property
    def entry_date(self) -> date: ...

    @property
    def minutes(self) -> int: ...

    @property
    def overtime_assigned(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class MinuteEntry:
    """The plain implementation of :class:`MinuteEntryLike`."""

    entry_date: date
    minutes: int
    overtime_assigned: bool = False


@dataclass(frozen=True, slots=True)
class DayMinutes:
    """One day: approved minutes logged, whether it is a working day, and what counts."""

    day: date
    working_day: bool
    approved_minutes: int
    countable_minutes: int


@dataclass(frozen=True, slots=True)
class CountableMinutes:
    """Totals over the entries, and the per-day breakdown in date order."""

    total: int
    approved_total: int
    days: tuple[DayMinutes, ...]


def countable_minutes(
    entries: Iterable[MinuteEntryLike], calendar: RegionCalendar, policy: RemunerasiPolicy
) -> CountableMinutes:
    """Minutes that count towards the monthly target, from **approved** entries only (the caller
    filters out pending and rejected ones).

    * Working day: every approved minute counts, capped at ``policy.daily_cap_minutes`` (default
      300) per day; the overtime flag changes nothing on a working day.
    * Non-working day (weekend, public holiday, cuti bersama, region day off): only entries
      flagged ``overtime_assigned`` count. Whether the same daily cap applies to those overtime
      minutes is region policy (``policy.cap_overtime_days``): by default it does, so a Saturday
      can add at most one capped day's worth; a region that sets it to ``False`` counts every
      approved overtime minute of such a day.
    * The cap is per person and day, across OPDs: after a mid-month transfer, entries approved
      in either OPD are summed together (see :func:`compute_tkd`).

    ``approved_total`` is every approved minute given (including uncounted non-working-day
    minutes); ``total`` is what counts. Whatever dates are given are counted: pass one period's
    entries for a monthly figure.
    """
    cap = policy.daily_cap_minutes
    overtime_cap = cap if policy.cap_overtime_days else None
    approved: dict[date, int] = {}
    eligible: dict[date, int] = {}
    working: dict[date, bool] = {}
    for e in entries:
        if e.minutes < 0:
            raise ValueError(f"menit negatif pada {e.entry_date.isoformat()}")
        d = e.entry_date
        is_working = working.get(d)
        if is_working is None:
            is_working = working[d] = calendar.is_working_day(d)
        approved[d] = approved.get(d, 0) + e.minutes
        if is_working or e.overtime_assigned:
            eligible[d] = eligible.get(d, 0) + e.minutes

    def counted(d: date) -> int:
        limit = cap if working[d] else overtime_cap
        minutes = eligible.get(d, 0)
        return minutes if limit is None else min(minutes, limit)

    days = tuple(DayMinutes(d, working[d], approved[d], counted(d)) for d in sorted(approved))
    return CountableMinutes(
        total=sum(x.countable_minutes for x in days),
        approved_total=sum(x.approved_minutes for x in days),
        days=days,
    )
