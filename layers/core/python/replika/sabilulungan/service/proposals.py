"""The proposal's life: draft, documents, submission with a public number, each review step by its
role (with return and reject), the amounts, NPHD, disbursement and LPJ."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from replika.core import storage
from replika.core.auth import Principal, Role
from replika.core.errors import Conflict, Forbidden, NotFound
from replika.sabilulungan import identity, keys, store
from replika.sabilulungan.models import (
    AmountIn,
    ApprovalIn,
    DocumentOut,
    EvaluationChecklist,
    ProposalEdit,
    ProposalIn,
    ProposalOut,
    RevisionOut,
    StageOut,
    TransitionIn,
    UploadIn,
    UploadOut,
)
from replika.sabilulungan.rules import amounts, eligibility
from replika.sabilulungan.rules.amounts import RabLine
from replika.sabilulungan.rules.duties import Duty
from replika.sabilulungan.rules.flow import (
    AFTER_EVALUATION,
    ALLOCATED,
    FINAL,
    TABLE,
    Action,
    Actor,
    State,
    transition,
)
from replika.sabilulungan.rules.matcher import normal_address, normal_name
from replika.sabilulungan.service import common
from replika.sabilulungan.service.common import commit, notify, now_iso
from replika.sabilulungan.store import ProposalDoc, Stage

PDF_OR_IMAGE = frozenset({"application/pdf", "image/jpeg", "image/png"})
MAX_UPLOAD = 20 * 1024 * 1024


def _lines(rab: list[Any]) -> list[RabLine]:
    return [RabLine(r.description, r.quantity, r.unit, r.unit_price) for r in rab]


def rab_json(rab: list[Any]) -> list[dict[str, Any]]:
    return [line.model_dump() for line in rab]


def rab_sum(rab: list[dict[str, Any]]) -> int:
    return sum(int(r["quantity"]) * int(r["unit_price"]) for r in rab)


#: what :func:`to_out` builds itself; every other field is the stored one
_BUILT = frozenset({"rab", "rab_total", "documents", "revisions", "evaluation", "stages"})


def rab_out(rab: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "total": int(r["quantity"]) * int(r["unit_price"])} for r in rab]


def checklist_out(doc: ProposalDoc) -> EvaluationChecklist | None:
    """The evaluation's checklist items (the stored evaluation also keeps what the matcher found)."""
    if not doc.evaluation:
        return None
    return EvaluationChecklist.model_validate(
        {k: doc.evaluation[k] for k in EvaluationChecklist.model_fields}
    )


def to_out(doc: ProposalDoc) -> ProposalOut:
    checklist = common.policy().document_checklist
    required = set(checklist[: common.policy().required_documents])
    return ProposalOut(
        **doc.model_dump(include=set(ProposalOut.model_fields) - _BUILT),
        rab=rab_out(doc.rab),
        rab_total=rab_sum(doc.rab),
        documents=[
            DocumentOut(code=c, required=c in required, uploaded=c in doc.documents) for c in checklist
        ],
        revisions=[RevisionOut.model_validate(r) for r in doc.revisions],
        evaluation=checklist_out(doc),
        stages=[StageOut(state=s.state, at=s.at) for s in doc.stages],
    )


def applicant_identity(p: dict[str, Any]) -> dict[str, Any]:
    """The recipient's identity from an applicant's profile: names, kelurahan, match keys."""
    address = p["address"]
    return {
        "applicant_name": p["name"],
        "public_name": p["name"],
        "kelurahan": address["kelurahan"],
        "kecamatan": address["kecamatan"],
        "contact": p.get("email"),
        **match_keys(
            p["name"],
            address,
            [
                ("legal_body", p.get("legal_body_number")),
                ("npwp", p.get("npwp")),
                # the account number alone: the bank's name ("BJB", "Bank BJB") is no part of it
                ("bank_account", p["bank_account"]["number"]),
            ],
        ),
    }


def match_keys(
    name: str, address: dict[str, Any], identifiers: list[tuple[str, str | None]]
) -> dict[str, Any]:
    digests = {kind: d for kind, value in identifiers if (d := identity.digest(kind, value))}
    street = " ".join([address["street"], address["kelurahan"], address["kecamatan"]])
    return {"match_name": normal_name(name), "match_address": normal_address(street), "digests": digests}


MATCH_FIELDS = ("match_name", "match_address", "digests")


