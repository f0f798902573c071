"""``periods_from``: the document's pattern of the periods from a region's go-live month on."""

from __future__ import annotations

import re

import pytest

from replika.remunerasi.models import PERIOD, periods_from


@pytest.mark.parametrize("first", ["2025-01", "2026-07", "1999-12", "9999-12", "0001-01", "2090-10"])
def test_a_period_matches_exactly_when_it_is_not_before_the_first(first: str) -> None:
    pattern = re.compile(periods_from(first))
    year = int(first[:4])
    years = sorted({*range(1, 10000, 97), max(year - 1, 1), year, min(year + 1, 9999), 9999})
    for y in years:
        for m in range(1, 13):
            period = f"{y:04d}-{m:02d}"
            assert re.match(PERIOD, period)
            assert bool(pattern.match(period)) == (period >= first), (first, period)
    assert not pattern.match(first + "x") and not pattern.match("2026-13")
