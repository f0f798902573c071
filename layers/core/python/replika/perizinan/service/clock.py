"""The daily SLA clock: applications past their total SLA are deemed granted (fiktif positif,
where the region applies it) or escalated to the head of DPMPTSP. Found through the due-date
index (no Scan); each is a conditional write with its audit record, so a rerun or a concurrent
staff decision never applies twice (the loser of a race is skipped, and retried the next day).
One application's failure (a KMS signing error, a throttled write) is logged and listed in
``failed``; the others proceed, and the next run retries it (it is still in the index)."""

from __future__ import annotations

from datetime import date
from typing import Any

from replika.core.errors import Conflict
from replika.core.observability import get_logger
from replika.perizinan import store
from replika.perizinan.models import SlaRunOut
from replika.perizinan.rules import sla
from replika.perizinan.rules.workflow import Action, Caller, Status, next_status
from replika.perizinan.service.applications import _commit, issue_if_settled
from replika.perizinan.service.common import now_iso, policy, today
from replika.perizinan.tables import PerizinanItem

ACTOR = "system:perizinan-sla-clock"
logger = get_logger("perizinan")


def run(on: date | None = None, request_id: str | None = None) -> SlaRunOut:
    day = on or today()
    pol = policy()
    action = (
        Action.FIKTIF_POSITIF
        if sla.lapse_outcome(pol.fiktif_positif) == "fiktif_positif"
        else Action.ESCALATE
    )
    done: list[str] = []
    failed: list[str] = []
    candidates = store.due_on_or_before(day.isoformat())
    for found in candidates:
        data: dict[str, Any] = dict(found.data or {})
        if not sla.is_lapsed(date.fromisoformat(data["total_due"]), day):
            continue
        try:
            if _lapse(found, data, action, day, request_id):
                done.append(data["number"])
        except Exception:  # one application's failure (a KMS error...) stops no other
            logger.exception("perizinan SLA clock: application failed", extra={"application": data["number"]})
            failed.append(data["number"])
    granted = done if action is Action.FIKTIF_POSITIF else []
    escalated = done if action is Action.ESCALATE else []
    return SlaRunOut(checked=len(candidates), granted=granted, escalated=escalated, failed=failed)


def _lapse(
    found: PerizinanItem, data: dict[str, Any], action: Action, day: date, request_id: str | None
) -> bool:
    """Grant or escalate one lapsed application; False when it moved on (nothing to do today).
    Nothing is written unless everything succeeds (the permit is signed before the transaction):
    a failure leaves the application in the index for the next run."""
    pol = policy()
    try:
        target = next_status(Status(data["status"]), action, frozenset({Caller.SYSTEM}))
    except Conflict:
        return False
    data.update(status=target.value, changed_at=now_iso())
    permit_item = None
    if action is Action.FIKTIF_POSITIF:
        data.update(
            fiktif_positif=True,
            decided_on=day.isoformat(),
            reason=sla.FIKTIF_POSITIF_NOTE,
            official={"name": pol.official_name, "nip": pol.official_nip, "plt": pol.official_plt},
        )
        permit_item = issue_if_settled(data, day)
    else:
        data.update(escalated=True, escalated_on=day.isoformat())
    try:
        _commit(found, data, action.value, ACTOR, request_id, permit_item, note=data.get("reason"))
    except Conflict:
        return False  # a staff decision won the race: nothing to do today
    return True
