"""Pure rules of TKD (Tunjangan Kinerja Dinamis), DOMAIN.md §1: no I/O, no AWS.

Five groups, each driven only by :class:`~replika.core.config.RemunerasiPolicy` (every number is
region policy) and, for dates, a :class:`~replika.core.calendar.RegionCalendar`:

1. attendance — :func:`classify_day` turns one working day's check-in / check-out into codes
   (``TL1``–``TL4``, ``PSW1``–``PSW4``, ``TK``, ``CUTI``, ``DL``, ``SAKIT``) and a deduction in
   percent; :func:`total_deduction_pct` sums a month; :func:`unrecorded_absences` (TK for no row
   on a day imported for the OPD), :func:`missing_attendance_days` (no import at all) and
   :func:`check_missing_acknowledged` (verification needs them acknowledged);
2. minutes — :func:`countable_minutes` applies the daily cap and the non-working-day rule to the
   approved activity entries;
3. the monthly formula — :func:`compute_tkd` (integer arithmetic, whole rupiah, half up);
4. back-dating — :func:`entry_date_problem` (messages in Bahasa Indonesia);
5. the payroll run state machine — :func:`transition`.

Money is an ``int`` of rupiah, percentages are ``Decimal`` percent (``Decimal("1.25")`` = 1.25 %).
Policies are treated as immutable: derived values (parsed work hours, sorted bands, fractions) are
cached per policy object, so mutate nothing inside a policy in place — build a new one
(``policy.model_copy(update=...)``) instead.
"""

from __future__ import annotations

from replika.remunerasi.rules.attendance import (
    ABSENT_CODE,
    EXCUSE_CODES,
    DayAttendance,
    Excuse,
    MissingAcknowledgement,
    check_missing_acknowledged,
    classify_day,
    deduction_bp,
    missing_attendance_days,
    total_deduction_pct,
    unrecorded_absences,
)
from replika.remunerasi.rules.entry_dates import entry_date_problem, format_tanggal
from replika.remunerasi.rules.minutes import (
    CountableMinutes,
    DayMinutes,
    MinuteEntry,
    MinuteEntryLike,
    countable_minutes,
)
from replika.remunerasi.rules.month import (
    MonthRecord,
    month_absences,
    month_attendance_pct,
    month_input,
    month_minutes,
    month_sentences,
)
from replika.remunerasi.rules.payroll_state import (
    PayrollAction,
    PayrollState,
    allowed_actions,
    before_go_live,
    transition,
)
from replika.remunerasi.rules.tkd import (
    OpdTransfer,
    Sentence,
    TkdInput,
    TkdResult,
    compute_tkd,
    opd_at_period_end,
    sentence_cut_pct,
)

__all__ = [
    "ABSENT_CODE",
    "EXCUSE_CODES",
    "CountableMinutes",
    "DayAttendance",
    "DayMinutes",
    "Excuse",
    "MinuteEntry",
    "MinuteEntryLike",
    "MissingAcknowledgement",
    "MonthRecord",
    "OpdTransfer",
    "PayrollAction",
    "PayrollState",
    "Sentence",
    "TkdInput",
    "TkdResult",
    "allowed_actions",
    "before_go_live",
    "check_missing_acknowledged",
    "classify_day",
    "compute_tkd",
    "countable_minutes",
    "deduction_bp",
    "entry_date_problem",
    "format_tanggal",
    "missing_attendance_days",
    "month_absences",
    "month_attendance_pct",
    "month_input",
    "month_minutes",
    "month_sentences",
    "opd_at_period_end",
    "sentence_cut_pct",
    "total_deduction_pct",
    "transition",
    "unrecorded_absences",
]
