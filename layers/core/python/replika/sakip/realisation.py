"""Use cases of quarterly realisation: entering a quarter, its evidence, the windows and reopening.

The OPD (Bappeda for the region's levels) enters each quarter's realisation of a node's indicators,
the budget spent in the quarter (programmes, activities and sub-activities) and evidence files,
inside the quarter's submission window. After the window closes a change needs Bappeda's
reopening for that owner and quarter, until a date; the reopening is audited
(``sakip/quarters``), and so is every quarter written while reopened
(``sakip/realisation/<owner>``, the item marked ``late``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import audit, storage
from replika.core.auth import Principal
from replika.core.errors import BadRequest, Conflict
from replika.sakip import common, keys, store, views
from replika.sakip.models import (
    EVIDENCE_CONTENT_TYPES,
    EvidenceFileOut,
    NodeRealisationOut,
    QuarterOut,
    QuartersOut,
    QuarterStatus,
    RealisationIn,
    ReopenIn,
    ReopeningList,
    ReopeningOut,
    UploadIn,
    UploadOut,
    ValueOut,
)
from replika.sakip.rules.cascade import BUDGET_LEVELS, REGION
from replika.sakip.rules.quarters import QUARTERS, QuarterState, may_submit, quarter_state, window_dates
from replika.sakip.tables import Node, Realisation, Reopening

EVIDENCE_TYPES = frozenset(EVIDENCE_CONTENT_TYPES)  # the document states them
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
MAX_REOPEN_DAYS = 60


def evidence_prefix(owner: str) -> str:
    return f"sakip/evidence/{owner}"


def state_of(
    year: int, quarter: int, owner: str, on: date | None = None
) -> tuple[QuarterState, Reopening | None]:
    policy = common.region().sakip
    reopened = store.reopening(year, quarter, owner)
    until = date.fromisoformat(reopened.until) if reopened is not None else None
    return quarter_state(on or common.today(), year, policy.window(quarter), until), reopened


def quarters_status(p: Principal, year: int, owner: str | None) -> QuartersOut:
    who = owner or p.opd or REGION
    common.require_read(p, who)
    policy = common.region().sakip
    today = common.today()
    out = []
    for q in QUARTERS:
        state, reopened = state_of(year, q, who, today)
        opens, closes = window_dates(year, policy.window(q))
        out.append(
            QuarterStatus(
                quarter=q,
                opens=opens,
                closes=closes,
                state=state,
                reopened_until=date.fromisoformat(reopened.until) if reopened else None,
            )
        )
    return QuartersOut(year=year, owner=who, today=today, quarters=out)


# -- reading --------------------------------------------------------------------------------------
def _quarter_out(q: int, state: QuarterState, r: Realisation | None) -> QuarterOut:
    if r is None:
        return QuarterOut(
            quarter=q,
            state=state,
            values={},
            budget_realised=None,
            evidence=[],
            late=False,
            version=None,
            updated_at=None,
            updated_by=None,
        )
    return QuarterOut(
        quarter=q,
        state=state,
        values={k: ValueOut(value=v["value"], note=v.get("note")) for k, v in (r.values or {}).items()},
        budget_realised=None if r.budget_realised is None else int(r.budget_realised),
        evidence=[EvidenceFileOut(**e) for e in r.evidence or []],
        late=bool(r.late),
        version=int(r.version or 0),
        updated_at=r.updated_at,
        updated_by=r.updated_by,
    )


def node_realisation(p: Principal, year: int, code: str) -> NodeRealisationOut:
    period = common.period_of_year(year)
    node = store.require_node(period.period, code)
    common.require_read(p, node.owner)
    quarters = store.node_quarters(period.period, year, code)
    result = views.evaluate_nodes([node], quarters.values(), year)[code]
    today = common.today()
    return NodeRealisationOut(
        period=period.period,
        year=year,
        node=views.result_out(node, result),
        quarters=[
            _quarter_out(q, state_of(year, q, node.owner, today)[0], quarters.get(q)) for q in QUARTERS
        ],
    )


# -- writing --------------------------------------------------------------------------------------
def _check_values(node: Node, body: RealisationIn) -> None:
    ids = {i["id"] for i in node.indicators or []}
    unknown = sorted(set(body.values) - ids)
    if unknown:
        raise BadRequest(
            "Indikator tidak dikenal pada node ini.", code="unknown_indicator", details={"ids": unknown}
        )
    if body.budget_realised is not None and node.level not in BUDGET_LEVELS:
        raise BadRequest(
            "Realisasi anggaran hanya untuk program, kegiatan dan sub kegiatan.", code="budget_not_allowed"
        )
    if not body.values and body.budget_realised is None:
        raise BadRequest("Isi realisasi indikator atau anggaran.", code="empty_realisation")


def _evidence(
    node: Node, body: RealisationIn, before: Realisation | None, who: str, at: str
) -> list[dict[str, Any]]:
    """Files kept from before keep their uploader; new ones must be this owner's uploads."""
    kept = {e["key"]: e for e in (before.evidence or [])} if before is not None else {}
    out = []
    for f in body.evidence:
        if f.key in kept:
            out.append({**kept[f.key], "name": f.name})
            continue
        if not f.key.startswith(evidence_prefix(node.owner) + "/") or ".." in f.key:
            raise BadRequest(
                "Berkas bukti bukan unggahan OPD ini.", code="foreign_evidence", details={"key": f.key}
            )
        if not storage.exists(f.key):
            raise BadRequest("Berkas bukti belum diunggah.", code="evidence_missing", details={"key": f.key})
        out.append({"key": f.key, "name": f.name, "by": who, "at": at})
    return out


