"""Pure WBS rules (DOMAIN.md §5): status machine, who may see a report, receipt codes, guessing
limits and retention. No I/O, no AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from replika.core.auth import Principal, Role

__all__ = [
    "HANDLER_ROLES",
    "RECEIPT_DIGITS",
    "TRANSITIONS",
    "ForwardTarget",
    "Status",
    "TransitionError",
    "Viewer",
    "can_see",
    "check_transition",
    "format_receipt",
    "normalise_receipt",
    "purge_cutoff",
    "sliding_count",
    "window_start",
]


class Status(StrEnum):
    RECEIVED = "received"
    VERIFICATION = "verification"
    INVESTIGATION = "investigation"
    FORWARDED = "forwarded"
    CLOSED = "closed"
    REJECTED = "rejected"


class ForwardTarget(StrEnum):
    """Where a report may be forwarded (APIP, KPK, police, prosecutors…)."""

    APIP = "apip"  # another internal auditor (APIP: BPKP, Inspektorat provinsi/kementerian)
    KPK = "kpk"
    KEPOLISIAN = "kepolisian"
    KEJAKSAAN = "kejaksaan"
    OMBUDSMAN = "ombudsman"
    LAINNYA = "lainnya"


#: received -> verification -> investigation or forwarded -> closed; rejected (with a reason) from
#: received or verification (after a look) or investigation (nothing found that holds).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.VERIFICATION, Status.REJECTED}),
    Status.VERIFICATION: frozenset({Status.INVESTIGATION, Status.FORWARDED, Status.REJECTED}),
    Status.INVESTIGATION: frozenset({Status.FORWARDED, Status.CLOSED, Status.REJECTED}),
    Status.FORWARDED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
}
TERMINAL = frozenset({Status.CLOSED, Status.REJECTED})

HANDLER_ROLES = frozenset({Role.INSPEKTORAT_KEPALA, Role.INSPEKTORAT})


class TransitionError(ValueError):
    """A transition the status machine does not allow, or one missing what it needs."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def check_transition(
    current: Status, to: Status, *, reason: str | None, forwarded_to: ForwardTarget | None
) -> None:
    """Raise :class:`TransitionError` unless ``current -> to`` is allowed with what was given:
    ``rejected`` needs a reason, ``forwarded`` needs the recipient."""
    if to not in TRANSITIONS[current]:
        raise TransitionError("invalid_transition", f"Status {current} tidak dapat diubah menjadi {to}.")
    if to is Status.REJECTED and not (reason and reason.strip()):
        raise TransitionError("reason_required", "Penolakan harus disertai alasan.")
    if to is Status.FORWARDED and forwarded_to is None:
        raise TransitionError("forward_target_required", "Pelimpahan harus menyebut instansi tujuan.")


# -- visibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """A staff member as the visibility rule sees them: roles, NIP and keyed MACs of their NIP/OPD
    (the report stores only MACs of the reported person's NIP and OPD)."""

    principal: Principal
    nip_mac: str | None
    opd_mac: str | None


def can_see(
    viewer: Viewer,
    *,
    reported_nip_mac: str | None,
    reported_opd_mac: str | None,
    assignee_nip: str | None,
    forbid_same_opd: bool,
) -> bool:
    """Who may read a report: the head of Inspektorat (to triage and assign) and the handler it is
    assigned to — never the reported person, and never someone of the reported OPD when the
    region forbids it (``forbid_same_opd_handler``), whatever their role."""
    p = viewer.principal
    if not p.has_any(HANDLER_ROLES):
        return False
    if reported_nip_mac and viewer.nip_mac == reported_nip_mac:
        return False
    if forbid_same_opd and reported_opd_mac and viewer.opd_mac == reported_opd_mac:
        return False
    if p.has_any({Role.INSPEKTORAT_KEPALA}):
        return True
    return p.nip is not None and p.nip == assignee_nip


# -- receipt codes -----------------------------------------------------------------------------

RECEIPT_DIGITS = 16
_SEPARATORS = re.compile(r"[\s\-.]")


def normalise_receipt(text: str) -> str | None:
    """``"1234-5678 9012.3456"`` -> ``"1234567890123456"``; anything else -> ``None``."""
    digits = _SEPARATORS.sub("", text or "")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def format_receipt(digits: str) -> str:
    """``"1234567890123456"`` -> ``"1234-5678-9012-3456"`` (easier to copy by hand)."""
    return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))


# -- guessing limits ---------------------------------------------------------------------------


def window_start(now: int, window: int) -> int:
    """The start (epoch seconds) of the fixed window holding ``now``."""
    return now - now % window


def sliding_count(current: int, previous: int, now: int, window: int) -> float:
    """Sliding-window estimate from two fixed windows: all of the current window's count plus the
    previous window's, weighted by how much of it still lies inside the last ``window`` seconds."""
    elapsed = now - window_start(now, window)
    return current + previous * (window - elapsed) / window


# -- retention ---------------------------------------------------------------------------------


def purge_cutoff(now: datetime, retention_days: int, ahead_days: int = 0) -> datetime:
    """Reports closed (or rejected) before this instant are due for purge (``ahead_days`` later)."""
    return now - timedelta(days=retention_days) + timedelta(days=ahead_days)
