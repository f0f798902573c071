"""5. The payroll run state machine: who may take which action from which state."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from replika.core.config import RemunerasiPolicy
from replika.core.errors import Conflict, Forbidden, ValidationFailed


class PayrollState(StrEnum):
    """A period's payroll run. The scheduled run creates it in ``draft``."""

    DRAFT = "draft"
    VERIFIED = "verified"
    APPROVED = "approved"
    LOCKED = "locked"


class PayrollAction(StrEnum):
    RECOMPUTE = "recompute"  # BKPSDM: draft -> draft, verified -> draft
    VERIFY = "verify"  # BKPSDM: draft -> verified
    APPROVE = "approve"  # BPKAD: verified -> approved
    LOCK = "lock"  # BPKAD: approved -> locked (no more entries, approvals or recomputation)


_ACTION_ROLE: Mapping[PayrollAction, str] = {
    PayrollAction.RECOMPUTE: "bkpsdm",
    PayrollAction.VERIFY: "bkpsdm",
    PayrollAction.APPROVE: "bpkad",
    PayrollAction.LOCK: "bpkad",
}
_TRANSITIONS: Mapping[PayrollAction, Mapping[PayrollState, PayrollState]] = {
    PayrollAction.RECOMPUTE: {
        PayrollState.DRAFT: PayrollState.DRAFT,
        PayrollState.VERIFIED: PayrollState.DRAFT,
    },
    PayrollAction.VERIFY: {PayrollState.DRAFT: PayrollState.VERIFIED},
    PayrollAction.APPROVE: {PayrollState.VERIFIED: PayrollState.APPROVED},
    PayrollAction.LOCK: {PayrollState.APPROVED: PayrollState.LOCKED},
}
_STATE_LABEL: Mapping[PayrollState, str] = {
    PayrollState.DRAFT: "draf",
    PayrollState.VERIFIED: "terverifikasi",
    PayrollState.APPROVED: "disetujui",
    PayrollState.LOCKED: "dikunci",
}
_ACTION_LABEL: Mapping[PayrollAction, str] = {
    PayrollAction.RECOMPUTE: "hitung ulang",
    PayrollAction.VERIFY: "verifikasi",
    PayrollAction.APPROVE: "persetujuan",
    PayrollAction.LOCK: "penguncian",
}


def transition(current: PayrollState | str, action: PayrollAction | str, role: str) -> PayrollState:
    """The state after ``action`` by a user acting as ``role`` (a :class:`~replika.core.auth.Role`
    value: ``"bkpsdm"``, ``"bpkad"``…).

    * ``recompute`` (bkpsdm): draft -> draft; verified -> draft (a recompute undoes the check);
    * ``verify`` (bkpsdm): draft -> verified;
    * ``approve`` (bpkad): verified -> approved;
    * ``lock`` (bpkad): approved -> locked.

    Checked in order: an unknown action is :class:`ValidationFailed` (400); the wrong role is
    :class:`Forbidden` (403, whatever the state, so the state is not revealed); an action not
    allowed from ``current`` is :class:`Conflict` (409) — approved and locked runs refuse a
    recompute. An unknown ``current`` is a stored-data bug (``ValueError``).
    """
    state = PayrollState(current)
    try:
        act = PayrollAction(action)
    except ValueError:
        raise ValidationFailed(
            f"Aksi penggajian tidak dikenal: {action!s}.",
            details={"action": str(action), "allowed": [a.value for a in PayrollAction]},
        ) from None
    required = _ACTION_ROLE[act]
    if role != required:
        raise Forbidden(
            f"Hanya {required.upper()} yang dapat melakukan {_ACTION_LABEL[act]}.",
            details={"required_roles": [required]},
        )
    target = _TRANSITIONS[act].get(state)
    if target is None:
        raise Conflict(
            f"Penggajian berstatus {_STATE_LABEL[state]}; {_ACTION_LABEL[act]} tidak dapat dilakukan.",
            details={
                "state": state.value,
                "action": act.value,
                "allowed_from": [s.value for s in _TRANSITIONS[act]],
            },
        )
    return target


def allowed_actions(current: PayrollState | str, role: str) -> tuple[PayrollAction, ...]:
    """The actions ``role`` may take on a run in ``current`` (for showing buttons)."""
    state = PayrollState(current)
    return tuple(a for a in PayrollAction if _ACTION_ROLE[a] == role and state in _TRANSITIONS[a])


def before_go_live(period: str, policy: RemunerasiPolicy) -> bool:
    """``period`` (``YYYY-MM``) is before the region's first period paid through replika
    (``policy.go_live``): no payroll run is created for it (an implausible schedule time, such as
    1970, would otherwise start a run for 1969-12)."""
    return period < policy.go_live
