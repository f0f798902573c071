"""Public statistics and the SKM index (rules/stats.py): the worked examples of its docstring, and
the edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from replika.perizinan.rules.stats import (
    decision_counters,
    median_of_histogram,
    share_pct,
    skm_grade,
    skm_index,
)


def test_median_of_a_histogram() -> None:
    assert median_of_histogram({2: 1, 5: 2, 9: 1}) == Decimal(5)
    assert median_of_histogram({2: 1, 5: 1}) == Decimal("3.5")
    assert median_of_histogram({0: 3}) == 0
    assert median_of_histogram({7: 1, 1: 1, 3: 1}) == 3  # unordered input
    assert median_of_histogram({}) is None and median_of_histogram({4: 0}) is None


def test_share() -> None:
    assert share_pct(2, 3) == Decimal("66.67") and share_pct(1, 8) == Decimal("12.50")
    assert share_pct(0, 0) is None


def test_skm_index_and_grade() -> None:
    assert skm_index([7] * 9, 2) == Decimal("87.50")  # one all-4, one all-3
    assert skm_index([4] * 9, 1) == Decimal("100.00")
    assert skm_index([1] * 9, 1) == Decimal("25.00")
    assert skm_index([4, 4, 4, 4, 4, 4, 4, 4, 1], 1) == Decimal("91.67")  # 33/9*25 = 91.666.. half up
    assert skm_index([0] * 9, 0) is None
    with pytest.raises(ValueError):
        skm_index([4] * 8, 1)
    assert [
        skm_grade(Decimal(x)) for x in ("100", "88.31", "88.30", "76.61", "76.60", "65.00", "64.99", "25")
    ] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "C",
        "D",
        "D",
    ]
    assert skm_grade(None) is None


def test_decision_counters() -> None:
    assert decision_counters(days=0, total_sla=None, issued=True, fiktif_positif=False) == {
        "decided": 1,
        "days#000": 1,
        "within_sla": 1,
        "issued": 1,
    }
    assert decision_counters(days=10, total_sla=10, issued=False, fiktif_positif=False) == {
        "decided": 1,
        "days#010": 1,
        "within_sla": 1,
    }
    late = decision_counters(days=11, total_sla=10, issued=True, fiktif_positif=True)
    assert late == {"decided": 1, "days#011": 1, "issued": 1, "fiktif_positif": 1}
