"""The proposal's life: draft, documents, submission with a public number, each review step by its
role (with return and reject), the amounts, NPHD, disbursement and LPJ."""

from __future__ import annotations

import uuid
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
    DisbursementIn,
    DocumentOut,
    ProposalEdit,
    ProposalIn,
    ProposalOut,
    RecommendationIn,
    RevisionOut,
    StageOut,
    TransitionIn,
    UploadIn,
    UploadOut,
)
from replika.sabilulungan.rules import amounts, eligibility, lpj
from replika.sabilulungan.rules.amounts import RabLine
from replika.sabilulungan.rules.flow import (
    AFTER_EVALUATION,
    ALLOCATED,
    TABLE,
    UPLOAD_STATES,
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


def _rab_json(rab: list[Any]) -> list[dict[str, Any]]:
    return [line.model_dump() for line in rab]


def _rab_total(doc: ProposalDoc) -> int:
    return sum(int(r["quantity"]) * int(r["unit_price"]) for r in doc.rab)


def to_out(doc: ProposalDoc) -> ProposalOut:
    checklist = common.policy().document_checklist
    required = set(checklist[: common.policy().required_documents])
    return ProposalOut(
        id=doc.id,
        number=doc.number,
        kind=doc.kind,
        year=doc.year,
        opd=doc.opd,
        state=doc.state,
        returned_from=doc.returned_from,
        title=doc.title,
        purpose=doc.purpose,
        activity_plan=doc.activity_plan,
        applicant_name=doc.applicant_name,
        rab=[{**r, "total": int(r["quantity"]) * int(r["unit_price"])} for r in doc.rab],
        rab_total=_rab_total(doc),
        requested=doc.requested,
        recommended=doc.recommended,
        set_amount=doc.set_amount,
        approved=doc.approved,
        disbursed=doc.disbursed,
        sp2d_number=doc.sp2d_number,
        lpj_due=doc.lpj_due,
        last_note=doc.last_note,
        documents=[
            DocumentOut(code=c, required=c in required, uploaded=c in doc.documents) for c in checklist
        ],
        revisions=[RevisionOut.model_validate(r) for r in doc.revisions],
        evaluation=doc.evaluation,
        override_reason=doc.override_reason,
        stages=[StageOut(state=s.state, at=s.at) for s in doc.stages],
        version=doc.version,
    )


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
        p = found[0]
        bank = p["bank_account"]
        return {
            "applicant_name": p["name"],
            "public_name": p["name"],
            "kelurahan": p["address"]["kelurahan"],
            "kecamatan": p["address"]["kecamatan"],
            "contact": p.get("email"),
            "match_name": normal_name(p["name"]),
            "match_address": normal_address(
                " ".join([p["address"]["street"], p["address"]["kelurahan"], p["address"]["kecamatan"]])
            ),
            "digests": {
                k: v
                for k, v in {
                    "legal_body": identity.digest("legal_body", p.get("legal_body_number")),
                    "npwp": identity.digest("npwp", p.get("npwp")),
                    "bank_account": identity.digest("bank_account", bank["bank"] + bank["number"]),
                }.items()
                if v
            },
        }
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
        "match_name": normal_name(ind.name),
        "match_address": normal_address(
            " ".join([ind.address.street, ind.address.kelurahan, ind.address.kecamatan])
        ),
        "digests": {"nik": identity.digest("nik", ind.nik) or ""},
    }


