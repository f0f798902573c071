"""Separation of duties: who acted at each step of a proposal, and which steps one person may not
both do. A person is their NIP (staff) or their account (applicants). Pure: the service records
the steps (``ProposalDoc.acted``) and asks :func:`check` before each one.

The table (:data:`INDEPENDENT`): the person doing the step on the left must not have done any step
on the right of the same proposal.

=================  =========================================================
step               may not be done by whoever did
=================  =========================================================
admin_check (TU)   entry, submission
evaluation (OPD)   entry, submission, admin_check
amount_setting     evaluation
approval           evaluation, amount_setting
disbursement       amount_setting
lpj_verification   entry, submission, evaluation, lpj_submission
=================  =========================================================

Every action at a step counts as doing it (forward, return or reject at the administrative check
alike); withdrawing, cancelling and the overdue job are no step of the review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from replika.core.errors import Conflict
from replika.sabilulungan.rules.flow import Action, State


class Duty(StrEnum):
    ENTRY = "entry"  # drafted the proposal (the applicant, or an OPD officer for an individual)
    SUBMISSION = "submission"  # submitted / resubmitted it
    ADMIN_CHECK = "admin_check"
    DISPOSITION = "disposition"
    CONSIDERATION = "consideration"
    EVALUATION = "evaluation"  # the technical OPD's checklist, site visit and recommendation
    AMOUNT_SETTING = "amount_setting"
    APPROVAL = "approval"
    NPHD_SIGNING = "nphd_signing"
    DISBURSEMENT = "disbursement"
    LPJ_SUBMISSION = "lpj_submission"
    LPJ_VERIFICATION = "lpj_verification"


#: The step an action taken in a state is.
DUTY_OF: dict[State, Duty] = {
    State.DRAFT: Duty.SUBMISSION,
    State.RETURNED: Duty.SUBMISSION,
    State.SUBMITTED: Duty.ADMIN_CHECK,
    State.DISPOSITION: Duty.DISPOSITION,
    State.PERTIMBANGAN: Duty.CONSIDERATION,
    State.EVALUATION: Duty.EVALUATION,
    State.SETTING: Duty.AMOUNT_SETTING,
    State.DNC: Duty.APPROVAL,
    State.APPROVED: Duty.NPHD_SIGNING,
    State.NPHD_SIGNED: Duty.DISBURSEMENT,
    State.DISBURSED: Duty.LPJ_SUBMISSION,
    State.LPJ_OVERDUE: Duty.LPJ_SUBMISSION,
    State.LPJ_SUBMITTED: Duty.LPJ_VERIFICATION,
}

INDEPENDENT: dict[Duty, frozenset[Duty]] = {
    Duty.ADMIN_CHECK: frozenset({Duty.ENTRY, Duty.SUBMISSION}),
    Duty.EVALUATION: frozenset({Duty.ENTRY, Duty.SUBMISSION, Duty.ADMIN_CHECK}),
    Duty.AMOUNT_SETTING: frozenset({Duty.EVALUATION}),
    Duty.APPROVAL: frozenset({Duty.EVALUATION, Duty.AMOUNT_SETTING}),
    Duty.DISBURSEMENT: frozenset({Duty.AMOUNT_SETTING}),
    Duty.LPJ_VERIFICATION: frozenset({Duty.ENTRY, Duty.SUBMISSION, Duty.EVALUATION, Duty.LPJ_SUBMISSION}),
}

#: Actions that are no step of the review (nothing recorded, nothing checked).
OUTSIDE = frozenset({Action.WITHDRAW, Action.CANCEL, Action.MARK_OVERDUE})


def duty_of(state: State, action: Action) -> Duty | None:
    """``duty_of(State.SUBMITTED, Action.RETURN)`` -> ``Duty.ADMIN_CHECK``."""
    if action in OUTSIDE:
        return None
    return DUTY_OF.get(state)


def check(duty: Duty, person: str, acted: Mapping[str, Sequence[str]]) -> None:
    """``Conflict`` (409, ``separation_of_duties``) when ``person`` did a step ``duty`` must be
    independent of."""
    clashes = sorted(d.value for d in INDEPENDENT.get(duty, ()) if person in acted.get(d.value, ()))
    if clashes:
        raise Conflict(
            f"Pemisahan tugas: langkah '{duty.value}' harus dilakukan oleh orang lain daripada yang "
            f"melakukan {', '.join(clashes)} usulan ini.",
            code="separation_of_duties",
            details={"step": duty.value, "conflicts_with": clashes},
        )


def record(duty: Duty, person: str, acted: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """``acted`` with ``person`` added to ``duty`` (a new mapping; each person once per step)."""
    out = {k: list(v) for k, v in acted.items()}
    if person not in out.setdefault(duty.value, []):
        out[duty.value].append(person)
    return out
