"""A cascade's year, evaluated: per node, its indicators' realisation and attainment, its own and
rolled-up attainment, and its budget. Pure (see :mod:`.attainment` for each rule).

A node's **own** attainment is the weighted mean of its indicators'. Its **rolled** attainment is
the weighted mean of its children's attainment (a leaf's is its own). A node's attainment is the
rolled one when a child is measured, else its own. Budgets roll up by sum: a node whose children
carry a ceiling (pagu) shows the sum of theirs, otherwise its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from replika.sakip.rules.attainment import (
    Aggregation,
    Polarity,
    RollUp,
    absorption,
    attainment,
    efficiency,
    roll_up,
    sum_budgets,
    year_value,
)

__all__ = ["IndicatorFacts", "IndicatorResult", "NodeFacts", "NodeResult", "evaluate"]


@dataclass(frozen=True)
class IndicatorFacts:
    id: str
    polarity: Polarity
    aggregation: Aggregation
    target: Fraction | None
    weight: Decimal | None = None
    quarters: Mapping[int, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeFacts:
    code: str
    parent: str | None
    weight: Decimal | None
    indicators: Sequence[IndicatorFacts]
    pagu: int | None = None
    realised: int | None = None


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    realisation: Fraction | None
    target: Fraction | None
    attainment: Fraction | None


@dataclass(frozen=True)
class NodeResult:
    code: str
    indicators: list[IndicatorResult]
    own: RollUp
    rolled: RollUp
    attainment: Fraction | None
    pagu: int | None
    realised: int | None
    absorption: Fraction | None
    efficiency: Fraction | None


def _indicator(ind: IndicatorFacts, cap: Fraction) -> IndicatorResult:
    value = year_value(ind.quarters, ind.aggregation)
    reached = None if ind.target is None else attainment(value, ind.target, ind.polarity, cap)
    return IndicatorResult(ind.id, value, ind.target, reached)


def evaluate(nodes: Sequence[NodeFacts], cap: Fraction | Decimal | int) -> dict[str, NodeResult]:
    """Every node's result; a node whose parent is not among ``nodes`` is a root."""
    cap_f = Fraction(cap)
    by_code = {n.code: n for n in nodes}
    children: dict[str, list[NodeFacts]] = defaultdict(list)
    for n in nodes:
        if n.parent is not None and n.parent in by_code:
            children[n.parent].append(n)
    results: dict[str, NodeResult] = {}
    # the cascade is at most eight levels deep: visit children before parents without recursion
    order: list[NodeFacts] = []
    stack = [n for n in nodes if n.parent is None or n.parent not in by_code]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children[node.code])
    if len(order) != len(nodes):
        raise ValueError("the cascade has a cycle")
    for node in reversed(order):
        inds = [_indicator(i, cap_f) for i in node.indicators]
        own = roll_up([(r.attainment, i.weight) for r, i in zip(inds, node.indicators, strict=True)])
        kids = [results[c.code] for c in children[node.code]]
        rolled = roll_up([(k.attainment, by_code[k.code].weight) for k in kids]) if kids else own
        reached = rolled.value if kids and rolled.value is not None else own.value
        if any(k.pagu is not None for k in kids):
            pagu, realised = sum_budgets(k.pagu for k in kids), sum_budgets(k.realised for k in kids)
        else:
            pagu, realised = node.pagu, node.realised
        absorbed = absorption(realised, pagu)
        results[node.code] = NodeResult(
            node.code, inds, own, rolled, reached, pagu, realised, absorbed, efficiency(reached, absorbed)
        )
    return results
