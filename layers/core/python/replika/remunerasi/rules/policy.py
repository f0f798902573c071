"""A region policy compiled once per policy object (parsed hours, sorted bands, fractions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from replika.core.config import LateBand, RemunerasiPolicy

_ZERO = Decimal(0)


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