def with_identity(doc: ProposalDoc, who: dict[str, Any]) -> ProposalDoc:
    """``doc`` carrying ``who``; digests it carried before stay in ``digest_history`` (matched)."""
    history = {k: list(v) for k, v in doc.digest_history.items()}
    for kind, old in doc.digests.items():
        if old and who.get("digests", {}).get(kind) != old and old not in history.get(kind, []):
            history[kind] = [*history.get(kind, []), old][-10:]
    return doc.model_copy(update={**who, "digest_history": history})


def refresh_match_keys(principal: Principal, profile: dict[str, Any], request_id: str | None) -> list[str]:
    """A changed profile reaches the match keys of the owner's proposals that are not final (the
    earlier digests stay matched, :func:`with_identity`); returns the ids changed. A proposal that
    moves meanwhile (version race) is skipped: its resubmission or submission recomputes them."""
    now = {k: v for k, v in applicant_identity(profile).items() if k in MATCH_FIELDS}
    changed = []
    for doc in store.owned_all(common.owner_of(principal)):
        if State(doc.state) in FINAL or all(getattr(doc, k) == now[k] for k in MATCH_FIELDS):
            continue
        before = doc.model_copy(deep=True)
        try:
            commit(
                with_identity(doc, now),
                before,
                actor=principal.actor,
                action="identity_refreshed",
                request_id=request_id,
            )
        except TransactWriteError:
            continue
        changed.append(doc.id)
    return changed


def _who(principal: Principal, body: ProposalIn) -> dict[str, Any]:
    """The recipient's identity: the applicant's profile (hibah), or the individual an OPD enters."""
    pol = common.policy()
    if principal.applicant:
        if body.individual is not None or body.kind != "hibah":
            raise Forbidden(
                "Pemohon mandiri hanya mengajukan hibah untuk lembaganya.", code="applicant_hibah_only"
            )
        found = store.get_profile(principal.subject)
        if found is None:
            raise Conflict("Lengkapi profil lembaga sebelum membuat usulan.", code="no_profile")
        return applicant_identity(found[0])
    if principal.opd not in pol.bansos_opds or body.individual is None or body.kind != "bansos":
        raise Forbidden(
            "Usulan bansos perorangan dientri oleh OPD penanggung jawab (mis. Dinas Sosial).",
            code="bansos_opd_only",
            details={"bansos_opds": pol.bansos_opds},
        )
    ind = body.individual
    return {
        "applicant_name": ind.name,
        "public_name": identity.initials(ind.name),
        "kelurahan": ind.address.kelurahan,
        "kecamatan": ind.address.kecamatan,
        "private": {"address": ind.address.model_dump()},
        **match_keys(ind.name, ind.address.model_dump(), [("nik", ind.nik)]),
    }


def create(principal: Principal, body: ProposalIn, request_id: str | None) -> ProposalOut:
    amounts.check_requested(body.requested, amounts.rab_total(_lines(body.rab)))
    at = now_iso()
    doc = ProposalDoc(
        id=uuid.uuid4().hex,
        kind=body.kind,
        year=body.year,
        opd=body.opd,  # the applicant's suggestion: the head of region assigns it at disposition
        suggested_opd=body.opd,
        acted={Duty.ENTRY.value: [common.person_of(principal)]},
        owner=common.owner_of(principal),
        title=body.title,
        purpose=body.purpose,
        activity_plan=body.activity_plan,
        rab=rab_json(body.rab),
        requested=body.requested,
        stages=[Stage(state=State.DRAFT.value, at=at)],
        created_at=at,
        changed_at=at,
        **_who(principal, body),
    )
    return to_out(commit(doc, None, actor=principal.actor, action="draft_created", request_id=request_id))


def _load_owned(principal: Principal, proposal_id: str) -> ProposalDoc:
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    if not common.acts_as(principal, doc, Actor.OWNER):
        raise Forbidden("Hanya pengusul yang dapat mengubah usulan ini.", code="not_owner")
    return doc


def check_version(doc: ProposalDoc, version: int) -> None:
    if doc.version != version:
        raise Conflict(
            "Usulan telah berubah; muat ulang lalu coba lagi.",
            code="version_mismatch",
            details={"expected": doc.version, "got": version},
        )


