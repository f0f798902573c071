"""Money: an ``int`` of rupiah; percentages are ``Decimal`` (percent) or basis points.

Rules every money computation follows (ARCHITECTURE.md, Conventions):

* amounts are whole rupiah (``int``); intermediate values are exact ``Decimal``;
* a percentage is a ``Decimal`` in percent (``Decimal("4")`` = 4 %) or an ``int`` of basis points
  converted with :func:`bp` (``bp(150)`` = 1.50 %);
* round **once**, **half up** (``ROUND_HALF_UP``: ties go away from zero, so 0.5 -> 1 and
  -0.5 -> -1), at the end of a component, with :func:`to_rupiah`;
* binary floats are rejected with ``TypeError``: ``0.1 + 0.2`` is not money.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, Inexact, localcontext

__all__ = ["bp", "format_rupiah", "percent_of", "round_half_up", "to_rupiah"]

_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_BP_PER_PERCENT = Decimal(100)


def _as_decimal(x: object, name: str = "value") -> Decimal:
    """``Decimal`` or ``int`` (not ``bool``, not ``float``) as an exact ``Decimal``."""
    if isinstance(x, bool | float):
        raise TypeError(f"{name} must be Decimal or int, not {type(x).__name__}")
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError(f"{name} must be finite, got {x}")
        return x
    if isinstance(x, int):
        return Decimal(x)
    raise TypeError(f"{name} must be Decimal or int, not {type(x).__name__}")


def _as_int(x: object, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{name} must be an int of rupiah, not {type(x).__name__}")
    return x


def round_half_up(x: Decimal | int) -> int:
    """Round to a whole number, half up (ties away from zero): 2.5 -> 3, 2.49 -> 2, -2.5 -> -3.

    Raises ``TypeError`` for floats (use ``Decimal("…")``) and ``ValueError`` for NaN/infinity.
    """
    value = _as_decimal(x, "x")
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def to_rupiah(x: Decimal | int) -> int:
    """An exact amount as whole rupiah, rounded **once**, half up (see :func:`round_half_up`).

    Call it at the end of a component (e.g. the kinerja part of a TKD slip), never on
    intermediate values.
    """
    return round_half_up(x)


def percent_of(amount: int, pct: Decimal | int) -> Decimal:
    """``amount × pct / 100``, exact (no rounding): ``percent_of(1_000_001, Decimal("4"))`` =
    ``Decimal("40000.04")``. Round the final component with :func:`to_rupiah`.

    ``amount`` must be an ``int`` of rupiah; ``pct`` a ``Decimal`` (or ``int``) in percent.
    """
    base = _as_int(amount, "amount")
    p = _as_decimal(pct, "pct")
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True  # never silently round: fail loudly instead
        return Decimal(base) * p / _HUNDRED


def bp(n: int) -> Decimal:
    """``n`` basis points as a percent ``Decimal`` for :func:`percent_of`: ``bp(150)`` =
    ``Decimal("1.50")`` (1 bp = 0.01 %)."""
    value = _as_int(n, "n")
    return (Decimal(value) / _BP_PER_PERCENT).quantize(Decimal("0.01"))


def format_rupiah(n: int) -> str:
    """Indonesian display: ``format_rupiah(1234567)`` -> ``"Rp 1.234.567"``; negative amounts
    are ``"-Rp 1.234.567"``. Only whole rupiah (``int``) are accepted: round first."""
    value = _as_int(n, "n")
    grouped = f"{abs(value):,}".replace(",", ".")
    return f"-Rp {grouped}" if value < 0 else f"Rp {grouped}"
