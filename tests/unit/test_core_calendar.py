from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from replika.core.calendar import (
    RegionCalendar,
    local_time_to_utc_cron,
    next_period,
    parse_period,
    parse_utc_iso,
    period_bounds,
    period_of,
    previous_period,
    to_utc_iso,
)

WIB = RegionCalendar("Asia/Jakarta")
WITA = RegionCalendar("Asia/Makassar")


def test_independence_day_week() -> None:
    # Mon 17 Aug 2026 is Hari Kemerdekaan: Mon..Sun has 4 working days in every zone
    for cal in (WIB, WITA):
        assert not cal.is_working_day(date(2026, 8, 17))
        assert cal.holiday_name(date(2026, 8, 17)) == "Independence Day"
        assert cal.working_days(date(2026, 8, 17), date(2026, 8, 23)) == [
            date(2026, 8, 18),
            date(2026, 8, 19),
            date(2026, 8, 20),
            date(2026, 8, 21),
        ]
        # 21 weekdays - 17 Aug (Independence Day) - 25 Aug (Maulid Nabi)
        assert cal.count_working_days(date(2026, 8, 1), date(2026, 8, 31)) == 19


def test_idul_fitri_2026_with_and_without_cuti_bersama() -> None:
    start, end = date(2026, 3, 16), date(2026, 3, 27)  # two Mon-Fri weeks, 10 weekdays
    # 19 Mar Nyepi, 21-22 Mar Idul Fitri (weekend); cuti bersama 18, 20, 23, 24 Mar
    assert WIB.working_days(start, end) == [
        date(2026, 3, 16),
        date(2026, 3, 17),
        date(2026, 3, 25),
        date(2026, 3, 26),
        date(2026, 3, 27),
    ]
    plain = RegionCalendar("Asia/Jakarta", include_cuti_bersama=False)
    assert plain.count_working_days(start, end) == 9  # only Nyepi (Thu 19 Mar) is off
    assert plain.is_working_day(date(2026, 3, 20))
    assert not WIB.is_working_day(date(2026, 3, 20))


def test_weekends_and_inclusive_range() -> None:
    assert not WIB.is_working_day(date(2026, 8, 22))  # Saturday
    assert WIB.count_working_days(date(2026, 8, 18), date(2026, 8, 18)) == 1
    assert WIB.working_days(date(2026, 8, 21), date(2026, 8, 18)) == []


def test_region_extra_holiday_and_extra_working_day() -> None:
    # e.g. Hari Jadi Kota (region anniversary) on Tue 1 Sep and a make-up Saturday 5 Sep
    cal = RegionCalendar(
        "Asia/Jakarta", extra_holidays=[date(2026, 9, 1)], extra_working_days=[date(2026, 9, 5)]
    )
    assert WIB.is_working_day(date(2026, 9, 1))
    assert not cal.is_working_day(date(2026, 9, 1))
    assert cal.is_working_day(date(2026, 9, 5))
    assert WIB.count_working_days(date(2026, 8, 31), date(2026, 9, 6)) == 5
    assert cal.working_days(date(2026, 8, 31), date(2026, 9, 6)) == [
        date(2026, 8, 31),
        date(2026, 9, 2),
        date(2026, 9, 3),
        date(2026, 9, 4),
        date(2026, 9, 5),
    ]
    # the other zone's calendar of the same region config agrees on dates
    assert (
        RegionCalendar("Asia/Makassar", extra_holidays=[date(2026, 9, 1)]).count_working_days(
            date(2026, 8, 31), date(2026, 9, 6)
        )
        == 4
    )
    # an extra working day overrides a national holiday too
    cal2 = RegionCalendar("Asia/Jakarta", extra_working_days=[date(2026, 8, 17)])
    assert cal2.is_working_day(date(2026, 8, 17))


def test_working_days_back_skips_holidays() -> None:
    # 5 working days before Mon 24 Aug 2026: 21, 20, 19, 18, (17 is a holiday) 14
    assert WIB.working_days_back(date(2026, 8, 24), 5) == date(2026, 8, 14)
    assert WIB.working_days_back(date(2026, 8, 24), 0) == date(2026, 8, 24)
    # Wed 26 Aug, 2 back: Tue 25 Aug is Maulid Nabi -> 24, 21
    assert WIB.working_days_back(date(2026, 8, 26), 2) == date(2026, 8, 21)
    # Fri + 1 working day = next working Mon/Tue
    assert WIB.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)
    with pytest.raises(ValueError):
        WIB.working_days_back(date(2026, 8, 24), -1)


def test_one_instant_two_local_dates() -> None:
    # 17 Aug 2026 16:30 UTC = 23:30 WIB on Mon 17 Aug (holiday) but 00:30 WITA on Tue 18 Aug
    instant = datetime(2026, 8, 17, 16, 30, tzinfo=UTC)
    assert WIB.local_date(instant) == date(2026, 8, 17)
    assert WITA.local_date(instant) == date(2026, 8, 18)
    assert not WIB.is_working_day(WIB.local_date(instant))
    assert WITA.is_working_day(WITA.local_date(instant))
    # and it lands in different periods at a month boundary
    eom = datetime(2026, 8, 31, 16, 30, tzinfo=UTC)
    assert WIB.period_of(eom) == "2026-08"
    assert WITA.period_of(eom) == "2026-09"
    # the same instant given in another offset gives the same local date
    same = instant.astimezone(timezone(timedelta(hours=-5)))
    assert WITA.local_date(same) == date(2026, 8, 18)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError):
        WIB.local_date(datetime(2026, 8, 17, 16, 30))
    with pytest.raises(ValueError):
        to_utc_iso(datetime(2026, 8, 17, 16, 30))
    with pytest.raises(TypeError):
        WIB.is_working_day(datetime(2026, 8, 18, 1, 0, tzinfo=UTC))


