"""Shared pieces of the use cases: the caller as an actor of the flow, visibility, the audited
commit of a proposal, notifications."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.transactions import TransactWrite

from replika.core import audit, runtime
from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig, SabilulunganPolicy
from replika.core.errors import NotFound
from replika.core.observability import get_logger
from replika.sabilulungan import keys
from replika.sabilulungan.rules import duties
from replika.sabilulungan.rules.flow import Action, Actor, State
from replika.sabilulungan.store import ProposalDoc, save_proposal
from replika.sabilulungan.tables import SabItem

_log = get_logger("sabilulungan")

#: Staff roles that see every proposal of the region.
REGION_WIDE = frozenset(
    {Role.TAPD, Role.KEPALA_DAERAH, Role.BPKAD, Role.ADMIN, Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA}
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def today() -> date:
    """Today's date in region time."""
    return datetime.now(UTC).astimezone(ZoneInfo(region().timezone)).date()


def stage_date(doc: ProposalDoc, state: Any) -> date | None:
    """The region date on which ``doc`` last entered ``state`` (``None`` if it never did)."""
    ats = [s.at for s in doc.stages if s.state == str(state)]
    if not ats:
        return None
    at = datetime.fromisoformat(ats[-1].replace("Z", "+00:00"))
    return at.astimezone(ZoneInfo(region().timezone)).date()


def region() -> RegionConfig:
    return runtime.current().region


def policy() -> SabilulunganPolicy:
    return region().sabilulungan


def owner_of(principal: Principal) -> str:
    return f"sub:{principal.subject}" if principal.applicant else f"opd:{principal.opd or '-'}"


def acts_as(principal: Principal, doc: ProposalDoc, actor: Actor) -> bool:
    """Whether the caller is ``actor`` for this proposal."""
    if actor is Actor.OWNER:
        return doc.owner == owner_of(principal) and (principal.applicant or principal.has_any({Role.PEGAWAI}))
    if principal.applicant:
        return False
    if actor is Actor.TU:
        return principal.has_any({Role.PEGAWAI}) and principal.opd == policy().tu_opd
    if actor is Actor.OPD:  # only once the head of region assigned it (the applicant only suggests)
        return doc.opd_assigned and principal.has_any({Role.PEGAWAI}) and principal.opd == doc.opd
    wanted = {Actor.TAPD: Role.TAPD, Actor.KEPALA_DAERAH: Role.KEPALA_DAERAH, Actor.BPKAD: Role.BPKAD}
    return actor in wanted and principal.has_any({wanted[actor]})


def actor_for(principal: Principal, doc: ProposalDoc, required: Actor | None) -> Actor:
    """The actor the caller is for the step (``required``), or an actor that the flow will refuse."""
    if required is not None and acts_as(principal, doc, required):
        return required
    return Actor.SYSTEM if required is not Actor.SYSTEM else Actor.OWNER


def person_of(principal: Principal) -> str:
    """One person across their roles and tokens: the NIP for staff, the account for applicants."""
    return f"nip:{principal.nip}" if principal.nip else f"sub:{principal.subject}"


def take_duty(principal: Principal, doc: ProposalDoc, state: State, action: Action) -> None:
    """Separation of duties: refuse (409) a step the caller may not do after their earlier steps
    on this proposal, and record the step on ``doc`` (written with it)."""
    duty = duties.duty_of(state, action)
    if duty is None:
        return
    person = person_of(principal)
    duties.check(duty, person, doc.acted)
    doc.acted = duties.record(duty, person, doc.acted)


def require_visible(principal: Principal, doc: ProposalDoc) -> None:
    """Owners, region-wide staff and the OPDs involved see a proposal; others get 404 (not 403: a
    proposal's existence is not disclosed)."""
    if doc.owner == owner_of(principal) and (principal.applicant or principal.has_any({Role.PEGAWAI})):
        return
    if not principal.applicant and (
        principal.has_any(REGION_WIDE)
        or (principal.has_any({Role.PEGAWAI}) and principal.opd == policy().tu_opd)
        or (principal.has_any({Role.PEGAWAI}) and doc.opd_assigned and principal.opd == doc.opd)
    ):
        return
    raise NotFound("Usulan tidak ditemukan.")