def _rab_key(rab: list[dict[str, Any]]) -> list[tuple[str, int, str, int]]:
    return [(str(r["description"]), int(r["quantity"]), str(r["unit"]), int(r["unit_price"])) for r in rab]


def _changed_content(principal: Principal, doc: ProposalDoc, body: ProposalEdit) -> list[str]:
    """The evaluated fields ``body`` would change (the identity is never re-read from the profile)."""
    changed = [
        name
        for name, old, new in (
            ("opd", doc.suggested_opd or doc.opd, body.opd),
            ("title", doc.title, body.title),
            ("purpose", doc.purpose, body.purpose),
            ("activity_plan", doc.activity_plan, body.activity_plan),
            ("requested", doc.requested, body.requested),
            ("rab", _rab_key(doc.rab), _rab_key(rab_json(body.rab))),
        )
        if old != new
    ]
    if body.individual is not None:
        who = _who(principal, body)
        if (who["applicant_name"], who["digests"], who.get("private", {})) != (
            doc.applicant_name,
            doc.digests,
            doc.private,
        ):
            changed.append("individual")
    return changed


def edit(principal: Principal, proposal_id: str, body: ProposalEdit, request_id: str | None) -> ProposalOut:
    doc = _load_owned(principal, proposal_id)
    check_version(doc, body.version)
    if doc.state not in (State.DRAFT.value, State.RETURNED.value):
        raise Conflict("Usulan hanya dapat diubah selama draf atau dikembalikan.", code="not_editable")
    if body.kind != doc.kind or body.year != doc.year:
        raise Conflict("Jenis dan tahun anggaran tidak dapat diubah.", code="not_editable")
    if doc.returned_from and State(doc.returned_from) in AFTER_EVALUATION:
        # returned after the technical evaluation: the amounts were decided on this content, so
        # only documents may change (the resubmission comes back to the same later step)
        changed = _changed_content(principal, doc, body)
        if changed:
            raise Conflict(
                "Usulan yang dikembalikan setelah evaluasi OPD teknis hanya dapat dilengkapi "
                "dokumennya; RAB, nilai yang diminta, tujuan, rencana kegiatan dan identitas "
                "penerima tidak dapat diubah.",
                code="content_frozen",
                details={"fields": changed, "returned_from": doc.returned_from},
            )
        return to_out(doc)
    amounts.check_requested(body.requested, amounts.rab_total(_lines(body.rab)))
    before = doc.model_copy(deep=True)
    draft = doc.state == State.DRAFT.value
    doc = with_identity(doc, _who(principal, body)).model_copy(
        update={
            "opd": body.opd if draft else doc.opd,
            "suggested_opd": body.opd if draft else doc.suggested_opd,
            "title": body.title,
            "purpose": body.purpose,
            "activity_plan": body.activity_plan,
            "rab": rab_json(body.rab),
            "requested": body.requested,
        }
    )
    return to_out(commit(doc, before, actor=principal.actor, action="draft_edited", request_id=request_id))


def upload(
    principal: Principal,
    doc: ProposalDoc,
    folder: str,
    body: UploadIn,
    place: Callable[[ProposalDoc, str], None],
    *,
    action: str,
    allowed: frozenset[str] = PDF_OR_IMAGE,
    note: dict[str, Any] | None = None,
) -> UploadOut:
    """A presigned POST under ``sabilulungan/<id>/<folder>/`` and its key placed on the proposal by
    ``place`` (audited: the key is where the file must be; the upload itself goes to S3)."""
    post = storage.presign_upload(
        key_prefix=f"sabilulungan/{doc.id}/{folder}",
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=MAX_UPLOAD,
        allowed_types=allowed,
        size=body.size,
    )
    before = doc.model_copy(deep=True)
    place(doc, post["key"])
    commit(doc, before, actor=principal.actor, action=action, request_id=None, note=note)
    return UploadOut(url=post["url"], fields=post["fields"], key=post["key"], expires_in=post["expires_in"])


def upload_document(principal: Principal, proposal_id: str, body: UploadIn) -> UploadOut:
    doc = _load_owned(principal, proposal_id)
    if body.code not in common.policy().document_checklist:
        raise NotFound("Kode dokumen tidak ada dalam daftar periksa daerah.", code="unknown_document")
    if doc.state not in (State.DRAFT.value, State.RETURNED.value):
        raise Conflict("Dokumen hanya dapat diunggah selama draf atau dikembalikan.", code="not_editable")

    def place(d: ProposalDoc, key: str) -> None:
        d.documents = {**d.documents, body.code: key}

    return upload(
        principal, doc, body.code, body, place, action="document_link", note={"document": body.code}
    )


