"""3. The monthly TKD formula (integer arithmetic, whole rupiah, half up)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from replika.core.calendar import parse_period, period_bounds
from replika.core.config import RemunerasiPolicy
from replika.remunerasi.rules.policy import _ZERO, _compiled, _half_up


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
