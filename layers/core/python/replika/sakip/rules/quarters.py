"""Quarters: which months they hold, their submission windows, and whether one may be changed. Pure.

A quarter's realisation is submitted inside its window (region policy, local dates, inclusive):
before ``opens`` the quarter is *not open*; from ``opens`` to ``closes`` it is *open*; after
``closes`` it is *closed*, unless Bappeda reopened it for the OPD until a date, when it is
*reopened* through that date. A window date whose month comes before the quarter's first month
lies in the next year (Q4's window closing in January).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Literal

from replika.sakip.policy import QuarterWindow

__all__ = [
    "QUARTERS",
    "QuarterState",
    "may_submit",
    "quarter_months",
    "quarter_of_month",
    "quarter_state",
    "window_dates",
]

QUARTERS = (1, 2, 3, 4)
QuarterState = Literal["not_open", "open", "closed", "reopened"]


def quarter_months(quarter: int) -> tuple[int, int, int]:
    """``2`` -> ``(4, 5, 6)``."""
    if quarter not in QUARTERS:
        raise ValueError(f"quarter must be 1..4, got {quarter!r}")
    first = 3 * (quarter - 1) + 1
    return first, first + 1, first + 2


def quarter_of_month(month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month!r}")
    return (month - 1) // 3 + 1


def _local_date(year: int, quarter: int, month_day: str) -> date:
    month, day = (int(x) for x in month_day.split("-"))
    shifted = year + (1 if month < quarter_months(quarter)[0] else 0)
    return date(shifted, month, min(day, monthrange(shifted, month)[1]))  # 02-29 in a common year: 28


def window_dates(year: int, window: QuarterWindow) -> tuple[date, date]:
    """``(opens, closes)`` of ``window`` for the quarter of ``year``."""
    opens = _local_date(year, window.quarter, window.opens)
    closes = _local_date(year, window.quarter, window.closes)
    if closes < opens:
        raise ValueError(f"jendela triwulan {window.quarter} ditutup sebelum dibuka")
    return opens, closes


def quarter_state(today: date, year: int, window: QuarterWindow, reopened_until: date | None) -> QuarterState:
    opens, closes = window_dates(year, window)
    if today < opens:
        return "not_open"
    if today <= closes:
        return "open"
    if reopened_until is not None and today <= reopened_until:
        return "reopened"
    return "closed"


def may_submit(state: QuarterState) -> bool:
    return state in ("open", "reopened")