def stream(doc: ProposalDoc) -> str:
    return f"sabilulungan/opd/{doc.opd}"


#: What the audit keeps of a proposal: state, amounts and file keys, nothing personal.
AUDITED = frozenset(
    {
        "number",
        "state",
        "requested",
        "recommended",
        "set_amount",
        "approved",
        "disbursed",
        "nphd_signed_key",
        "lpj_key",
        "version",
    }
)


def audit_state(doc: ProposalDoc) -> dict[str, Any]:
    return doc.model_dump(mode="json", include=set(AUDITED))


def commit(
    doc: ProposalDoc,
    before: ProposalDoc | None,
    *,
    actor: str,
    action: str,
    request_id: str | None,
    extra: Callable[[TransactWrite], None] | None = None,
    note: dict[str, Any] | None = None,
) -> ProposalDoc:
    """Write ``doc`` (version + 1, conditional on the version read) with its derived items, any
    ``extra`` writes (budget) and the hash-chained audit record, in one transaction."""
    expected = before.version if before is not None else None
    doc.version = (expected or 0) + 1
    doc.changed_at = now_iso()

    def write(tx: TransactWrite) -> None:
        save_proposal(tx, doc, expected)
        if extra is not None:
            extra(tx)

    after = audit_state(doc) | (note or {})
    audit.write_with_audit(
        stream(doc),
        write,
        actor=actor,
        action=f"sabilulungan.{action}",
        subject=f"sabilulungan#{doc.id}",
        before=audit_state(before) if before is not None else None,
        after=after,
        request_id=request_id,
    )
    return doc


SUBJECTS = {
    "returned": "Usulan dikembalikan untuk dilengkapi",
    "rejected": "Usulan ditolak",
    "cancelled": "Hibah/bansos dibatalkan kepala daerah",
    "approved": "Usulan disetujui",
    "disbursed": "Dana hibah/bansos telah dicairkan",
    "lpj_overdue": "LPJ terlambat",
    "lpj_due": "LPJ jatuh tempo",
}


def notify(doc: ProposalDoc, event: str, text: str) -> None:
    """E-mail the applicant through SES from the region's sender identity, after the change is
    committed. The message is kept first as an outbox item ``MAIL#…`` on the proposal (``sent_at``
    and SES's message id once sent), so a failed send is visible and can be repeated; it never
    undoes the committed change nor fails the request. Proposals entered by an OPD (individual
    bansos) have no applicant address and are skipped."""
    if not doc.contact:
        return
    data = {
        "to": doc.contact,
        "subject": f"{SUBJECTS.get(event, event)}: {doc.number}",
        "body": f"{text}\n\n{region().name}: Sabilulungan (hibah dan bansos), usulan {doc.number}.",
        "event": event,
    }
    item = SabItem(
        keys.proposal_pk(doc.id), keys.mail_sk(now_iso(), uuid.uuid4().hex), kind="mail", data=data
    )
    item.save()
    sender = runtime.current().settings.sabilulungan_sender
    if not sender:
        return
    try:
        sent = (
            runtime.current()
            .client("ses")
            .send_email(
                Source=sender,
                Destination={"ToAddresses": [data["to"]]},
                Message={
                    "Subject": {"Data": data["subject"], "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": data["body"], "Charset": "UTF-8"}},
                },
            )
        )
    except (ClientError, BotoCoreError) as exc:  # kept unsent in the outbox; no address in logs
        _log.warning("sabilulungan mail not sent", extra={"event": event, "error": type(exc).__name__})
        return
    item.data = {**data, "sent_at": now_iso(), "message_id": sent["MessageId"]}
    item.save()
