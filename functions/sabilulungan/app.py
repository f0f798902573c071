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

from chalice.app import Chalice, Response

from replika.core import runtime
from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.errors import NotFound
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_module
from replika.sabilulungan.models import (
    AmountIn,
    ApprovalIn,
    BudgetIn,
    BudgetOut,
    DashboardOut,
    DisbursementIn,
    DispositionIn,
    DownloadOut,
    EvaluationOut,
    MatchesOut,
    PageIn,
    ProfileIn,
    ProfileOut,
    ProposalEdit,
    ProposalIn,
    ProposalOut,
    ProposalPage,
    PublicProposal,
    QueueQuery,
    RecipientPage,
    RecipientQuery,
    RecommendationIn,
    SiteVisitIn,
    SummaryOut,
    TransitionIn,
    UploadIn,
    UploadOut,
    VersionIn,
    YearQuery,
)

if TYPE_CHECKING:
    from replika.sabilulungan.service import applicants, evaluation, grant, proposals, public, reports
else:  # loaded by the first request that needs them (cold start)
    applicants = lazy_module("replika.sabilulungan.service.applicants")
    evaluation = lazy_module("replika.sabilulungan.service.evaluation")
    grant = lazy_module("replika.sabilulungan.service.grant")
    proposals = lazy_module("replika.sabilulungan.service.proposals")
    public = lazy_module("replika.sabilulungan.service.public")
    reports = lazy_module("replika.sabilulungan.service.reports")

runtime.init("sabilulungan")  # validates the environment against the manifest: fails here, loudly
app = Chalice(app_name="replika-sabilulungan")
api = Api(app, title="replika Sabilulungan", base_path="/sabilulungan")

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


@api.route("/applicants/me", roles=APPLICANT, response=ProfileOut, summary="Profil lembaga pemohon")
def get_profile(ctx: Ctx) -> ProfileOut:
    return applicants.get_profile(ctx.user)


@api.route(
    "/applicants/me",
    "PUT",
    roles=APPLICANT,
    body=ProfileIn,
    response=ProfileOut,
    summary="Isi/ubah profil lembaga (badan hukum, NPWP, alamat, pengurus, rekening)",
)
def put_profile(ctx: Ctx, body: ProfileIn) -> ProfileOut:
    return applicants.put_profile(ctx.user, body, ctx.request_id)


# -- proposals ----------------------------------------------------------------------------------


@api.route(
    "/proposals",
    "POST",
    roles=OWNERS,
    body=ProposalIn,
    response=ProposalOut,
    status=201,
    summary="Buat draf usulan (hibah: pemohon; bansos perorangan: OPD penanggung jawab)",
    idempotent=True,
)
def create_proposal(ctx: Ctx, body: ProposalIn) -> ProposalOut:
    return proposals.create(ctx.user, body, ctx.request_id)


@api.route("/proposals/mine", roles=OWNERS, query=PageIn, response=ProposalPage, summary="Usulan saya")
def my_proposals(ctx: Ctx, query: PageIn) -> ProposalPage:
    return reports.mine(ctx.user, query.limit, query.cursor)


@api.route("/queue", roles=STAFF, query=QueueQuery, response=ProposalPage, summary="Antrean per langkah")
def queue(ctx: Ctx, query: QueueQuery) -> ProposalPage:
    return reports.queue(ctx.user, query)


@api.route("/proposals/{proposal_id}", roles=EVERYONE, response=ProposalOut, summary="Satu usulan")
def get_proposal(ctx: Ctx, proposal_id: str) -> ProposalOut:
    return proposals.get(ctx.user, proposal_id)


@api.route(
    "/proposals/{proposal_id}",
    "PUT",
    roles=OWNERS,
    body=ProposalEdit,
    response=ProposalOut,
    summary="Ubah draf (sampai diajukan) atau usulan yang dikembalikan",
)
def edit_proposal(ctx: Ctx, proposal_id: str, body: ProposalEdit) -> ProposalOut:
    return proposals.edit(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/documents",
    "POST",
    roles=OWNERS,
    body=UploadIn,
    response=UploadOut,
    status=201,
    summary="Tautan unggah satu dokumen daftar periksa",
)
def upload_document(ctx: Ctx, proposal_id: str, body: UploadIn) -> UploadOut:
    return proposals.upload_document(ctx.user, proposal_id, body)


