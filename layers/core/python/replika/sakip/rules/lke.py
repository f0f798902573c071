"""LKE scoring (PermenPANRB 88/2021), the grade, and the gap to the next grade. Pure.

From the region's sheet (:class:`~replika.sakip.policy.LkePolicy`):

* a sub-component weighs ``component weight × split %`` (planning 30 × 20 % = 6 for existence);
* a criterion weighs its sub-component's weight divided by the number of its criteria;
* an answer is worth its scale's value (Y/T = 1/0; A/B/C/D = 1/0.66/0.33/0); an unanswered
  criterion is worth 0;
* the score is the sum of weight × value over every criterion, exact, rounded **once**, half up,
  to two decimals (the published score); the grade is read from that rounded score: the first band
  whose ``above`` the score is strictly greater than (AA > 90, A > 80, BB > 70, B > 60, CC > 50,
  C > 30, otherwise D). So 70.00 is B and 70.01 is BB.

The gap to the next grade: the points needed (the next band's ``above`` + 0.01 − score) and the
criteria ranked by what answering them at the top of their scale would add (weight × (1 −
value)); ``path`` is the fewest such criteria, largest lifts first, that reach the next grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from replika.sakip.policy import SUB_COMPONENTS, LkeCriterion, LkePolicy
from replika.sakip.rules.attainment import exact, pct

__all__ = [
    "Gap",
    "Lift",
    "Score",
    "criterion_weights",
    "gap_to_next_grade",
    "grade_of",
    "score",
    "sub_weights",
]

_CENT = Decimal("0.01")


def sub_weights(sheet: LkePolicy) -> dict[tuple[str, str], Fraction]:
    """``(component, sub-component) -> weight`` in points (of 100)."""
    return {
        (c.code, sub): exact(c.weight) * exact(sheet.sub_split_pct[sub]) / 100
        for c in sheet.components
        for sub in SUB_COMPONENTS
    }


def criterion_weights(sheet: LkePolicy) -> dict[str, Fraction]:
    """``criterion id -> weight``: its sub-component's weight / the number of its criteria."""
    counts: dict[tuple[str, str], int] = {}
    for c in sheet.criteria:
        counts[(c.component, c.sub)] = counts.get((c.component, c.sub), 0) + 1
    subs = sub_weights(sheet)
    return {c.id: subs[(c.component, c.sub)] / counts[(c.component, c.sub)] for c in sheet.criteria}


def answer_value(sheet: LkePolicy, criterion: LkeCriterion, answer: str | None) -> Fraction:
    """The value of ``answer`` on the criterion's scale (0 when unanswered)."""
    if answer is None:
        return Fraction(0)
    scale = sheet.scales[criterion.scale]
    if answer not in scale:
        raise ValueError(f"{criterion.id}: jawaban {answer!r} tidak ada pada skala {criterion.scale}")
    return exact(scale[answer])


def grade_of(score_value: Decimal, sheet: LkePolicy) -> str:
    """The grade of a published (two-decimal) score: the first band it is strictly above."""
    if not Decimal(0) <= score_value <= Decimal(100):
        raise ValueError(f"an LKE score lies in 0..100, got {score_value}")
    for band in sheet.grades:
        if score_value > band.above:
            return band.grade
    return sheet.grades[-1].grade  # unreachable: the lowest band is above -1


@dataclass(frozen=True)
class Score:
    """An evaluation's score: exact total, the published two-decimal score, its grade, and the
    points per component and per (component, sub-component)."""

    exact_total: Fraction
    total: Decimal
    grade: str
    components: dict[str, Fraction]
    subs: dict[tuple[str, str], Fraction]
    answered: int
    criteria: int


def score(sheet: LkePolicy, answers: Mapping[str, str | None]) -> Score:
    """The score of ``answers`` (criterion id -> answer; missing or ``None`` = unanswered)."""
    unknown = set(answers) - {c.id for c in sheet.criteria}
    if unknown:
        raise ValueError(f"kriteria tidak dikenal: {sorted(unknown)}")
    weights = criterion_weights(sheet)
    components = {c.code: Fraction(0) for c in sheet.components}
    subs = {key: Fraction(0) for key in sub_weights(sheet)}
    for c in sheet.criteria:
        points = weights[c.id] * answer_value(sheet, c, answers.get(c.id))
        components[c.component] += points
        subs[(c.component, c.sub)] += points
    total = sum(components.values(), Fraction(0))
    shown = _shown(total)
    return Score(
        exact_total=total,
        total=shown,
        grade=grade_of(shown, sheet),
        components=components,
        subs=subs,
        answered=sum(1 for c in sheet.criteria if answers.get(c.id) is not None),
        criteria=len(sheet.criteria),
    )


@dataclass(frozen=True)
class Lift:
    criterion: str
    component: str
    sub: str
    current: str | None
    best: str
    gain: Fraction


@dataclass(frozen=True)
class Gap:
    """``next_grade`` is ``None`` at the top grade (then ``needed`` is 0 and ``path`` empty)."""

    grade: str
    next_grade: str | None
    needed: Decimal
    lifts: list[Lift]
    path: list[str]


def gap_to_next_grade(sheet: LkePolicy, answers: Mapping[str, str | None]) -> Gap:
    """What separates ``answers`` from the next grade, and which criteria would lift it most."""
    now = score(sheet, answers)
    bands = sheet.grades
    index = next(i for i, b in enumerate(bands) if b.grade == now.grade)
    weights = criterion_weights(sheet)
    lifts = []
    for c in sheet.criteria:
        scale = sheet.scales[c.scale]
        best = max(scale, key=lambda a: scale[a])
        gain = weights[c.id] * (1 - answer_value(sheet, c, answers.get(c.id)))
        if gain > 0:
            lifts.append(Lift(c.id, c.component, c.sub, answers.get(c.id), best, gain))
    lifts.sort(key=lambda lift: (-lift.gain, lift.criterion))
    if index == 0:
        return Gap(now.grade, None, Decimal("0.00"), lifts, [])
    target = bands[index - 1].above + _CENT  # the lowest published score of the next grade
    path: list[str] = []
    running = now.exact_total
    for lift in lifts:
        if _shown(running) >= target:
            break
        running += lift.gain
        path.append(lift.criterion)
    reachable = _shown(running) >= target
    return Gap(now.grade, bands[index - 1].grade, target - now.total, lifts, path if reachable else [])


def _shown(value: Fraction) -> Decimal:
    shown = pct(value)
    assert shown is not None
    return shown
