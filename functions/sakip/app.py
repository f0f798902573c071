"""e-SAKIP app (`/sakip`): the performance cascade, quarterly realisation, attainment, performance
agreements, the LKE evaluation, the E-RK link and the public summary (DOMAIN.md §4).

Thin adapter: check the path, check the role, call the use case in :mod:`replika.sakip`. Who may do
what beyond the role (an OPD's own data, the OPD head) is the use cases' (``replika.sakip.common``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Response

from replika.core.auth import Role
from replika.core.http import Api, Ctx, json_response
from replika.core.lazy import lazy_modules
from replika.core.pagination import PageQuery
from replika.sakip import common, models, xlsx_example
from replika.sakip.lke_models import (
    AnswerIn,
    EvaluationList,
    EvaluationOut,
    EvidenceLinkIn,
    ReviewIn,
    VersionIn,
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
    agreement, attainment, cascade, cascade_xlsx, erk, lke, public, realisation, reports = lazy_modules(
        "replika.sakip",
        "agreement",
        "attainment",
        "cascade",
        "cascade_xlsx",
        "erk",
        "lke",
        "public",
        "realisation",
        "reports",
    )

api = Api.for_app("sakip", title="replika e-SAKIP")
app = api.app
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
app.api.binary_types.append(XLSX)

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
@api.route("/periods", roles=READERS)
def list_periods(ctx: Ctx) -> models.PeriodList:
    """Periode perencanaan (RPJMD)"""
    return cascade.list_periods()


@api.route("/periods", "POST", roles=BAPPEDA, status=201)
def create_period(ctx: Ctx, body: models.PeriodIn) -> models.PeriodOut:
    """Buat periode"""
    return cascade.create_period(ctx.user, body)


@api.route("/cascade/{period}/nodes", roles=READERS)
def list_nodes(ctx: Ctx, period: str, query: models.NodeQuery) -> models.NodePage:
    """Node kaskade"""
    return cascade.list_nodes(ctx.user, _path("period", period), query)


@api.route("/cascade/{period}/nodes", "POST", roles=PLANNERS, status=201)
def create_node(ctx: Ctx, period: str, body: models.NodeIn) -> models.NodeOut:
    """Tambah node (Bappeda: tingkat daerah; OPD: tingkat OPD-nya)"""
    return cascade.create_node(ctx.user, _path("period", period), body, ctx.request_id)


@api.route("/cascade/{period}/nodes/{code}", roles=READERS)
def get_node(ctx: Ctx, period: str, code: str) -> models.NodeOut:
    """Satu node"""
    return cascade.get_node(ctx.user, _path("period", period), _path("code", code))


@api.route("/cascade/{period}/nodes/{code}", "PUT", roles=PLANNERS)
def update_node(ctx: Ctx, period: str, code: str, body: models.NodeUpdate) -> models.NodeOut:
    """Ubah node (versi; revisi setelah PK memerlukan alasan)"""
    return cascade.update_node(ctx.user, _path("period", period), _path("code", code), body, ctx.request_id)


@api.route("/cascade/{period}/nodes/{code}", "DELETE", roles=PLANNERS, status=204)
def delete_node(ctx: Ctx, period: str, code: str, query: models.DeleteQuery) -> None:
    """Hapus node tanpa turunan dan realisasi"""
    cascade.delete_node(
        ctx.user, _path("period", period), _path("code", code), query.version, query.reason, ctx.request_id
    )


@api.route("/cascade/{period}/nodes/{code}/revisions", roles=READERS)
def node_revisions(ctx: Ctx, period: str, code: str, query: PageQuery) -> models.RevisionPage:
    """Riwayat versi node"""
    return cascade.revisions(
        ctx.user, _path("period", period), _path("code", code), query.limit, query.cursor
    )


@api.route("/cascade/{period}/export", roles=READERS)
def export_cascade(ctx: Ctx, period: str, query: models.ExportQuery) -> models.LinkOut:
    """Ekspor kaskade (XLSX)"""
    return cascade_xlsx.export(ctx.user, _path("period", period), query.opd)


@api.route(
    "/cascade/{period}/import",
    "POST",
    roles=BAPPEDA,
    raw_body=(XLSX,),
    raw_example=xlsx_example.import_example(),
)
def import_cascade(ctx: Ctx, period: str, query: models.ImportQuery) -> models.ImportSummary:
    """Impor kaskade (XLSX; semua baris sah atau tidak ada yang disimpan)"""
    return cascade_xlsx.import_xlsx(
        ctx.user,
        _path("period", period),
        ctx.raw_body,
        dry_run=query.dry_run,
        reason=query.reason,
        request_id=ctx.request_id,
    )


# -- realisation ----------------------------------------------------------------------------------
@api.route("/quarters/{year}", roles=READERS)
def quarters(ctx: Ctx, year: str, query: models.OwnerQuery) -> models.QuartersOut:
    """Jendela triwulan"""
    return realisation.quarters_status(ctx.user, _year(year), query.owner)


@api.route("/quarters/{year}/{quarter}/reopen", "POST", roles=BAPPEDA, status=201)
def reopen_quarter(ctx: Ctx, year: str, quarter: str, body: models.ReopenIn) -> models.ReopeningOut:
    """Buka kembali triwulan yang sudah ditutup (tercatat di audit)"""
    return realisation.reopen(ctx.user, _year(year), _quarter(quarter), body, ctx.request_id)


@api.route("/quarters/{year}/{quarter}/reopenings", roles=BAPPEDA)
def list_reopenings(ctx: Ctx, year: str, quarter: str) -> models.ReopeningList:
    """Pembukaan kembali"""
    return realisation.reopenings(_year(year), _quarter(quarter))


@api.route("/realisation/{year}/{code}", roles=READERS)
def get_realisation(ctx: Ctx, year: str, code: str) -> models.NodeRealisationOut:
    """Realisasi dan capaian node"""
    return realisation.node_realisation(ctx.user, _year(year), _path("code", code))


@api.route("/realisation/{year}/{code}/{quarter}", "PUT", roles=PLANNERS)
def put_realisation(
    ctx: Ctx, year: str, code: str, quarter: str, body: models.RealisationIn
) -> models.NodeRealisationOut:
    """Isi realisasi triwulan (dalam jendela, atau saat dibuka kembali)"""
    return realisation.put_quarter(
        ctx.user, _year(year), _path("code", code), _quarter(quarter), body, ctx.request_id
    )


@api.route("/evidence/{owner}/upload", "POST", roles=PLANNERS)
def evidence_upload(ctx: Ctx, owner: str, body: models.EvidenceUploadIn) -> models.UploadOut:
    """Tautan unggah bukti realisasi (PDF, JPEG, PNG; maks. 10 MB)"""
    return realisation.evidence_upload(ctx.user, _path("owner", owner), body)


# -- attainment -----------------------------------------------------------------------------------
@api.route("/attainment/{year}/opds/{opd}", roles=READERS)
def opd_attainment(ctx: Ctx, year: str, opd: str, query: models.YearQuery) -> models.OpdAttainmentOut:
    """Capaian kinerja OPD (IKU, kaskade, anggaran)"""
    return attainment.opd_attainment(ctx.user, _year(year), _path("owner", opd), query.quarter or 4)


@api.route("/attainment/{year}/region", roles=READERS)
def region_attainment(ctx: Ctx, year: str, query: models.YearQuery) -> models.RegionAttainmentOut:
    """Capaian IKU daerah dan peringkat OPD"""
    return attainment.region_attainment(ctx.user, _year(year), query.quarter or 4)


# -- performance agreements -----------------------------------------------------------------------
@api.route("/agreements/{year}/{owner}", "POST", roles=PLANNERS, status=201)
def draft_agreement(ctx: Ctx, year: str, owner: str) -> models.AgreementOut:
    """Susun (ulang) draf perjanjian kinerja dan PDF-nya"""
    return agreement.draft(ctx.user, _year(year), _path("owner", owner), ctx.request_id)


@api.route("/agreements/{year}", roles=READERS)
def list_agreements(ctx: Ctx, year: str) -> models.AgreementList:
    """Perjanjian kinerja setahun"""
    return agreement.list_year(ctx.user, _year(year))


@api.route("/agreements/{year}/{owner}", roles=READERS)
def get_agreement(ctx: Ctx, year: str, owner: str) -> models.AgreementOut:
    """Perjanjian kinerja"""
    return agreement.get(ctx.user, _year(year), _path("owner", owner))


@api.route("/agreements/{year}/{owner}/pdf", roles=READERS)
def agreement_pdf(ctx: Ctx, year: str, owner: str) -> models.LinkOut:
    """Unduh PK (PDF)"""
    return agreement.pdf_link(ctx.user, _year(year), _path("owner", owner))


@api.route("/agreements/{year}/{owner}/signed-upload", "POST", roles=PLANNERS)
def agreement_signed_upload(ctx: Ctx, year: str, owner: str, body: models.SignedUploadIn) -> models.UploadOut:
    """Tautan unggah pindaian PK bertanda tangan (kepala OPD atau Bappeda)"""
    return agreement.signed_upload(ctx.user, _year(year), _path("owner", owner), body)


@api.route("/agreements/{year}/{owner}/sign", "POST", roles=PLANNERS)
def sign_agreement(ctx: Ctx, year: str, owner: str, body: models.SignIn) -> models.AgreementOut:
    """Catat PK bertanda tangan (setelahnya perubahan adalah revisi)"""
    return agreement.sign(ctx.user, _year(year), _path("owner", owner), body, ctx.request_id)


# -- reports --------------------------------------------------------------------------------------
@api.route("/reports/lkjip/{year}", roles=READERS)
def lkjip(ctx: Ctx, year: str, query: models.ReportQuery) -> models.LinkOut:
    """LKjIP (XLSX atau PDF)"""
    return reports.lkjip(ctx.user, _year(year), query.opd, query.format)


# -- LKE ------------------------------------------------------------------------------------------
@api.route("/lke/{year}/{subject}", "POST", roles=TEAM_LEAD, status=201)
def open_evaluation(ctx: Ctx, year: str, subject: str) -> EvaluationOut:
    """Buka evaluasi LKE (ketua tim)"""
    return lke.open_evaluation(ctx.user, _year(year), _path("owner", subject), ctx.request_id)


@api.route("/lke/{year}", roles=READERS)
def list_evaluations(ctx: Ctx, year: str) -> EvaluationList:
    """Evaluasi LKE setahun"""
    return lke.list_year(ctx.user, _year(year))


@api.route("/lke/{year}/{subject}", roles=READERS)
def get_evaluation(ctx: Ctx, year: str, subject: str) -> EvaluationOut:
    """Evaluasi LKE: nilai dan celah"""
    return lke.evaluation(ctx.user, _year(year), _path("owner", subject))


@api.route("/lke-history/{subject}", roles=READERS)
def evaluation_history(ctx: Ctx, subject: str) -> EvaluationList:
    """Riwayat nilai LKE"""
    return lke.history(ctx.user, _path("owner", subject))


def _criterion_args(year: str, subject: str, criterion: str) -> tuple[int, str, str]:
    return _year(year), _path("owner", subject), _path("criterion", criterion)


@api.route("/lke/{year}/{subject}/criteria/{criterion}/proposal", "PUT", roles=EVALUATOR)
def propose_answer(ctx: Ctx, year: str, subject: str, criterion: str, body: AnswerIn) -> EvaluationOut:
    """Usulan jawaban (evaluator)"""
    return lke.answer(ctx.user, *_criterion_args(year, subject, criterion), body, "proposal", ctx.request_id)


@api.route("/lke/{year}/{subject}/criteria/{criterion}/final", "PUT", roles=TEAM_LEAD)
def final_answer(ctx: Ctx, year: str, subject: str, criterion: str, body: AnswerIn) -> EvaluationOut:
    """Jawaban akhir (ketua tim)"""
    return lke.answer(ctx.user, *_criterion_args(year, subject, criterion), body, "final", ctx.request_id)


@api.route(
    "/lke/{year}/{subject}/criteria/{criterion}/evidence", "POST", roles=READERS, status=201, idempotent=True
)
def add_evidence(ctx: Ctx, year: str, subject: str, criterion: str, body: EvidenceLinkIn) -> EvaluationOut:
    """Tambah tautan bukti (pihak yang dievaluasi atau Inspektorat)"""
    return lke.add_evidence(ctx.user, *_criterion_args(year, subject, criterion), body, ctx.request_id)


@api.route("/lke/{year}/{subject}/criteria/{criterion}/evidence/{link}/review", "POST", roles=ASSESSORS)
def review_evidence(
    ctx: Ctx, year: str, subject: str, criterion: str, link: str, body: ReviewIn
) -> EvaluationOut:
    """Verifikasi atau tolak bukti (riwayat disimpan)"""
    args = _criterion_args(year, subject, criterion)
    return lke.review_evidence(ctx.user, *args, _path("link", link), body, ctx.request_id)


@api.route("/lke/{year}/{subject}/finalise", "POST", roles=TEAM_LEAD)
def finalise_evaluation(ctx: Ctx, year: str, subject: str, body: VersionIn) -> EvaluationOut:
    """Tetapkan nilai akhir dan predikat"""
    return lke.finalise(ctx.user, _year(year), _path("owner", subject), body, ctx.request_id)


@api.route("/lke/{year}/{subject}/publish", "POST", roles=TEAM_LEAD)
def publish_evaluation(ctx: Ctx, year: str, subject: str, body: VersionIn) -> EvaluationOut:
    """Publikasikan (nilai daerah tampil di ringkasan publik)"""
    return lke.publish(ctx.user, _year(year), _path("owner", subject), body, ctx.request_id)


# -- the E-RK link --------------------------------------------------------------------------------
@api.route("/erk/links/{period}", roles=READERS)
def list_links(ctx: Ctx, period: str) -> models.ErkLinkList:
    """Tautan kegiatan E-RK"""
    return erk.list_links(ctx.user, _path("period", period))


@api.route("/erk/links/{period}/{activity}", "PUT", roles=PLANNERS)
def put_link(ctx: Ctx, period: str, activity: str, body: models.ErkLinkIn) -> models.ErkLinkOut:
    """Tautkan kegiatan E-RK ke sub kegiatan"""
    return erk.put_link(ctx.user, _path("period", period), _path("activity", activity), body, ctx.request_id)


@api.route("/erk/links/{period}/{activity}", "DELETE", roles=PLANNERS, status=204)
def delete_link(ctx: Ctx, period: str, activity: str, query: models.ErkLinkDelete) -> None:
    """Hapus tautan"""
    erk.delete_link(ctx.user, _path("period", period), _path("activity", activity), query.opd, ctx.request_id)


@api.route("/erk/rollups/{year}/{quarter}/refresh", "POST", roles=BAPPEDA)
def refresh_rollup(ctx: Ctx, year: str, quarter: str, body: models.RefreshIn) -> models.RefreshOut:
    """Hitung ulang menit-orang per sub kegiatan (satu OPD, atau semua)"""
    return erk.refresh(_year(year), _quarter(quarter), body.opd, body.cursor)


@api.route("/erk/rollups/{year}/{quarter}", roles=READERS)
def rollup(ctx: Ctx, year: str, quarter: str, query: models.RollupQuery) -> models.RollupOut:
    """Menit-orang per sub kegiatan beside capaian dan anggaran"""
    return erk.rollup(ctx.user, _year(year), _quarter(quarter), query.opd)


@api.route("/erk/me", roles=READERS)
def my_work(ctx: Ctx, query: models.MyWorkQuery) -> models.MyWorkOut:
    """Target daerah yang dilayani kerja saya"""
    return erk.my_work(ctx.user, query.year)


# -- public ---------------------------------------------------------------------------------------
@api.route("/public/summary", public=True, response=models.PublicSummaryOut)
def public_summary(ctx: Ctx, query: models.SummaryQuery) -> Response:
    """Capaian IKU daerah dan predikat LKE yang dipublikasikan (tanpa token)"""
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