def _missing_documents(doc: ProposalDoc) -> list[str]:
    pol = common.policy()
    required = pol.document_checklist[: pol.required_documents]
    return [c for c in required if c not in doc.documents or not storage.exists(doc.documents[c])]


def _has_overdue(doc: ProposalDoc) -> bool:
    from replika.sabilulungan.service import reports

    # an organisation's own account (an OPD's "owner" spans unrelated individuals: identifiers only)
    if doc.owner.startswith("sub:") and any(
        d.state == State.LPJ_OVERDUE.value for d in store.owned_all(doc.owner)
    ):
        return True
    return any(m.other.state == State.LPJ_OVERDUE.value for m in reports.matches_of(doc, exact_only=True))


def refuse_overdue(doc: ProposalDoc) -> None:
    """Overdue recipients stay ineligible until they report: at approval and disbursement too."""
    if _has_overdue(doc):
        raise Conflict(
            "Penerima memiliki LPJ hibah/bansos yang terlambat; tidak dapat diproses sampai LPJ diserahkan.",
            code="overdue_lpj",
        )


def submit(principal: Principal, proposal_id: str, version: int, request_id: str | None) -> ProposalOut:
    doc = _load_owned(principal, proposal_id)
    check_version(doc, version)
    transition(State(doc.state), Actor.OWNER, Action.SUBMIT)  # only a draft
    missing = _missing_documents(doc)
    if missing:
        raise Conflict("Dokumen wajib belum lengkap.", code="documents_missing", details={"missing": missing})
    reg = common.region()
    profile = store.get_profile(principal.subject)[0] if principal.applicant else {}  # type: ignore[index]
    before = doc.model_copy(deep=True)
    if principal.applicant:  # the identity as it is now (the profile may have changed since the draft)
        doc = with_identity(doc, applicant_identity(profile))
    registered = profile.get("registered_on")
    eligibility.require_eligible(
        eligibility.Applicant(
            legal_body_number=profile.get("legal_body_number"),
            region_code=(profile.get("address") or {}).get("region_code"),
            registered_on=date.fromisoformat(registered) if registered else None,
            has_overdue_lpj=_has_overdue(doc),
        ),
        policy=reg.sabilulungan,
        region_kode=reg.kode,
        today=datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo(reg.timezone)).date(),
        individual=doc.kind == "bansos" and not principal.applicant,
    )
    common.take_duty(principal, doc, State.DRAFT, Action.SUBMIT)
    doc.number = keys.public_number(doc.kind, doc.year, store.next_number(doc.kind, doc.year))
    doc.state = State.SUBMITTED.value
    doc.stages = [*doc.stages, Stage(state=doc.state, at=now_iso())]
    return to_out(commit(doc, before, actor=principal.actor, action="submitted", request_id=request_id))


def get(principal: Principal, proposal_id: str) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    return to_out(doc)


def step(
    principal: Principal, doc: ProposalDoc, action: Action, version: int, reason: str = ""
) -> tuple[ProposalDoc, ProposalDoc]:
    """Check the caller's step and version; return (before, after) with the state moved."""
    common.require_visible(principal, doc)
    check_version(doc, version)
    entry = TABLE.get((State(doc.state), action))
    actor = common.actor_for(principal, doc, entry[0] if entry else None)
    moved = transition(
        State(doc.state),
        actor,
        action,
        returned_from=State(doc.returned_from) if doc.returned_from else None,
        reason=reason,
    )
    before = doc.model_copy(deep=True)
    common.take_duty(principal, doc, State(before.state), action)
    if action is Action.RESUBMIT and principal.applicant:  # the identity as it is now
        found = store.get_profile(principal.subject)
        doc = with_identity(doc, applicant_identity(found[0])) if found else doc
    doc.state = moved.after.value
    doc.returned_from = moved.returned_from.value if moved.returned_from else None
    if reason:
        doc.last_note = reason
    doc.stages = [*doc.stages, Stage(state=doc.state, at=now_iso())]
    return before, doc