@api.route(
    "/proposals/{proposal_id}/submit",
    "POST",
    roles=OWNERS,
    body=VersionIn,
    response=ProposalOut,
    summary="Ajukan usulan: nomor publik diberikan",
)
def submit_proposal(ctx: Ctx, proposal_id: str, body: VersionIn) -> ProposalOut:
    return proposals.submit(ctx.user, proposal_id, body.version, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/transition",
    "POST",
    roles=EVERYONE,
    body=TransitionIn,
    response=ProposalOut,
    summary="Langkah peninjauan: teruskan, kembalikan, tolak, ajukan ulang, LPJ, tarik, batalkan",
)
def transition(ctx: Ctx, proposal_id: str, body: TransitionIn) -> ProposalOut:
    return proposals.act(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/disposition",
    "POST",
    roles=(Role.KEPALA_DAERAH,),
    body=DispositionIn,
    response=ProposalOut,
    summary="Disposisi kepala daerah: menunjuk OPD teknis (pemohon hanya mengusulkan)",
)
def disposition(ctx: Ctx, proposal_id: str, body: DispositionIn) -> ProposalOut:
    return evaluation.dispose(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/site-visit",
    "POST",
    roles=(Role.PEGAWAI,),
    body=SiteVisitIn,
    response=ProposalOut,
    summary="OPD teknis mencatat berita acara kunjungan lapangan (nomor, tanggal)",
)
def site_visit(ctx: Ctx, proposal_id: str, body: SiteVisitIn) -> ProposalOut:
    return evaluation.record_site_visit(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/site-visit/upload",
    "POST",
    roles=(Role.PEGAWAI,),
    body=UploadIn,
    response=UploadOut,
    status=201,
    summary="Tautan unggah berita acara (berita-acara) atau foto kunjungan (foto)",
)
def site_visit_upload(ctx: Ctx, proposal_id: str, body: UploadIn) -> UploadOut:
    return evaluation.site_visit_upload(ctx.user, proposal_id, body)


@api.route("/proposals/{proposal_id}/evaluation", roles=STAFF, response=EvaluationOut, summary=EVALUATION)
def evaluation_record(ctx: Ctx, proposal_id: str) -> EvaluationOut:
    return evaluation.view(ctx.user, proposal_id)


@api.route(
    "/proposals/{proposal_id}/matches",
    roles=(Role.PEGAWAI, Role.TAPD, Role.KEPALA_DAERAH),
    response=MatchesOut,
    summary="Penerima yang sama (lintas tahun dan OPD)",
)
def proposal_matches(ctx: Ctx, proposal_id: str) -> MatchesOut:
    return reports.matches(ctx.user, proposal_id)


@api.route(
    "/proposals/{proposal_id}/recommendation",
    "POST",
    roles=(Role.PEGAWAI,),
    body=RecommendationIn,
    response=ProposalOut,
    summary="Evaluasi OPD teknis: daftar periksa, koreksi RAB, nilai rekomendasi",
)
def recommend(ctx: Ctx, proposal_id: str, body: RecommendationIn) -> ProposalOut:
    return evaluation.recommend(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/amount",
    "POST",
    roles=(Role.TAPD,),
    body=AmountIn,
    response=ProposalOut,
    summary="TAPD menetapkan nilai (dalam pagu tahun anggaran)",
)
def set_amount(ctx: Ctx, proposal_id: str, body: AmountIn) -> ProposalOut:
    return proposals.set_amount(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/approval",
    "POST",
    roles=(Role.KEPALA_DAERAH,),
    body=ApprovalIn,
    response=ProposalOut,
    summary="Persetujuan kepala daerah (pengecualian penerima berulang dengan alasan)",
)
def approve(ctx: Ctx, proposal_id: str, body: ApprovalIn) -> ProposalOut:
    return proposals.approve(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/nphd",
    "POST",
    roles=(Role.PEGAWAI, Role.BPKAD, Role.PEMOHON),
    response=DownloadOut,
    summary="Buat NPHD (PDF) dan tautan unduhnya",
)
def nphd(ctx: Ctx, proposal_id: str) -> DownloadOut:
    url, number = grant.generate_nphd(ctx.user, proposal_id)
    return DownloadOut(url=url, number=number)


