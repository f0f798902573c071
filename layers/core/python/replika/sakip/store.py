"""Loading e-SAKIP's aggregates and turning them into plain values (keys: :mod:`.keys`).

A node's *snapshot* is a plain dict (``code, level, parent, name, owner, weight, order,
indicators, pagu``) with every decimal as its canonical string (``"80"``, never ``"80.0"`` or
``"8E+1"``), so two snapshots are equal exactly when the planner's content is: revisions and
agreements compare and store snapshots.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from replika.core.errors import NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.directory.tables import DirectoryItem, opd_key
from replika.sakip import keys
from replika.sakip.models import IndicatorOut, NodeOut
from replika.sakip.rules.tree import IndicatorFacts, NodeFacts
from replika.sakip.tables import Agreement, Node, Period, Realisation, Reopening, SakipItem

PAGE = 500
M = TypeVar("M", bound=SakipItem)


def dec(value: Decimal | int | str) -> str:
    """The canonical string of a decimal: ``Decimal("80.0")`` -> ``"80"``, ``"0.50"`` -> ``"0.5"``."""
    d = Decimal(value)
    return format(d.normalize(), "f") if d else "0"


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# -- nodes ----------------------------------------------------------------------------------------
def space(period: str) -> str:
    """The key space of ``period``'s active cascade (:mod:`.keys`): one consistent GetItem."""
    try:
        item = Period.get(keys.PERIODS, period, consistent_read=True, attributes_to_get=["space"])
    except Period.DoesNotExist:
        return period
    return item.space or period


def space_of(period: Period) -> str:
    return period.space or period.period


def no_import(now: str) -> Condition:
    """No XLSX import holds the period (or its lease ran out)."""
    free: Condition = Period.importing.does_not_exist() | (Period.importing_until < now)
    return free


def period_check(tx: TransactWrite, period: str, sp: str, now: str) -> None:
    """A node write lands in the active cascade ``sp`` and no import is switching it meanwhile."""
    active = Period.space.does_not_exist() if sp == period else Period.space == sp
    tx.condition_check(Period, keys.PERIODS, period, condition=active & no_import(now))


def no_import_check(tx: TransactWrite, period: str) -> None:
    """Part of a signature: no import that read the signed years is switching the cascade."""
    tx.condition_check(Period, keys.PERIODS, period, condition=no_import(_now()))


def import_running(period: str) -> bool:
    try:
        item = Period.get(keys.PERIODS, period, consistent_read=True)
    except Period.DoesNotExist:
        return False
    return item.importing is not None and (item.importing_until or "") >= _now()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def item_or_none(model: type[M], pk: str, sk: str) -> M | None:
    """One item by its key (consistent read), or ``None``."""
    try:
        return model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return None


def fields(item: object, names: str) -> dict[str, Any]:
    """``{name: item.name}`` for the space-separated ``names`` (an output model's plain fields)."""
    return {name: getattr(item, name) for name in names.split()}


def indicator_names(i: dict[str, Any]) -> dict[str, Any]:
    """A stored indicator's naming fields (id, name, unit, polarity, aggregation)."""
    return {k: i[k] for k in ("id", "name", "unit", "polarity", "aggregation")}


def set_fields(item: M, values: dict[str, Any]) -> M:
    """``item`` with each of ``values`` set (e.g. its index keys from :mod:`.keys`)."""
    for name, value in values.items():
        setattr(item, name, value)
    return item


def node_or_none(period: str, code: str, sp: str | None = None) -> Node | None:
    return item_or_none(Node, *keys.node_key(sp or space(period), code))


def require_node(period: str, code: str) -> Node:
    node = node_or_none(period, code)
    if node is None:
        raise NotFound("Node kaskade tidak ditemukan.", details={"period": period, "code": code})
    return node


def batch_nodes(period: str, codes: Iterable[str]) -> list[Node]:
    sp = space(period)
    wanted = [keys.node_key(sp, c) for c in sorted(set(codes))]
    return list(Node.batch_get(wanted)) if wanted else []


def snapshot(n: Node) -> dict[str, Any]:
    return {
        **fields(n, "code level parent name owner weight"),
        "order": int(n.order or 0),
        "indicators": list(n.indicators or []),
        "pagu": dict(n.pagu) if n.pagu else None,
    }


