"""The daily SLA clock: applications past their total SLA are deemed granted (fiktif positif,
where the region applies it) or escalated to the head of DPMPTSP. Found through the due-date
index (no Scan); each is a conditional write with its audit record, so a rerun or a concurrent
staff decision never applies twice (the loser of a race is skipped, and retried the next day)."""

from __future__ import annotations

from datetime import date
from typing import Any

from replika.core.errors import Conflict
from replika.perizinan import store
from replika.perizinan.models import SlaRunOut
from replika.perizinan.rules import sla
from replika.perizinan.rules.workflow import Action, Caller, Status, next_status
from replika.perizinan.service.applications import _commit, issue_if_settled
from replika.perizinan.service.common import now_iso, policy, today

ACTOR = "system:perizinan-sla-clock"


def run(on: date | None = None, request_id: str | None = None) -> SlaRunOut:
    day = on or today()
    pol = policy()
    outcome = sla.lapse_outcome(pol.fiktif_positif)
    granted: list[str] = []
    escalated: list[str] = []
    candidates = store.due_on_or_before(day.isoformat())
    for found in candidates:
        data: dict[str, Any] = dict(found.data or {})
        if not sla.is_lapsed(date.fromisoformat(data["total_due"]), day):
            continue
        action = Action.FIKTIF_POSITIF if outcome == "fiktif_positif" else Action.ESCALATE
        try:
            target = next_status(Status(data["status"]), action, frozenset({Caller.SYSTEM}))
        except Conflict:
            continue
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
            data["escalated"] = True
        try:
            _commit(found, data, action.value, ACTOR, request_id, permit_item, note=data.get("reason"))
        except Conflict:
            continue  # a staff decision won the race: nothing to do today
        (granted if action is Action.FIKTIF_POSITIF else escalated).append(data["number"])
    return SlaRunOut(checked=len(candidates), granted=granted, escalated=escalated)
