"""1. Attendance: one working day's codes and deduction, and a month's sum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Literal

from replika.core.config import RemunerasiPolicy
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
) -> DayAttendance:
    """Classify one **working** day of one employee (the caller skips non-working days).

    * An excused day — approved leave (``"cuti"``), official travel (``"dinas_luar"``), or sick
      leave (``"sakit"``) **with** a doctor's letter (``sick_letter=True``) — has no deduction,
      whatever the fingerprint says: codes ``("CUTI",)``, ``("DL",)``, ``("SAKIT",)``. Sick leave
      without a letter is not an excuse: the day is classified from the times like any other.
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
        if excuse != "sakit" or sick_letter:
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
