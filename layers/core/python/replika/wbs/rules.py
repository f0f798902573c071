"""Pure WBS rules (DOMAIN.md §5): status machine, who may see a report, receipt codes, guessing
limits and retention. No I/O, no AWS.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from replika.core.auth import Principal, Role

__all__ = [
    "DESK_ESCALATION",
    "DESK_HEAD",
    "HANDLER_ROLES",
    "RECEIPT_DIGITS",
    "STAFF_ROLES",
    "TRANSITIONS",
    "ForwardTarget",
    "Status",
    "TransitionError",
    "Viewer",
    "can_handle",
    "can_see",
    "check_transition",
    "conflicted",
    "day_of",
    "desk_for",
    "format_receipt",
    "normalise_receipt",
    "pow_bits",
    "pow_ok",
    "purge_cutoff",
    "sliding_count",
    "valid_file_id",
    "valid_report_id",
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
#: Everyone a staff route may admit: the Inspektorat and the escalation desks.
STAFF_ROLES = HANDLER_ROLES | {Role.SEKDA, Role.APIP_PROVINSI}


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

#: Desks own a report: the head of Inspektorat's, or the escalation desk's (the regional secretary
#: or the provincial APIP, named by the region config) when the head may not handle it.
DESK_HEAD, DESK_ESCALATION = "head", "escalation"
ESCALATION_ROLES = frozenset({Role.SEKDA, Role.APIP_PROVINSI})


@dataclass(frozen=True)
class Viewer:
    """A staff member as the visibility rule sees them: roles, NIP and keyed MACs of their NIP/OPD
    (the report stores only MACs of the reported person's NIP and OPD)."""

    principal: Principal
    nip_mac: str | None
    opd_mac: str | None


def desk_for(
    *, reported_nip: str | None, directory_opd: str | None, given_opd: str | None, inspektorat_opd: str | None
) -> str:
    """Which desk owns a new report. The escalation desk gets every report that might be about the
    head of Inspektorat or the Inspektorat itself: a reported person of the Inspektorat's OPD (as the
    directory or, failing it, the reporter says), a NIP the directory does not know (it could be the
    head's), or any named NIP when the region has not said which OPD is its Inspektorat. The head's
    desk gets the rest; the head also sees the escalated ones unless the head is the reported person.
    """
    opd = directory_opd or given_opd
    if reported_nip and (inspektorat_opd is None or directory_opd is None):
        return DESK_ESCALATION
    if inspektorat_opd is not None and opd == inspektorat_opd:
        return DESK_ESCALATION
    return DESK_HEAD


def conflicted(
    viewer: Viewer, *, reported_nip_mac: str | None, reported_opd_mac: str | None, same_opd: bool
) -> bool:
    """True when ``viewer`` must not read the report: they are the reported person, or (``same_opd``)
    they work in the reported OPD. Fails closed: a viewer whose token lacks the NIP (or, when the OPD
    matters, the OPD) claim cannot be checked, so counts as conflicted."""
    if viewer.nip_mac is None or viewer.principal.nip is None:
        return True
    if reported_nip_mac and viewer.nip_mac == reported_nip_mac:
        return True
    if same_opd:
        if viewer.opd_mac is None:
            return True
        if reported_opd_mac and viewer.opd_mac == reported_opd_mac:
            return True
    return False


def can_see(
    viewer: Viewer,
    *,
    reported_nip_mac: str | None,
    reported_opd_mac: str | None,
    assignee_nip: str | None,
    forbid_same_opd: bool,
    desk: str | None = DESK_HEAD,
    escalation_role: Role = Role.SEKDA,
) -> bool:
    """Who may read a report — never the reported person, never a viewer whose claims are missing:

    * the head of Inspektorat, every report (to triage and assign), also those about the
      Inspektorat's own staff (the same-OPD rule binds handlers, not the head who answers for them);
    * the escalation desk (``escalation_role``), the reports of its desk (``desk_for``), whatever
      their OPD — the desk exists for reports the Inspektorat may not handle;
    * a handler, the reports assigned to them, unless they work in the reported OPD and the region
      forbids it (``forbid_same_opd_handler``).
    """
    p = viewer.principal
    if p.has_any({Role.INSPEKTORAT_KEPALA}) and not conflicted(
        viewer, reported_nip_mac=reported_nip_mac, reported_opd_mac=reported_opd_mac, same_opd=False
    ):
        return True
    if (
        desk == DESK_ESCALATION
        and p.has_any({escalation_role})
        and not conflicted(
            viewer, reported_nip_mac=reported_nip_mac, reported_opd_mac=reported_opd_mac, same_opd=False
        )
    ):
        return True
    if p.has_any({Role.INSPEKTORAT}) and p.nip is not None and p.nip == assignee_nip:
        return not conflicted(
            viewer,
            reported_nip_mac=reported_nip_mac,
            reported_opd_mac=reported_opd_mac,
            same_opd=forbid_same_opd,
        )
    return False


def can_handle(
    *, candidate_opd: str | None, inspektorat_opd: str | None, candidate_is_reported: bool
) -> bool:
    """Whether the head may assign a report to this employee: an Inspektorat member (the directory's
    OPD is the region's Inspektorat OPD; with no such OPD configured, nobody but the head handles)
    who is not the reported person. The same-OPD rule is checked by :func:`can_see` on top."""
    if candidate_is_reported or inspektorat_opd is None:
        return False
    return candidate_opd == inspektorat_opd


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


#: Proof of work (hashcash, sha256): free below the limits, then ``POW_BASE_BITS`` leading zero
#: bits, two more each time the failure level doubles, at most ``POW_MAX_BITS``.
POW_BASE_BITS = 18
POW_STEP_BITS = 2
POW_MAX_BITS = 26


def pow_bits(global_failures: float, global_free: int, bucket_failures: float, bucket_free: int) -> int:
    """Leading zero bits a receipt exchange must prove, from the failure level of the region and
    of the guessed code's bucket (failures per sliding window over the free allowance): 0 while
    both are under their allowance, then ``POW_BASE_BITS + POW_STEP_BITS * floor(log2(level))``."""
    level = max(global_failures / max(global_free, 1), bucket_failures / max(bucket_free, 1))
    if level < 1:
        return 0
    doublings = math.floor(math.log2(level))
    return min(POW_MAX_BITS, POW_BASE_BITS + POW_STEP_BITS * doublings)


def leading_zero_bits(digest: bytes) -> int:
    n = 0
    for byte in digest:
        if byte == 0:
            n += 8
            continue
        return n + 8 - byte.bit_length()
    return n


def pow_ok(challenge: str, nonce: str, bits: int) -> bool:
    """hashcash check: ``sha256(challenge + ":" + nonce)`` starts with ``bits`` zero bits."""
    if bits <= 0:
        return True
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def solve_pow(challenge: str, bits: int) -> str:
    """The client's side (tests, the reporter page does the same in JS): the first nonce that works."""
    n = 0
    while not pow_ok(challenge, str(n), bits):
        n += 1
    return str(n)


# -- identifiers and times ---------------------------------------------------------------------

_REPORT_ID = re.compile(r"^[0-9a-f]{32}$")
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


def valid_report_id(value: str) -> bool:
    """Report ids are uuid4 hex: anything else (too long for a DynamoDB key, other scripts…) is
    refused before it reaches storage."""
    return bool(_REPORT_ID.match(value or ""))


def valid_file_id(value: str) -> bool:
    return bool(_FILE_ID.match(value or ""))


def day_of(iso: str | None) -> str | None:
    """``"2026-05-04T13:45:12Z"`` -> ``"2026-05-04"``: what a reporter (and the public) may see of
    any time, so no answer moves at the second a staff member acted."""
    return iso[:10] if iso else None


def day_start(iso: str) -> str:
    """The UTC day's start of ``iso`` in the stored ISO form (``YYYY-MM-DDT00:00:00Z``)."""
    return f"{iso[:10]}T00:00:00Z"


# -- retention ---------------------------------------------------------------------------------


def purge_cutoff(now: datetime, retention_days: int, ahead_days: int = 0) -> datetime:
    """Reports closed (or rejected) before this instant are due for purge (``ahead_days`` later)."""
    return now - timedelta(days=retention_days) + timedelta(days=ahead_days)
