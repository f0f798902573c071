"""LKE scoring and grades: weights from the sheet, the answer scales, every grade boundary (70.00 is
B, 70.01 is BB), rounding before grading, and the gap to the next grade."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from replika.sakip.policy import SUB_COMPONENTS, GradeBand, LkeComponent, LkeCriterion, LkePolicy
from replika.sakip.rules.lke import (
    criterion_weights,
    gap_to_next_grade,
    grade_of,
    score,
    sub_weights,
)

SHEET = LkePolicy()


def reference_grade(s: Decimal) -> str:
    """The scale as the issue writes it: AA > 90, A > 80, BB > 70, B > 60, CC > 50, C > 30, D."""
    if s > 90:
        return "AA"
    if s > 80:
        return "A"
    if s > 70:
        return "BB"
    if s > 60:
        return "B"
    if s > 50:
        return "CC"
    if s > 30:
        return "C"
    return "D"


@pytest.mark.parametrize(
    ("shown", "grade"),
    [
        ("100.00", "AA"),
        ("90.01", "AA"),
        ("90.00", "A"),
        ("80.01", "A"),
        ("80.00", "BB"),
        ("70.01", "BB"),
        ("70.00", "B"),
        ("60.01", "B"),
        ("60.00", "CC"),
        ("50.01", "CC"),
        ("50.00", "C"),
        ("30.01", "C"),
        ("30.00", "D"),
        ("0.01", "D"),
        ("0.00", "D"),
    ],
)
def test_grade_at_every_boundary(shown: str, grade: str) -> None:
    assert grade_of(Decimal(shown), SHEET) == grade


def test_grade_of_every_published_score() -> None:
    """All 10,001 two-decimal scores 0.00..100.00 against the scale spelled out."""
    for cents in range(0, 10_001):
        s = Decimal(cents).scaleb(-2)
        assert grade_of(s, SHEET) == reference_grade(s), s


def test_grade_refuses_a_score_outside_0_100() -> None:
    for bad in ("-0.01", "100.01"):
        with pytest.raises(ValueError):
            grade_of(Decimal(bad), SHEET)


def test_weights_follow_the_sheet() -> None:
    subs = sub_weights(SHEET)
    assert subs[("perencanaan", "existence")] == 6
    assert subs[("perencanaan", "quality")] == 9
    assert subs[("perencanaan", "use")] == 15
    assert subs[("pelaporan", "existence")] == 3
    assert subs[("pelaporan", "quality")] == Fraction(9, 2)
    assert subs[("evaluasi", "use")] == Fraction(25, 2)
    assert sum(subs.values()) == 100
    weights = criterion_weights(SHEET)
    assert weights["1a1"] == Fraction(6, 4)  # 4 existence criteria share 6 points
    assert weights["3a1"] == 1  # 3 criteria share 3 points
    assert weights["4c1"] == Fraction(25, 4)  # 12.5 / 2
    assert sum(weights.values()) == 100
    per_sub: dict[tuple[str, str], Fraction] = {}
    for c in SHEET.criteria:
        per_sub[(c.component, c.sub)] = per_sub.get((c.component, c.sub), Fraction(0)) + weights[c.id]
    assert per_sub == subs


def _best(sheet: LkePolicy) -> dict[str, str | None]:
    return {c.id: ("Y" if c.scale == "YT" else "A") for c in sheet.criteria}


def test_all_best_is_100_and_all_worst_is_0() -> None:
    best = score(SHEET, _best(SHEET))
    assert (best.total, best.grade, best.answered) == (Decimal("100.00"), "AA", len(SHEET.criteria))
    worst = score(SHEET, {c.id: ("T" if c.scale == "YT" else "D") for c in SHEET.criteria})
    assert (worst.total, worst.grade) == (Decimal("0.00"), "D")
    empty = score(SHEET, {})
    assert (empty.total, empty.answered) == (Decimal("0.00"), 0)


def test_answer_scale_values() -> None:
    answers = _best(SHEET)
    one = dict(answers, **{"1b1": "B"})  # 9/4 points x (1 - 0.66) lost
    assert score(SHEET, one).exact_total == 100 - Fraction(9, 4) * Fraction(34, 100)
    two = dict(answers, **{"1b1": "C"})
    assert score(SHEET, two).exact_total == 100 - Fraction(9, 4) * Fraction(67, 100)
    no = dict(answers, **{"1a1": "T"})
    assert score(SHEET, no).exact_total == 100 - Fraction(3, 2)
    with pytest.raises(ValueError):
        score(SHEET, dict(answers, **{"1a1": "A"}))  # a Y/T criterion
    with pytest.raises(ValueError):
        score(SHEET, {"9z9": "Y"})


def one_component_sheet(values: dict[str, Decimal]) -> LkePolicy:
    """A sheet of one component (weight 100) with one criterion per sub-component (20/30/50) and a
    scale whose answers are the given values: the score is 20a + 30b + 50c exactly."""
    return LkePolicy(
        components=[LkeComponent(code="x", name="Komponen", weight=Decimal(100))],
        scales={"S": {**values, "top": Decimal(1)}},
        criteria=[
            LkeCriterion(id=f"c{i}", component="x", sub=sub, text="Kriteria uji", scale="S")
            for i, sub in enumerate(SUB_COMPONENTS)
        ],
    )


@pytest.mark.parametrize(
    ("c", "total", "grade"),
    [
        ("0.4", "70.00", "B"),  # exactly 70
        ("0.40008", "70.00", "B"),  # 70.004: rounds to 70.00 before grading
        ("0.4001", "70.01", "BB"),  # 70.005: half up
        ("0.4002", "70.01", "BB"),  # 70.01
        ("0.8", "90.00", "A"),
        ("0.8002", "90.01", "AA"),
    ],
)
def test_the_grade_reads_the_published_score(c: str, total: str, grade: str) -> None:
    sheet = one_component_sheet({"v": Decimal(c)})
    s = score(sheet, {"c0": "top", "c1": "top", "c2": "v"})
    assert (str(s.total), s.grade) == (total, grade)


def test_gap_to_the_next_grade() -> None:
    answers = {c.id: ("Y" if c.scale == "YT" else "C") for c in SHEET.criteria}
    now = score(SHEET, answers)
    gap = gap_to_next_grade(SHEET, answers)
    assert gap.grade == now.grade and gap.next_grade is not None
    bands = [b.grade for b in SHEET.grades]
    assert bands.index(gap.next_grade) == bands.index(now.grade) - 1
    above = next(b.above for b in SHEET.grades if b.grade == gap.next_grade)
    assert gap.needed == above + Decimal("0.01") - now.total
    gains = [lift.gain for lift in gap.lifts]
    assert gains == sorted(gains, reverse=True) and all(g > 0 for g in gains)
    assert all(lift.best == "A" for lift in gap.lifts)  # every Y/T is already Y
    lifted = dict(answers, **{cid: "A" for cid in gap.path})
    assert score(SHEET, lifted).grade == gap.next_grade
    shorter = dict(answers, **{cid: "A" for cid in gap.path[:-1]})
    assert score(SHEET, shorter).grade == now.grade  # the path is no longer than it needs to be


def test_gap_at_the_top_grade() -> None:
    gap = gap_to_next_grade(SHEET, _best(SHEET))
    assert (gap.grade, gap.next_grade, gap.needed, gap.lifts, gap.path) == (
        "AA",
        None,
        Decimal("0.00"),
        [],
        [],
    )


def test_sheet_is_checked() -> None:
    with pytest.raises(ValueError, match="berjumlah 100"):
        LkePolicy(components=[LkeComponent(code="a", name="Satu", weight=Decimal(50))])
    with pytest.raises(ValueError, match="sub_split_pct"):
        LkePolicy(sub_split_pct={"existence": Decimal(50), "quality": Decimal(50), "use": Decimal(10)})
    with pytest.raises(ValueError, match="tidak memiliki kriteria"):
        LkePolicy(criteria=[c for c in LkePolicy().criteria if c.id != "3c1" and c.id != "3c2"])
    with pytest.raises(ValueError, match="urut"):
        LkePolicy(grades=[GradeBand(grade="A", above=Decimal(50)), GradeBand(grade="B", above=Decimal(60))])
    with pytest.raises(ValueError, match="terendah"):
        LkePolicy(grades=[GradeBand(grade="A", above=Decimal(50))])
    with pytest.raises(ValueError, match="skala"):
        LkePolicy(scales={"YT": {"Y": Decimal(1), "T": Decimal(0)}})  # the ABCD criteria lose their scale
