"""Service levels in working days with the region calendar (holidays, cuti bersama, the region's
extra days off and extra working days; the region's zone decides what "today" is).

- A stage started on day ``d`` with an SLA of ``n`` working days is due ``n`` working days after
  ``d`` (the day of receipt does not count): received Friday 14 Aug 2026 with 3 days -> 18, 19, 20
  Aug (17 Aug is Independence Day) -> due Thursday 20 Aug. Received on a Saturday, day 1 is Monday.
- The total SLA (the sum of the stages') runs from submission the same way.
- Return for revision stops both clocks: the working days left after the return day up to the due
  date are kept; on resubmission the due dates are that many working days after the resubmission
  day (at least one: a stage returned on its due date gets one more working day).
- A due date has lapsed when the region's today is *after* it: on the due date itself the office
  may still decide. The daily check runs just after midnight region time, so an application due
  Thursday is found on Friday's run.
"""

from __future__ import annotations

from datetime import date, timedelta

from replika.core.calendar import RegionCalendar

FIKTIF_POSITIF_NOTE = "diterbitkan karena batas waktu layanan terlampaui (fiktif positif)"


def due_date(cal: RegionCalendar, start: date, sla_days: int) -> date:
    """``sla_days`` working days after ``start``."""
    if sla_days < 0:
        raise ValueError("sla_days must be >= 0")
    return cal.add_working_days(start, sla_days)


def remaining_working_days(cal: RegionCalendar, stopped_on: date, due: date) -> int:
    """Working days after ``stopped_on`` up to and including ``due`` (0 when already due)."""
    return cal.count_working_days(stopped_on + timedelta(days=1), due)


def resumed_due(cal: RegionCalendar, resumed_on: date, remaining: int) -> date:
    """The due date when the clock restarts on ``resumed_on`` with ``remaining`` days left."""
    return cal.add_working_days(resumed_on, max(remaining, 1))


def is_lapsed(due: date, today: date) -> bool:
    return today > due


def lapse_outcome(fiktif_positif: bool) -> str:
    """What the daily check does with an application past its total SLA: the region applies
    fiktif positif (deemed granted) or escalates to the head of DPMPTSP."""
    return "fiktif_positif" if fiktif_positif else "escalate"


def working_days_taken(cal: RegionCalendar, start: date, end: date, paused: int = 0) -> int:
    """Working days from the day after ``start`` to ``end``, minus the days the clock was stopped."""
    return max(cal.count_working_days(start + timedelta(days=1), end) - paused, 0)
