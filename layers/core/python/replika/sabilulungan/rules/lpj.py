"""The LPJ (accountability report) deadline: ``lpj_due_month_day`` (default 10 January) of the year
after disbursement, both in region time. The year of disbursement is the *local* year: a grant
disbursed on 31 December 23:30 WIB is a 2026 disbursement even though it is 16:30 UTC, and one
disbursed at 00:30 WIB on 1 January 2027 (17:30 UTC on 31 December) is a 2027 disbursement.

The LPJ is late from the first instant of the day after the due date, local time: in WIB
(UTC+7) on 10 January 17:00:00 UTC, in WITA (UTC+8) on 10 January 16:00:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def due_date(disbursed_at: datetime, tz: str, month_day: str = "01-10") -> date:
    """``2026-06-01T03:00Z`` (WIB) -> ``2027-01-10``."""
    local_year = disbursed_at.astimezone(ZoneInfo(tz)).year
    month, day = (int(p) for p in month_day.split("-"))
    return date(local_year + 1, month, day)


def overdue_from(disbursed_at: datetime, tz: str, month_day: str = "01-10") -> datetime:
    """The UTC instant from which the LPJ is overdue: local midnight after the due date."""
    after = due_date(disbursed_at, tz, month_day) + timedelta(days=1)
    return datetime.combine(after, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def reminder_due(
    disbursed_at: datetime, now: datetime, tz: str, month_day: str = "01-10", days_before: int = 14
) -> bool:
    """Whether the recipient is reminded today (region date) that the LPJ falls due: from
    ``days_before`` days before the due date up to the due date itself. A 2026-06-01 disbursement
    (due 2027-01-10) is reminded on 2027-01-03, not on 2026-12-20 nor on 2027-01-11."""
    due = due_date(disbursed_at, tz, month_day)
    today = now.astimezone(ZoneInfo(tz)).date()
    return due - timedelta(days=days_before) <= today <= due


def is_overdue(disbursed_at: datetime, now: datetime, tz: str, month_day: str = "01-10") -> bool:
    return now >= overdue_from(disbursed_at, tz, month_day)
