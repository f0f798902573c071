"""The application state machine: every (state, caller, action) is allowed or refused here.

Callers are kinds, not people: ``owner`` (the applicant who submitted it), ``stage`` (staff holding
the current stage's role: ``dpmptsp``, or ``pegawai`` of the stage's OPD for technical review),
``dpmptsp`` (the licensing office, for fees and revocation), ``head`` (the head of DPMPTSP: the
region's signing official or a listed Plt, on escalated applications) and ``system`` (the daily
SLA clock).

==============  ==============  ========  ===================================================
state           action          caller    next state
==============  ==============  ========  ===================================================
in_review       advance         stage     in_review (next stage) / approved (after the last)
in_review       return          stage     returned (reason required; the clock stops)
in_review       reject          stage     rejected (reason required)
in_review       withdraw        owner     withdrawn
in_review       fiktif_positif  system    approved (deemed granted, PP 28/2025)
in_review       escalate        system    in_review (flagged for the head of DPMPTSP)
in_review       grant           head      approved (the head decides an escalated one)
in_review       refuse          head      rejected (reason required)
in_review       reassign        head      in_review (new due dates; the clock runs again)
returned        resubmit        owner     in_review (the clock restarts)
returned        withdraw        owner     withdrawn
approved        pay             dpmptsp   issued (with a receipt number)
approved        waive           dpmptsp   issued (with a waiver reason)
issued          revoke          dpmptsp   revoked (reason required)
registered      revoke          dpmptsp   revoked (reason required)
==============  ==============  ========  ===================================================

Anything else is refused: an action the state does not have is a conflict (409: the application
moved on); an action the state has, by a caller the table does not name, is forbidden (403).
A type without a fee goes from ``approved`` to ``issued`` at once (the permit is issued only after
payment or when nothing is due).
"""

from __future__ import annotations

from enum import StrEnum

from replika.core.errors import Conflict, Forbidden, ValidationFailed


class Status(StrEnum):
    REGISTERED = "registered"  # report-only path: registered at once
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPROVED = "approved"  # decided; awaiting payment of the fee
    ISSUED = "issued"
    REVOKED = "revoked"


class Action(StrEnum):
    ADVANCE = "advance"
    RETURN = "return"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    RESUBMIT = "resubmit"
    FIKTIF_POSITIF = "fiktif_positif"
    ESCALATE = "escalate"
    GRANT = "grant"
    REFUSE = "refuse"
    REASSIGN = "reassign"
    PAY = "pay"
    WAIVE = "waive"
    REVOKE = "revoke"


class Caller(StrEnum):
    OWNER = "owner"
    STAGE = "stage"
    DPMPTSP = "dpmptsp"
    HEAD = "head"
    SYSTEM = "system"


#: (state, action) -> (the caller allowed, the next state). ADVANCE's next state is IN_REVIEW
#: unless the stage was the last (see :func:`next_status`).
TABLE: dict[tuple[Status, Action], tuple[Caller, Status]] = {
    (Status.IN_REVIEW, Action.ADVANCE): (Caller.STAGE, Status.IN_REVIEW),
    (Status.IN_REVIEW, Action.RETURN): (Caller.STAGE, Status.RETURNED),
    (Status.IN_REVIEW, Action.REJECT): (Caller.STAGE, Status.REJECTED),
    (Status.IN_REVIEW, Action.WITHDRAW): (Caller.OWNER, Status.WITHDRAWN),
    (Status.IN_REVIEW, Action.FIKTIF_POSITIF): (Caller.SYSTEM, Status.APPROVED),
    (Status.IN_REVIEW, Action.ESCALATE): (Caller.SYSTEM, Status.IN_REVIEW),
    (Status.IN_REVIEW, Action.GRANT): (Caller.HEAD, Status.APPROVED),
    (Status.IN_REVIEW, Action.REFUSE): (Caller.HEAD, Status.REJECTED),
    (Status.IN_REVIEW, Action.REASSIGN): (Caller.HEAD, Status.IN_REVIEW),
    (Status.RETURNED, Action.RESUBMIT): (Caller.OWNER, Status.IN_REVIEW),
    (Status.RETURNED, Action.WITHDRAW): (Caller.OWNER, Status.WITHDRAWN),
    (Status.APPROVED, Action.PAY): (Caller.DPMPTSP, Status.ISSUED),
    (Status.APPROVED, Action.WAIVE): (Caller.DPMPTSP, Status.ISSUED),
    (Status.ISSUED, Action.REVOKE): (Caller.DPMPTSP, Status.REVOKED),
    (Status.REGISTERED, Action.REVOKE): (Caller.DPMPTSP, Status.REVOKED),
}
#: Actions that need a written reason.
NEEDS_REASON = frozenset({Action.RETURN, Action.REJECT, Action.REFUSE, Action.REVOKE, Action.WAIVE})
#: States in which the SLA clock runs (the application is in the due-date index).
CLOCK_RUNS = frozenset({Status.IN_REVIEW})


def next_status(
    status: Status,
    action: Action,
    callers: frozenset[Caller],
    *,
    last_stage: bool = False,
    reason: str | None = None,
) -> Status:
    """The state after ``action`` by a caller who is each of ``callers``; raises when refused."""
    entry = TABLE.get((status, action))
    if entry is None:
        raise Conflict(
            f"Tindakan {action.value} tidak dapat dilakukan pada status {status.value}.",
            code="invalid_transition",
            details={"status": status.value, "action": action.value},
        )
    caller, target = entry
    if caller not in callers:
        raise Forbidden(
            "Anda tidak memegang tahap ini.",
            code="forbidden",
            details={"status": status.value, "action": action.value, "caller": caller.value},
        )
    if action in NEEDS_REASON and not (reason or "").strip():
        raise ValidationFailed(
            "Alasan wajib diisi.", code="reason_required", details={"action": action.value}
        )
    if action is Action.ADVANCE and last_stage:
        return Status.APPROVED
    return target


def allowed(status: Status, action: Action, caller: Caller) -> bool:
    entry = TABLE.get((status, action))
    return entry is not None and entry[0] is caller
