"""e-SAKIP app (`/sakip`): the performance cascade, quarterly realisation, attainment, performance
agreements, the LKE evaluation, the E-RK link and the public summary (DOMAIN.md §4).

Thin adapter: check the path, check the role, call the use case in :mod:`replika.sakip`. Who may do
what beyond the role (an OPD's own data, the OPD head) is the use cases' (``replika.sakip.common``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Response

from replika.core import runtime
from replika.core.auth import Role
from replika.core.http import Api, Ctx, json_response
from replika.core.lazy import lazy_module
from replika.core.pagination import PageQuery
from replika.sakip import common, xlsx_example
from replika.sakip.lke_models import (
    AnswerIn,
    EvaluationList,
    EvaluationOut,
    EvidenceLinkIn,
    ReviewIn,
    VersionIn,
)
from replika.sakip.models import (
    AgreementList,
    AgreementOut,
    DeleteQuery,
    ErkLinkDelete,
    ErkLinkIn,
    ErkLinkList,
    ErkLinkOut,
    EvidenceUploadIn,
    ExportQuery,
    ImportQuery,
    ImportSummary,
    LinkOut,
    MyWorkOut,
    MyWorkQuery,
    NodeIn,
    NodeOut,
    NodePage,
    NodeQuery,
    NodeRealisationOut,
    NodeUpdate,
    OpdAttainmentOut,
    OwnerQuery,
    PeriodIn,
    PeriodList,
    PeriodOut,
    PublicSummaryOut,
    QuartersOut,
    RealisationIn,
    RefreshIn,
    RefreshOut,
    RegionAttainmentOut,
    ReopenIn,
    ReopeningList,
    ReopeningOut,
    ReportQuery,
    RevisionPage,
    RollupOut,
    RollupQuery,
    SignedUploadIn,
    SignIn,
    SummaryQuery,
    UploadOut,
    YearQuery,
)
from replika.sakip.paths import path as _path
from replika.sakip.paths import quarter as _quarter
from replika.sakip.paths import year as _year

if TYPE_CHECKING:
    from replika.sakip import (
        agreement,
        attainment,
        cascade,
        cascade_xlsx,
        erk,
        lke,
        public,
        realisation,
        reports,
    )
else:  # loaded by the first request that needs them (cold start)
    agreement = lazy_module("replika.sakip.agreement")
    attainment = lazy_module("replika.sakip.attainment")
    cascade = lazy_module("replika.sakip.cascade")
    cascade_xlsx = lazy_module("replika.sakip.cascade_xlsx")
    erk = lazy_module("replika.sakip.erk")
    lke = lazy_module("replika.sakip.lke")
    public = lazy_module("replika.sakip.public")
    realisation = lazy_module("replika.sakip.realisation")
    reports = lazy_module("replika.sakip.reports")

runtime.init("sakip")  # validates the environment against the manifest: fails here, loudly
app = Chalice(app_name="replika-sakip")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
app.api.binary_types.append(XLSX)
api = Api(app, title="replika e-SAKIP", base_path="/sakip")

BAPPEDA = (Role.BAPPEDA,)
PLANNERS = common.PLANNERS
READERS = common.READERS
ASSESSORS = common.ASSESSORS
EVALUATOR = (Role.INSPEKTORAT,)
TEAM_LEAD = (Role.INSPEKTORAT_KEPALA,)
#: Nightly E-RK roll-up at 02:30 region time (WIB when packaging without a region config).
try:
    ROLLUP_CRON = common.calendar().local_time_to_utc_cron(2, 30)
except (OSError, ValueError):
    from replika.core.calendar import local_time_to_utc_cron

    ROLLUP_CRON = local_time_to_utc_cron("Asia/Jakarta", 2, 30)


# -- planning periods and the cascade -------------------------------------------------------------
@api.route("/periods", roles=READERS, response=PeriodList, summary="Periode perencanaan (RPJMD)")
def list_periods(ctx: Ctx) -> PeriodList:
    return cascade.list_periods()


@api.route(
    "/periods", "POST", roles=BAPPEDA, body=PeriodIn, response=PeriodOut, status=201, summary="Buat periode"
)
def create_period(ctx: Ctx, body: PeriodIn) -> PeriodOut:
    return cascade.create_period(ctx.user, body)


@api.route(
    "/cascade/{period}/nodes", roles=READERS, query=NodeQuery, response=NodePage, summary="Node kaskade"
)
def list_nodes(ctx: Ctx, period: str, query: NodeQuery) -> NodePage:
    return cascade.list_nodes(ctx.user, _path("period", period), query)


@api.route(
    "/cascade/{period}/nodes",
    "POST",
    roles=PLANNERS,
    body=NodeIn,
    response=NodeOut,
    status=201,
    summary="Tambah node (Bappeda: tingkat daerah; OPD: tingkat OPD-nya)",
)
def create_node(ctx: Ctx, period: str, body: NodeIn) -> NodeOut:
    return cascade.create_node(ctx.user, _path("period", period), body, ctx.request_id)


@api.route("/cascade/{period}/nodes/{code}", roles=READERS, response=NodeOut, summary="Satu node")
def get_node(ctx: Ctx, period: str, code: str) -> NodeOut:
    return cascade.get_node(ctx.user, _path("period", period), _path("code", code))


@api.route(
    "/cascade/{period}/nodes/{code}",
    "PUT",
    roles=PLANNERS,
    body=NodeUpdate,
    response=NodeOut,
    summary="Ubah node (versi; revisi setelah PK memerlukan alasan)",
)
def update_node(ctx: Ctx, period: str, code: str, body: NodeUpdate) -> NodeOut:
    return cascade.update_node(ctx.user, _path("period", period), _path("code", code), body, ctx.request_id)


@api.route(
    "/cascade/{period}/nodes/{code}",
    "DELETE",
    roles=PLANNERS,
    query=DeleteQuery,
    status=204,
    summary="Hapus node tanpa turunan dan realisasi",
)
def delete_node(ctx: Ctx, period: str, code: str, query: DeleteQuery) -> None:
    cascade.delete_node(
        ctx.user, _path("period", period), _path("code", code), query.version, query.reason, ctx.request_id
    )


@api.route(
    "/cascade/{period}/nodes/{code}/revisions",
    roles=READERS,
    query=PageQuery,
    response=RevisionPage,
    summary="Riwayat versi node",
)
def node_revisions(ctx: Ctx, period: str, code: str, query: PageQuery) -> RevisionPage:
    return cascade.revisions(
        ctx.user, _path("period", period), _path("code", code), query.limit, query.cursor
    )


@api.route(
    "/cascade/{period}/export",
    roles=READERS,
    query=ExportQuery,
    response=LinkOut,
    summary="Ekspor kaskade (XLSX)",
)
def export_cascade(ctx: Ctx, period: str, query: ExportQuery) -> LinkOut:
    return cascade_xlsx.export(ctx.user, _path("period", period), query.opd)


@api.route(
    "/cascade/{period}/import",
    "POST",
    roles=BAPPEDA,
    query=ImportQuery,
    response=ImportSummary,
    raw_body=(XLSX,),
    raw_example=xlsx_example.import_example(),
    summary="Impor kaskade (XLSX; semua baris sah atau tidak ada yang disimpan)",
)
def import_cascade(ctx: Ctx, period: str, query: ImportQuery) -> ImportSummary:
    return cascade_xlsx.import_xlsx(
        ctx.user,
        _path("period", period),
        ctx.raw_body,
        dry_run=query.dry_run,
        reason=query.reason,
        request_id=ctx.request_id,
    )


# -- realisation ----------------------------------------------------------------------------------
@api.route(
    "/quarters/{year}", roles=READERS, query=OwnerQuery, response=QuartersOut, summary="Jendela triwulan"
)
def quarters(ctx: Ctx, year: str, query: OwnerQuery) -> QuartersOut:
    return realisation.quarters_status(ctx.user, _year(year), query.owner)


@api.route(
    "/quarters/{year}/{quarter}/reopen",
    "POST",
    roles=BAPPEDA,
    body=ReopenIn,
    response=ReopeningOut,
    status=201,
    summary="Buka kembali triwulan yang sudah ditutup (tercatat di audit)",
)
def reopen_quarter(ctx: Ctx, year: str, quarter: str, body: ReopenIn) -> ReopeningOut:
    return realisation.reopen(ctx.user, _year(year), _quarter(quarter), body, ctx.request_id)


@api.route(
    "/quarters/{year}/{quarter}/reopenings",
    roles=BAPPEDA,
    response=ReopeningList,
    summary="Pembukaan kembali",
)
def list_reopenings(ctx: Ctx, year: str, quarter: str) -> ReopeningList:
    return realisation.reopenings(_year(year), _quarter(quarter))


@api.route(
    "/realisation/{year}/{code}",
    roles=READERS,
    response=NodeRealisationOut,
    summary="Realisasi dan capaian node",
)
def get_realisation(ctx: Ctx, year: str, code: str) -> NodeRealisationOut:
    return realisation.node_realisation(ctx.user, _year(year), _path("code", code))


@api.route(
    "/realisation/{year}/{code}/{quarter}",
    "PUT",
    roles=PLANNERS,
    body=RealisationIn,
    response=NodeRealisationOut,
    summary="Isi realisasi triwulan (dalam jendela, atau saat dibuka kembali)",
)
def put_realisation(ctx: Ctx, year: str, code: str, quarter: str, body: RealisationIn) -> NodeRealisationOut:
    return realisation.put_quarter(
        ctx.user, _year(year), _path("code", code), _quarter(quarter), body, ctx.request_id
    )


@api.route(
    "/evidence/{owner}/upload",
    "POST",
    roles=PLANNERS,
    body=EvidenceUploadIn,
    response=UploadOut,
    summary="Tautan unggah bukti realisasi (PDF, JPEG, PNG; maks. 10 MB)",
)
def evidence_upload(ctx: Ctx, owner: str, body: EvidenceUploadIn) -> UploadOut:
    return realisation.evidence_upload(ctx.user, _path("owner", owner), body)


# -- attainment -----------------------------------------------------------------------------------
@api.route(
    "/attainment/{year}/opds/{opd}",
    roles=READERS,
    query=YearQuery,
    response=OpdAttainmentOut,
    summary="Capaian kinerja OPD (IKU, kaskade, anggaran)",
)
def opd_attainment(ctx: Ctx, year: str, opd: str, query: YearQuery) -> OpdAttainmentOut:
    return attainment.opd_attainment(ctx.user, _year(year), _path("owner", opd), query.quarter or 4)


@api.route(
    "/attainment/{year}/region",
    roles=READERS,
    query=YearQuery,
    response=RegionAttainmentOut,
    summary="Capaian IKU daerah dan peringkat OPD",
)
def region_attainment(ctx: Ctx, year: str, query: YearQuery) -> RegionAttainmentOut:
    return attainment.region_attainment(ctx.user, _year(year), query.quarter or 4)


# -- performance agreements -----------------------------------------------------------------------
@api.route(
    "/agreements/{year}/{owner}",
    "POST",
    roles=PLANNERS,
    response=AgreementOut,
    status=201,
    summary="Susun (ulang) draf perjanjian kinerja dan PDF-nya",
)
def draft_agreement(ctx: Ctx, year: str, owner: str) -> AgreementOut:
    return agreement.draft(ctx.user, _year(year), _path("owner", owner), ctx.request_id)


@api.route("/agreements/{year}", roles=READERS, response=AgreementList, summary="Perjanjian kinerja setahun")
def list_agreements(ctx: Ctx, year: str) -> AgreementList:
    return agreement.list_year(ctx.user, _year(year))


@api.route("/agreements/{year}/{owner}", roles=READERS, response=AgreementOut, summary="Perjanjian kinerja")
def get_agreement(ctx: Ctx, year: str, owner: str) -> AgreementOut:
    return agreement.get(ctx.user, _year(year), _path("owner", owner))


@api.route("/agreements/{year}/{owner}/pdf", roles=READERS, response=LinkOut, summary="Unduh PK (PDF)")
def agreement_pdf(ctx: Ctx, year: str, owner: str) -> LinkOut:
    return agreement.pdf_link(ctx.user, _year(year), _path("owner", owner))


@api.route(
    "/agreements/{year}/{owner}/signed-upload",
    "POST",
    roles=PLANNERS,
    body=SignedUploadIn,
    response=UploadOut,
    summary="Tautan unggah pindaian PK bertanda tangan (kepala OPD atau Bappeda)",
)
def agreement_signed_upload(ctx: Ctx, year: str, owner: str, body: SignedUploadIn) -> UploadOut:
    return agreement.signed_upload(ctx.user, _year(year), _path("owner", owner), body)


@api.route(
    "/agreements/{year}/{owner}/sign",
    "POST",
    roles=PLANNERS,
    body=SignIn,
    response=AgreementOut,
    summary="Catat PK bertanda tangan (setelahnya perubahan adalah revisi)",
)
def sign_agreement(ctx: Ctx, year: str, owner: str, body: SignIn) -> AgreementOut:
    return agreement.sign(ctx.user, _year(year), _path("owner", owner), body, ctx.request_id)


# -- reports --------------------------------------------------------------------------------------
@api.route(
    "/reports/lkjip/{year}",
    roles=READERS,
    query=ReportQuery,
    response=LinkOut,
    summary="LKjIP (XLSX atau PDF)",
)
def lkjip(ctx: Ctx, year: str, query: ReportQuery) -> LinkOut:
    return reports.lkjip(ctx.user, _year(year), query.opd, query.format)


# -- LKE ------------------------------------------------------------------------------------------
@api.route(
    "/lke/{year}/{subject}",
    "POST",
    roles=TEAM_LEAD,
    response=EvaluationOut,
    status=201,
    summary="Buka evaluasi LKE (ketua tim)",
)
def open_evaluation(ctx: Ctx, year: str, subject: str) -> EvaluationOut:
    return lke.open_evaluation(ctx.user, _year(year), _path("owner", subject), ctx.request_id)


@api.route("/lke/{year}", roles=READERS, response=EvaluationList, summary="Evaluasi LKE setahun")
def list_evaluations(ctx: Ctx, year: str) -> EvaluationList:
    return lke.list_year(ctx.user, _year(year))


@api.route(
    "/lke/{year}/{subject}", roles=READERS, response=EvaluationOut, summary="Evaluasi LKE: nilai dan celah"
)
def get_evaluation(ctx: Ctx, year: str, subject: str) -> EvaluationOut:
    return lke.evaluation(ctx.user, _year(year), _path("owner", subject))


@api.route("/lke-history/{subject}", roles=READERS, response=EvaluationList, summary="Riwayat nilai LKE")
def evaluation_history(ctx: Ctx, subject: str) -> EvaluationList:
    return lke.history(ctx.user, _path("owner", subject))


def _criterion_args(year: str, subject: str, criterion: str) -> tuple[int, str, str]:
    return _year(year), _path("owner", subject), _path("criterion", criterion)


@api.route(
    "/lke/{year}/{subject}/criteria/{criterion}/proposal",
    "PUT",
    roles=EVALUATOR,
    body=AnswerIn,
    response=EvaluationOut,
    summary="Usulan jawaban (evaluator)",
)
def propose_answer(ctx: Ctx, year: str, subject: str, criterion: str, body: AnswerIn) -> EvaluationOut:
    return lke.answer(ctx.user, *_criterion_args(year, subject, criterion), body, "proposal", ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/criteria/{criterion}/final",
    "PUT",
    roles=TEAM_LEAD,
    body=AnswerIn,
    response=EvaluationOut,
    summary="Jawaban akhir (ketua tim)",
)
def final_answer(ctx: Ctx, year: str, subject: str, criterion: str, body: AnswerIn) -> EvaluationOut:
    return lke.answer(ctx.user, *_criterion_args(year, subject, criterion), body, "final", ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/criteria/{criterion}/evidence",
    "POST",
    roles=READERS,
    body=EvidenceLinkIn,
    response=EvaluationOut,
    status=201,
    idempotent=True,
    summary="Tambah tautan bukti (pihak yang dievaluasi atau Inspektorat)",
)
def add_evidence(ctx: Ctx, year: str, subject: str, criterion: str, body: EvidenceLinkIn) -> EvaluationOut:
    return lke.add_evidence(ctx.user, *_criterion_args(year, subject, criterion), body, ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/criteria/{criterion}/evidence/{link}/review",
    "POST",
    roles=ASSESSORS,
    body=ReviewIn,
    response=EvaluationOut,
    summary="Verifikasi atau tolak bukti (riwayat disimpan)",
)
def review_evidence(
    ctx: Ctx, year: str, subject: str, criterion: str, link: str, body: ReviewIn
) -> EvaluationOut:
    args = _criterion_args(year, subject, criterion)
    return lke.review_evidence(ctx.user, *args, _path("link", link), body, ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/finalise",
    "POST",
    roles=TEAM_LEAD,
    body=VersionIn,
    response=EvaluationOut,
    summary="Tetapkan nilai akhir dan predikat",
)
def finalise_evaluation(ctx: Ctx, year: str, subject: str, body: VersionIn) -> EvaluationOut:
    return lke.finalise(ctx.user, _year(year), _path("owner", subject), body, ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/publish",
    "POST",
    roles=TEAM_LEAD,
    body=VersionIn,
    response=EvaluationOut,
    summary="Publikasikan (nilai daerah tampil di ringkasan publik)",
)
def publish_evaluation(ctx: Ctx, year: str, subject: str, body: VersionIn) -> EvaluationOut:
    return lke.publish(ctx.user, _year(year), _path("owner", subject), body, ctx.request_id)


# -- the E-RK link --------------------------------------------------------------------------------
@api.route("/erk/links/{period}", roles=READERS, response=ErkLinkList, summary="Tautan kegiatan E-RK")
def list_links(ctx: Ctx, period: str) -> ErkLinkList:
    return erk.list_links(ctx.user, _path("period", period))


@api.route(
    "/erk/links/{period}/{activity}",
    "PUT",
    roles=PLANNERS,
    body=ErkLinkIn,
    response=ErkLinkOut,
    summary="Tautkan kegiatan E-RK ke sub kegiatan",
)
def put_link(ctx: Ctx, period: str, activity: str, body: ErkLinkIn) -> ErkLinkOut:
    return erk.put_link(ctx.user, _path("period", period), _path("activity", activity), body, ctx.request_id)


@api.route(
    "/erk/links/{period}/{activity}",
    "DELETE",
    roles=PLANNERS,
    query=ErkLinkDelete,
    status=204,
    summary="Hapus tautan",
)
def delete_link(ctx: Ctx, period: str, activity: str, query: ErkLinkDelete) -> None:
    erk.delete_link(ctx.user, _path("period", period), _path("activity", activity), query.opd, ctx.request_id)


@api.route(
    "/erk/rollups/{year}/{quarter}/refresh",
    "POST",
    roles=BAPPEDA,
    body=RefreshIn,
    response=RefreshOut,
    summary="Hitung ulang menit-orang per sub kegiatan (satu OPD, atau semua)",
)
def refresh_rollup(ctx: Ctx, year: str, quarter: str, body: RefreshIn) -> RefreshOut:
    return erk.refresh(_year(year), _quarter(quarter), body.opd, body.cursor)


@api.route(
    "/erk/rollups/{year}/{quarter}",
    roles=READERS,
    query=RollupQuery,
    response=RollupOut,
    summary="Menit-orang per sub kegiatan beside capaian dan anggaran",
)
def rollup(ctx: Ctx, year: str, quarter: str, query: RollupQuery) -> RollupOut:
    return erk.rollup(ctx.user, _year(year), _quarter(quarter), query.opd)


@api.route(
    "/erk/me",
    roles=READERS,
    query=MyWorkQuery,
    response=MyWorkOut,
    summary="Target daerah yang dilayani kerja saya",
)
def my_work(ctx: Ctx, query: MyWorkQuery) -> MyWorkOut:
    return erk.my_work(ctx.user, query.year)


# -- public ---------------------------------------------------------------------------------------
@api.route(
    "/public/summary",
    public=True,
    query=SummaryQuery,
    response=PublicSummaryOut,
    summary="Capaian IKU daerah dan predikat LKE yang dipublikasikan (tanpa token)",
)
def public_summary(ctx: Ctx, query: SummaryQuery) -> Response:
    out = public.summary(query.year)
    return json_response(
        out.model_dump(mode="json"),
        200,
        ctx.request_id,
        {"Cache-Control": f"public, max-age={public.CACHE_SECONDS}"},
    )


@app.schedule(ROLLUP_CRON, name="erk_rollup", description="E-RK person-minutes per sub-activity, nightly")
def nightly_rollup(event: Any) -> dict[str, Any]:
    done = erk.nightly()
    return {"refreshed": [r.model_dump() for r in done]}
