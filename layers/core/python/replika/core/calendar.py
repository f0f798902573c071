"""Region calendar: time zones, working days, periods and schedules.

Time is stored in UTC (ISO-8601 with ``Z``); business dates (working days, periods ``YYYY-MM``) are
computed in the region's zone (``Asia/Jakarta`` WIB, ``Asia/Makassar`` WITA, ``Asia/Jayapura`` WIT).

Non-working days are Saturdays, Sundays, Indonesian public holidays (``holidays`` package,
category ``public``), the national joint leave days (*cuti bersama*, the package's ``government``
category for Indonesia, on by default) and the region's extra days off. A region's extra working
days (e.g. a Saturday make-up day) override all of these.

Note: ``holidays`` ships the official SKB dates where they were published; lunar-calendar holidays
for years without a published decree are the library's computed estimates. A region corrects a
date with ``extra_holidays`` / ``extra_working_days``.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "RegionCalendar",
    "local_time_to_utc_cron",
    "next_period",
    "parse_period",
    "parse_utc_iso",
    "period_bounds",
    "period_of",
    "previous_period",
    "to_utc_iso",
    "utc_now",
]

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_TIMESPECS = {"seconds", "milliseconds", "microseconds"}


# --- periods (zone-free) ---------------------------------------------------------------------


def parse_period(period: str) -> tuple[int, int]:
    """``"2026-08"`` -> ``(2026, 8)``. Anything else (``"2026-8"``, ``"2026-13"``) is ``ValueError``."""
    if not isinstance(period, str):
        raise ValueError(f"period must be a 'YYYY-MM' string, got {period!r}")
    m = _PERIOD_RE.match(period)
    if not m:
        raise ValueError(f"period must be 'YYYY-MM', got {period!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if year < 1:
        raise ValueError(f"period year out of range: {period!r}")
    return year, month


def period_of(d: date) -> str:
    """The period ``YYYY-MM`` a business date belongs to. Pass a *local* date, not a UTC datetime
    (use :meth:`RegionCalendar.period_of` for instants)."""
    if isinstance(d, datetime):
        raise TypeError("period_of takes a local date; use RegionCalendar.period_of for an instant")
    return f"{d.year:04d}-{d.month:02d}"


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period: ``"2026-02"`` -> ``(2026-02-01, 2026-02-28)``."""
    year, month = parse_period(period)
    # monthrange, not "first of next month - 1 day": that overflows for 9999-12
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def previous_period(period: str) -> str:
    """``"2026-01"`` -> ``"2025-12"``."""
    year, month = parse_period(period)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def next_period(period: str) -> str:
    """``"2025-12"`` -> ``"2026-01"``."""
    year, month = parse_period(period)
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"


# --- instants --------------------------------------------------------------------------------


