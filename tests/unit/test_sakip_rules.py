"""e-SAKIP pure rules: attainment (polarity, cap, target 0), the year's realisation, roll-ups with
weights, the evaluated tree, quarter windows and the cascade's shape."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from replika.core.config import parse_region_config
from replika.sakip.policy import QuarterWindow, SakipPolicy
from replika.sakip.rules.attainment import (
    absorption,
    attainment,
    efficiency,
    pct,
    roll_up,
    year_value,
)
from replika.sakip.rules.cascade import LEVELS, REGION, changed_years, structure_problems
from replika.sakip.rules.quarters import (
    may_submit,
    quarter_months,
    quarter_of_month,
    quarter_state,
    window_dates,
)
from replika.sakip.rules.tree import IndicatorFacts, NodeFacts, evaluate

CAP = Decimal(120)
F = Fraction


# -- attainment -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("r", "t", "expected"),
    [
        (80, 100, 80),
        (100, 100, 100),
        (120, 100, 120),
        (F(1201, 10), 100, 120),  # 120.1 -> cap
        (500, 100, 120),
        (0, 100, 0),
        (-5, 100, 0),  # a negative realisation is never a negative attainment
        (1, 3, F(100, 3)),
        (Decimal("0.5"), Decimal("0.4"), 120),
        (Decimal("0.45"), Decimal("0.5"), 90),
    ],
)
def test_higher_is_better(r: object, t: object, expected: object) -> None:
    assert attainment(r, t, "higher", CAP) == F(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("r", "t", "expected"),
    [
        (100, 100, 100),
        (90, 100, 110),
        (80, 100, 120),
        (79, 100, 120),  # 121 -> cap
        (0, 100, 120),
        (150, 100, 50),
        (200, 100, 0),
        (250, 100, 0),  # (2 - 2.5) x 100 = -50 -> floor 0
        (1, 3, F(500, 3)),  # 166.67 -> cap
        (Decimal("4.5"), Decimal("5"), 110),
    ],
)
def test_lower_is_better(r: object, t: object, expected: object) -> None:
    value = attainment(r, t, "lower", CAP)  # type: ignore[arg-type]
    assert value == min(F(expected), F(120))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("polarity", "r", "expected"),
    [
        ("higher", 0, 100),  # met exactly
        ("higher", 1, 120),  # better than a zero target: the cap
        ("higher", Decimal("0.0001"), 120),
        ("higher", -1, 0),
        ("lower", 0, 100),  # "zero incidents" met
        ("lower", 1, 0),  # one incident: not met
        ("lower", Decimal("0.0001"), 0),
        ("lower", -1, 120),
    ],
)
def test_target_zero_is_defined(polarity: str, r: object, expected: int) -> None:
    assert attainment(r, 0, polarity, CAP) == expected  # type: ignore[arg-type]


def test_cap_comes_from_the_region_policy() -> None:
    assert attainment(150, 100, "higher", Decimal(110)) == 110
    assert attainment(0, 0, "higher", Decimal(130)) == 100
    assert attainment(1, 0, "higher", Decimal(130)) == 130
    cfg = parse_region_config(
        {
            "slug": "kab-x",
            "kode": "12.18",
            "name": "Kab X",
            "timezone": "Asia/Jakarta",
            "sakip": {"attainment_cap_pct": 130},
        }
    )
    assert cfg.sakip.attainment_cap_pct == 130
    assert attainment(140, 100, "higher", cfg.sakip.attainment_cap_pct) == 130
    default = parse_region_config(
        {"slug": "kab-y", "kode": "12.19", "name": "Kab Y", "timezone": "Asia/Jakarta"}
    )
    assert default.sakip.attainment_cap_pct == 120
    with pytest.raises(ValueError):
        parse_region_config(
            {
                **{"slug": "z1", "kode": "12", "name": "Zzz"},
                "timezone": "Asia/Jakarta",
                "sakip": {"attainment_cap_pct": 99},
            }
        )


def test_attainment_refuses_what_it_cannot_mean() -> None:
    assert attainment(None, 100, "higher", CAP) is None
    with pytest.raises(ValueError):
        attainment(1, -1, "higher", CAP)
    with pytest.raises(TypeError):
        attainment(0.1, 1, "higher", CAP)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        attainment(1, 1, "sideways", CAP)  # type: ignore[arg-type]


@pytest.mark.parametrize("polarity", ["higher", "lower"])
@pytest.mark.parametrize("target", [F(0), F(1, 2), F(1), F(3), F(100), F(2500)])
def test_attainment_over_a_grid(polarity: str, target: Fraction) -> None:
    """Exhaustive over realisations from -3t to 3t in steps of t/40: bounded by [0, cap],
    monotonic in the right direction, and equal to the formula wherever it is inside the bounds."""
    step = target / 40 if target else F(1, 40)
    values = [step * k for k in range(-120, 121)]
    got = [attainment(r, target, polarity, CAP) for r in values]  # type: ignore[arg-type]
    assert all(g is not None and 0 <= g <= 120 for g in got)
    ordered = got if polarity == "higher" else list(reversed(got))
    assert all(a <= b for a, b in itertools.pairwise(ordered))  # type: ignore[operator]
    if target:
        for r, g in zip(values, got, strict=True):
            raw = r / target * 100 if polarity == "higher" else (2 - r / target) * 100
            assert g == max(F(0), min(raw, F(120)))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (F(140005, 2000), "70.00"),  # 70.0025
        (F(14001, 200), "70.01"),  # 70.005: half up
        (F(1400099, 20000), "70.00"),  # 70.004950
        (F(70), "70.00"),
        (F(100, 3), "33.33"),
        (F(200, 3), "66.67"),
        (F(-1, 200), "-0.01"),  # ties away from zero
        (F(-1, 300), "0.00"),
        (F(0), "0.00"),
    ],
)
def test_pct_rounds_once_half_up(value: Fraction, shown: str) -> None:
    assert str(pct(value)) == shown
    assert pct(None) is None


# -- the year's realisation -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("quarters", "rule", "expected"),
    [
        ({1: 10, 2: 20, 3: 30, 4: 40}, "sum", 100),
        ({1: 10, 2: 20, 3: 30, 4: 40}, "last", 40),
        ({1: 10, 2: 20, 3: 30, 4: 40}, "average", 25),
        ({1: 10, 2: 20}, "sum", 30),  # year to date
        ({1: 10, 2: 20}, "last", 20),
        ({1: 10, 2: 20}, "average", 15),
        ({1: 10, 3: 31}, "last", 31),  # a gap: the latest entered
        ({2: 1, 3: 1, 4: 2}, "average", F(4, 3)),
        ({4: Decimal("12.5")}, "average", F(25, 2)),
    ],
)
def test_year_value_follows_the_indicators_rule(
    quarters: dict[int, int], rule: str, expected: object
) -> None:
    assert year_value(quarters, rule) == expected  # type: ignore[arg-type]


def test_year_value_edges() -> None:
    assert year_value({}, "sum") is None
    with pytest.raises(ValueError):
        year_value({5: 1}, "sum")
    with pytest.raises(ValueError):
        year_value({1: 1}, "median")  # type: ignore[arg-type]


# -- roll-up --------------------------------------------------------------------------------------
def test_roll_up_is_an_equal_mean_by_default() -> None:
    r = roll_up([(F(80), None), (F(100), None), (F(120), None)])
    assert (r.value, r.coverage, r.measured, r.total) == (F(100), F(1), 3, 3)


def test_roll_up_uses_relative_weights() -> None:
    a = roll_up([(F(60), 20), (F(90), 30), (F(100), 50)])
    b = roll_up([(F(60), 2), (F(90), 3), (F(100), 5)])
    assert a.value == b.value == F(60 * 2 + 90 * 3 + 100 * 5, 10)
    mixed = roll_up([(F(50), Decimal(3)), (F(100), None)])  # a missing weight counts 1
    assert mixed.value == F(50 * 3 + 100, 4)


def test_roll_up_leaves_out_what_is_not_measured() -> None:
    r = roll_up([(F(80), 1), (None, 3), (F(100), 1)])
    assert (r.value, r.coverage, r.measured, r.total) == (F(90), F(2, 5), 2, 3)
    empty = roll_up([(None, 1), (None, 2)])
    assert (empty.value, empty.coverage) == (None, 0)
    assert roll_up([]).value is None
    with pytest.raises(ValueError):
        roll_up([(F(1), 0)])


def test_budget_absorption_and_efficiency() -> None:
    assert absorption(750, 1000) == 75
    assert absorption(None, 1000) is None
    assert absorption(10, 0) is None and absorption(10, None) is None
    assert efficiency(F(90), F(75)) == 15
    assert efficiency(None, F(75)) is None
    with pytest.raises(ValueError):
        absorption(-1, 10)


# -- the evaluated tree ---------------------------------------------------------------------------
def _ind(
    id_: str,
    target: int | None,
    quarters: dict[int, int],
    polarity: str = "higher",
    rule: str = "sum",
    weight: int | None = None,
) -> IndicatorFacts:
    return IndicatorFacts(
        id_,
        polarity,  # type: ignore[arg-type]
        rule,  # type: ignore[arg-type]
        None if target is None else F(target),
        None if weight is None else Decimal(weight),
        {q: F(v) for q, v in quarters.items()},
    )


def test_tree_rolls_up_children_by_weight_and_budgets_by_sum() -> None:
    nodes = [
        NodeFacts("P", None, None, [_ind("I1", 100, {1: 50})]),
        NodeFacts("A", "P", Decimal(3), [_ind("I1", 100, {1: 40, 2: 40})], pagu=1000, realised=800),
        NodeFacts("B", "P", Decimal(1), [_ind("I1", 10, {1: 5}, polarity="lower")], pagu=500, realised=100),
        NodeFacts("C", "P", None, [_ind("I1", 10, {})], pagu=None),  # not measured: left out
    ]
    out = evaluate(nodes, CAP)
    assert out["A"].attainment == 80 and out["B"].attainment == 120
    assert out["P"].own.value == 50  # its own indicator
    assert out["P"].rolled.value == F(80 * 3 + 120 * 1, 4)
    assert out["P"].attainment == out["P"].rolled.value
    assert out["P"].rolled.coverage == F(4, 5)
    assert (out["P"].pagu, out["P"].realised) == (1500, 900)
    assert out["P"].absorption == 60
    assert out["P"].efficiency == F(90) - 60
    assert out["C"].attainment is None and out["C"].absorption is None


def test_tree_indicators_weigh_and_parents_fall_back_to_their_own() -> None:
    nodes = [
        NodeFacts("S", None, None, [_ind("I1", 100, {1: 100}, weight=1), _ind("I2", 100, {1: 40}, weight=3)]),
        NodeFacts("K", "S", None, [_ind("I1", 100, {})]),
    ]
    out = evaluate(nodes, CAP)
    assert out["S"].own.value == F(100 + 40 * 3, 4)
    assert out["S"].attainment == out["S"].own.value  # the child is not measured yet
    with pytest.raises(ValueError):
        evaluate([NodeFacts("X", "Y", None, []), NodeFacts("Y", "X", None, [])], CAP)


def test_tree_indicator_without_a_target_has_no_attainment() -> None:
    out = evaluate([NodeFacts("N", None, None, [_ind("I1", None, {1: 5})])], CAP)
    assert out["N"].indicators[0].realisation == 5 and out["N"].attainment is None


# -- quarters -------------------------------------------------------------------------------------
def test_quarter_months() -> None:
    assert [quarter_months(q) for q in (1, 2, 3, 4)] == [(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)]
    assert [quarter_of_month(m) for m in range(1, 13)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    for bad in (0, 5):
        with pytest.raises(ValueError):
            quarter_months(bad)
    with pytest.raises(ValueError):
        quarter_of_month(13)


def test_window_dates_cross_the_year_for_q4() -> None:
    policy = SakipPolicy()
    assert window_dates(2026, policy.window(1)) == (date(2026, 3, 20), date(2026, 4, 15))
    assert window_dates(2026, policy.window(4)) == (date(2026, 12, 20), date(2027, 1, 20))
    feb = QuarterWindow(quarter=1, opens="02-29", closes="04-10")
    assert window_dates(2027, feb)[0] == date(2027, 2, 28)  # a common year
    assert window_dates(2028, feb)[0] == date(2028, 2, 29)


def test_quarter_state_at_every_edge() -> None:
    w = SakipPolicy().window(2)
    opens, closes = date(2026, 6, 20), date(2026, 7, 15)
    day = timedelta(days=1)
    assert quarter_state(opens - day, 2026, w, None) == "not_open"
    assert quarter_state(opens, 2026, w, None) == "open"
    assert quarter_state(closes, 2026, w, None) == "open"
    assert quarter_state(closes + day, 2026, w, None) == "closed"
    until = closes + 10 * day
    assert quarter_state(closes + day, 2026, w, until) == "reopened"
    assert quarter_state(until, 2026, w, until) == "reopened"
    assert quarter_state(until + day, 2026, w, until) == "closed"
    assert quarter_state(opens - day, 2026, w, until) == "not_open"  # reopening never opens early
    assert [may_submit(s) for s in ("not_open", "open", "closed", "reopened")] == [False, True, False, True]  # type: ignore[arg-type]


def test_windows_policy_is_checked() -> None:
    with pytest.raises(ValueError):
        SakipPolicy(windows=[QuarterWindow(quarter=q, opens="04-01", closes="04-10") for q in (1, 2, 3)])
    bad = [QuarterWindow(quarter=q, opens="05-10", closes="05-01") for q in (1, 2, 3, 4)]
    with pytest.raises(ValueError, match="ditutup sebelum dibuka"):
        SakipPolicy(windows=bad)


# -- the cascade's shape --------------------------------------------------------------------------
def _codes(
    level: str, owner: str, parent: dict[str, str] | None, indicators: int = 1, pagu: bool = False
) -> set[str]:
    return {
        c
        for c, _ in structure_problems(
            level=level, owner=owner, parent=parent, indicators=indicators, has_pagu=pagu
        )
    }


def test_every_level_with_its_right_parent_is_fine() -> None:
    assert _codes("vision", REGION, None, indicators=0) == set()
    assert _codes("mission", REGION, {"level": "vision", "owner": REGION}, indicators=0) == set()
    assert _codes("goal", REGION, {"level": "mission", "owner": REGION}) == set()
    assert _codes("strategic_target", REGION, {"level": "goal", "owner": REGION}) == set()
    assert _codes("opd_target", "32.73.09", {"level": "strategic_target", "owner": REGION}) == set()
    assert _codes("programme", "32.73.09", {"level": "opd_target", "owner": "32.73.09"}, pagu=True) == set()
    assert _codes("activity", "32.73.09", {"level": "programme", "owner": "32.73.09"}, pagu=True) == set()
    assert _codes("sub_activity", "32.73.09", {"level": "activity", "owner": "32.73.09"}, pagu=True) == set()


def test_shape_problems() -> None:
    assert _codes("vision", REGION, {"level": "vision", "owner": REGION}, 0) == {"parent_not_allowed"}
    assert _codes("goal", REGION, None) == {"parent_required"}
    assert _codes("programme", "1", {"level": "opd_target", "owner": "1"}) == set()
    assert _codes("programme", "1", {"level": "goal", "owner": "1"}) == {"parent_level"}
    assert _codes("goal", "32.73.09", {"level": "mission", "owner": REGION}) == {"owner_region"}
    assert _codes("opd_target", REGION, {"level": "strategic_target", "owner": REGION}) == {"owner_opd"}
    assert _codes("activity", "A", {"level": "programme", "owner": "B"}) == {"owner_parent"}
    assert _codes("goal", REGION, {"level": "mission", "owner": REGION}, indicators=0) == {
        "indicators_required"
    }
    assert _codes("opd_target", "A", {"level": "strategic_target", "owner": REGION}, pagu=True) == {
        "pagu_not_allowed"
    }
    assert len(LEVELS) == 8


def test_changed_years_names_the_years_a_change_touches() -> None:
    node = {
        "name": "Sasaran",
        "level": "opd_target",
        "owner": "A",
        "parent": "S1",
        "indicators": [
            {
                "id": "I1",
                "name": "Indeks",
                "unit": "%",
                "polarity": "higher",
                "aggregation": "last",
                "targets": {"2026": "80", "2027": "85"},
            }
        ],
    }
    retarget = {**node, "indicators": [{**node["indicators"][0], "targets": {"2026": "80", "2027": "90"}}]}  # type: ignore[dict-item]
    assert changed_years(node, retarget, [2026, 2027]) == [2027]
    renamed = {**node, "name": "Sasaran baru"}
    assert changed_years(node, renamed, [2026, 2027]) == [2026, 2027]
    assert changed_years(None, node, [2026]) == [2026]
    assert changed_years(node, None, [2026]) == [2026]
    assert changed_years(node, dict(node), [2026, 2027]) == []
