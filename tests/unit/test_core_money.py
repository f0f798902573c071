from __future__ import annotations

from decimal import Decimal

import pytest

from replika.core.money import bp, format_rupiah, percent_of, round_half_up, to_rupiah


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.5"), 3),
        (Decimal("2.4999"), 2),
        (Decimal("3.5"), 4),  # not banker's rounding (which gives 4 here but 2 for 2.5)
        (Decimal("0.5"), 1),
        (Decimal("-2.5"), -3),  # ties away from zero
        (Decimal("-2.4"), -2),
        (Decimal("1234567.50"), 1234568),
        (7, 7),
    ],
)
def test_round_half_up(value: Decimal, expected: int) -> None:
    assert round_half_up(value) == expected
    assert isinstance(round_half_up(value), int)


def test_floats_are_rejected() -> None:
    with pytest.raises(TypeError):
        round_half_up(2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_rupiah(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        percent_of(1000, 4.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        percent_of(1000.0, Decimal(4))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_rupiah(1000.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bp(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        round_half_up(True)


def test_nan_rejected() -> None:
    with pytest.raises(ValueError):
        round_half_up(Decimal("NaN"))


def test_percent_of_is_exact() -> None:
    assert percent_of(1_000_001, Decimal("4")) == Decimal("40000.04")
    assert percent_of(3_333_333, Decimal("1.25")) == Decimal("41666.6625")
    assert percent_of(5_000_000, Decimal("60")) == Decimal("3000000")
    # rounding happens once, at the end
    assert to_rupiah(percent_of(3_333_333, Decimal("1.25"))) == 41667


def test_bp() -> None:
    assert bp(150) == Decimal("1.50")
    assert bp(1) == Decimal("0.01")
    assert bp(10_000) == Decimal("100.00")
    assert percent_of(2_000_000, bp(50)) == Decimal("10000")


def test_tkd_style_component() -> None:
    # BPJS employee part 1% of 4,567,891 = 45,678.91 -> 45,679 (half up, once)
    assert to_rupiah(percent_of(4_567_891, Decimal("1"))) == 45_679
    # half exactly: 1% of 50 = 0.5 -> 1
    assert to_rupiah(percent_of(50, Decimal(1))) == 1


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_234_567, "Rp 1.234.567"),
        (0, "Rp 0"),
        (999, "Rp 999"),
        (1000, "Rp 1.000"),
        (-25_000, "-Rp 25.000"),
        (10_000_000_000, "Rp 10.000.000.000"),
    ],
)
def test_format_rupiah(n: int, text: str) -> None:
    assert format_rupiah(n) == text
