"""Payroll results (``RES#<period>`` | ``<nip>``, per OPD gsi1 ``RESOPD#<period>#<opd>``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from replika.remunerasi import keys
from replika.remunerasi.rules import TkdResult
from replika.remunerasi.tables import PayrollResult

__all__ = ["FAILED", "OK", "PayrollResult", "failed_item", "get", "of_generation", "ok_item", "page"]

OK, FAILED = "ok", "failed"
MAX_REASON = 300
QUERY_PAGE = 500


def get(period: str, nip: str, *, consistent: bool = False) -> PayrollResult | None:
    try:
        return PayrollResult.get(*keys.result_key(period, nip), consistent_read=consistent)
    except PayrollResult.DoesNotExist:
        return None


def page(
    period: str, opd: str | None, generation: int, limit: int, start: Any
) -> tuple[list[PayrollResult], Any]:
    """One page of ``generation``'s results (by NIP, or of one OPD) and the last evaluated key."""
    same_gen = PayrollResult.generation == generation
    res: Any
    if opd:
        res = PayrollResult.gsi1.query(
            keys.result_opd_pk(period, opd), limit=limit, last_evaluated_key=start, filter_condition=same_gen
        )
    else:
        res = PayrollResult.query(
            keys.result_pk(period), limit=limit, last_evaluated_key=start, filter_condition=same_gen
        )
    items = [r for r in res if isinstance(r, PayrollResult)]
    return items, res.last_evaluated_key


def of_generation(period: str, generation: int) -> Iterator[PayrollResult]:
    """Every result of ``generation`` (Query ``RES#<period>``, paged by PynamoDB)."""
    for r in PayrollResult.query(keys.result_pk(period), page_size=QUERY_PAGE):
        if int(r.generation) == generation:
            yield r


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
        keys.result_pk(period),
        nip,
        gsi1pk=keys.result_opd_pk(period, opd) if opd else None,
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
    return PayrollResult(
        keys.result_pk(r.period),
        r.nip,
        gsi1pk=keys.result_opd_pk(r.period, r.opd_code),
        gsi1sk=r.nip,
        period=r.period,
        nip=r.nip,
        generation=generation,
        status=OK,
        name=name,
        position_name=position_name,
        opd_code=r.opd_code,
        kelas=r.kelas,
        base=r.base,
        approved_minutes=r.approved_minutes,
        countable_minutes=r.countable_minutes,
        kinerja_ratio=str(r.kinerja_ratio),
        kinerja=r.kinerja,
        attendance_deduction_pct=str(r.attendance_deduction_pct),
        disiplin=r.disiplin,
        sentence_cut_pct=str(r.sentence_cut_pct),
        sentence_cut=r.sentence_cut,
        gross=r.gross,
        bpjs_employer=r.bpjs_employer,
        bpjs_employee=r.bpjs_employee,
        net=r.net,
        computed_at=now,
    )
