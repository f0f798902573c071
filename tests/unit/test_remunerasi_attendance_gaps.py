"""Attendance gaps and rounding (issue 14 §2, DOMAIN.md §1): pure rules and the region config."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from pydantic import ValidationError

from replika.core.calendar import RegionCalendar
from replika.core.config import LateBand, RegionConfig, RemunerasiPolicy
from replika.core.errors import Conflict
from replika.remunerasi.rules import (
    MinuteEntry,
    MissingAcknowledgement,
    before_go_live,
    check_missing_acknowledged,
    classify_day,
    countable_minutes,
    deduction_bp,
    missing_attendance_days,
    month_input,
    unrecorded_absences,
)

D = Decimal
DEFAULT = RemunerasiPolicy()
CAL = RegionCalendar("Asia/Jakarta")
AUG = [date(2026, 8, d) for d in range(1, 32)]
WORKING_AUG = [d for d in AUG if CAL.is_working_day(d)]


class Record:
    """A month total as the rules read it."""

    def __init__(self, attendance: dict[int, tuple[int, str]] | None = None) -> None:
        self.attendance = attendance or {}
        self.sentence_pct = None
        self.sentence_level = None

    def day_minutes(self) -> dict[int, int]:
        return {}

    def day_attendance(self) -> dict[int, tuple[int, str]]:
        return self.attendance


# -- leave needs its approval -----------------------------------------------------------------------
def test_unapproved_leave_is_tk() -> None:
    assert classify_day(None, None, DEFAULT, excuse="cuti").codes == ("TK",)
    assert classify_day(None, None, DEFAULT, excuse="cuti").deduction_pct == D(3)
    approved = classify_day(None, None, DEFAULT, excuse="cuti", leave_approved=True)
    assert (approved.codes, approved.deduction_pct) == (("CUTI",), D(0))
    # present after all: classified from the fingerprint like any day
    assert classify_day(time(8, 1), time(16, 0), DEFAULT, excuse="cuti").codes == ("TL2",)
    # travel needs no approval column; sick needs its letter (unchanged)
    assert classify_day(None, None, DEFAULT, excuse="dinas_luar").codes == ("DL",)


# -- a missing row is TK; a day with no import is "missing" ------------------------------------------
def test_a_missing_row_on_an_imported_day_is_tk() -> None:
    # OPD imported Mon 3 and Tue 4 August; the employee has a row on the 3rd only
    assert unrecorded_absences(AUG, {3: (0, "H")}, {3, 4}, CAL) == (date(2026, 8, 4),)
    # an excused row is a row
    assert unrecorded_absences(AUG, {3: (0, "H"), 4: (0, "CUTI")}, {3, 4}, CAL) == ()
    # a non-working day in the marker (a day made a holiday later) is never TK
    assert unrecorded_absences(AUG, {}, {1, 2, 17}, CAL) == ()


def test_worked_example_employee_missing_from_every_import_gets_tk_every_day() -> None:
    # 21 working days imported for the OPD, the employee is in none of them: 21 × 3 % = 63 %
    imported = {d.day for d in WORKING_AUG}
    month = month_input(
        "2026-08",
        "199001012015011001",
        kelas=7,
        opd_code="1.01",
        record=None,
        calendar=CAL,
        policy=DEFAULT,
        imported=imported,
    )
    assert month.attendance_deduction_pct == D(3) * len(WORKING_AUG)
    # without any import the same month is not deducted: the days are missing, not TK
    no_import = month_input(
        "2026-08", "199001012015011001", kelas=7, opd_code="1.01", record=None, calendar=CAL, policy=DEFAULT
    )
    assert no_import.attendance_deduction_pct == D(0)
    # stored rows and TK without a row add up: TL2 (1 %) on the 3rd, no row on the 4th
    partial = month_input(
        "2026-08",
        "199001012015011001",
        kelas=7,
        opd_code="1.01",
        record=Record({3: (100, "TL2")}),
        calendar=CAL,
        policy=DEFAULT,
        imported={3, 4},
    )
    assert partial.attendance_deduction_pct == D(4)


def test_a_day_with_no_import_is_missing_not_deducted() -> None:
    today = date(2026, 9, 1)
    imported = {d.day for d in WORKING_AUG if d.day != 18}
    assert missing_attendance_days(AUG, imported, CAL, today) == (date(2026, 8, 18),)
    assert missing_attendance_days(AUG, set(), CAL, today) == tuple(WORKING_AUG)
    # the month so far: today and later are not missing yet; weekends and 17 August never
    assert missing_attendance_days(AUG, set(), CAL, date(2026, 8, 19)) == tuple(
        d for d in WORKING_AUG if d < date(2026, 8, 19)
    )
    assert date(2026, 8, 17) not in missing_attendance_days(AUG, set(), CAL, today)


# -- verification needs the missing days acknowledged ------------------------------------------------
def test_acknowledged_verification() -> None:
    missing = {"1.02": (date(2026, 8, 3), date(2026, 8, 4)), "1.01": ()}
    assert check_missing_acknowledged({"1.01": ()}, None) == 0
    with pytest.raises(Conflict) as refused:
        check_missing_acknowledged(missing, None)
    assert refused.value.code == "attendance_missing"
    assert refused.value.details["missing"] == {"1.02": ["2026-08-03", "2026-08-04"]}
    with pytest.raises(Conflict) as blank:
        check_missing_acknowledged(missing, MissingAcknowledgement("   ", 2))
    assert blank.value.code == "attendance_missing"
    with pytest.raises(Conflict) as changed:
        check_missing_acknowledged(missing, MissingAcknowledgement("mesin sidik jari rusak", 1))
    assert changed.value.code == "attendance_missing_changed"
    assert check_missing_acknowledged(missing, MissingAcknowledgement("mesin sidik jari rusak", 2)) == 2


# -- rounding: basis points are exact, finer bands are refused ---------------------------------------
def test_band_percentages_finer_than_a_basis_point_are_refused() -> None:
    with pytest.raises(ValidationError, match="0,01"):
        LateBand(code="TL1", over_minutes=0, deduction_pct=D("0.125"))
    with pytest.raises(ValidationError, match="0,01"):
        RemunerasiPolicy(absent_pct=D("2.995"))
    assert LateBand(code="TL1", over_minutes=0, deduction_pct=D("0.25")).deduction_pct == D("0.25")


def test_deduction_bp_is_exact_never_rounded() -> None:
    assert deduction_bp(D("1.25")) == 125
    assert deduction_bp(D("3")) == 300
    assert deduction_bp(D("0.50") + D("1.25")) == 175
    with pytest.raises(ValueError, match="0,01"):
        deduction_bp(D("0.125"))  # banker's rounding once made this 12 bp


# -- the daily cap on overtime days is region policy ---------------------------------------------------
def test_daily_cap_on_overtime_days_is_a_region_choice() -> None:
    saturday = [MinuteEntry(date(2026, 8, 22), 400, overtime_assigned=True)]
    assert DEFAULT.cap_overtime_days is True
    assert countable_minutes(saturday, CAL, DEFAULT).total == 300
    uncapped = RemunerasiPolicy(cap_overtime_days=False)
    assert countable_minutes(saturday, CAL, uncapped).total == 400
    # working days stay capped either way
    tuesday = [MinuteEntry(date(2026, 8, 18), 400)]
    assert countable_minutes(tuesday, CAL, uncapped).total == 300


# -- go-live ---------------------------------------------------------------------------------------
def test_periods_before_go_live_are_refused() -> None:
    assert DEFAULT.go_live == "2025-01"
    assert before_go_live("1969-12", DEFAULT)
    assert before_go_live("2024-12", DEFAULT)
    assert not before_go_live("2025-01", DEFAULT)
    with pytest.raises(ValidationError):
        RemunerasiPolicy(go_live="2025-13")


def test_region_files_set_go_live() -> None:
    from replika.core.config import load_region_config, region_config_path

    for slug in ("kota-bandung", "kota-mataram"):
        cfg: RegionConfig = load_region_config(region_config_path(slug))
        assert cfg.remunerasi.go_live >= "2025-01" and cfg.remunerasi.cap_overtime_days