def _require_aware(dt: datetime) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: attach a time zone (UTC for stored instants)")


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc_iso(dt: datetime, *, timespec: str = "seconds") -> str:
    """An aware datetime as UTC ISO-8601 with ``Z``: ``2026-08-17T01:00:00Z``.

    ``timespec`` is ``"seconds"`` (default), ``"milliseconds"`` or ``"microseconds"``; the width is
    fixed for a given timespec, so stored strings sort chronologically.
    """
    _require_aware(dt)
    if timespec not in _TIMESPECS:
        raise ValueError(f"timespec must be one of {sorted(_TIMESPECS)}")
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def parse_utc_iso(text: str) -> datetime:
    """Inverse of :func:`to_utc_iso` (also accepts ``+00:00`` and other offsets): aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return value.astimezone(UTC)


# --- schedules -------------------------------------------------------------------------------


def _fixed_offset_minutes(zone: ZoneInfo, year: int) -> int:
    jan = datetime(year, 1, 15, 12, tzinfo=zone).utcoffset()
    jul = datetime(year, 7, 15, 12, tzinfo=zone).utcoffset()
    if jan is None or jul is None or jan != jul:
        raise ValueError(f"{zone.key} observes daylight saving time; a fixed UTC cron cannot follow it")
    return int(jan.total_seconds()) // 60


def local_time_to_utc_cron(tz: str, hour: int, minute: int, day_of_month: int | None = None) -> str:
    """An EventBridge (UTC) cron for a schedule written in region-local time.

    EventBridge rules run in UTC, so the local time is shifted by the zone's offset. Indonesian
    zones are UTC+7/+8/+9 without DST, so an early-morning local time falls on the *previous*
    UTC day:

    * daily (``day_of_month=None``): only the time moves — 01:00 WIB daily is ``cron(0 18 * * ? *)``;
    * monthly on day ``n > 1``: the UTC day is ``n - 1`` — 01:00 WIB on the 5th is
      ``cron(0 18 4 * ? *)``;
    * monthly on the **1st**: the UTC day is the last day of the previous month, which cron writes
      as ``L`` — 01:00 WIB on the 1st is ``cron(0 18 L * ? *)`` (fires e.g. 31 Jan 18:00 UTC =
      1 Feb 01:00 WIB, 28/29 Feb 18:00 UTC = 1 Mar 01:00 WIB).

    For zones west of UTC (the next UTC day) day 1–27 becomes ``n + 1``; days 28–31 cannot be
    expressed and raise ``ValueError``, as do zones with daylight saving time.
    """
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"invalid local time {hour:02d}:{minute:02d}")
    if day_of_month is not None and not 1 <= day_of_month <= 31:
        raise ValueError(f"invalid day of month {day_of_month}")
    zone = _zone(tz)
    offset = _fixed_offset_minutes(zone, utc_now().year)
    total = hour * 60 + minute - offset
    day_shift, minutes_of_day = divmod(total, 24 * 60)
    utc_hour, utc_minute = divmod(minutes_of_day, 60)
    if day_of_month is None:
        dom = "*"
    elif day_shift == 0:
        dom = str(day_of_month)
    elif day_shift == -1:
        dom = "L" if day_of_month == 1 else str(day_of_month - 1)
    elif day_shift == 1 and day_of_month <= 27:
        dom = str(day_of_month + 1)
    else:
        raise ValueError(f"cannot express day {day_of_month} at {hour:02d}:{minute:02d} {tz} as a UTC cron")
    return f"cron({utc_minute} {utc_hour} {dom} * ? *)"


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


# --- the region calendar ---------------------------------------------------------------------


def indonesian_holidays(categories: tuple[str, ...]) -> Any:
    """``holidays``' table of Indonesia, the same as ``holidays.country_holidays("ID", ...)``.

    Asking ``holidays`` for a country by code imports its ``countries`` package, that is all 250
    countries (about 75 ms of a cold start). The Indonesia module needs only the base package, so
    it is loaded by itself from the package's ``countries`` folder; should that ever fail (a
    reorganised ``holidays``), the lookup by code still answers the same."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    import holidays

    try:
        folder = str(Path(holidays.__file__).parent / "countries")
        spec = importlib.machinery.PathFinder.find_spec("indonesia", [folder])
        if spec is None or spec.loader is None:
            raise ImportError("holidays/countries/indonesia")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Indonesia(categories=categories)
    except (ImportError, AttributeError):
        return holidays.country_holidays("ID", categories=categories)


