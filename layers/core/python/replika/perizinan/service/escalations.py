"""Escalations: where the region does not apply fiktif positif, the daily clock escalates an
application past its total SLA to the head of DPMPTSP (the region's signing official, or a listed
Plt). Escalated applications leave the clock's index for the head's queue (gsi2 ``ESCALATED``,
oldest total due date first) and stay there until the head acts:

- ``grant``: the head decides it (approved, signed in the head's name; issued at once when no
  fee is due): a signature, so the head may not have decided an earlier stage;
- ``refuse``: rejected, with a reason;
- ``reassign``: the current stage gets ``days`` more working days and the total due date follows
  (plus the later stages' SLA); the flag is cleared and the clock runs again.

Each is a conditional write with its audit record (:func:`..applications._commit`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from replika.core.auth import Principal, Role
from replika.core.errors import Conflict, Forbidden
from replika.core.pagination import Page
from replika.perizinan import store
from replika.perizinan.models import ApplicationOut, EscalationIn, EscalationItem
from replika.perizinan.rules import signing, sla
from replika.perizinan.rules.workflow import Action, Caller, Status, next_status
from replika.perizinan.service.applications import _commit, _readable, _signer, issue_if_settled
from replika.perizinan.service.common import calendar, current_stage, now_iso, policy, today

Data = dict[str, Any]
ACTIONS = {"grant": Action.GRANT, "reject": Action.REFUSE, "reassign": Action.REASSIGN}


def is_head(principal: Principal) -> bool:
    return principal.has_any({Role.DPMPTSP}) and signing.signer_for(principal.nip, policy()) is not None


def _require_head(principal: Principal) -> None:
    if not is_head(principal):
        raise Forbidden("Hanya Kepala DPMPTSP (atau Plt) yang menangani eskalasi.", code="not_head")


def queue(principal: Principal, limit: int, cursor: str | None) -> Page[EscalationItem]:
    _require_head(principal)
    rows, nxt = store.escalations(limit, cursor)
    cal, now = calendar(), today()
    items = []
    for r in rows:
        data: Data = r.data or {}
        stage = current_stage(data)
        due = date.fromisoformat(data["total_due"])
        items.append(
            EscalationItem(
                number=data["number"],
                type_code=data["type_code"],
                stage=stage["name"] if stage else None,
                role=stage["role"] if stage else None,
                stage_due=stage["due"] if stage else None,
                total_due=data["total_due"],
                overdue_days=sla.working_days_taken(cal, due, now) if now > due else 0,
                escalated_on=data.get("escalated_on"),
            )
        )
    return Page[EscalationItem](items=items, next_cursor=nxt)


def act(number: str, body: EscalationIn, principal: Principal, request_id: str | None) -> ApplicationOut:
    item = store.application(number)
    _readable(item, principal)
    _require_head(principal)
    data: Data = dict(item.data or {})
    action = ACTIONS[body.action]
    target = next_status(Status(data["status"]), action, frozenset({Caller.HEAD}), reason=body.reason)
    if not data.get("escalated"):
        raise Conflict("Permohonan ini tidak dieskalasi.", code="not_escalated")
    cal, on, at = calendar(), today(), now_iso()
    stages: list[Data] = [dict(s) for s in data.get("stages") or []]
    i = int(data.get("stage_index", 0))
    if action is Action.GRANT:
        official = _signer(principal)
        if signing.did_earlier_stage(stages, len(stages), actor=principal.actor, nip=principal.nip):
            raise Conflict(
                "Kepala DPMPTSP telah memutus tahap permohonan ini; putusan harus oleh pejabat lain.",
                code="separation_of_duties",
            )
        data.update(official=official, decided_on=on.isoformat())
    elif action is Action.REFUSE:
        data["decided_on"] = on.isoformat()
    else:
        stages[i]["due"] = sla.due_date(cal, on, body.days).isoformat()
        later = sum(int(s["sla_days"]) for s in stages[i + 1 :])
        data["total_due"] = sla.due_date(cal, on, body.days + later).isoformat()
    data.update(
        stages=stages,
        status=target.value,
        escalated=False,
        changed_at=at,
        reason=body.reason or data.get("reason"),
    )
    permit_item = issue_if_settled(data, on)
    note = {"escalation": body.action, "days": body.days if action is Action.REASSIGN else None}
    return _commit(item, data, action.value, principal.actor, request_id, permit_item, note=note)
