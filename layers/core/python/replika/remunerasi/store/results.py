"""Payroll results (``RES#<period>#<ss>`` | ``<nip>``, per OPD gsi1 ``RESOPD#<period>#<opd>#<o>``).

A period's results are spread over :data:`keys.SHARDS` partition keys (and each OPD's index
entries over :data:`keys.OPD_SHARDS`), so the run's writes never meet one partition's limit; a
listing visits the shards in order (by NIP within a shard) with a cursor of (shard, key).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from replika.core.errors import BadRequest
from replika.core.table import get_or_none
from replika.remunerasi import keys
from replika.remunerasi.rules import TkdResult
from replika.remunerasi.tables import PayrollResult

__all__ = [
    "DECIMAL_TEXT",
    "FAILED",
    "OK",
    "PayrollResult",
    "failed_item",
    "get",
    "of_generation",
    "ok_item",
    "page",
]

OK, FAILED = "ok", "failed"
MAX_REASON = 300
QUERY_PAGE = 500
# The slip's exact decimals (ratio, percentages) are stored as text.
DECIMAL_TEXT = ("kinerja_ratio", "attendance_deduction_pct", "sentence_cut_pct")


def get(period: str, nip: str, *, consistent: bool = False) -> PayrollResult | None:
    return get_or_none(PayrollResult, *keys.RESULTS.key(period, nip), consistent=consistent)


def page(
    period: str, opd: str | None, generation: int, limit: int, start: Any
) -> tuple[list[PayrollResult], Any]:
    """One page of ``generation``'s results (all, or of one OPD) and where the next page starts:
    ``{"s": shard index, "k": last evaluated key in that shard or None}``, ``None`` at the end.
    The shards are read in order until ``limit`` items are found."""
    pks = keys.RESULTS.opd_pks(period, opd) if opd else keys.RESULTS.pks(period)
    shard_no, key = 0, None
    if start is not None:
        at = start.get("s") if isinstance(start, dict) else None
        if not isinstance(at, int) or not 0 <= at < len(pks):
            raise BadRequest(
                "Penanda halaman (cursor) tidak sah; muat ulang daftar dari halaman pertama.",
                code="invalid_cursor",
            )
        shard_no, key = start["s"], start.get("k")
    same_gen = PayrollResult.generation == generation
    items: list[PayrollResult] = []
    while shard_no < len(pks) and len(items) < limit:
        res: Any
        want = limit - len(items)
        if opd:
            res = PayrollResult.gsi1.query(
                pks[shard_no], limit=want, last_evaluated_key=key, filter_condition=same_gen
            )
        else:
            res = PayrollResult.query(
                pks[shard_no], limit=want, last_evaluated_key=key, filter_condition=same_gen
            )
        items += [r for r in res if isinstance(r, PayrollResult)]
        key = res.last_evaluated_key
        if key is None:
            shard_no += 1
    if shard_no >= len(pks):
        return items, None
    return items, {"s": shard_no, "k": key}


def of_generation(period: str, generation: int) -> Iterator[PayrollResult]:
    """Every result of ``generation``, by NIP (a Query per shard ``RES#<period>#<ss>``)."""
    found = [
        r
        for pk in keys.RESULTS.pks(period)
        for r in PayrollResult.query(pk, page_size=QUERY_PAGE)
        if int(r.generation) == generation
    ]
    yield from sorted(found, key=lambda r: r.nip)


def failed_item(
    period: str,
    nip: str,
    generation: int,
    reason: str,
    now: str,
    *,
    name: str | None = None,
    position_name: str | None = None,
    opd: str | None = None,
    kelas: int | None = None,
) -> PayrollResult:
    return PayrollResult(
        *keys.RESULTS.key(period, nip),
        gsi1pk=keys.RESULTS.opd_pk(period, opd, nip) if opd else None,
        gsi1sk=nip if opd else None,
        period=period,
        nip=nip,
        generation=generation,
        status=FAILED,
        reason=reason[:MAX_REASON],
        name=name,
        position_name=position_name,
        opd_code=opd,
        kelas=kelas,
        computed_at=now,
    )


def ok_item(
    r: TkdResult, generation: int, now: str, *, name: str | None, position_name: str | None
) -> PayrollResult:
    slip = asdict(r)  # every TkdResult field is a PayrollResult attribute of the same name
    slip.update({f: str(slip[f]) for f in DECIMAL_TEXT})
    return PayrollResult(
        *keys.RESULTS.key(r.period, r.nip),
        gsi1pk=keys.RESULTS.opd_pk(r.period, r.opd_code, r.nip),
        gsi1sk=r.nip,
        generation=generation,
        status=OK,
        name=name,
        position_name=position_name,
        computed_at=now,
        **slip,
    )
