"""Perizinan app (`/perizinan`): Hayu online licensing (DOMAIN.md §3).

Applicants (the self sign-up pool, role ``pemohon``) keep a profile, submit applications (small
low-risk businesses are registered at once), follow and resubmit their own; DPMPTSP manages the
versioned catalogue, works its queue, records fees and revokes; technical OPD staff (``pegawai``)
review their stages. Public routes (no token) verify a permit, publish the verification key and
track an application by number, and publish the statistics per type (with the satisfaction
index of the applicants' SKM answers). A daily schedule runs the SLA clock.

Thin adapter: parse, check role, call :mod:`replika.perizinan.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Response

from replika.core import runtime
from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.config import PerizinanPolicy
from replika.core.errors import NotFound
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_module
from replika.core.pagination import PageQuery
from replika.perizinan.models import (
    ActionIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    CatalogueImport,
    CatalogueImportOut,
    CataloguePage,
    DocumentUploadIn,
    DownloadOut,
    EscalationIn,
    EscalationPage,
    FeedPage,
    FeedQuery,
    FilesOut,
    KeyOut,
    MineQuery,
    PaymentIn,
    PermitOut,
    PermitTypeIn,
    PermitTypeOut,
    ProfileIn,
    ProfileOut,
    QueuePage,
    QueueQuery,
    ResubmitIn,
    RevokeIn,
    StatsOut,
    StatsQuery,
    SurveyIn,
    SurveyOut,
    TrackOut,
    UploadOut,
    VerifyOut,
    VisitIn,
    VisitOut,
    VisitPhotoIn,
)

if TYPE_CHECKING:
    from replika.perizinan.service import (
        applications,
        catalogue,
        clock,
        escalations,
        feed,
        files,
        permits,
        stats,
    )
else:  # loaded by the first request that needs them (cold start)
    applications = lazy_module("replika.perizinan.service.applications")
    escalations = lazy_module("replika.perizinan.service.escalations")
    files = lazy_module("replika.perizinan.service.files")
    catalogue = lazy_module("replika.perizinan.service.catalogue")
    clock = lazy_module("replika.perizinan.service.clock")
    feed = lazy_module("replika.perizinan.service.feed")
    permits = lazy_module("replika.perizinan.service.permits")
    stats = lazy_module("replika.perizinan.service.stats")

runtime.init("perizinan")  # validates the environment against the manifest: fails here, loudly
app = Chalice(app_name="replika-perizinan")
api = Api(app, title="replika Perizinan (Hayu)", base_path="/perizinan")
OFFICE = (Role.DPMPTSP,)
STAFF = (Role.DPMPTSP, Role.PEGAWAI)
APPLICANT = (Role.PEMOHON,)
READERS = (Role.PEMOHON, Role.DPMPTSP, Role.PEGAWAI)
_DEFAULT = PerizinanPolicy()
SLA_CRON = local_time_to_utc_cron("Asia/Jakarta", _DEFAULT.sla_check_hour, _DEFAULT.sla_check_minute)

NUMBER_MAX = 60  # every path parameter has a length bound


def _bounded(value: str, pattern: str = "A-Z0-9./-") -> str:
    import re

    if not 3 <= len(value) <= NUMBER_MAX or not re.fullmatch(f"[{pattern}]+", value):
        raise NotFound("Data tidak ditemukan.")
    return value


# -- public ---------------------------------------------------------------------------------------


@api.route("/public/verify/{code}", public=True, response=VerifyOut, summary="Verifikasi izin (kode QR)")
def public_verify(ctx: Ctx, code: str) -> VerifyOut:
    return permits.verify(_bounded(code, "A-Z0-9"))


@api.route("/public/key", public=True, response=KeyOut, summary="Kunci publik verifikasi izin (PEM)")
def public_key(ctx: Ctx) -> KeyOut:
    return permits.public_key()


@api.route(
    "/public/applications/{number}",
    public=True,
    response=TrackOut,
    summary="Lacak permohonan: tahap dan tenggat",
)
def public_track(ctx: Ctx, number: str) -> TrackOut:
    return applications.track(_bounded(number, "A-Z0-9"))


@api.route(
    "/public/stats",
    public=True,
    query=StatsQuery,
    response=StatsOut,
    summary="Statistik per jenis izin: permohonan, terbit, median hari kerja, tepat SLA, fiktif positif, IKM",
)
def public_stats(ctx: Ctx, query: StatsQuery) -> Response:
    out = stats.public_stats(query.year)
    return Response(
        body=out.model_dump_json(),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )


@api.route("/public/catalogue", public=True, query=PageQuery, response=CataloguePage, summary="Katalog izin")
def public_catalogue(ctx: Ctx, query: PageQuery) -> Any:
    return catalogue.list_types(query.limit, query.cursor)


@api.route("/public/catalogue/{code}", public=True, response=PermitTypeOut, summary="Satu jenis izin")
def public_type(ctx: Ctx, code: str) -> PermitTypeOut:
    return catalogue.get_type(_bounded(code, "A-Z0-9"))


# -- catalogue (DPMPTSP) ----------------------------------------------------------------------------


@api.route(
    "/catalogue",
    "POST",
    roles=OFFICE,
    body=PermitTypeIn,
    response=PermitTypeOut,
    status=201,
    summary="Simpan jenis izin (versi baru)",
)
def save_type(ctx: Ctx, body: PermitTypeIn) -> PermitTypeOut:
    return catalogue.save_type(body, ctx.user, ctx.request_id)


@api.route(
    "/catalogue/import",
    "POST",
    roles=OFFICE,
    body=CatalogueImport,
    response=CatalogueImportOut,
    summary="Impor katalog (JSON)",
)
def import_catalogue(ctx: Ctx, body: CatalogueImport) -> CatalogueImportOut:
    return catalogue.import_types(body.types, ctx.user, ctx.request_id)


@api.route(
    "/catalogue/import/csv",
    "POST",
    roles=OFFICE,
    raw_body=("text/csv",),
    response=CatalogueImportOut,
    summary="Impor katalog (CSV: satu baris per tahap; semua baris diperiksa sebelum disimpan)",
    raw_example=(
        "code,name,fee,validity_months,risk,allows_report,documents,form_schema,"
        "stage_code,stage_name,stage_role,stage_opd,stage_sla_days\n"
        "UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2\n"
    ),
)
def import_catalogue_csv(ctx: Ctx) -> CatalogueImportOut:
    return catalogue.import_csv(ctx.raw_body, ctx.user, ctx.request_id)


# -- applicants ---------------------------------------------------------------------------------------


@api.route("/me", "PUT", roles=APPLICANT, body=ProfileIn, response=ProfileOut, summary="Profil pemohon")
def put_profile(ctx: Ctx, body: ProfileIn) -> ProfileOut:
    return applications.put_profile(body, ctx.user, ctx.request_id)


@api.route("/me", roles=APPLICANT, response=ProfileOut, summary="Profil pemohon")
def get_profile(ctx: Ctx) -> ProfileOut:
    return applications.get_profile(ctx.user)


@api.route(
    "/documents",
    "POST",
    roles=APPLICANT,
    body=DocumentUploadIn,
    response=UploadOut,
    status=201,
    summary="Unggah dokumen persyaratan (tautan POST bertanda tangan; dipakai saat mengajukan)",
)
def upload_document(ctx: Ctx, body: DocumentUploadIn) -> UploadOut:
    return files.upload_document(body, ctx.user, ctx.request_id)


@api.route(
    "/applications",
    "POST",
    roles=APPLICANT,
    errors=(404,),  # an unknown permit type, or an applicant without a profile
    body=ApplicationIn,
    response=ApplicationOut,
    status=201,
    idempotent=True,
    summary="Ajukan permohonan (atau daftar: jalur pelaporan)",
)
def submit(ctx: Ctx, body: ApplicationIn) -> ApplicationOut:
    return applications.submit(body, ctx.user, ctx.request_id)


@api.route(
    "/applications/mine",
    roles=APPLICANT,
    query=MineQuery,
    response=ApplicationPage,
    summary="Permohonan saya",
)
def mine(ctx: Ctx, query: MineQuery) -> Any:
    return applications.mine(ctx.user, query.limit, query.cursor)


@api.route("/applications/{number}", roles=READERS, response=ApplicationOut, summary="Satu permohonan")
def get_application(ctx: Ctx, number: str) -> ApplicationOut:
    return applications.get(_bounded(number, "A-Z0-9"), ctx.user)


@api.route(
    "/applications/{number}/resubmit",
    "POST",
    roles=APPLICANT,
    body=ResubmitIn,
    response=ApplicationOut,
    summary="Kirim ulang setelah dikembalikan untuk perbaikan",
)
def resubmit(ctx: Ctx, number: str, body: ResubmitIn) -> ApplicationOut:
    return applications.resubmit(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/withdraw",
    "POST",
    roles=APPLICANT,
    response=ApplicationOut,
    summary="Tarik permohonan",
)
def withdraw(ctx: Ctx, number: str) -> ApplicationOut:
    return applications.withdraw(_bounded(number, "A-Z0-9"), ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/survey",
    "POST",
    roles=APPLICANT,
    body=SurveyIn,
    response=SurveyOut,
    status=201,
    summary="Survei kepuasan masyarakat (SKM, 9 unsur) setelah izin terbit",
)
def answer_survey(ctx: Ctx, number: str, body: SurveyIn) -> SurveyOut:
    return stats.answer_survey(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/survey", roles=APPLICANT, response=SurveyOut, summary="Jawaban SKM saya")
def my_survey(ctx: Ctx, number: str) -> SurveyOut:
    return stats.my_survey(_bounded(number, "A-Z0-9"), ctx.user)


@api.route(
    "/feed",
    roles=OFFICE,
    query=FeedQuery,
    response=FeedPage,
    summary="Umpan status untuk OSS: setiap perubahan status pada satu hari (NIB, kode izin, kode status)",
)
def status_feed(ctx: Ctx, query: FeedQuery) -> Any:
    return feed.day(query.day, query.limit, query.cursor)


# -- back office ----------------------------------------------------------------------------------------


@api.route("/queue", roles=STAFF, query=QueueQuery, response=QueuePage, summary="Antrean menurut tenggat")
def queue(ctx: Ctx, query: QueueQuery) -> Any:
    return applications.queue(query.role, ctx.user, query.limit, query.cursor)


@api.route(
    "/applications/{number}/actions",
    "POST",
    roles=STAFF,
    body=ActionIn,
    response=ApplicationOut,
    summary="Teruskan, kembalikan atau tolak (pemegang tahap)",
)
def act(ctx: Ctx, number: str, body: ActionIn) -> ApplicationOut:
    return applications.act(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/visit",
    "PUT",
    roles=STAFF,
    body=VisitIn,
    response=VisitOut,
    summary="Laporan kunjungan lapangan (tahap teknis, pemegang tahap)",
)
def record_visit(ctx: Ctx, number: str, body: VisitIn) -> VisitOut:
    return applications.record_visit(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/visit/photos",
    "POST",
    roles=STAFF,
    body=VisitPhotoIn,
    response=UploadOut,
    status=201,
    summary="Unggah foto kunjungan atau pindaian berita acara (tautan POST bertanda tangan)",
)
def upload_visit_photo(ctx: Ctx, number: str, body: VisitPhotoIn) -> UploadOut:
    return applications.upload_visit_photo(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/files",
    roles=STAFF,
    response=FilesOut,
    summary="Tautan unduh dokumen persyaratan dan berkas kunjungan (petugas)",
)
def file_links(ctx: Ctx, number: str) -> FilesOut:
    return applications.file_links(_bounded(number, "A-Z0-9"), ctx.user)


@api.route(
    "/escalations",
    roles=OFFICE,
    query=MineQuery,
    response=EscalationPage,
    summary="Antrean eskalasi Kepala DPMPTSP menurut tenggat (lewat SLA, fiktif positif tidak berlaku)",
)
def escalation_queue(ctx: Ctx, query: MineQuery) -> Any:
    return escalations.queue(ctx.user, query.limit, query.cursor)


@api.route(
    "/applications/{number}/escalation",
    "POST",
    roles=OFFICE,
    body=EscalationIn,
    response=ApplicationOut,
    summary="Kepala DPMPTSP: putuskan (grant/reject) atau tugaskan ulang (reassign) permohonan tereskalasi",
)
def escalation_act(ctx: Ctx, number: str, body: EscalationIn) -> ApplicationOut:
    return escalations.act(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route(
    "/applications/{number}/payment",
    "POST",
    roles=OFFICE,
    body=PaymentIn,
    response=ApplicationOut,
    summary="Retribusi dibayar (nomor bukti) atau dibebaskan (alasan): izin terbit",
)
def payment(ctx: Ctx, number: str, body: PaymentIn) -> ApplicationOut:
    return applications.pay(_bounded(number, "A-Z0-9"), body, ctx.user, ctx.request_id)


@api.route("/permits/{number}", roles=READERS, response=PermitOut, summary="Satu izin")
def get_permit(ctx: Ctx, number: str) -> PermitOut:
    return permits.get_permit(_bounded(number), ctx.user)


@api.route("/permits/{number}/document", roles=READERS, response=DownloadOut, summary="Unduh PDF izin")
def permit_document(ctx: Ctx, number: str) -> DownloadOut:
    return permits.document(_bounded(number), ctx.user)


@api.route(
    "/permits/{number}/revoke",
    "POST",
    roles=OFFICE,
    body=RevokeIn,
    response=PermitOut,
    summary="Cabut izin atau tanda terdaftar (dengan alasan)",
)
def revoke(ctx: Ctx, number: str, body: RevokeIn) -> PermitOut:
    return permits.revoke(_bounded(number), body.reason, ctx.user, ctx.request_id)


# -- schedule -------------------------------------------------------------------------------------------


@app.schedule(SLA_CRON, name="sla_clock")
def sla_clock(event: Any) -> dict[str, Any]:
    """Daily, just after midnight region time: fiktif positif or escalation of lapsed applications."""
    return clock.run().model_dump()
