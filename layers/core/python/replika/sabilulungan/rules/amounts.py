"""RAB totals and the amount invariants. Money is ``int`` rupiah; a line total is ``quantity ×
unit price`` exactly (both integers: nothing to round). A breach of an invariant is a
:class:`Conflict` (409) with a message that names both amounts.

Invariants (DOMAIN.md §2: amounts only narrow down the flow):

* requested <= RAB total (the applicant may co-fund the rest);
* recommended (technical OPD) <= requested;
* set (TAPD) <= recommended, unless a reason is given (then still <= requested);
* disbursed (BPKAD) <= approved (= set);
* the year's allocated total <= the year's ceiling (set by TAPD): enforced by a conditional
  update of the year's budget item (``store.allocate``); :func:`check_ceiling` is its message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from replika.core.errors import Conflict
from replika.core.money import format_rupiah

MIN_REASON = 10


@dataclass(frozen=True)
class RabLine:
    description: str
    quantity: int
    unit: str
    unit_price: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


def rab_total(lines: Iterable[RabLine]) -> int:
    """``[2 × 1.500.000, 10 × 75.000]`` -> ``3.750.000``."""
    return sum(line.total for line in lines)


def _refuse(code: str, message: str, **details: int) -> Conflict:
    return Conflict(message, code=code, details=details)


def check_requested(requested: int, rab: int) -> None:
    if requested <= 0:
        raise _refuse("amount_not_positive", "Nilai yang diminta harus lebih dari nol.", requested=requested)
    if requested > rab:
        raise _refuse(
            "requested_exceeds_rab",
            f"Nilai yang diminta ({format_rupiah(requested)}) melebihi total RAB ({format_rupiah(rab)}).",
            requested=requested,
            rab_total=rab,
        )


def check_recommended(recommended: int, requested: int) -> None:
    if recommended < 0 or recommended > requested:
        raise _refuse(
            "recommended_exceeds_requested",
            f"Nilai rekomendasi ({format_rupiah(recommended)}) tidak boleh melebihi nilai yang diminta "
            f"({format_rupiah(requested)}).",
            recommended=recommended,
            requested=requested,
        )


def check_set(amount: int, recommended: int, requested: int, reason: str | None) -> None:
    """``set <= recommended``; above the recommendation only with a reason of at least
    :data:`MIN_REASON` characters, and never above the requested amount."""
    if amount <= 0:
        raise _refuse("amount_not_positive", "Nilai yang ditetapkan harus lebih dari nol.", amount=amount)
    if amount > requested:
        raise _refuse(
            "set_exceeds_requested",
            f"Nilai yang ditetapkan ({format_rupiah(amount)}) melebihi nilai yang diminta "
            f"({format_rupiah(requested)}).",
            amount=amount,
            requested=requested,
        )
    if amount > recommended and len((reason or "").strip()) < MIN_REASON:
        raise _refuse(
            "set_exceeds_recommended",
            f"Nilai yang ditetapkan ({format_rupiah(amount)}) melebihi rekomendasi OPD "
            f"({format_rupiah(recommended)}); sertakan alasan (minimal {MIN_REASON} karakter).",
            amount=amount,
            recommended=recommended,
        )


def check_disbursed(amount: int, approved: int) -> None:
    if amount <= 0 or amount > approved:
        raise _refuse(
            "disbursed_exceeds_approved",
            f"Nilai pencairan ({format_rupiah(amount)}) harus lebih dari nol dan tidak melebihi nilai "
            f"yang disetujui ({format_rupiah(approved)}).",
            amount=amount,
            approved=approved,
        )


def ceiling_breach(year: int, ceiling: int | None, allocated: int, amount: int) -> Conflict:
    """The 409 for an allocation the year's ceiling cannot take (or a year without a ceiling)."""
    if ceiling is None:
        return _refuse(
            "no_ceiling",
            f"Pagu hibah/bansos tahun {year} belum ditetapkan TAPD.",
            year=year,
            amount=amount,
        )
    return _refuse(
        "ceiling_exceeded",
        f"Pagu tahun {year} ({format_rupiah(ceiling)}) tidak cukup: sudah dialokasikan "
        f"{format_rupiah(allocated)}, sisa {format_rupiah(max(ceiling - allocated, 0))}, "
        f"diminta {format_rupiah(amount)}.",
        year=year,
        ceiling=ceiling,
        allocated=allocated,
        amount=amount,
    )


def check_ceiling(year: int, ceiling: int | None, allocated: int, amount: int) -> None:
    if ceiling is None or allocated + amount > ceiling:
        raise ceiling_breach(year, ceiling, allocated, amount)


def check_new_ceiling(year: int, ceiling: int, allocated: int) -> None:
    if ceiling < allocated:
        raise _refuse(
            "ceiling_below_allocated",
            f"Pagu tahun {year} tidak boleh lebih kecil dari yang sudah dialokasikan "
            f"({format_rupiah(allocated)}).",
            year=year,
            ceiling=ceiling,
            allocated=allocated,
        )
