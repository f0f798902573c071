"""1. Attendance: one working day's codes and deduction, and a month's sum."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Literal

from replika.core.calendar import RegionCalendar
from replika.core.config import RemunerasiPolicy
from replika.core.errors import Conflict
from replika.remunerasi.rules.policy import _ZERO, _compiled

Excuse = Literal["cuti", "dinas_luar", "sakit"]

#: Code recorded for an excused day (no deduction).
EXCUSE_CODES: Mapping[str, str] = {"cuti": "CUTI", "dinas_luar": "DL", "sakit": "SAKIT"}
#: Unexcused absence (tanpa keterangan): no check-in and no check-out on a working day.
ABSENT_CODE = "TK"


@dataclass(frozen=True, slots=True)
class DayAttendance:
    """One working day: its codes (empty = on time both ways), deduction in percent, and the
    whole minutes late / early that produced them (0 when not applicable)."""

    codes: tuple[str, ...]
    deduction_pct: Decimal
    late_minutes: int = 0
    early_minutes: int = 0


def _band(minutes: int, bands: tuple[tuple[int, str, Decimal], ...]) -> tuple[str, Decimal] | None:
    for over, code, pct in bands:  # heaviest first
        if minutes > over:
            return code, pct
    return None


def classify_day(
    check_in: time | None,
    check_out: time | None,
    policy: RemunerasiPolicy,
    *,
    excuse: Excuse | None = None,
    sick_letter: bool = False,
    leave_approved: bool = False,
) -> DayAttendance:
    """Classify one **working** day of one employee (the caller skips non-working days).

    * An excused day — leave (``"cuti"``) **with** its approval (``leave_approved=True``: a
      reference number, or the approver's NIP and date, checked by the importer), official travel
      (``"dinas_luar"``), or sick leave (``"sakit"``) **with** a doctor's letter
      (``sick_letter=True``) — has no deduction, whatever the fingerprint says: codes
      ``("CUTI",)``, ``("DL",)``, ``("SAKIT",)``. Leave without an approval and sick leave
      without a letter are not excuses: the day is classified from the times like any other, so
      with no fingerprint at all it is TK (3 %).
    * No check-in **and** no check-out: ``("TK",)`` at ``policy.absent_pct`` (default 3 %), not
      TL4 + PSW4.
    * Otherwise late arrival and early departure are classified independently and added:
      minutes late = check-in − ``work_start``; minutes early = ``work_end`` − check-out, both
      local wall-clock times, counted in **completed whole minutes** (a part minute does not
      count: check-in 07:30:59 is on time, 07:31:00 is 1 minute late; check-out 15:59:01 is on
      time, 15:59:00 is 1 minute early). A band applies when the minutes are **over** its
      ``over_minutes`` (default TL1 1–30, TL2 31–60, TL3 61–90, TL4 >90 min; PSW the same), so
      arriving exactly at ``work_start`` or leaving exactly at ``work_end`` costs nothing.
      No check-in is ``policy.no_checkin_code`` (default TL4); no check-out is the heaviest
      early band (default PSW4).

    The deduction is exact (``Decimal`` percent, no rounding). A check-out before the check-in is
    a data error (``ValueError``).
    """
    if excuse is not None:
        if excuse not in EXCUSE_CODES:
            raise ValueError(f"alasan tidak dikenal: {excuse!r}")
        excused = {"cuti": leave_approved, "sakit": sick_letter}.get(excuse, True)
        if excused:
            return DayAttendance((EXCUSE_CODES[excuse],), _ZERO)
    c = _compiled(policy)
    if check_in is None and check_out is None:
        return DayAttendance((ABSENT_CODE,), c.absent_pct)
    in_s = None if check_in is None else check_in.hour * 3600 + check_in.minute * 60 + check_in.second
    out_s = None if check_out is None else check_out.hour * 3600 + check_out.minute * 60 + check_out.second
    if in_s is not None and out_s is not None and out_s < in_s:
        raise ValueError("jam pulang lebih awal dari jam masuk")

    codes: list[str] = []
    pct = _ZERO
    late = early = 0
    if in_s is None:
        code, cut = c.no_checkin
        codes.append(code)
        pct += cut
    else:
        late = max(0, in_s - c.work_start) // 60
        hit = _band(late, c.late_bands)
        if hit is not None:
            codes.append(hit[0])
            pct += hit[1]
    if out_s is None:
        code, cut = c.no_checkout
        codes.append(code)
        pct += cut
    else:
        early = max(0, c.work_end - out_s) // 60
        hit = _band(early, c.early_bands)
        if hit is not None:
            codes.append(hit[0])
            pct += hit[1]
    return DayAttendance(tuple(codes), pct, late, early)


def total_deduction_pct(days: Iterable[DayAttendance]) -> Decimal:
    """The month's attendance deduction: the exact sum of each day's percent (not capped here;
    :func:`compute_tkd` floors the disiplin factor at 0 when the sum passes 100 %)."""
    return sum((d.deduction_pct for d in days), _ZERO)


def deduction_bp(pct: Decimal) -> int:
    """A day's deduction in whole basis points (``Decimal("1.25")`` -> 125), **exactly**.

    The region config refuses band percentages finer than 0.01 %, so every day's deduction (a sum
    of bands) is a whole number of basis points; anything else is a bug and raises ``ValueError``
    rather than being rounded (banker's rounding once turned 0.125 % into 0.12 %)."""
    bp = pct.scaleb(2)
    if bp != bp.to_integral_value():
        raise ValueError(f"potongan {pct} % bukan kelipatan 0,01 %")
    return int(bp)


# -- days without a record, and days without an import ---------------------------------------------
def unrecorded_absences(
    period_days: Iterable[date],
    recorded: Collection[int],
    imported: Collection[int],
    calendar: RegionCalendar,
) -> tuple[date, ...]:
    """The working days an employee is TK for lack of any record (DOMAIN.md §1).

    Once a working day's attendance has been imported for the employee's OPD (``imported``: days
    of the month), an employee with no row that day (``recorded``: days of the month with a row,
    whatever its code — a leave, travel or sick row is a row) was absent without leave: TK. A day
    not imported for the OPD is never TK here; it is "attendance missing" for the OPD
    (:func:`missing_attendance_days`)."""
    return tuple(
        d for d in period_days if d.day in imported and d.day not in recorded and calendar.is_working_day(d)
    )


def missing_attendance_days(
    period_days: Iterable[date], imported: Collection[int], calendar: RegionCalendar, today: date
) -> tuple[date, ...]:
    """An OPD's working days of the period, before ``today`` (region-local; today's export comes
    after the day), with no attendance import at all: "attendance missing". Not deducted from
    anyone; shown to BKPSDM, who must acknowledge them before verifying the run."""
    return tuple(d for d in period_days if d < today and d.day not in imported and calendar.is_working_day(d))


@dataclass(frozen=True, slots=True)
class MissingAcknowledgement:
    """BKPSDM's explicit acknowledgement of the missing attendance days of a run: the reason, and
    how many (OPD, day) pairs it acknowledges (what BKPSDM saw on the run)."""

    reason: str
    missing_days: int


def check_missing_acknowledged(
    missing: Mapping[str, Sequence[date]], ack: MissingAcknowledgement | None
) -> int:
    """Verification of a run with missing attendance days needs their acknowledgement.

    Returns the number of (OPD, day) pairs missing. No missing day: nothing needed (an
    acknowledgement is ignored). Missing days and no acknowledgement (or an empty reason):
    :class:`Conflict` ``attendance_missing`` listing them. An acknowledgement of another number of
    days than are missing now (an import or the directory changed since BKPSDM looked):
    :class:`Conflict` ``attendance_missing_changed`` — look again, then acknowledge."""
    count = sum(len(days) for days in missing.values())
    if count == 0:
        return 0
    listed = {opd: [d.isoformat() for d in days] for opd, days in sorted(missing.items()) if days}
    if ack is None or not ack.reason.strip():
        raise Conflict(
            f"Absensi belum diimpor untuk {count} hari kerja OPD; akui dengan alasan sebelum verifikasi.",
            code="attendance_missing",
            details={"missing_days": count, "missing": listed},
        )
    if ack.missing_days != count:
        raise Conflict(
            "Hari tanpa absensi berubah sejak Anda melihatnya; muat ulang lalu akui kembali.",
            code="attendance_missing_changed",
            details={"missing_days": count, "acknowledged": ack.missing_days, "missing": listed},
        )
    return count
