"""After the head of region's approval: the grant agreement (NPHD), the disbursement (BPKAD,
SP2D) and the accountability report (LPJ)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import Conflict, Forbidden
from replika.sabilulungan import store
from replika.sabilulungan.models import DisbursementIn, ProposalOut, UploadIn, UploadOut
from replika.sabilulungan.rules import amounts, lpj
from replika.sabilulungan.rules.flow import UPLOAD_STATES, Action, Actor, State
from replika.sabilulungan.service import common
from replika.sabilulungan.service.common import commit, notify
from replika.sabilulungan.service.proposals import refuse_overdue, step, to_out, upload
from replika.sabilulungan.store import ProposalDoc


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

    def place(d: ProposalDoc, key: str) -> None:
        setattr(d, "nphd_signed_key" if what == "nphd" else "lpj_key", key)

    return upload(principal, doc, what, body, place, action=f"{what}_link")


def sign_nphd(principal: Principal, proposal_id: str, version: int, request_id: str | None) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.SIGN_NPHD, version)
    if not doc.nphd_signed_key or not storage.exists(doc.nphd_signed_key):
        raise Conflict("Unggah dulu pindaian NPHD yang sudah ditandatangani.", code="nphd_scan_missing")
    doc.nphd_number = f"NPHD/{doc.number}"
    return to_out(commit(doc, before, actor=principal.actor, action="nphd_signed", request_id=request_id))


def disburse(
    principal: Principal, proposal_id: str, body: DisbursementIn, request_id: str | None
) -> ProposalOut:
    doc = store.get_proposal(proposal_id)
    before, doc = step(principal, doc, Action.DISBURSE, body.version)
    refuse_overdue(before)
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
    before, doc = step(principal, doc, Action.SUBMIT_LPJ, version)
    if not doc.lpj_key or not storage.exists(doc.lpj_key):
        raise Conflict("Unggah dulu berkas LPJ.", code="lpj_missing")
    return to_out(commit(doc, before, actor=principal.actor, action="lpj_submitted", request_id=request_id))
