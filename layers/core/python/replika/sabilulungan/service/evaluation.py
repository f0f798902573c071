"""From the head of region's disposition to the technical OPD's recommendation: the disposition
assigns the technical OPD (the applicant only suggests one); that OPD's staff record the site
visit (berita acara with photos, uploaded to S3), correct the RAB in numbered revisions and
recommend an amount only when the evaluation checklist holds (the matcher is re-run here)."""

from __future__ import annotations

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika.sabilulungan import store
from replika.sabilulungan.models import (
    DispositionIn,
    EvaluationOut,
    FileOut,
    ProposalOut,
    RecommendationIn,
    RevisionDetail,
    SiteVisitIn,
    SiteVisitOut,
    UploadIn,
    UploadOut,
)
from replika.sabilulungan.rules import amounts
from replika.sabilulungan.rules import evaluation as checklist_rule
from replika.sabilulungan.rules.flow import Action, Actor, State
from replika.sabilulungan.service import common
from replika.sabilulungan.service.common import commit, now_iso
from replika.sabilulungan.service.proposals import (
    check_version,
    checklist_out,
    rab_json,
    rab_out,
    rab_sum,
    step,
    to_out,
    upload,
)
from replika.sabilulungan.store import ProposalDoc

#: What the site visit takes: the berita acara (PDF or a scan) and photos (images only).
SITE_VISIT_FILES = {
    "berita-acara": frozenset({"application/pdf", "image/jpeg", "image/png"}),
    "foto": frozenset({"image/jpeg", "image/png"}),
}
MAX_PHOTOS = 20


def dispose(
    principal: Principal, proposal_id: str, body: DispositionIn, request_id: str | None
) -> ProposalOut:
    """The head of region's disposition: on to Tim Pertimbangan, with the technical OPD assigned."""
    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.DISPOSE, body.version)
    doc.opd = body.opd
    doc.opd_assigned = True
    doc.last_note = body.note or doc.last_note
    note = {"suggested_opd": before.suggested_opd, "assigned_opd": body.opd}
    return to_out(
        commit(doc, before, actor=principal.actor, action="disposed", request_id=request_id, note=note)
    )


def _evaluating(principal: Principal, proposal_id: str) -> ProposalDoc:
    """The proposal, if it is in evaluation and the caller is staff of its assigned OPD."""
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    if not common.acts_as(principal, doc, Actor.OPD):
        raise Forbidden("Kunjungan lapangan dicatat oleh OPD teknis yang ditunjuk.", code="not_your_step")
    if doc.state != State.EVALUATION.value:
        raise Conflict(
            "Kunjungan lapangan hanya dicatat selama evaluasi OPD teknis.",
            code="not_in_evaluation",
            details={"state": doc.state},
        )
    return doc


def record_site_visit(
    principal: Principal, proposal_id: str, body: SiteVisitIn, request_id: str | None
) -> ProposalOut:
    doc = _evaluating(principal, proposal_id)
    check_version(doc, body.version)
    if body.visited_on > common.today():
        raise BadRequest("Tanggal kunjungan tidak boleh melewati hari ini.", code="visit_in_future")
    before = doc.model_copy(deep=True)
    common.take_duty(principal, doc, State.EVALUATION, Action.RECOMMEND)  # part of the evaluation
    doc.site_visit = doc.site_visit.model_copy(
        update={"number": body.number, "visited_on": body.visited_on, "officer": principal.actor}
    )
    note = {"site_visit": body.number}
    return to_out(
        commit(doc, before, actor=principal.actor, action="site_visit", request_id=request_id, note=note)
    )


