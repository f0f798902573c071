"""Attainment (capaian kinerja), the year's realisation, roll-ups and budget absorption. Pure.

Every value is exact (:class:`fractions.Fraction`) until it is shown: :func:`pct` rounds **once**,
half up, to two decimals. Caps apply to the exact value, and a parent rolls up its children's
exact (capped) values, so no rounding error travels up the cascade.

Attainment of one indicator (PermenPANRB 88/2021, DOMAIN.md §4), with ``r`` the realisation and
``t`` the target:

* higher is better: ``r / t × 100``;
* lower is better:  ``(1 + (1 − r / t)) × 100``, i.e. ``(2 − r / t) × 100``;
* the result lies in ``[0, cap]``: a realisation far worse than the target is 0, never negative
  (lower-better with ``r > 2t``; higher-better with ``r < 0``), and anything better than
  ``cap`` is ``cap`` (region policy, default 120);
* **target 0** (the ratio is undefined): meeting it exactly (``r == 0``) is 100; doing better
  (higher-better ``r > 0``, lower-better ``r < 0``) is the cap; doing worse is 0. So a "zero
  incidents" target met is 100 % and one incident is 0 %.

Targets are never negative (the models refuse them); a realisation may be (e.g. a shrinking
economy).

Roll-up: a node's attainment is the weighted mean of the attainments that exist below it, with
weights from the cascade. A missing weight counts 1, so siblings without weights weigh equally;
weights are relative (20/30/50 and 2/3/5 give the same mean). Children (or indicators) without an
attainment yet are left out of the mean and the weights renormalise over the rest; ``coverage``
says which share of the weight was measured.

The year's realisation follows the indicator's rule over the quarters entered so far:
``sum`` (cumulative), ``last`` (the latest quarter entered) or ``average`` (mean of the quarters
entered).

Budget: absorption = realised / ceiling (pagu) × 100 (undefined for a ceiling of 0); efficiency
is shown as attainment − absorption, in percentage points (positive: more result than money).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

__all__ = [
    "AGGREGATIONS",
    "POLARITIES",
    "Aggregation",
    "Polarity",
    "RollUp",
    "absorption",
    "attainment",
    "efficiency",
    "exact",
    "pct",
    "roll_up",
    "year_value",
]

Polarity = Literal["higher", "lower"]
Aggregation = Literal["sum", "last", "average"]
POLARITIES: tuple[Polarity, ...] = ("higher", "lower")
AGGREGATIONS: tuple[Aggregation, ...] = ("sum", "last", "average")

_HUNDRED = Fraction(100)
_CENT = Decimal("0.01")


def exact(value: Decimal | int | Fraction | str) -> Fraction:
    """An exact fraction of a Decimal / int / Fraction / decimal string (no binary floats)."""
    if isinstance(value, bool | float):
        raise TypeError(f"an exact number is needed, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return Fraction(value)


def pct(value: Fraction | None, places: int = 2) -> Decimal | None:
    """``value`` rounded half up (ties away from zero) to ``places`` decimals, once.

    ``pct(Fraction(140005, 2000))`` -> ``Decimal("70.00")`` (70.0025); ``Fraction(1401, 20)``
    (70.05) stays ``70.05``; ``Fraction(-1, 200)`` -> ``Decimal("-0.01")``.
    """
    if value is None:
        return None
    scale = 10**places
    scaled = abs(value) * scale
    whole = int(scaled + Fraction(1, 2))  # floor(x + 1/2) for x >= 0: half up
    sign = -1 if value < 0 and whole else 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def attainment(
    realisation: Fraction | Decimal | int | None,
    target: Fraction | Decimal | int,
    polarity: Polarity,
    cap_pct: Fraction | Decimal | int,
) -> Fraction | None:
    """The exact attainment in percent, in ``[0, cap]`` (see the module doc; ``None`` without a
    realisation)."""
    if realisation is None:
        return None
    r, t, cap = exact(realisation), exact(target), exact(cap_pct)
    if t < 0:
        raise ValueError("a target is never negative")
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}")
    if t == 0:
        if r == 0:
            return min(_HUNDRED, cap)
        better = r > 0 if polarity == "higher" else r < 0
        return cap if better else Fraction(0)
    ratio = r / t
    value = ratio * _HUNDRED if polarity == "higher" else (2 - ratio) * _HUNDRED
    return max(Fraction(0), min(value, cap))


def year_value(quarters: Mapping[int, Fraction | Decimal | int], rule: Aggregation) -> Fraction | None:
    """The year's realisation from the quarters entered (``{quarter: value}``), by ``rule``."""
    if any(q not in (1, 2, 3, 4) for q in quarters):
        raise ValueError(f"quarters are 1..4, got {sorted(quarters)}")
    if not quarters:
        return None
    values = [exact(quarters[q]) for q in sorted(quarters)]
    if rule == "sum":
        return sum(values, Fraction(0))
    if rule == "last":
        return values[-1]
    if rule == "average":
        return sum(values, Fraction(0)) / len(values)
    raise ValueError(f"unknown aggregation {rule!r}")


@dataclass(frozen=True)
class RollUp:
    """A weighted mean: ``value`` (``None`` when nothing below is measured) and ``coverage``, the
    share of the total weight that had a value (0..1)."""

    value: Fraction | None
    coverage: Fraction
    measured: int
    total: int


def roll_up(items: Sequence[tuple[Fraction | None, Fraction | Decimal | int | None]]) -> RollUp:
    """Weighted mean of ``(attainment, weight)`` pairs; ``weight None`` counts 1, ``attainment
    None`` is left out (weights renormalise over the measured ones)."""
    weights = [Fraction(1) if w is None else exact(w) for _, w in items]
    if any(w <= 0 for w in weights):
        raise ValueError("weights are positive")
    total_weight = sum(weights, Fraction(0))
    measured = [(a, w) for (a, _), w in zip(items, weights, strict=True) if a is not None]
    if not measured:
        return RollUp(None, Fraction(0), 0, len(items))
    measured_weight = sum((w for _, w in measured), Fraction(0))
    value = sum((a * w for a, w in measured), Fraction(0)) / measured_weight
    return RollUp(value, measured_weight / total_weight, len(measured), len(items))


def absorption(realised: int | None, ceiling: int | None) -> Fraction | None:
    """Budget absorption in percent (``None`` without a realisation or with no ceiling)."""
    if realised is None or ceiling is None or ceiling <= 0:
        return None
    if realised < 0:
        raise ValueError("a realised budget is never negative")
    return Fraction(realised) / ceiling * _HUNDRED


def efficiency(attainment_pct: Fraction | None, absorption_pct: Fraction | None) -> Fraction | None:
    """Attainment − absorption, percentage points (``None`` unless both exist)."""
    if attainment_pct is None or absorption_pct is None:
        return None
    return attainment_pct - absorption_pct


def sum_budgets(values: Iterable[int | None]) -> int | None:
    """The sum of the amounts present (``None`` when none is)."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None