def put_quarter(
    p: Principal,
    year: int,
    code: str,
    quarter: int,
    body: RealisationIn,
    request_id: str | None,
    *,
    on: date | None = None,
) -> NodeRealisationOut:
    """Enter (or replace) one quarter of a node. ``on`` (tests, the demo seed) judges the window on
    another local date; the API never passes it."""
    period = common.period_of_year(year)
    node = store.require_node(period.period, code)
    common.require_write(p, node.owner)
    _check_values(node, body)
    state, _ = state_of(year, quarter, node.owner, on)
    if not may_submit(state):
        message = (
            "Jendela pengisian triwulan ini belum dibuka."
            if state == "not_open"
            else "Triwulan ini sudah ditutup; perubahan memerlukan pembukaan kembali oleh Bappeda."
        )
        raise Conflict(message, code=f"quarter_{state}", details={"year": year, "quarter": quarter})
    before = store.node_quarters(period.period, year, code).get(quarter)
    if (int(before.version or 0) if before else None) != body.version:
        raise Conflict(details={"quarter": quarter, "version": int(before.version or 0) if before else None})
    who, at = common.actor(p), common.now()
    item = Realisation(
        keys.realisation_pk(period.period, year),
        keys.realisation_sk(code, quarter),
        period=period.period,
        year=year,
        quarter=quarter,
        code=code,
        owner=node.owner,
        values={k: {"value": store.dec(v.value), "note": v.note} for k, v in sorted(body.values.items())},
        budget_realised=body.budget_realised,
        evidence=_evidence(node, body, before, who, at),
        late=state == "reopened",
        updated_at=at,
        updated_by=who,
        gsi1pk=keys.realisation_opd_pk(period.period, year, node.owner),
        gsi1sk=keys.realisation_sk(code, quarter),
    )
    if body.version is not None:
        item.version = body.version

    def write(tx: TransactWrite) -> None:
        tx.save(item)

    if state == "reopened":
        audit.write_with_audit(
            keys.stream("realisation", node.owner),
            write,
            actor=who,
            action="realisation.late",
            subject=f"sakip:realisation#{year}#{code}#Q{quarter}",
            before=None if before is None else {"values": before.values, "budget": before.budget_realised},
            after={"values": item.values, "budget": item.budget_realised},
            request_id=request_id,
        )
    else:
        item.save()
    return node_realisation(p, year, code)


def evidence_upload(p: Principal, owner: str, body: UploadIn) -> UploadOut:
    common.require_write(p, owner)
    return UploadOut.model_validate(
        storage.presign_declared(
            body,
            key_prefix=evidence_prefix(owner),
            max_bytes=EVIDENCE_MAX_BYTES,
            allowed_types=EVIDENCE_TYPES,
        )
    )


# -- reopening ------------------------------------------------------------------------------------
def _reopening_out(r: Reopening) -> ReopeningOut:
    return ReopeningOut(
        year=int(r.year),
        quarter=int(r.quarter),
        owner=r.owner,
        until=date.fromisoformat(r.until),
        reason=r.reason,
        by=r.by,
        at=r.at,
    )


def reopen(p: Principal, year: int, quarter: int, body: ReopenIn, request_id: str | None) -> ReopeningOut:
    """Bappeda reopens a closed quarter for one owner until a date (audited)."""
    common.period_of_year(year)
    store.require_owner(body.owner)
    today = common.today()
    state, before = state_of(year, quarter, body.owner, today)
    if state not in ("closed", "reopened"):
        raise Conflict("Triwulan ini belum ditutup.", code="quarter_not_closed", details={"state": state})
    if not today <= body.until <= today + timedelta(days=MAX_REOPEN_DAYS):
        raise BadRequest(
            f"Batas pembukaan kembali antara hari ini dan {MAX_REOPEN_DAYS} hari ke depan.",
            code="invalid_until",
        )
    item = Reopening(
        *keys.reopen_key(year, quarter, body.owner),
        year=year,
        quarter=quarter,
        owner=body.owner,
        until=body.until.isoformat(),
        reason=body.reason,
        by=common.actor(p),
        at=common.now(),
    )
    audit.write_with_audit(
        keys.AUDIT_QUARTERS,
        lambda tx: tx.save(item),
        actor=common.actor(p),
        action="quarter.reopen",
        subject=f"sakip:quarter#{year}#Q{quarter}#{body.owner}",
        before=None if before is None else {"until": before.until, "reason": before.reason},
        after={"until": item.until, "reason": item.reason},
        request_id=request_id,
    )
    return _reopening_out(item)


def reopenings(year: int, quarter: int) -> ReopeningList:
    return ReopeningList(items=[_reopening_out(r) for r in Reopening.query(keys.reopen_pk(year, quarter))])