def create(principal: Principal, body: ProposalIn, request_id: str | None) -> ProposalOut:
    amounts.check_requested(body.requested, amounts.rab_total(_lines(body.rab)))
    at = now_iso()
    doc = ProposalDoc(
        id=uuid.uuid4().hex,
        kind=body.kind,
        year=body.year,
        opd=body.opd,
        owner=common.owner_of(principal),
        title=body.title,
        purpose=body.purpose,
        activity_plan=body.activity_plan,
        rab=_rab_json(body.rab),
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


def _check_version(doc: ProposalDoc, version: int) -> None:
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
            ("opd", doc.opd, body.opd),
            ("title", doc.title, body.title),
            ("purpose", doc.purpose, body.purpose),
            ("activity_plan", doc.activity_plan, body.activity_plan),
            ("requested", doc.requested, body.requested),
            ("rab", _rab_key(doc.rab), _rab_key(_rab_json(body.rab))),
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
    _check_version(doc, body.version)
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
    doc = doc.model_copy(
        update={
            "opd": body.opd if doc.state == State.DRAFT.value else doc.opd,
            "title": body.title,
            "purpose": body.purpose,
            "activity_plan": body.activity_plan,
            "rab": _rab_json(body.rab),
            "requested": body.requested,
            **_who(principal, body),
        }
    )
    return to_out(commit(doc, before, actor=principal.actor, action="draft_edited", request_id=request_id))


def upload_document(principal: Principal, proposal_id: str, body: UploadIn) -> UploadOut:
    doc = _load_owned(principal, proposal_id)
    if body.code not in common.policy().document_checklist:
        raise NotFound("Kode dokumen tidak ada dalam daftar periksa daerah.", code="unknown_document")
    if doc.state not in (State.DRAFT.value, State.RETURNED.value):
        raise Conflict("Dokumen hanya dapat diunggah selama draf atau dikembalikan.", code="not_editable")
    post = storage.presign_upload(
        key_prefix=f"sabilulungan/{doc.id}/{body.code}",
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=MAX_UPLOAD,
        allowed_types=PDF_OR_IMAGE,
        size=body.size,
    )
    before = doc.model_copy(deep=True)
    doc.documents = {**doc.documents, body.code: post["key"]}
    commit(
        doc,
        before,
        actor=principal.actor,
        action="document_link",
        request_id=None,
        note={"document": body.code},
    )
    return UploadOut(url=post["url"], fields=post["fields"], key=post["key"], expires_in=post["expires_in"])


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


def _refuse_overdue(doc: ProposalDoc) -> None:
    """Overdue recipients stay ineligible until they report: at approval and disbursement too."""
    if _has_overdue(doc):
        raise Conflict(
            "Penerima memiliki LPJ hibah/bansos yang terlambat; tidak dapat diproses sampai LPJ diserahkan.",
            code="overdue_lpj",
        )


def submit(principal: Principal, proposal_id: str, version: int, request_id: str | None) -> ProposalOut:
    doc = _load_owned(principal, proposal_id)
    _check_version(doc, version)
    transition(State(doc.state), Actor.OWNER, Action.SUBMIT)  # only a draft
    missing = _missing_documents(doc)
    if missing:
        raise Conflict("Dokumen wajib belum lengkap.", code="documents_missing", details={"missing": missing})
    reg = common.region()
    profile = store.get_profile(principal.subject)[0] if principal.applicant else {}  # type: ignore[index]
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
    before = doc.model_copy(deep=True)
    doc.number = keys.public_number(doc.kind, doc.year, store.next_number(doc.kind, doc.year))
    doc.state = State.SUBMITTED.value
    doc.stages = [*doc.stages, Stage(state=doc.state, at=now_iso())]
    return to_out(commit(doc, before, actor=principal.actor, action="submitted", request_id=request_id))


def get(principal: Principal, proposal_id: str) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    return to_out(doc)


def _step(
    principal: Principal, doc: ProposalDoc, action: Action, version: int, reason: str = ""
) -> tuple[ProposalDoc, ProposalDoc]:
    """Check the caller's step and version; return (before, after) with the state moved."""
    common.require_visible(principal, doc)
    _check_version(doc, version)
    entry = TABLE.get((State(doc.state), action))
    actor = common.actor_for(principal, doc, entry[0] if entry else None)
    step = transition(
        State(doc.state),
        actor,
        action,
        returned_from=State(doc.returned_from) if doc.returned_from else None,
        reason=reason,
    )
    before = doc.model_copy(deep=True)
    doc.state = step.after.value
    doc.returned_from = step.returned_from.value if step.returned_from else None
    if reason:
        doc.last_note = reason
    doc.stages = [*doc.stages, Stage(state=doc.state, at=now_iso())]
    return before, doc


def act(principal: Principal, proposal_id: str, body: TransitionIn, request_id: str | None) -> ProposalOut:
    """forward / dispose / consider / return / reject / resubmit / verify_lpj / return_lpj."""
    doc = store.get_proposal(proposal_id)
    action = Action(body.action)
    before, doc = _step(principal, doc, action, body.version, body.reason)
    extra = None
    if action is Action.REJECT and before.state in {s.value for s in ALLOCATED} and before.set_amount:
        amount = before.set_amount
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
    if action in (Action.RETURN, Action.REJECT, Action.RETURN_LPJ):
        notify(doc, "returned" if action is not Action.REJECT else "rejected", body.reason)
    return to_out(doc)


def recommend(
    principal: Principal, proposal_id: str, body: RecommendationIn, request_id: str | None
) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = _step(principal, doc, Action.RECOMMEND, body.version)
    at = now_iso()
    for rev in body.rab_revisions:
        doc.rab = _rab_json(rev.rab)
        doc.revisions = [
            *doc.revisions,
            {"no": len(doc.revisions) + 1, "reason": rev.reason, "rab_total": _rab_total(doc), "at": at},
        ]
    amounts.check_recommended(body.amount, doc.requested)
    if body.amount > _rab_total(doc):
        raise Conflict("Nilai rekomendasi melebihi total RAB hasil koreksi.", code="recommended_exceeds_rab")
    doc.recommended = body.amount
    doc.evaluation = body.checklist.model_dump()
    doc.last_note = body.note or doc.last_note
    commit(
        doc,
        before,
        actor=principal.actor,
        action="recommended",
        request_id=request_id,
        note={"checklist": doc.evaluation, "revisions": len(doc.revisions)},
    )
    return to_out(doc)


def set_amount(principal: Principal, proposal_id: str, body: AmountIn, request_id: str | None) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = _step(principal, doc, Action.SET_AMOUNT, body.version)
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
    before, doc = _step(principal, doc, Action.APPROVE, body.version)
    _refuse_overdue(before)
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


def generate_nphd(principal: Principal, proposal_id: str) -> tuple[str, str]:
    """The NPHD PDF (stored under sabilulungan/<id>/nphd/): returns (download URL, NPHD number)."""
    from replika.sabilulungan import nphd

    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    if doc.state not in (State.APPROVED.value, State.NPHD_SIGNED.value):
        raise Conflict("NPHD dibuat setelah usulan disetujui kepala daerah.", code="not_approved")
    number = f"NPHD/{doc.number}"
    reg = common.region()
    # the SP2D falls within the budget year, so the deadline is known before the disbursement
    due = lpj.due_after_sp2d(date(doc.year, 1, 1), reg.sabilulungan.lpj_due_month_day)
    pdf = nphd.render(doc, region_name=reg.name, nphd_number=number, lpj_due=due)
    key = f"sabilulungan/{doc.id}/nphd/{number.replace('/', '-')}.pdf"
    storage.put_bytes(key, pdf, "application/pdf")
    return storage.presign_download(key, filename=f"{number.replace('/', '-')}.pdf"), number


def upload_link(principal: Principal, proposal_id: str, what: str, body: UploadIn) -> UploadOut:
    """Upload link for the signed NPHD scan (technical OPD) or the LPJ (owner)."""
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    if what == "nphd" and not common.acts_as(principal, doc, Actor.OPD):
        raise Forbidden("NPHD bertanda tangan diunggah oleh OPD teknis.", code="not_your_step")
    if what == "lpj" and not common.acts_as(principal, doc, Actor.OWNER):
        raise Forbidden("LPJ diunggah oleh penerima.", code="not_owner")
    if State(doc.state) not in UPLOAD_STATES[what]:  # never replaced once signed / submitted / verified
        raise Conflict(
            "NPHD bertanda tangan hanya dapat diunggah selama usulan disetujui dan belum ditandatangani."
            if what == "nphd"
            else "LPJ hanya dapat diunggah setelah dana dicairkan dan sebelum LPJ diserahkan.",
            code="upload_not_allowed",
            details={"state": doc.state, "allowed": sorted(s.value for s in UPLOAD_STATES[what])},
        )
    post = storage.presign_upload(
        key_prefix=f"sabilulungan/{doc.id}/{what}",
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=MAX_UPLOAD,
        allowed_types=PDF_OR_IMAGE,
        size=body.size,
    )
    before = doc.model_copy(deep=True)
    if what == "nphd":
        doc.nphd_signed_key = post["key"]
    else:
        doc.lpj_key = post["key"]
    commit(doc, before, actor=principal.actor, action=f"{what}_link", request_id=None)
    return UploadOut(url=post["url"], fields=post["fields"], key=post["key"], expires_in=post["expires_in"])


def sign_nphd(principal: Principal, proposal_id: str, version: int, request_id: str | None) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = _step(principal, doc, Action.SIGN_NPHD, version)
    if not doc.nphd_signed_key or not storage.exists(doc.nphd_signed_key):
        raise Conflict("Unggah dulu pindaian NPHD yang sudah ditandatangani.", code="nphd_scan_missing")
    doc.nphd_number = f"NPHD/{doc.number}"
    return to_out(commit(doc, before, actor=principal.actor, action="nphd_signed", request_id=request_id))


def disburse(
    principal: Principal, proposal_id: str, body: DisbursementIn, request_id: str | None
) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = _step(principal, doc, Action.DISBURSE, body.version)
    _refuse_overdue(before)
    amounts.check_disbursed(body.amount, doc.approved or 0)
    reg = common.region()
    lpj.check_sp2d_date(
        body.sp2d_date,
        today=common.today(),
        approved_on=common.stage_date(before, State.APPROVED),
        year=doc.year,
    )
    now = datetime.now(UTC)
    doc.disbursed = body.amount
    doc.sp2d_number = body.sp2d_number
    doc.sp2d_date = body.sp2d_date
    doc.disbursed_at = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    doc.lpj_due = lpj.due_after_sp2d(body.sp2d_date, reg.sabilulungan.lpj_due_month_day)
    commit(
        doc,
        before,
        actor=principal.actor,
        action="disbursed",
        request_id=request_id,
        extra=lambda tx: store.add_to_budget(tx, doc.year, disbursed=body.amount, recipients_paid=1),
        note={"sp2d_number": body.sp2d_number, "sp2d_date": body.sp2d_date.isoformat()},
    )
    notify(doc, "disbursed", f"Dana dicairkan (SP2D {body.sp2d_number}); LPJ paling lambat {doc.lpj_due}.")
    return to_out(doc)


def submit_lpj(principal: Principal, proposal_id: str, version: int, request_id: str | None) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = _step(principal, doc, Action.SUBMIT_LPJ, version)
    if not doc.lpj_key or not storage.exists(doc.lpj_key):
        raise Conflict("Unggah dulu berkas LPJ.", code="lpj_missing")
    return to_out(commit(doc, before, actor=principal.actor, action="lpj_submitted", request_id=request_id))


def require_staff(principal: Principal) -> None:
    if principal.applicant or not principal.has_any({*common.REGION_WIDE, Role.PEGAWAI}):
        raise Forbidden()
