"""The proposal's state machine: every (state, actor, action) is allowed or refused by one table.

Bandung's flow (DOMAIN.md §2), with the actor of each step::

    draft --submit(owner)--> submitted --forward(tu)--> disposition --dispose(kepala_daerah)-->
    pertimbangan --consider(tapd)--> evaluation --recommend(opd)--> setting --set_amount(tapd)-->
    dnc --approve(kepala_daerah)--> approved --sign_nphd(opd)--> nphd_signed --disburse(bpkad)-->
    disbursed --submit_lpj(owner)--> lpj_submitted --verify_lpj(opd)--> completed

Every review step (submitted … dnc) may ``return`` the proposal to its owner (-> ``returned``,
remembering the step) or ``reject`` it (-> ``rejected``, final). The owner's ``resubmit`` brings a
returned proposal back to the step that returned it. The technical OPD may return an LPJ
(``return_lpj``: back to ``disbursed``); the 11 January job marks a late LPJ ``lpj_overdue``
(``mark_overdue``, actor ``system``), from which the owner may still submit it.

The owner may ``withdraw`` a proposal at any time before the head of region's approval (->
``withdrawn``, final; a share of the ceiling it holds in ``dnc`` is released). The head of region
may ``cancel`` an approved grant that is not disbursed yet (``approved``/``nphd_signed`` ->
``cancelled``, final, with a reason; its amount is released from the year's allocation).

Actors are what the service makes of the caller: ``owner`` (the applicant's account, or for an
individual bansos recipient the OPD that entered it), ``tu`` (staff of the region's TU OPD),
``opd`` (staff of the proposal's technical OPD), ``tapd`` (the budget team, also Tim
Pertimbangan), ``kepala_daerah``, ``bpkad`` and ``system``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from replika.core.errors import Conflict, Forbidden


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the administrative check (TU)
    DISPOSITION = "disposition"  # waiting for the head of region's disposition
    PERTIMBANGAN = "pertimbangan"  # Tim Pertimbangan
    EVALUATION = "evaluation"  # technical OPD: checklist and recommended amount
    SETTING = "setting"  # TAPD sets the amount
    DNC = "dnc"  # in the candidate list (DNC-PBH), waiting for the head of region's approval
    APPROVED = "approved"  # waiting for the grant agreement (NPHD)
    NPHD_SIGNED = "nphd_signed"  # waiting for disbursement
    DISBURSED = "disbursed"  # LPJ due
    LPJ_SUBMITTED = "lpj_submitted"
    LPJ_OVERDUE = "lpj_overdue"
    COMPLETED = "completed"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by its owner, before approval
    CANCELLED = "cancelled"  # by the head of region, approved but not disbursed


class Actor(StrEnum):
    OWNER = "owner"
    TU = "tu"
    KEPALA_DAERAH = "kepala_daerah"
    TAPD = "tapd"
    OPD = "opd"
    BPKAD = "bpkad"
    SYSTEM = "system"


class Action(StrEnum):
    SUBMIT = "submit"
    FORWARD = "forward"
    DISPOSE = "dispose"
    CONSIDER = "consider"
    RECOMMEND = "recommend"
    SET_AMOUNT = "set_amount"
    APPROVE = "approve"
    SIGN_NPHD = "sign_nphd"
    DISBURSE = "disburse"
    SUBMIT_LPJ = "submit_lpj"
    VERIFY_LPJ = "verify_lpj"
    RETURN_LPJ = "return_lpj"
    MARK_OVERDUE = "mark_overdue"
    RETURN = "return"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"


#: The review steps: who acts at each, and the forward action it takes.
REVIEW_STEPS: dict[State, tuple[Actor, Action, State]] = {
    State.SUBMITTED: (Actor.TU, Action.FORWARD, State.DISPOSITION),
    State.DISPOSITION: (Actor.KEPALA_DAERAH, Action.DISPOSE, State.PERTIMBANGAN),
    State.PERTIMBANGAN: (Actor.TAPD, Action.CONSIDER, State.EVALUATION),
    State.EVALUATION: (Actor.OPD, Action.RECOMMEND, State.SETTING),
    State.SETTING: (Actor.TAPD, Action.SET_AMOUNT, State.DNC),
    State.DNC: (Actor.KEPALA_DAERAH, Action.APPROVE, State.APPROVED),
}

#: (state, action) -> (actor, next state). ``RESUBMIT`` is special: its next state is the step
#: that returned the proposal (see :func:`transition`).
TABLE: dict[tuple[State, Action], tuple[Actor, State]] = {
    (State.DRAFT, Action.SUBMIT): (Actor.OWNER, State.SUBMITTED),
    (State.RETURNED, Action.RESUBMIT): (Actor.OWNER, State.RETURNED),
    (State.APPROVED, Action.SIGN_NPHD): (Actor.OPD, State.NPHD_SIGNED),
    (State.NPHD_SIGNED, Action.DISBURSE): (Actor.BPKAD, State.DISBURSED),
    (State.DISBURSED, Action.SUBMIT_LPJ): (Actor.OWNER, State.LPJ_SUBMITTED),
    (State.LPJ_OVERDUE, Action.SUBMIT_LPJ): (Actor.OWNER, State.LPJ_SUBMITTED),
    (State.DISBURSED, Action.MARK_OVERDUE): (Actor.SYSTEM, State.LPJ_OVERDUE),
    (State.LPJ_SUBMITTED, Action.VERIFY_LPJ): (Actor.OPD, State.COMPLETED),
    (State.LPJ_SUBMITTED, Action.RETURN_LPJ): (Actor.OPD, State.DISBURSED),
}
for _state, (_actor, _action, _next) in REVIEW_STEPS.items():
    TABLE[(_state, _action)] = (_actor, _next)
    TABLE[(_state, Action.RETURN)] = (_actor, State.RETURNED)
    TABLE[(_state, Action.REJECT)] = (_actor, State.REJECTED)
#: The owner withdraws before the head of region's approval.
WITHDRAWABLE = frozenset({State.DRAFT, State.RETURNED, *REVIEW_STEPS})
for _state in WITHDRAWABLE:
    TABLE[(_state, Action.WITHDRAW)] = (Actor.OWNER, State.WITHDRAWN)
#: The head of region cancels an approved grant that is not disbursed yet.
for _state in (State.APPROVED, State.NPHD_SIGNED):
    TABLE[(_state, Action.CANCEL)] = (Actor.KEPALA_DAERAH, State.CANCELLED)

#: Actions that need a reason (said to the applicant or kept in the audit).
NEEDS_REASON = frozenset({Action.RETURN, Action.REJECT, Action.RETURN_LPJ, Action.CANCEL})
#: States the public sees as "granted" (an amount was approved).
GRANTED = frozenset(
    {
        State.APPROVED,
        State.NPHD_SIGNED,
        State.DISBURSED,
        State.LPJ_SUBMITTED,
        State.LPJ_OVERDUE,
        State.COMPLETED,
    }
)
#: Holding a share of the year's ceiling: the amount set by TAPD until rejected.
ALLOCATED = frozenset({State.DNC, *GRANTED})
FINAL = frozenset({State.REJECTED, State.COMPLETED, State.WITHDRAWN, State.CANCELLED})
#: Steps after the technical evaluation: a proposal they return keeps the content its amounts were
#: decided on (RAB, requested amount, purpose, activity plan, recipient); only documents change.
AFTER_EVALUATION = frozenset({State.SETTING, State.DNC})
#: The states in which the signed NPHD scan or the LPJ file may be (re)placed: never once the
#: NPHD is signed, nor once the LPJ is submitted or verified.
UPLOAD_STATES = {
    "nphd": frozenset({State.APPROVED}),
    "lpj": frozenset({State.DISBURSED, State.LPJ_OVERDUE}),
}


@dataclass(frozen=True)
class Step:
    before: State
    after: State
    action: Action
    returned_from: State | None  # for RETURNED: the step to come back to


def transition(
    state: State, actor: Actor, action: Action, *, returned_from: State | None = None, reason: str = ""
) -> Step:
    """The next state, or ``Forbidden`` (another actor's step) / ``Conflict`` (not in this state).

    >>> transition(State.SUBMITTED, Actor.TU, Action.RETURN, reason="KTP kurang").returned_from
    <State.SUBMITTED: 'submitted'>
    """
    entry = TABLE.get((state, action))
    if entry is None:
        raise Conflict(
            f"Tindakan '{action.value}' tidak berlaku untuk usulan berstatus '{state.value}'.",
            code="invalid_transition",
            details={"state": state.value, "action": action.value},
        )
    who, after = entry
    if who is not actor:
        raise Forbidden(
            f"Langkah '{action.value}' pada status '{state.value}' dilakukan oleh {who.value}.",
            code="not_your_step",
            details={"state": state.value, "action": action.value, "actor": who.value},
        )
    if action in NEEDS_REASON and len(reason.strip()) < 5:
        raise Conflict(
            "Alasan wajib diisi (minimal 5 karakter) untuk pengembalian, penolakan atau pembatalan.",
            code="reason_required",
            details={"action": action.value},
        )
    if action is Action.RESUBMIT:
        if returned_from is None or returned_from not in REVIEW_STEPS:
            raise Conflict(
                "Usulan ini tidak dikembalikan dari langkah peninjauan.", code="invalid_transition"
            )
        return Step(state, returned_from, action, None)
    return Step(state, after, action, state if after is State.RETURNED else None)


def step_actor(state: State) -> Actor | None:
    """Who the proposal waits for in ``state`` (the queue it is in)."""
    if state in REVIEW_STEPS:
        return REVIEW_STEPS[state][0]
    return {
        State.DRAFT: Actor.OWNER,
        State.RETURNED: Actor.OWNER,
        State.APPROVED: Actor.OPD,
        State.NPHD_SIGNED: Actor.BPKAD,
        State.DISBURSED: Actor.OWNER,
        State.LPJ_OVERDUE: Actor.OWNER,
        State.LPJ_SUBMITTED: Actor.OPD,
    }.get(state)
