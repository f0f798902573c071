"""When the monthly payroll run starts: what the app needs at import to declare its schedule, apart
from the payroll package (which loads with the first request that needs it)."""

from __future__ import annotations

from replika.core.calendar import RegionCalendar
from replika.core.config import RegionConfig

SCHEDULE_LOCAL_TIME = (1, 0, 1)  # hour, minute, day of month


def payroll_schedule_expression(config: RegionConfig) -> str:
    """The EventBridge (UTC) cron of 01:00 region time on the 1st: ``cron(0 18 L * ? *)`` in WIB,
    ``cron(0 17 L * ? *)`` in WITA, ``cron(0 16 L * ? *)`` in WIT."""
    hour, minute, day = SCHEDULE_LOCAL_TIME
    return RegionCalendar(config.timezone).local_time_to_utc_cron(hour, minute, day)