@api.route(
    "/proposals/{proposal_id}/nphd/upload",
    "POST",
    roles=(Role.PEGAWAI,),
    body=UploadIn,
    response=UploadOut,
    status=201,
    summary="Tautan unggah pindaian NPHD bertanda tangan",
)
def nphd_upload(ctx: Ctx, proposal_id: str, body: UploadIn) -> UploadOut:
    return grant.upload_link(ctx.user, proposal_id, "nphd", body)


@api.route(
    "/proposals/{proposal_id}/nphd/signed",
    "POST",
    roles=(Role.PEGAWAI,),
    body=VersionIn,
    response=ProposalOut,
    summary="NPHD ditandatangani (pindaian sudah diunggah)",
)
def nphd_signed(ctx: Ctx, proposal_id: str, body: VersionIn) -> ProposalOut:
    return grant.sign_nphd(ctx.user, proposal_id, body.version, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/disbursement",
    "POST",
    roles=(Role.BPKAD,),
    body=DisbursementIn,
    response=ProposalOut,
    summary="BPKAD mencatat pencairan (SP2D)",
)
def disburse(ctx: Ctx, proposal_id: str, body: DisbursementIn) -> ProposalOut:
    return grant.disburse(ctx.user, proposal_id, body, ctx.request_id)


@api.route(
    "/proposals/{proposal_id}/lpj/upload",
    "POST",
    roles=OWNERS,
    body=UploadIn,
    response=UploadOut,
    status=201,
    summary="Tautan unggah LPJ",
)
def lpj_upload(ctx: Ctx, proposal_id: str, body: UploadIn) -> UploadOut:
    return grant.upload_link(ctx.user, proposal_id, "lpj", body)


@api.route(
    "/proposals/{proposal_id}/lpj",
    "POST",
    roles=OWNERS,
    body=VersionIn,
    response=ProposalOut,
    summary="Serahkan LPJ",
)
def lpj_submit(ctx: Ctx, proposal_id: str, body: VersionIn) -> ProposalOut:
    return grant.submit_lpj(ctx.user, proposal_id, body.version, ctx.request_id)


# -- budget years, dashboard, export ------------------------------------------------------------


@api.route(
    "/budgets/{year}",
    "PUT",
    roles=(Role.TAPD,),
    body=BudgetIn,
    response=BudgetOut,
    summary="TAPD menetapkan pagu tahun anggaran",
)
def set_ceiling(ctx: Ctx, year: str, body: BudgetIn) -> BudgetOut:
    return reports.set_ceiling(ctx.user, _year(year), body.ceiling, ctx.request_id)


@api.route(
    "/dashboard", roles=MONITORS, query=YearQuery, response=DashboardOut, summary="Dasbor tahun anggaran"
)
def dashboard(ctx: Ctx, query: YearQuery) -> DashboardOut:
    return reports.dashboard(query.year)


@api.route(
    "/export", roles=MONITORS, query=YearQuery, response=DownloadOut, summary="Ekspor XLSX untuk auditor"
)
def export(ctx: Ctx, query: YearQuery) -> DownloadOut:
    return DownloadOut(url=reports.export_xlsx(query.year))


# -- public (no token, cacheable, nothing personal) ---------------------------------------------


@api.route("/public/proposals/{number}", public=True, response=PublicProposal, summary="Tahap usulan")
def public_proposal(ctx: Ctx, number: str) -> Response:
    out = public.proposal(number)
    return Response(
        body=out.model_dump_json(), status_code=200, headers={"Content-Type": "application/json", **CACHE}
    )


@api.route(
    "/public/recipients",
    public=True,
    query=RecipientQuery,
    response=RecipientPage,
    also_returns=("text/csv",),
    redirects=(303,),
    summary="Penerima per tahun (JSON berhalaman; ?format=csv satu tahun penuh, 303 bila besar)",
)
def public_recipients(ctx: Ctx, query: RecipientQuery) -> Response:
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


@api.route("/public/summary", public=True, response=SummaryOut, summary="Tabel tahunan")
def public_summary(ctx: Ctx) -> Response:
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
