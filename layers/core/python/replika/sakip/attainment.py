"""Attainment views: an OPD's cascade for a year, the region's (its levels and the OPD ranking).

Both evaluate the pure tree (:mod:`replika.sakip.rules.tree`) over the stored nodes and the
quarters entered up to ``through`` (year to date). The region view reads the whole cascade and the
year's realisation (two partitions); it serves Bappeda and the Inspektorat, not a hot path.
"""

from __future__ import annotations

from fractions import Fraction

from replika.core.auth import Principal
from replika.sakip import common, store, views
from replika.sakip.models import OpdAttainmentOut, OpdRank, RegionAttainmentOut
from replika.sakip.rules.attainment import efficiency, pct, roll_up, sum_budgets
from replika.sakip.rules.cascade import LEVELS, REGION, is_region_level
from replika.sakip.rules.tree import NodeResult
from replika.sakip.tables import Node

OPD_LEVELS = tuple(level for level in LEVELS if not is_region_level(level))


def opd_attainment(p: Principal, year: int, opd: str, through: int = 4) -> OpdAttainmentOut:
    common.require_read(p, opd)
    period = common.period_of_year(year)
    nodes = store.owner_nodes(period.period, opd, OPD_LEVELS)
    results = views.evaluate_nodes(nodes, store.owner_quarters(period.period, year, opd), year, through)
    targets = [n for n in nodes if n.level == "opd_target"]
    return OpdAttainmentOut(
        period=period.period,
        year=year,
        through_quarter=through,
        opd=opd,
        opd_name=store.opd_names([opd]).get(opd),
        iku_attainment=pct(views.iku(targets, results)),
        attainment=pct(views.rolled(targets, results)),
        nodes=[views.result_out(n, results[n.code]) for n in nodes],
    )


def region_tree(year: int, through: int = 4) -> tuple[str, list[Node], dict[str, NodeResult]]:
    """The whole cascade of ``year``'s period, evaluated."""
    period = common.period_of_year(year)
    nodes = store.all_nodes(period.period)
    results = views.evaluate_nodes(nodes, store.year_quarters(period.period, year), year, through)
    return period.period, nodes, results


def ranking(nodes: list[Node], results: dict[str, NodeResult]) -> list[OpdRank]:
    """OPDs by IKU attainment (then attainment, then code); unmeasured OPDs last."""
    by_owner: dict[str, list[Node]] = {}
    for n in nodes:
        if n.owner != REGION:
            by_owner.setdefault(n.owner, []).append(n)
    names = store.opd_names(by_owner)
    rows: list[tuple[Fraction | None, Fraction | None, str, OpdRank]] = []
    for owner, owned in by_owner.items():
        targets = [n for n in owned if n.level == "opd_target"]
        programmes = [results[n.code] for n in owned if n.level == "programme"]
        ikus, reached = views.iku(targets, results), views.rolled(targets, results)
        pagu = sum_budgets(r.pagu for r in programmes)
        realised = sum_budgets(r.realised for r in programmes)
        absorbed = None if not pagu or realised is None else Fraction(realised * 100, pagu)
        row = OpdRank(
            rank=0,
            opd=owner,
            opd_name=names.get(owner),
            iku_attainment=pct(ikus),
            attainment=pct(reached),
            absorption=pct(absorbed),
            efficiency=pct(efficiency(reached, absorbed)),
        )
        rows.append((ikus, reached, owner, row))
    rows.sort(key=lambda r: (r[0] is None, -(r[0] or 0), r[1] is None, -(r[1] or 0), r[2]))
    return [row.model_copy(update={"rank": i}) for i, (_, _, _, row) in enumerate(rows, start=1)]


def region_attainment(p: Principal, year: int, through: int = 4) -> RegionAttainmentOut:
    period, nodes, results = region_tree(year, through)
    upper = [n for n in nodes if is_region_level(n.level)]
    upper.sort(key=lambda n: (LEVELS.index(n.level), n.order or 0, n.code))
    strategic = [n for n in upper if n.level == "strategic_target"]
    vision = next((n for n in upper if n.level == "vision"), None)
    top = (
        results[vision.code].attainment
        if vision is not None
        else roll_up([(results[n.code].attainment, store.decimal_or_none(n.weight)) for n in strategic]).value
    )
    return RegionAttainmentOut(
        period=period,
        year=year,
        through_quarter=through,
        iku_attainment=pct(views.iku(strategic, results)),
        attainment=pct(top),
        upper=[views.result_out(n, results[n.code]) for n in upper],
        ranking=ranking(nodes, results),
    )
