"""Sabilulungan app (`/sabilulungan`): hibah and bansos grants from proposal to LPJ (DOMAIN.md §2),
with public transparency routes under `/public/` (no token, cacheable, nothing personal).

Applicants (organisations) sign themselves up in the applicants' pool (role ``pemohon``); staff
act by role: TU (pegawai of the region's TU OPD), kepala-daerah, TAPD (also Tim Pertimbangan),
the technical OPD (pegawai of the OPD the head of region assigned at disposition), BPKAD; one
person never does two steps that must be independent (``rules/duties.py``). Individual bansos
recipients are entered by the responsible OPD (pegawai of a ``bansos_opds`` OPD). Thin adapter:
parse, check role, call :mod:`replika.sabilulungan.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Response

from replika.core import runtime
from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.errors import NotFound
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_modules
from replika.sabilulungan import models

if TYPE_CHECKING:
    from replika.sabilulungan.service import applicants, evaluation, grant, proposals, public, reports
else:  # loaded by the first request that needs them (cold start)
    applicants, evaluation, grant, proposals, public, reports = lazy_modules(
        "replika.sabilulungan.service", "applicants", "evaluation", "grant", "proposals", "public", "reports"
    )

api = Api.for_app("sabilulungan", title="replika Sabilulungan")
app = api.app

APPLICANT = (Role.PEMOHON,)
STAFF = (
    Role.PEGAWAI,
    Role.TAPD,
    Role.KEPALA_DAERAH,
    Role.BPKAD,
    Role.ADMIN,
    Role.INSPEKTORAT,
    Role.INSPEKTORAT_KEPALA,
)
OWNERS = (Role.PEMOHON, Role.PEGAWAI)  # organisations, and the OPD entering bansos for individuals
EVERYONE = (*STAFF, Role.PEMOHON)
MONITORS = (Role.TAPD, Role.KEPALA_DAERAH, Role.BPKAD, Role.ADMIN, Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA)
CACHE = {"Cache-Control": "public, max-age=300"}
EVALUATION = "Catatan evaluasi (staf): daftar periksa, kunjungan lapangan, revisi RAB dengan rinciannya"


def _year(text: str) -> int:
    if len(text) != 4 or not text.isascii() or not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise NotFound("Tahun anggaran tidak dikenal.")
    return int(text)


# -- applicants ---------------------------------------------------------------------------------


@api.route("/applicants/me", roles=APPLICANT)
def get_profile(ctx: Ctx) -> models.ProfileOut:
    """Profil lembaga pemohon"""
    return applicants.get_profile(ctx.user)


@api.route("/applicants/me", "PUT", roles=APPLICANT)
def put_profile(ctx: Ctx, body: models.ProfileIn) -> models.ProfileOut:
    """Isi/ubah profil lembaga (badan hukum, NPWP, alamat, pengurus, rekening)"""
    return applicants.put_profile(ctx.user, body, ctx.request_id)


# -- proposals ----------------------------------------------------------------------------------


@api.route("/proposals", "POST", roles=OWNERS, status=201, idempotent=True)
def create_proposal(ctx: Ctx, body: models.ProposalIn) -> models.ProposalOut:
    """Buat draf usulan (hibah: pemohon; bansos perorangan: OPD penanggung jawab)"""
    return proposals.create(ctx.user, body, ctx.request_id)


@api.route("/proposals/mine", roles=OWNERS)
def my_proposals(ctx: Ctx, query: models.PageIn) -> models.ProposalPage:
    """Usulan saya"""
    return reports.mine(ctx.user, query.limit, query.cursor)


@api.route("/queue", roles=STAFF)
def queue(ctx: Ctx, query: models.QueueQuery) -> models.ProposalPage:
    """Antrean per langkah"""
    return reports.queue(ctx.user, query)


@api.route("/proposals/{proposal_id}", roles=EVERYONE)
def get_proposal(ctx: Ctx, proposal_id: str) -> models.ProposalOut:
    """Satu usulan"""
    return proposals.get(ctx.user, proposal_id)


@api.route("/proposals/{proposal_id}", "PUT", roles=OWNERS)
def edit_proposal(ctx: Ctx, proposal_id: str, body: models.ProposalEdit) -> models.ProposalOut:
    """Ubah draf (sampai diajukan) atau usulan yang dikembalikan"""
    return proposals.edit(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/documents", "POST", roles=OWNERS, status=201)
def upload_document(ctx: Ctx, proposal_id: str, body: models.UploadIn) -> models.UploadOut:
    """Tautan unggah satu dokumen daftar periksa"""
    return proposals.upload_document(ctx.user, proposal_id, body)


@api.route("/proposals/{proposal_id}/submit", "POST", roles=OWNERS)
def submit_proposal(ctx: Ctx, proposal_id: str, body: models.VersionIn) -> models.ProposalOut:
    """Ajukan usulan: nomor publik diberikan"""
    return proposals.submit(ctx.user, proposal_id, body.version, ctx.request_id)


@api.route("/proposals/{proposal_id}/transition", "POST", roles=EVERYONE)
def transition(ctx: Ctx, proposal_id: str, body: models.TransitionIn) -> models.ProposalOut:
    """Langkah peninjauan: teruskan, kembalikan, tolak, ajukan ulang, LPJ, tarik, batalkan"""
    return proposals.act(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/disposition", "POST", roles=(Role.KEPALA_DAERAH,))
def disposition(ctx: Ctx, proposal_id: str, body: models.DispositionIn) -> models.ProposalOut:
    """Disposisi kepala daerah: menunjuk OPD teknis (pemohon hanya mengusulkan)"""
    return evaluation.dispose(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/site-visit", "POST", roles=(Role.PEGAWAI,))
def site_visit(ctx: Ctx, proposal_id: str, body: models.SiteVisitIn) -> models.ProposalOut:
    """OPD teknis mencatat berita acara kunjungan lapangan (nomor, tanggal)"""
    return evaluation.record_site_visit(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/site-visit/upload", "POST", roles=(Role.PEGAWAI,), status=201)
def site_visit_upload(ctx: Ctx, proposal_id: str, body: models.UploadIn) -> models.UploadOut:
    """Tautan unggah berita acara (berita-acara) atau foto kunjungan (foto)"""
    return evaluation.site_visit_upload(ctx.user, proposal_id, body)


@api.route("/proposals/{proposal_id}/evaluation", roles=STAFF, summary=EVALUATION)
def evaluation_record(ctx: Ctx, proposal_id: str) -> models.EvaluationOut:
    return evaluation.view(ctx.user, proposal_id)


@api.route("/proposals/{proposal_id}/matches", roles=(Role.PEGAWAI, Role.TAPD, Role.KEPALA_DAERAH))
def proposal_matches(ctx: Ctx, proposal_id: str) -> models.MatchesOut:
    """Penerima yang sama (lintas tahun dan OPD)"""
    return reports.matches(ctx.user, proposal_id)


@api.route("/proposals/{proposal_id}/recommendation", "POST", roles=(Role.PEGAWAI,))
def recommend(ctx: Ctx, proposal_id: str, body: models.RecommendationIn) -> models.ProposalOut:
    """Evaluasi OPD teknis: daftar periksa, koreksi RAB, nilai rekomendasi"""
    return evaluation.recommend(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/amount", "POST", roles=(Role.TAPD,))
def set_amount(ctx: Ctx, proposal_id: str, body: models.AmountIn) -> models.ProposalOut:
    """TAPD menetapkan nilai (dalam pagu tahun anggaran)"""
    return proposals.set_amount(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/approval", "POST", roles=(Role.KEPALA_DAERAH,))
def approve(ctx: Ctx, proposal_id: str, body: models.ApprovalIn) -> models.ProposalOut:
    """Persetujuan kepala daerah (pengecualian penerima berulang dengan alasan)"""
    return proposals.approve(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/nphd", "POST", roles=(Role.PEGAWAI, Role.BPKAD, Role.PEMOHON))
def nphd(ctx: Ctx, proposal_id: str) -> models.DownloadOut:
    """Buat NPHD (PDF) dan tautan unduhnya"""
    url, number = grant.generate_nphd(ctx.user, proposal_id)
    return models.DownloadOut(url=url, number=number)


@api.route("/proposals/{proposal_id}/nphd/upload", "POST", roles=(Role.PEGAWAI,), status=201)
def nphd_upload(ctx: Ctx, proposal_id: str, body: models.UploadIn) -> models.UploadOut:
    """Tautan unggah pindaian NPHD bertanda tangan"""
    return grant.upload_link(ctx.user, proposal_id, "nphd", body)


@api.route("/proposals/{proposal_id}/nphd/signed", "POST", roles=(Role.PEGAWAI,))
def nphd_signed(ctx: Ctx, proposal_id: str, body: models.VersionIn) -> models.ProposalOut:
    """NPHD ditandatangani (pindaian sudah diunggah)"""
    return grant.sign_nphd(ctx.user, proposal_id, body.version, ctx.request_id)


@api.route("/proposals/{proposal_id}/disbursement", "POST", roles=(Role.BPKAD,))
def disburse(ctx: Ctx, proposal_id: str, body: models.DisbursementIn) -> models.ProposalOut:
    """BPKAD mencatat pencairan (SP2D)"""
    return grant.disburse(ctx.user, proposal_id, body, ctx.request_id)


@api.route("/proposals/{proposal_id}/lpj/upload", "POST", roles=OWNERS, status=201)
def lpj_upload(ctx: Ctx, proposal_id: str, body: models.UploadIn) -> models.UploadOut:
    """Tautan unggah LPJ"""
    return grant.upload_link(ctx.user, proposal_id, "lpj", body)


@api.route("/proposals/{proposal_id}/lpj", "POST", roles=OWNERS)
def lpj_submit(ctx: Ctx, proposal_id: str, body: models.VersionIn) -> models.ProposalOut:
    """Serahkan LPJ"""
    return grant.submit_lpj(ctx.user, proposal_id, body.version, ctx.request_id)


# -- budget years, dashboard, export ------------------------------------------------------------


@api.route("/budgets/{year}", "PUT", roles=(Role.TAPD,))
def set_ceiling(ctx: Ctx, year: str, body: models.BudgetIn) -> models.BudgetOut:
    """TAPD menetapkan pagu tahun anggaran"""
    return reports.set_ceiling(ctx.user, _year(year), body.ceiling, ctx.request_id)


@api.route("/dashboard", roles=MONITORS)
def dashboard(ctx: Ctx, query: models.YearQuery) -> models.DashboardOut:
    """Dasbor tahun anggaran"""
    return reports.dashboard(query.year)


@api.route("/export", roles=MONITORS)
def export(ctx: Ctx, query: models.YearQuery) -> models.DownloadOut:
    """Ekspor XLSX untuk auditor"""
    return models.DownloadOut(url=reports.export_xlsx(query.year))


# -- public (no token, cacheable, nothing personal) ---------------------------------------------


@api.route("/public/proposals/{number}", public=True, response=models.PublicProposal)
def public_proposal(ctx: Ctx, number: str) -> Response:
    """Tahap usulan"""
    out = public.proposal(number)
    return Response(
        body=out.model_dump_json(), status_code=200, headers={"Content-Type": "application/json", **CACHE}
    )


@api.route(
    "/public/recipients",
    public=True,
    response=models.RecipientPage,
    also_returns=("text/csv",),
    redirects=(303,),
)
def public_recipients(ctx: Ctx, query: models.RecipientQuery) -> Response:
    """Penerima per tahun (JSON berhalaman; ?format=csv satu tahun penuh, 303 bila besar)"""
    if query.format == "csv":
        body, url = public.recipients_download(query.year)
        if url is not None:  # too large for a Lambda response: a link to the stored file
            return Response(body="", status_code=303, headers={"Location": url, **CACHE})
        return Response(
            body=body,
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                **CACHE,
                "Content-Disposition": f'attachment; filename="penerima-{query.year}.csv"',
            },
        )
    out = public.recipients(query.year, query.limit, query.cursor)
    return Response(
        body=out.model_dump_json(), status_code=200, headers={"Content-Type": "application/json", **CACHE}
    )


@api.route("/public/summary", public=True, response=models.SummaryOut)
def public_summary(ctx: Ctx) -> Response:
    """Tabel tahunan"""
    return Response(
        body=public.summary().model_dump_json(),
        status_code=200,
        headers={"Content-Type": "application/json", **CACHE},
    )


# -- schedule -----------------------------------------------------------------------------------


def _january(tz: str, day: int, hour: int, minute: int) -> str:
    """``hour:minute`` region time on ``day`` (2..31) January as a UTC cron (00:30 WIB on
    11 January is 10 January 17:30 UTC: still January)."""
    if day < 2:
        raise ValueError("1 January early in the morning is December in UTC")
    parts = local_time_to_utc_cron(tz, hour, minute, day_of_month=day)[5:-1].split()
    parts[3] = "1"
    return f"cron({' '.join(parts)})"


LPJ_CRON = _january(runtime.current().region.timezone, 11, 0, 30)
REMINDER_CRON = _january(runtime.current().region.timezone, 3, 8, 0)


@app.schedule(REMINDER_CRON, name="lpj_due_reminder", description="E-mail recipients whose LPJ falls due")
def lpj_due_reminder(event: Any) -> dict[str, Any]:
    return reports.remind_lpj_due().model_dump()


@app.schedule(LPJ_CRON, name="lpj_overdue", description="Mark overdue LPJs (11 January) and notify OPDs")
def lpj_overdue(event: Any) -> dict[str, Any]:
    return reports.mark_overdue(request_id=getattr(event, "event_id", None)).model_dump()
