"""The payroll run reads month totals as ``totals.MonthView`` (no model per employee): for any
stored month total it must answer exactly what ``tables.MonthTotal`` answers."""

from __future__ import annotations

import random
from typing import Any

import pytest

from replika.remunerasi import keys
from replika.remunerasi.store.totals import MonthView
from replika.remunerasi.tables import MonthTotal


def _total(seed: int) -> MonthTotal:
    rng = random.Random(seed)
    attrs: dict[str, Any] = {}
    for d in range(1, 32):
        if rng.random() < 0.6:
            attrs[f"d{d:02d}"] = rng.choice([0, 30, 240, 300, 420])
        if rng.random() < 0.2:
            attrs[f"a{d:02d}"] = rng.choice([0, 50, 125, 300])
            if rng.random() < 0.8:
                attrs[f"c{d:02d}"] = rng.choice(["TL1", "TK", "TL2,PSW1", ""])
        elif rng.random() < 0.05:
            attrs[f"c{d:02d}"] = "TL1"  # a code without a deduction: not an attendance day
    if rng.random() < 0.5:
        attrs["sentence_pct"] = rng.choice([30, 12.5, 0])
        if rng.random() < 0.7:
            attrs["sentence_level"] = "sedang"
    if rng.random() < 0.5:
        attrs["behaviour"] = 80
    nip = f"19{seed:016d}"
    return MonthTotal(
        *keys.TOTALS.key("2026-08", nip),
        nip=nip,
        period="2026-08",
        opd_code="32.73.01",
        approved_minutes=sum(v for k, v in attrs.items() if k.startswith("d")),
        **attrs,
    )


@pytest.mark.parametrize("seed", range(60))
def test_month_view_reads_what_the_model_reads(seed: int) -> None:
    raw = _total(seed).serialize()
    model = MonthTotal.from_raw_data(raw)
    view = MonthView(raw)
    assert view.day_minutes() == model.day_minutes()
    assert list(view.day_minutes()) == list(model.day_minutes())
    assert view.day_attendance() == model.day_attendance()
    assert list(view.day_attendance()) == list(model.day_attendance())
    assert view.sentence_pct == model.sentence_pct
    assert type(view.sentence_pct) is type(model.sentence_pct)
    assert view.sentence_level == model.sentence_level


def test_month_view_of_null_attributes() -> None:
    raw = {
        "pk": {"S": "TOT#2026-08#00"},
        "sk": {"S": "190000000000000001"},
        "d01": {"NULL": True},
        "a02": {"NULL": True},
        "c02": {"NULL": True},
        "sentence_pct": {"NULL": True},
        "sentence_level": {"NULL": True},
    }
    model = MonthTotal.from_raw_data(raw)
    view = MonthView(raw)
    assert view.day_minutes() == model.day_minutes() == {}
    assert view.day_attendance() == model.day_attendance() == {}
    assert view.sentence_pct is model.sentence_pct is None
    assert view.sentence_level is model.sentence_level is None