def site_visit_upload(principal: Principal, proposal_id: str, body: UploadIn) -> UploadOut:
    """Upload link for the berita acara (``berita-acara``) or one photo (``foto``)."""
    doc = _evaluating(principal, proposal_id)
    if body.code not in SITE_VISIT_FILES:
        raise NotFound("Berkas kunjungan lapangan: berita-acara atau foto.", code="unknown_document")
    if body.code == "foto" and len(doc.site_visit.photos) >= MAX_PHOTOS:
        raise Conflict(f"Paling banyak {MAX_PHOTOS} foto kunjungan.", code="too_many_photos")
    common.take_duty(principal, doc, State.EVALUATION, Action.RECOMMEND)

    def place(d: ProposalDoc, key: str) -> None:
        visit = d.site_visit
        if body.code == "foto":
            d.site_visit = visit.model_copy(update={"photos": [*visit.photos, key]})
        else:
            d.site_visit = visit.model_copy(update={"report_key": key})

    return upload(
        principal,
        doc,
        f"site-visit/{body.code}",
        body,
        place,
        action="site_visit_link",
        allowed=SITE_VISIT_FILES[body.code],
        note={"site_visit_file": body.code},
    )


def recommend(
    principal: Principal, proposal_id: str, body: RecommendationIn, request_id: str | None
) -> ProposalOut:
    """The recommendation: every checklist item must hold (409 ``checklist_incomplete`` listing
    the failed ones; the officer may return or reject instead). RAB corrections are kept as
    numbered revisions with their lines, reason, officer and time."""
    from replika.sabilulungan.service import reports

    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.RECOMMEND, body.version)
    at = now_iso()
    for rev in body.rab_revisions:
        doc.rab_original = doc.rab_original or doc.rab
        doc.rab = rab_json(rev.rab)
        number = len(doc.revisions) + 1
        revision = {"no": number, "reason": rev.reason, "rab_total": rab_sum(doc.rab), "at": at}
        doc.revisions = [*doc.revisions, {**revision, "by": principal.actor, "rab": doc.rab}]
    amounts.check_recommended(body.amount, doc.requested)
    if body.amount > rab_sum(doc.rab):
        raise Conflict("Nilai rekomendasi melebihi total RAB hasil koreksi.", code="recommended_exceeds_rab")
    blocking = [m.other.number or m.other.ref for m in reports.blocking_matches(doc)]  # re-run now
    visit = doc.site_visit
    failed = checklist_rule.failed_items(
        body.checklist.model_dump(),
        organisation=doc.owner.startswith("sub:"),
        report_uploaded=bool(visit.number and visit.report_key and storage.exists(visit.report_key)),
        photos_uploaded=sum(1 for k in visit.photos if storage.exists(k)),
        blocking_grants=blocking,
    )
    checklist_rule.require_complete(failed, blocking)
    doc.recommended = body.amount
    doc.evaluation = {**body.checklist.model_dump(), "blocking_at_evaluation": blocking}
    doc.last_note = body.note or doc.last_note
    note = {"checklist": doc.evaluation, "revisions": len(doc.revisions), "site_visit": visit.number}
    commit(doc, before, actor=principal.actor, action="recommended", request_id=request_id, note=note)
    return to_out(doc)


def _file(key: str) -> FileOut:
    return FileOut(key=key, url=storage.presign_download(key))


def view(principal: Principal, proposal_id: str) -> EvaluationOut:
    """Staff only (the route's roles): checklist, site visit with download links, RAB revisions."""
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    if principal.applicant:
        raise Forbidden()
    visit = doc.site_visit
    evaluation = doc.evaluation or {}
    return EvaluationOut(
        checklist=checklist_out(doc),
        blocking_at_evaluation=evaluation.get("blocking_at_evaluation"),
        site_visit=SiteVisitOut(
            number=visit.number,
            visited_on=visit.visited_on,
            officer=visit.officer,
            report=_file(visit.report_key) if visit.report_key else None,
            photos=[_file(k) for k in visit.photos],
        ),
        rab_submitted=rab_out(doc.rab_original or doc.rab),
        revisions=[
            RevisionDetail.model_validate({**r, "by": r.get("by"), "rab": rab_out(r.get("rab") or [])})
            for r in doc.revisions
        ],
    )