def act(principal: Principal, proposal_id: str, body: TransitionIn, request_id: str | None) -> ProposalOut:
    """forward / consider / return / reject / resubmit / verify_lpj / return_lpj / withdraw
    (owner, before approval) / cancel (head of region, approved and not disbursed). A proposal
    leaving the year's allocation (rejected in the candidate list, withdrawn, cancelled) releases
    its amount in the same transaction."""
    doc = store.get_proposal(proposal_id)
    action = Action(body.action)
    before, doc = step(principal, doc, action, body.version, body.reason)
    extra = None
    releasing = action in (Action.REJECT, Action.WITHDRAW, Action.CANCEL)
    if releasing and before.state in {s.value for s in ALLOCATED} and before.set_amount:
        amount = before.approved or before.set_amount
        extra = lambda tx: store.add_to_budget(tx, doc.year, allocated=-amount)  # noqa: E731 - release
    if action is Action.VERIFY_LPJ:
        extra = lambda tx: store.add_to_budget(tx, doc.year, recipients_reported=1)  # noqa: E731
    commit(
        doc,
        before,
        actor=principal.actor,
        action=action.value,
        request_id=request_id,
        extra=extra,
        note={"reason": body.reason} if body.reason else None,
    )
    if action in (Action.RETURN, Action.REJECT, Action.RETURN_LPJ, Action.CANCEL):
        event = {Action.REJECT: "rejected", Action.CANCEL: "cancelled"}.get(action, "returned")
        notify(doc, event, body.reason)
    return to_out(doc)


def set_amount(principal: Principal, proposal_id: str, body: AmountIn, request_id: str | None) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.SET_AMOUNT, body.version)
    amounts.check_set(body.amount, doc.recommended or 0, doc.requested, body.reason)
    item = store.budget(doc.year)
    ceiling = int(item.ceiling) if item is not None and item.ceiling is not None else None
    allocated = int(item.allocated or 0) if item is not None else 0
    amounts.check_ceiling(doc.year, ceiling, allocated, body.amount)
    doc.set_amount = body.amount
    doc.set_reason = body.reason or None
    assert ceiling is not None
    try:
        commit(
            doc,
            before,
            actor=principal.actor,
            action="amount_set",
            request_id=request_id,
            extra=lambda tx: store.allocate(tx, doc.year, ceiling, body.amount),
            note={"reason": body.reason, "ceiling": ceiling},
        )
    except TransactWriteError:
        now = store.budget(doc.year)
        now_alloc = int(now.allocated or 0) if now is not None else 0
        now_ceiling = int(now.ceiling) if now is not None and now.ceiling is not None else None
        amounts.check_ceiling(doc.year, now_ceiling, now_alloc, body.amount)  # the clear 409
        raise
    return to_out(doc)


def approve(principal: Principal, proposal_id: str, body: ApprovalIn, request_id: str | None) -> ProposalOut:
    from replika.sabilulungan.service import reports

    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.APPROVE, body.version)
    refuse_overdue(before)
    blocking = reports.blocking_matches(before)
    if blocking and len(body.override_reason.strip()) < amounts.MIN_REASON:
        raise Conflict(
            "Penerima yang sama telah menerima hibah/bansos pada tahun anggaran yang dibatasi; "
            "persetujuan memerlukan alasan pengecualian dari kepala daerah.",
            code="duplicate_recipient",
            details={"matches": [m.other.number or m.other.ref for m in blocking]},
        )
    if doc.set_amount is None:
        raise Conflict("Nilai belum ditetapkan TAPD.", code="amount_not_set")
    # the amounts still hold on what is approved (nothing may have moved since TAPD set it)
    amounts.check_recommended(doc.recommended or 0, doc.requested)
    amounts.check_set(doc.set_amount, doc.recommended or 0, doc.requested, doc.set_reason)
    doc.approved = doc.set_amount
    doc.override_reason = body.override_reason or None if blocking else None
    commit(
        doc,
        before,
        actor=principal.actor,
        action="approved",
        request_id=request_id,
        note={"override_reason": doc.override_reason, "blocking": [m.other.ref for m in blocking]}
        if blocking
        else None,
    )
    notify(doc, "approved", f"Disetujui sebesar Rp {doc.approved:,}".replace(",", "."))
    return to_out(doc)


def require_staff(principal: Principal) -> None:
    if principal.applicant or not principal.has_any({*common.REGION_WIDE, Role.PEGAWAI}):
        raise Forbidden()
