"""Evaluating stored nodes for a year and shaping the results (shared by the realisation,
attainment, report, E-RK and public use cases).

IKU attainment (Indikator Kinerja Utama): the region's IKU are the strategic targets' own
indicators, an OPD's are its OPD targets' own indicators; their attainment is the mean of those
indicators' attainments, each weighing by its own weight within its node (equal by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from replika.sakip import common, store
from replika.sakip.models import IndicatorYearOut, NodeResultOut
from replika.sakip.rules.attainment import pct, roll_up
from replika.sakip.rules.tree import NodeResult, evaluate
from replika.sakip.tables import Node, Realisation


def evaluate_nodes(
    nodes: Sequence[Node], quarters: Iterable[Realisation], year: int, through: int = 4
) -> dict[str, NodeResult]:
    cap = common.region().sakip.attainment_cap_pct
    return evaluate(store.facts(nodes, quarters, year, through), cap)


def value4(value: Fraction | None) -> Decimal | None:
    """A realisation as shown: four decimals, half up."""
    return pct(value, 4)


def result_out(n: Node, r: NodeResult) -> NodeResultOut:
    by_id = {i.id: i for i in r.indicators}
    indicators = []
    for i in n.indicators or []:
        got = by_id[i["id"]]
        indicators.append(
            IndicatorYearOut(
                **store.indicator_names(i),
                target=None if got.target is None else Decimal(got.target.numerator) / got.target.denominator,
                realisation=value4(got.realisation),
                attainment=pct(got.attainment),
            )
        )
    coverage = pct(r.rolled.coverage * 100)
    assert coverage is not None
    return NodeResultOut(
        **store.fields(n, "code level name owner parent"),
        weight=store.decimal_or_none(n.weight),
        attainment=pct(r.attainment),
        own_attainment=pct(r.own.value),
        coverage=coverage,
        pagu=r.pagu,
        realised=r.realised,
        absorption=pct(r.absorption),
        efficiency=pct(r.efficiency),
        indicators=indicators,
    )


def iku(nodes: Iterable[Node], results: dict[str, NodeResult]) -> Fraction | None:
    """The mean attainment of the nodes' own indicators (see the module doc)."""
    pairs = []
    for n in nodes:
        weights = {i["id"]: i.get("weight") for i in n.indicators or []}
        for ind in results[n.code].indicators:
            w = weights.get(ind.id)
            pairs.append((ind.attainment, None if w is None else Decimal(w)))
    return roll_up(pairs).value


def rolled(nodes: Iterable[Node], results: dict[str, NodeResult]) -> Fraction | None:
    """The weighted mean of the nodes' attainment (by their cascade weights)."""
    return roll_up([(results[n.code].attainment, store.decimal_or_none(n.weight)) for n in nodes]).value