def test_now_local_is_in_zone() -> None:
    now = WITA.now_local()
    assert now.utcoffset() == timedelta(hours=8)
    assert WIB.now_local().utcoffset() == timedelta(hours=7)


def test_utc_iso() -> None:
    wib = WIB.zone
    assert to_utc_iso(datetime(2026, 9, 1, 1, 0, tzinfo=wib)) == "2026-08-31T18:00:00Z"
    assert to_utc_iso(datetime(2026, 9, 1, 1, 0, 5, 123456, tzinfo=UTC), timespec="milliseconds") == (
        "2026-09-01T01:00:05.123Z"
    )
    assert parse_utc_iso("2026-08-31T18:00:00Z") == datetime(2026, 8, 31, 18, tzinfo=UTC)
    assert WIB.local_to_utc(datetime(2026, 9, 1, 1, 0)) == datetime(2026, 8, 31, 18, tzinfo=UTC)


def test_periods() -> None:
    assert period_of(date(2026, 8, 17)) == "2026-08"
    assert parse_period("2026-08") == (2026, 8)
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2026-08") == "2026-07"
    assert next_period("2025-12") == "2026-01"
    assert WIB.previous_period("2026-03") == "2026-02"
    assert len(WIB.working_days_in_period("2026-08")) == 19
    for bad in ["2026-8", "2026-13", "2026-00", "26-08", "2026/08", "", "2026-08-01", " 2026-08"]:
        with pytest.raises(ValueError):
            parse_period(bad)
    with pytest.raises(TypeError):
        period_of(datetime(2026, 8, 17, tzinfo=UTC))


def test_utc_cron_from_local_schedule() -> None:
    # 1st of the month 01:00 WIB = last day of the previous month 18:00 UTC -> "L"
    assert WIB.local_time_to_utc_cron(1, 0, 1) == "cron(0 18 L * ? *)"
    assert local_time_to_utc_cron("Asia/Makassar", 1, 0, 1) == "cron(0 17 L * ? *)"
    assert local_time_to_utc_cron("Asia/Jayapura", 1, 30, 1) == "cron(30 16 L * ? *)"
    # later in the morning the UTC day is the same
    assert WIB.local_time_to_utc_cron(8, 15, 1) == "cron(15 1 1 * ? *)"
    # other days shift by one
    assert WIB.local_time_to_utc_cron(1, 0, 5) == "cron(0 18 4 * ? *)"
    # daily
    assert WIB.local_time_to_utc_cron(1, 0) == "cron(0 18 * * ? *)"
    # exactly midnight local
    assert WIB.local_time_to_utc_cron(7, 0, 1) == "cron(0 0 1 * ? *)"
    # west of UTC (no DST): next UTC day
    assert local_time_to_utc_cron("America/Bogota", 22, 0, 3) == "cron(0 3 4 * ? *)"
    with pytest.raises(ValueError):
        local_time_to_utc_cron("America/Bogota", 22, 0, 31)
    with pytest.raises(ValueError):
        local_time_to_utc_cron("Europe/Berlin", 1, 0, 1)  # DST
    with pytest.raises(ValueError):
        WIB.local_time_to_utc_cron(24, 0, 1)


def test_l_cron_fires_at_local_first_of_month() -> None:
    # the UTC instants "L 18:00" are 01:00 WIB on the 1st of the next month
    for last_day in [date(2026, 1, 31), date(2026, 2, 28), date(2028, 2, 29), date(2026, 4, 30)]:
        fire = datetime(last_day.year, last_day.month, last_day.day, 18, 0, tzinfo=UTC)
        local = WIB.local_datetime(fire)
        assert (local.day, local.hour, local.minute) == (1, 1, 0)
        assert WIB.period_of(fire) == next_period(period_of(last_day))


def test_unknown_zone() -> None:
    with pytest.raises(ValueError):
        RegionCalendar("Asia/Bandung")


@pytest.mark.parametrize("categories", [("public",), ("public", "government")])
def test_indonesian_holidays_loaded_alone_equal_the_lookup_by_code(categories: tuple[str, ...]) -> None:
    """The calendar loads holidays' Indonesia module by itself (not the package of every country);
    it must answer exactly what ``holidays.country_holidays("ID")`` answers."""
    import holidays

    from replika.core.calendar import indonesian_holidays

    alone = indonesian_holidays(categories)
    by_code = holidays.country_holidays("ID", categories=categories)
    for year in range(2024, 2031):
        alone.get(date(year, 1, 1))
        by_code.get(date(year, 1, 1))
    assert type(alone).__name__ == "Indonesia"
    assert dict(alone) == dict(by_code) and len(alone) > 100