def indicator_snapshot(i: Any) -> dict[str, Any]:
    """An :class:`~replika.sakip.models.IndicatorIn` as stored (canonical decimal strings)."""
    return {
        **fields(i, "id name unit polarity aggregation source"),
        "baseline": None if i.baseline is None else dec(i.baseline),
        "targets": {y: dec(v) for y, v in sorted(i.targets.items())},
        "weight": None if i.weight is None else dec(i.weight),
    }


def node_out(n: Node) -> NodeOut:
    return NodeOut(
        **fields(n, "period code level parent name owner updated_at updated_by"),
        weight=decimal_or_none(n.weight),
        order=int(n.order or 0),
        indicators=[
            IndicatorOut(
                **indicator_names(i),
                source=i.get("source"),
                baseline=decimal_or_none(i.get("baseline")),
                targets={y: Decimal(v) for y, v in (i.get("targets") or {}).items()},
                weight=decimal_or_none(i.get("weight")),
            )
            for i in n.indicators or []
        ],
        pagu={y: int(v) for y, v in n.pagu.items()} if n.pagu else None,
        version=int(n.version or 0),
    )


def all_nodes(period: str, sp: str | None = None, *, consistent: bool = False) -> list[Node]:
    """The whole cascade of a period (one partition, read page by page)."""
    pk = keys.cascade_pk(sp or space(period))
    return list(Node.query(pk, page_size=PAGE, consistent_read=consistent))


def level_nodes(period: str, level: str, owner: str | None = None) -> list[Node]:
    condition = Node.gsi2sk.startswith(f"{owner}#") if owner else None
    pk = keys.level_pk(space(period), level)
    return list(Node.query(pk, condition, index_name="gsi2", page_size=PAGE))


def children(period: str, code: str, limit: int | None = None) -> list[Node]:
    pk = keys.kids_pk(space(period), code)
    return list(Node.query(pk, index_name="gsi1", limit=limit, page_size=PAGE))


def owner_nodes(period: str, owner: str, levels: Iterable[str]) -> list[Node]:
    sp = space(period)
    return [
        n
        for level in levels
        for n in Node.query(
            keys.level_pk(sp, level), Node.gsi2sk.startswith(f"{owner}#"), index_name="gsi2", page_size=PAGE
        )
    ]


def page_nodes(
    period: str,
    *,
    level: str | None,
    owner: str | None,
    parent: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Node], str | None]:
    """One page of nodes: children of ``parent``, or of a ``level`` (and ``owner``), or of an
    ``owner`` across levels, or the whole cascade."""
    sp = space(period)
    scope = f"sakip:nodes:{sp}:{level}:{owner}:{parent}"  # a cursor of a replaced cascade is void
    start = decode_cursor(cursor, scope=scope)
    if parent is not None:
        owner_filter = Node.owner == owner if owner else None
        result = Node.query(
            keys.kids_pk(sp, parent),
            index_name="gsi1",
            filter_condition=owner_filter,
            limit=limit,
            last_evaluated_key=start,
        )
    elif level is not None:
        condition = Node.gsi2sk.startswith(f"{owner}#") if owner else None
        result = Node.query(
            keys.level_pk(sp, level), condition, index_name="gsi2", limit=limit, last_evaluated_key=start
        )
    else:
        result = Node.query(
            keys.cascade_pk(sp),
            filter_condition=(Node.owner == owner) if owner else None,
            limit=limit,
            last_evaluated_key=start,
        )
    items = list(result)
    return items, encode_cursor(result.last_evaluated_key, scope=scope)


def ancestors(period: str, node: Node, known: dict[str, Node] | None = None) -> list[Node]:
    """From the node's parent up to the root (at most seven reads, fewer with ``known``)."""
    out: list[Node] = []
    seen = known or {}
    parent = node.parent
    sp: str | None = None
    while parent is not None and len(out) < 8:
        found = seen.get(parent)
        if found is None:
            sp = sp or space(period)
            found = node_or_none(period, parent, sp)
        if found is None:
            break
        out.append(found)
        parent = found.parent
    return out


