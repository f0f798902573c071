"""The one-off move of stored months from the single-key layout to the sharded keys.

Until December 2026 a period's month totals were ``TOT#<period>`` | ``<nip>`` (gsi1
``TOTOPD#<period>#<opd>``) and its payroll results ``RES#<period>`` | ``<nip>`` (gsi1
``RESOPD#<period>#<opd>``): one partition key each, which the 1,000 WCU/s per partition of DynamoDB
caps (issue 13). The code now reads and writes only the sharded keys of :mod:`..keys`, so items
under the old keys are invisible to it until they are moved. ``replika payroll migrate-keys --from
YYYY-MM --to YYYY-MM`` runs :func:`migrate_period` for each month, at the deploy of this layout
(before the first request of the new code, or right after it: see below). It is idempotent: a
month already moved has nothing left under the old keys, and a second run moves nothing.

Each item moves in one transaction: put under its new key (and new index key), delete the old
one. Written under the new key already (the new code served an approval or a run before the
migration reached that month):

* a month total is merged: the old item's day minutes and ``approved_minutes`` are ADDed to the
  new one (approvals are additive; an approval is in exactly one of the two), its attendance,
  behaviour and sentence only where the new item has none (if_not_exists: the newer write wins);
* a payroll result: the later generation stays (results never overwrite a newer generation).

A month whose run is computing under the old layout (its chunk items under ``RUN#<period>``) is
refused: finish it with the old code first (the old chunk items of a finished run are never read
again and are left in place). The run item itself (``RUN#<period>`` | ``RUN``) keeps its key; its
stored counts are what the new code shows for a finished run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from replika.core.errors import Conflict
from replika.remunerasi import keys
from replika.remunerasi.store import transaction
from replika.remunerasi.tables import DAYS, MonthTotal, PayrollResult, PayrollRun, RunChunk, day_attr

__all__ = ["Moved", "migrate_period"]

_KEY_ATTRS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk"})
_ADDED = frozenset({"approved_minutes", *(day_attr("d", d) for d in DAYS)})


@dataclass
class Moved:
    period: str
    totals: int = 0
    totals_merged: int = 0
    results: int = 0
    results_superseded: int = 0
    notes: list[str] = field(default_factory=list)


def _values(item: Any) -> dict[str, Any]:
    return {k: v for k, v in item.attribute_values.items() if k not in _KEY_ATTRS and v is not None}


def _build(model: Any, key: tuple[str, str], values: dict[str, Any]) -> Any:
    item = model(*key)
    for name, value in values.items():
        setattr(item, name, value)
    return item


def _refuse_computing(period: str) -> None:
    pk, _ = keys.run_key(period)
    try:
        run = PayrollRun.get(*keys.run_key(period))
    except PayrollRun.DoesNotExist:
        return
    old_chunks = RunChunk.query(pk, RunChunk.sk.startswith(keys.legacy_chunk_prefix()), limit=1)
    if run.state == "computing" and next(iter(old_chunks), None) is not None:
        raise Conflict(
            f"Penggajian periode {period} sedang dihitung dengan tata letak lama; selesaikan dulu.",
            code="payroll_computing",
            details={"period": period},
        )


def _move_total(period: str, old: MonthTotal, out: Moved) -> None:
    values = _values(old)
    opd = old.opd_code
    new_key = keys.TOTALS.key(period, old.nip)
    gsi: dict[str, Any] = {}
    if opd:
        gsi = {"gsi1pk": keys.TOTALS.opd_pk(period, opd, old.nip), "gsi1sk": old.nip}
    try:
        current: MonthTotal | None = MonthTotal.get(*new_key, consistent_read=True)
    except MonthTotal.DoesNotExist:
        current = None
    with transaction() as tx:
        if current is None:
            tx.save(_build(MonthTotal, new_key, {**values, **gsi}), condition=MonthTotal.pk.does_not_exist())
            out.totals += 1
        else:
            actions: list[Any] = []
            for name, value in values.items():
                attr = getattr(MonthTotal, name)
                actions.append(attr.add(value) if name in _ADDED else attr.set(attr | value))
            if gsi and current.gsi1pk is None:
                actions += [MonthTotal.gsi1pk.set(gsi["gsi1pk"]), MonthTotal.gsi1sk.set(gsi["gsi1sk"])]
            tx.update(MonthTotal(*new_key), actions=actions, condition=MonthTotal.pk.exists())
            out.totals_merged += 1
        tx.delete(old)


def _move_result(period: str, old: PayrollResult, out: Moved) -> None:
    values = _values(old)
    new_key = keys.RESULTS.key(period, old.nip)
    gsi: dict[str, Any] = {}
    if old.opd_code:
        gsi = {"gsi1pk": keys.RESULTS.opd_pk(period, old.opd_code, old.nip), "gsi1sk": old.nip}
    try:
        current: PayrollResult | None = PayrollResult.get(*new_key, consistent_read=True)
    except PayrollResult.DoesNotExist:
        current = None
    with transaction() as tx:
        if current is None or int(current.generation) < int(old.generation):
            tx.save(_build(PayrollResult, new_key, {**values, **gsi}))
            out.results += 1
        else:
            out.results_superseded += 1
        tx.delete(old)


def migrate_period(period: str) -> Moved:
    """Move ``period``'s month totals and payroll results to the sharded keys (see the module)."""
    _refuse_computing(period)
    out = Moved(period)
    for total in list(MonthTotal.query(keys.legacy_total_pk(period), consistent_read=True)):
        _move_total(period, total, out)
    for result in list(PayrollResult.query(keys.legacy_result_pk(period), consistent_read=True)):
        _move_result(period, result, out)
    return out
