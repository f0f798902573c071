"""Pure rules of TKD (Tunjangan Kinerja Dinamis), DOMAIN.md §1: no I/O, no AWS.

Five groups, each driven only by :class:`~replika.core.config.RemunerasiPolicy` (every number is
region policy) and, for dates, a :class:`~replika.core.calendar.RegionCalendar`:

1. attendance — :func:`classify_day` turns one working day's check-in / check-out into codes
   (``TL1``–``TL4``, ``PSW1``–``PSW4``, ``TK``, ``CUTI``, ``DL``, ``SAKIT``) and a deduction in
   percent; :func:`total_deduction_pct` sums a month;
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

from replika.core.calendar import RegionCalendar, parse_period, period_bounds, period_of
from replika.core.config import LateBand, RemunerasiPolicy
from replika.core.errors import Conflict, Forbidden, ValidationFailed

__all__ = [
    "ABSENT_CODE",
    "EXCUSE_CODES",
    "CountableMinutes",
    "DayAttendance",
    "DayMinutes",
    "Excuse",
    "MinuteEntry",
    "MinuteEntryLike",
    "OpdTransfer",
    "PayrollAction",
    "PayrollState",
    "Sentence",
    "TkdInput",
    "TkdResult",
    "allowed_actions",
    "classify_day",
    "compute_tkd",
    "countable_minutes",
    "entry_date_problem",
    "format_tanggal",
    "opd_at_period_end",
    "sentence_cut_pct",
    "total_deduction_pct",
    "transition",
]

_ZERO = Decimal(0)

# =============================================================================================
# Policy, derived once per policy object
# =============================================================================================


def _hhmm_seconds(text: str) -> int:
    hh, _, mm = text.partition(":")
    return int(hh) * 3600 + int(mm) * 60


def _ratio(pct: Decimal) -> tuple[int, int]:
    """A ``Decimal`` as an exact ``(numerator, denominator)`` pair, denominator > 0."""
    n, d = pct.as_integer_ratio()
    return n, d


def _sorted_bands(bands: Sequence[LateBand]) -> tuple[tuple[int, str, Decimal], ...]:
    """Bands as ``(over_minutes, code, pct)``, heaviest (largest ``over_minutes``) first."""
    return tuple(sorted(((b.over_minutes, b.code, b.deduction_pct) for b in bands), reverse=True))


class _Compiled:
    """Everything :func:`compute_tkd` and :func:`classify_day` derive from a policy."""

    __slots__ = (
        "absent_pct",
        "bpjs_ee",
        "bpjs_er",
        "cap",
        "class_rates",
        "early_bands",
        "late_bands",
        "no_checkin",
        "no_checkout",
        "policy",
        "sentence_cuts",
        "target",
        "w_disiplin",
        "w_kinerja",
        "work_end",
        "work_start",
    )

    def __init__(self, policy: RemunerasiPolicy) -> None:
        self.policy = policy
        self.target = policy.target_minutes
        self.w_kinerja = _ratio(policy.w_kinerja_pct)
        self.w_disiplin = _ratio(policy.w_disiplin_pct)
        self.cap = _ratio(policy.kinerja_cap_pct)
        self.bpjs_er = _ratio(policy.bpjs_employer_pct)
        self.bpjs_ee = _ratio(policy.bpjs_employee_pct)
        self.class_rates: Mapping[int, int] = dict(policy.class_rates)
        self.sentence_cuts: Mapping[str, Decimal] = dict(policy.sentence_cut_pct)
        self.absent_pct = policy.absent_pct
        self.work_start = _hhmm_seconds(policy.work_start)
        self.work_end = _hhmm_seconds(policy.work_end)
        self.late_bands = _sorted_bands(policy.late_bands)
        self.early_bands = _sorted_bands(policy.early_bands)
        by_code = {code: (code, pct) for _, code, pct in self.late_bands}
        if policy.no_checkin_code not in by_code:
            raise ValueError(f"no_checkin_code {policy.no_checkin_code!r} tidak ada dalam late_bands")
        self.no_checkin: tuple[str, Decimal] = by_code[policy.no_checkin_code]
        if not self.early_bands:
            raise ValueError("early_bands kosong: tidak ada kode untuk tidak absen pulang")
        self.no_checkout: tuple[str, Decimal] = (self.early_bands[0][1], self.early_bands[0][2])


_CACHE: dict[int, _Compiled] = {}
_CACHE_MAX = 32


def _compiled(policy: RemunerasiPolicy) -> _Compiled:
    # Keyed by id(); the entry keeps a strong reference to the policy, so the id cannot be reused
    # by another object while the entry lives, and ``is`` confirms the hit.
    hit = _CACHE.get(id(policy))
    if hit is not None and hit.policy is policy:
        return hit
    compiled = _Compiled(policy)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[id(policy)] = compiled
    return compiled


def _half_up(num: int, den: int) -> int:
    """``num / den`` rounded to an integer, half up, for ``num >= 0`` and ``den > 0``."""
    return (2 * num + den) // (2 * den)


# =============================================================================================
# 1. Attendance
# =============================================================================================

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


# =============================================================================================
# 2. Minutes
# =============================================================================================


class MinuteEntryLike(Protocol):
    """An approved activity entry: its local date, its minutes (quantity × standard minutes) and
    whether it was assigned overtime."""

    @property
    def entry_date(self) -> date: ...

    @property
    def minutes(self) -> int: ...

    @property
    def overtime_assigned(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class MinuteEntry:
    """The plain implementation of :class:`MinuteEntryLike`."""

    entry_date: date
    minutes: int
    overtime_assigned: bool = False


@dataclass(frozen=True, slots=True)
class DayMinutes:
    """One day: approved minutes logged, whether it is a working day, and what counts."""

    day: date
    working_day: bool
    approved_minutes: int
    countable_minutes: int


@dataclass(frozen=True, slots=True)
class CountableMinutes:
    """Totals over the entries, and the per-day breakdown in date order."""

    total: int
    approved_total: int
    days: tuple[DayMinutes, ...]


def countable_minutes(
    entries: Iterable[MinuteEntryLike], calendar: RegionCalendar, policy: RemunerasiPolicy
) -> CountableMinutes:
    """Minutes that count towards the monthly target, from **approved** entries only (the caller
    filters out pending and rejected ones).

    * Working day: every approved minute counts, capped at ``policy.daily_cap_minutes`` (default
      300) per day; the overtime flag changes nothing on a working day.
    * Non-working day (weekend, public holiday, cuti bersama, region day off): only entries
      flagged ``overtime_assigned`` count. **Choice:** the same daily cap applies to those
      overtime minutes, so a Saturday can add at most one capped day's worth.
    * The cap is per person and day, across OPDs: after a mid-month transfer, entries approved
      in either OPD are summed together (see :func:`compute_tkd`).

    ``approved_total`` is every approved minute given (including uncounted non-working-day
    minutes); ``total`` is what counts. Whatever dates are given are counted: pass one period's
    entries for a monthly figure.
    """
    cap = policy.daily_cap_minutes
    approved: dict[date, int] = {}
    eligible: dict[date, int] = {}
    working: dict[date, bool] = {}
    for e in entries:
        if e.minutes < 0:
            raise ValueError(f"menit negatif pada {e.entry_date.isoformat()}")
        d = e.entry_date
        is_working = working.get(d)
        if is_working is None:
            is_working = working[d] = calendar.is_working_day(d)
        approved[d] = approved.get(d, 0) + e.minutes
        if is_working or e.overtime_assigned:
            eligible[d] = eligible.get(d, 0) + e.minutes
    days = tuple(
        DayMinutes(d, working[d], approved[d], min(eligible.get(d, 0), cap)) for d in sorted(approved)
    )
    return CountableMinutes(
        total=sum(x.countable_minutes for x in days),
        approved_total=sum(x.approved_minutes for x in days),
        days=days,
    )


# =============================================================================================
# 3. The monthly formula
# =============================================================================================


@dataclass(frozen=True, slots=True)
class Sentence:
    """A disciplinary sentence (hukuman disiplin) from ``start`` to ``end`` (both inclusive;
    ``end=None`` = open). Its cut is ``cut_pct`` when given, else
    ``policy.sentence_cut_pct[level]`` (``"ringan"`` / ``"sedang"`` / ``"berat"`` by default)."""

    level: str
    start: date
    end: date | None = None
    cut_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OpdTransfer:
    """A move to ``to_opd`` effective on ``effective`` (the first day in the new OPD)."""

    effective: date
    to_opd: str


@dataclass(frozen=True, slots=True)
class TkdInput:
    """One employee's month, as gathered by the service.

    ``approved_minutes`` is every approved minute of the period; ``countable_minutes`` the part
    that counts (:func:`countable_minutes` ``.total``), which the kinerja ratio uses. Both may
    include minutes approved in two OPDs after a transfer. ``opd_code`` is the OPD at the start
    of the period; ``transfers`` moves it (see :func:`opd_at_period_end`).
    ``attendance_deduction_pct`` is the month's summed deduction (:func:`total_deduction_pct`).
    """

    nip: str
    period: str
    kelas: int
    opd_code: str
    approved_minutes: int
    countable_minutes: int
    attendance_deduction_pct: Decimal = _ZERO
    sentences: tuple[Sentence, ...] = ()
    transfers: tuple[OpdTransfer, ...] = ()


@dataclass(frozen=True, slots=True)
class TkdResult:
    """One employee's TKD slip for one period. Amounts are whole rupiah; ``kinerja_ratio`` is the
    ratio used (``min(countable / target, cap)``) shown to 4 decimals; percentages are exact."""

    nip: str
    period: str
    kelas: int
    base: int
    approved_minutes: int
    countable_minutes: int
    kinerja_ratio: Decimal
    kinerja: int
    attendance_deduction_pct: Decimal
    disiplin: int
    sentence_cut_pct: Decimal
    sentence_cut: int
    gross: int
    bpjs_employer: int
    bpjs_employee: int
    net: int
    opd_code: str


def sentence_cut_pct(sentences: Iterable[Sentence], period: str, policy: RemunerasiPolicy) -> Decimal:
    """The cut of the **heaviest** sentence active at any time in ``period`` (0 when none).

    A sentence touching even one day of the month cuts the whole month (DOMAIN: "for their
    months"). "Heaviest" is the largest percent, so a region's own scale is respected.
    """
    first, last = period_bounds(period)
    cuts = _compiled(policy).sentence_cuts
    best = _ZERO
    for s in sentences:
        if s.start > last or (s.end is not None and s.end < first):
            continue
        if s.cut_pct is not None:
            pct = s.cut_pct
        elif s.level in cuts:
            pct = cuts[s.level]
        else:
            raise ValueError(f"tingkat hukuman disiplin tidak dikenal: {s.level!r}")
        if not _ZERO <= pct <= 100:
            raise ValueError(f"potongan hukuman disiplin di luar 0..100: {pct}")
        best = max(best, pct)
    return best


def opd_at_period_end(opd_code: str, transfers: Iterable[OpdTransfer], period: str) -> str:
    """The OPD on the last day of ``period``: the latest transfer effective on or before that
    day, else ``opd_code``. Transfers effective after the period are ignored."""
    _, last = period_bounds(period)
    best: OpdTransfer | None = None
    for t in transfers:
        if t.effective <= last and (best is None or t.effective >= best.effective):
            best = t
    return opd_code if best is None else best.to_opd


def compute_tkd(inputs: TkdInput, policy: RemunerasiPolicy) -> TkdResult:
    """The monthly TKD of one employee, DOMAIN.md §1::

        base     = policy.class_rates[kelas]
        ratio    = min(countable_minutes / target_minutes, kinerja_cap_pct / 100)
        kinerja  = base × w_kinerja × ratio                               -> rounded
        disiplin = base × w_disiplin × max(0, 1 − attendance_pct / 100)   -> rounded
        gross    = (kinerja + disiplin) × (1 − sentence_cut_pct / 100)    -> rounded
        sentence_cut  = kinerja + disiplin − gross                        (ints, no rounding)
        bpjs_employer = gross × bpjs_employer_pct (4 %)                   -> rounded
        bpjs_employee = gross × bpjs_employee_pct (1 %)                   -> rounded
        net      = gross − bpjs_employee                                  (ints, no rounding)

    **Rounding:** each "rounded" component is computed exactly (integer fractions, no float, no
    intermediate rounding) and rounded **once** to whole rupiah, **half up**. Gross is the
    rounded component and the sentence cut is the difference, so the slip always adds up
    (``kinerja + disiplin = gross + sentence_cut``); at an exact .5 tie the cut therefore rounds
    down (1,000,005 × 30 % = 300,001.5 -> gross 700,004, cut 300,001).

    The ratio uses **countable** minutes (approved, capped per day). ``kinerja_ratio`` in the
    result is that ratio rounded half up to 4 decimals, for display only.

    Sentence: the heaviest active in the period (:func:`sentence_cut_pct`). Mid-month transfer:
    minutes approved in both OPDs count together (they are one person's month), and the result
    carries the OPD of the period's last day (:func:`opd_at_period_end`), whose payroll sheet pays
    the whole month.
    """
    c = _compiled(policy)
    parse_period(inputs.period)
    base = c.class_rates.get(inputs.kelas)
    if base is None:
        raise ValueError(f"kelas jabatan {inputs.kelas} tidak ada dalam tabel tarif")
    minutes = inputs.countable_minutes
    if minutes < 0 or inputs.approved_minutes < 0:
        raise ValueError("menit tidak boleh negatif")
    if minutes > inputs.approved_minutes:
        raise ValueError("menit yang dihitung melebihi menit yang disetujui")
    att = inputs.attendance_deduction_pct
    if att < 0:
        raise ValueError("potongan kehadiran tidak boleh negatif")

    # kinerja: ratio = min(minutes / T, cap_n / (cap_d × 100)) as an exact fraction rn / rd
    target = c.target
    cap_n, cap_d = c.cap
    if minutes * cap_d * 100 <= cap_n * target:
        rn, rd = minutes, target
    else:
        rn, rd = cap_n, cap_d * 100
    wk_n, wk_d = c.w_kinerja
    kinerja = _half_up(base * wk_n * rn, wk_d * 100 * rd)
    ratio4 = _half_up(rn * 10_000, rd)

    # disiplin: base × w_d × max(0, 1 − a_n / (a_d × 100))
    wd_n, wd_d = c.w_disiplin
    a_n, a_d = att.as_integer_ratio()
    keep = a_d * 100 - a_n
    disiplin = _half_up(base * wd_n * keep, wd_d * 100 * a_d * 100) if keep > 0 else 0

    # gross and sentence cut
    subtotal = kinerja + disiplin
    if inputs.sentences:
        cut_pct = sentence_cut_pct(inputs.sentences, inputs.period, policy)
        s_n, s_d = cut_pct.as_integer_ratio()
        gross = _half_up(subtotal * (s_d * 100 - s_n), s_d * 100)
    else:
        cut_pct = _ZERO
        gross = subtotal

    er_n, er_d = c.bpjs_er
    ee_n, ee_d = c.bpjs_ee
    bpjs_employer = _half_up(gross * er_n, er_d * 100)
    bpjs_employee = _half_up(gross * ee_n, ee_d * 100)

    opd = inputs.opd_code
    if inputs.transfers:
        opd = opd_at_period_end(opd, inputs.transfers, inputs.period)

    return TkdResult(
        nip=inputs.nip,
        period=inputs.period,
        kelas=inputs.kelas,
        base=base,
        approved_minutes=inputs.approved_minutes,
        countable_minutes=minutes,
        kinerja_ratio=Decimal(ratio4).scaleb(-4),
        kinerja=kinerja,
        attendance_deduction_pct=att,
        disiplin=disiplin,
        sentence_cut_pct=cut_pct,
        sentence_cut=subtotal - gross,
        gross=gross,
        bpjs_employer=bpjs_employer,
        bpjs_employee=bpjs_employee,
        net=gross - bpjs_employee,
        opd_code=opd,
    )


# =============================================================================================
# 4. Back-dating of activity entries
# =============================================================================================

_BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def format_tanggal(d: date) -> str:
    """``date(2026, 8, 14)`` -> ``"14 Agustus 2026"``."""
    return f"{d.day} {_BULAN[d.month - 1]} {d.year}"


def entry_date_problem(
    entry_date: date,
    today_local: date,
    calendar: RegionCalendar,
    policy: RemunerasiPolicy,
    locked_periods: Iterable[str] = (),
) -> str | None:
    """Why an activity entry may not be dated ``entry_date`` (Bahasa Indonesia), or ``None``.

    Checked in this order: a date after ``today_local`` (the region-local today); a date in a
    locked period (``YYYY-MM``); a date before the back-dating limit, which is
    ``policy.backdate_working_days`` working days before today
    (:meth:`RegionCalendar.working_days_back`: public holidays, cuti bersama and weekends are
    skipped; the limit day itself is allowed). The entry date itself may be a non-working day
    (assigned overtime).
    """
    if entry_date > today_local:
        return "Tanggal kegiatan tidak boleh melewati hari ini."
    period = period_of(entry_date)
    if period in set(locked_periods):
        return f"Periode {period} sudah dikunci; kegiatan tidak dapat ditambah atau diubah."
    n = policy.backdate_working_days
    limit = calendar.working_days_back(today_local, n)
    if entry_date < limit:
        return (
            f"Kegiatan hanya dapat diisi mundur paling lama {n} hari kerja "
            f"(paling awal tanggal {format_tanggal(limit)})."
        )
    return None


# =============================================================================================
# 5. Payroll run state machine
# =============================================================================================


class PayrollState(StrEnum):
    """A period's payroll run. The scheduled run creates it in ``draft``."""

    DRAFT = "draft"
    VERIFIED = "verified"
    APPROVED = "approved"
    LOCKED = "locked"


class PayrollAction(StrEnum):
    RECOMPUTE = "recompute"  # BKPSDM: draft -> draft, verified -> draft
    VERIFY = "verify"  # BKPSDM: draft -> verified
    APPROVE = "approve"  # BPKAD: verified -> approved
    LOCK = "lock"  # BPKAD: approved -> locked (no more entries, approvals or recomputation)


_ACTION_ROLE: Mapping[PayrollAction, str] = {
    PayrollAction.RECOMPUTE: "bkpsdm",
    PayrollAction.VERIFY: "bkpsdm",
    PayrollAction.APPROVE: "bpkad",
    PayrollAction.LOCK: "bpkad",
}
_TRANSITIONS: Mapping[PayrollAction, Mapping[PayrollState, PayrollState]] = {
    PayrollAction.RECOMPUTE: {
        PayrollState.DRAFT: PayrollState.DRAFT,
        PayrollState.VERIFIED: PayrollState.DRAFT,
    },
    PayrollAction.VERIFY: {PayrollState.DRAFT: PayrollState.VERIFIED},
    PayrollAction.APPROVE: {PayrollState.VERIFIED: PayrollState.APPROVED},
    PayrollAction.LOCK: {PayrollState.APPROVED: PayrollState.LOCKED},
}
_STATE_LABEL: Mapping[PayrollState, str] = {
    PayrollState.DRAFT: "draf",
    PayrollState.VERIFIED: "terverifikasi",
    PayrollState.APPROVED: "disetujui",
    PayrollState.LOCKED: "dikunci",
}
_ACTION_LABEL: Mapping[PayrollAction, str] = {
    PayrollAction.RECOMPUTE: "hitung ulang",
    PayrollAction.VERIFY: "verifikasi",
    PayrollAction.APPROVE: "persetujuan",
    PayrollAction.LOCK: "penguncian",
}


def transition(current: PayrollState | str, action: PayrollAction | str, role: str) -> PayrollState:
    """The state after ``action`` by a user acting as ``role`` (a :class:`~replika.core.auth.Role`
    value: ``"bkpsdm"``, ``"bpkad"``…).

    * ``recompute`` (bkpsdm): draft -> draft; verified -> draft (a recompute undoes the check);
    * ``verify`` (bkpsdm): draft -> verified;
    * ``approve`` (bpkad): verified -> approved;
    * ``lock`` (bpkad): approved -> locked.

    Checked in order: an unknown action is :class:`ValidationFailed` (400); the wrong role is
    :class:`Forbidden` (403, whatever the state, so the state is not revealed); an action not
    allowed from ``current`` is :class:`Conflict` (409) — approved and locked runs refuse a
    recompute. An unknown ``current`` is a stored-data bug (``ValueError``).
    """
    state = PayrollState(current)
    try:
        act = PayrollAction(action)
    except ValueError:
        raise ValidationFailed(
            f"Aksi penggajian tidak dikenal: {action!s}.",
            details={"action": str(action), "allowed": [a.value for a in PayrollAction]},
        ) from None
    required = _ACTION_ROLE[act]
    if role != required:
        raise Forbidden(
            f"Hanya {required.upper()} yang dapat melakukan {_ACTION_LABEL[act]}.",
            details={"required_roles": [required]},
        )
    target = _TRANSITIONS[act].get(state)
    if target is None:
        raise Conflict(
            f"Penggajian berstatus {_STATE_LABEL[state]}; {_ACTION_LABEL[act]} tidak dapat dilakukan.",
            details={
                "state": state.value,
                "action": act.value,
                "allowed_from": [s.value for s in _TRANSITIONS[act]],
            },
        )
    return target


def allowed_actions(current: PayrollState | str, role: str) -> tuple[PayrollAction, ...]:
    """The actions ``role`` may take on a run in ``current`` (for showing buttons)."""
    state = PayrollState(current)
    return tuple(a for a in PayrollAction if _ACTION_ROLE[a] == role and state in _TRANSITIONS[a])