class RegionCalendar:
    """Working days and local dates for one region.

    >>> cal = RegionCalendar("Asia/Jakarta")
    >>> cal.is_working_day(date(2026, 8, 17))  # Hari Kemerdekaan
    False
    """

    def __init__(
        self,
        tz: str,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        *,
        include_cuti_bersama: bool = True,
    ) -> None:
        self.tz = tz
        self.zone = _zone(tz)
        self.extra_holidays: frozenset[date] = frozenset(extra_holidays)
        self.extra_working_days: frozenset[date] = frozenset(extra_working_days)
        self.include_cuti_bersama = include_cuti_bersama
        categories: tuple[str, ...] = ("public", "government") if include_cuti_bersama else ("public",)
        self._categories = categories
        self._holiday_table: Any = None  # `holidays` is imported on the first lookup (cold start)
        self._working: dict[date, bool] = {}

    @property
    def _holidays(self) -> Any:
        if self._holiday_table is None:
            # expand=True (the default) populates each year on first lookup.
            self._holiday_table = indonesian_holidays(self._categories)
        return self._holiday_table

    def __repr__(self) -> str:
        return (
            f"RegionCalendar({self.tz!r}, extra_holidays={len(self.extra_holidays)}, "
            f"extra_working_days={len(self.extra_working_days)})"
        )

    # working days

    def holiday_name(self, d: date) -> str | None:
        """The national holiday / cuti bersama name on ``d`` (``None`` if none)."""
        name = self._holidays.get(d)
        return None if name is None else str(name)

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri, not a public holiday / cuti bersama, not a region extra day off; a region extra
        working day is always a working day. Answers are remembered (the holiday table lookup is
        the slow part when a whole region's month is computed)."""
        d = _as_date(d)
        hit = self._working.get(d)
        if hit is None:
            hit = self._working[d] = self._is_working_day(d)
        return hit

    def _is_working_day(self, d: date) -> bool:
        if d in self.extra_working_days:
            return True
        if d.weekday() >= 5:
            return False
        if d in self.extra_holidays:
            return False
        return d not in self._holidays

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days from ``start`` to ``end``, both inclusive (empty when ``end < start``)."""
        start, end = _as_date(start), _as_date(end)
        out: list[date] = []
        d = start
        while d <= end:
            if self.is_working_day(d):
                out.append(d)
            d += timedelta(days=1)
        return out

    def count_working_days(self, start: date, end: date) -> int:
        """``len(working_days(start, end))``."""
        return len(self.working_days(start, end))

    def add_working_days(self, d: date, n: int) -> date:
        """The date ``n`` working days after ``d`` (before it when ``n < 0``); ``n == 0`` is ``d``.

        ``d`` itself need not be a working day: Friday + 1 = the next working Monday.
        """
        d = _as_date(d)
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        guard = 0
        while remaining:
            d += step
            guard += 1
            if guard > 366 * 10 + abs(n) * 7:
                raise ValueError("no working days found: check the region's extra holidays")
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_back(self, d: date, n: int) -> date:
        """The date ``n`` working days before ``d`` — the back-dating limit: an entry dated on or
        after the returned day is allowed. With ``n = 5`` on Monday 24 Aug 2026 the limit is
        Friday 14 Aug (21, 20, 19, 18, then 17 Aug is Independence Day, so 14)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        return self.add_working_days(d, -n)

    # zones

    def local_date(self, utc_dt: datetime) -> date:
        """The region-local calendar date of an aware instant."""
        _require_aware(utc_dt)
        return utc_dt.astimezone(self.zone).date()

    def local_datetime(self, utc_dt: datetime) -> datetime:
        _require_aware(utc_dt)
        return utc_dt.astimezone(self.zone)

    def now_local(self) -> datetime:
        """Now, as an aware datetime in the region zone."""
        return datetime.now(self.zone)

    def today(self) -> date:
        return self.now_local().date()

    def local_to_utc(self, local: datetime) -> datetime:
        """A naive region-local wall time (or an aware one) as an aware UTC datetime."""
        aware = local.replace(tzinfo=self.zone) if local.tzinfo is None else local
        return aware.astimezone(UTC)

    # periods

    def period_of(self, d: date | datetime) -> str:
        """``YYYY-MM`` of a local date, or of an aware instant taken in the region zone."""
        if isinstance(d, datetime):
            return period_of(self.local_date(d))
        return period_of(d)

    period_bounds = staticmethod(period_bounds)
    previous_period = staticmethod(previous_period)
    next_period = staticmethod(next_period)
    parse_period = staticmethod(parse_period)
    to_utc_iso = staticmethod(to_utc_iso)

    def working_days_in_period(self, period: str) -> list[date]:
        first, last = period_bounds(period)
        return self.working_days(first, last)

    def local_time_to_utc_cron(self, hour: int, minute: int, day_of_month: int | None = None) -> str:
        """See :func:`local_time_to_utc_cron`; ``(1, 0, 1)`` in WIB is ``cron(0 18 L * ? *)``."""
        return local_time_to_utc_cron(self.tz, hour, minute, day_of_month)


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        raise TypeError("expected a local date, got a datetime: use RegionCalendar.local_date first")
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


class _RegionLike(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def extra_holidays(self) -> list[date]: ...
    @property
    def extra_working_days(self) -> list[date]: ...


@lru_cache(maxsize=16)
def _calendar(tz: str, extra: tuple[date, ...], extra_working: tuple[date, ...]) -> RegionCalendar:
    return RegionCalendar(tz, extra, extra_working)


def calendar_for(region: _RegionLike) -> RegionCalendar:
    """The region's calendar (zone, national holidays and cuti bersama, the region's extra days),
    one instance per distinct region config."""
    return _calendar(region.timezone, tuple(region.extra_holidays), tuple(region.extra_working_days))