# -- realisation ----------------------------------------------------------------------------------
def node_quarters(period: str, year: int, code: str) -> dict[int, Realisation]:
    items = Realisation.query(
        keys.realisation_pk(period, year), Realisation.sk.startswith(f"{code}#Q"), consistent_read=True
    )
    return {int(r.quarter): r for r in items if r.code == code}


def owner_quarters(period: str, year: int, owner: str) -> list[Realisation]:
    return list(
        Realisation.query(keys.realisation_opd_pk(period, year, owner), index_name="gsi1", page_size=PAGE)
    )


def year_quarters(period: str, year: int) -> list[Realisation]:
    return list(Realisation.query(keys.realisation_pk(period, year), page_size=PAGE))


def batch_quarters(period: str, year: int, codes: Iterable[str]) -> list[Realisation]:
    wanted = [
        (keys.realisation_pk(period, year), keys.realisation_sk(c, q)) for c in codes for q in (1, 2, 3, 4)
    ]
    return list(Realisation.batch_get(wanted)) if wanted else []


def facts(
    nodes: Iterable[Node], quarters: Iterable[Realisation], year: int, through: int = 4
) -> list[NodeFacts]:
    """The pure rules' view of nodes and their quarters (up to quarter ``through``) in ``year``."""
    by_node: dict[str, list[Realisation]] = {}
    for r in quarters:
        if int(r.quarter) <= through:
            by_node.setdefault(r.code, []).append(r)
    key = str(year)
    out = []
    for n in nodes:
        entered = by_node.get(n.code, [])
        indicators = []
        for i in n.indicators or []:
            values = {
                int(r.quarter): Fraction(Decimal(r.values[i["id"]]["value"]))
                for r in entered
                if i["id"] in (r.values or {})
            }
            target = (i.get("targets") or {}).get(key)
            indicators.append(
                IndicatorFacts(
                    i["id"],
                    i["polarity"],
                    i["aggregation"],
                    None if target is None else Fraction(Decimal(target)),
                    decimal_or_none(i.get("weight")),
                    values,
                )
            )
        budgets = [int(r.budget_realised) for r in entered if r.budget_realised is not None]
        pagu = (n.pagu or {}).get(key)
        out.append(
            NodeFacts(
                n.code,
                n.parent,
                decimal_or_none(n.weight),
                indicators,
                None if pagu is None else int(pagu),
                sum(budgets) if budgets else None,
            )
        )
    return out


def reopening(year: int, quarter: int, owner: str) -> Reopening | None:
    return item_or_none(Reopening, *keys.reopen_key(year, quarter, owner))


# -- agreements -----------------------------------------------------------------------------------
def agreements(owner: str, years: Iterable[int]) -> dict[int, Agreement]:
    """The performance agreements of ``owner`` that exist for ``years``, by year (consistent)."""
    wanted = [keys.agreement_key(y, owner) for y in sorted(set(years))]
    if not wanted:
        return {}
    return {int(a.year): a for a in Agreement.batch_get(wanted, consistent_read=True)}


def signed_in(found: Mapping[int, Agreement]) -> list[int]:
    """The years whose agreement among ``found`` is signed."""
    return sorted(y for y, a in found.items() if a.status == "signed")


def signed_years(owner: str, years: Iterable[int]) -> list[int]:
    """The years among ``years`` whose performance agreement of ``owner`` is signed."""
    return signed_in(agreements(owner, years))


# -- the directory (read) -------------------------------------------------------------------------
def opd_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c != "pemda"})
    out: dict[str, str] = {}
    for chunk in _chunks(wanted, 100):
        for item in DirectoryItem.batch_get([(opd_key(c), "OPD") for c in chunk]):
            if item.code:
                out[item.code] = item.name
    return out


def require_owner(owner: str) -> None:
    """``owner`` is ``pemda`` or an OPD of the directory: a well-formed request naming an OPD that
    is not stored is a 404 (``unknown_opd``), like any unknown stored thing."""
    if owner != "pemda" and owner not in opd_names([owner]):
        raise NotFound(f"OPD {owner} tidak ada di direktori.", code="unknown_opd", details={"opd": owner})


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
