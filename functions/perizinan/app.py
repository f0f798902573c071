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

from chalice.app import Response

from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.config import PerizinanPolicy
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_modules
from replika.core.pagination import PageQuery
from replika.perizinan import models

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
    applications, escalations, files, catalogue, clock, feed, permits, stats = lazy_modules(
        "replika.perizinan.service",
        "applications",
        "escalations",
        "files",
        "catalogue",
        "clock",
        "feed",
        "permits",
        "stats",
    )

#: An application number or a verify code: letters and digits; a permit number (its region's
#: format) also has ``./-``. Anything else names nothing (404); the document states the patterns.
APPLICATION_NUMBER = "^[A-Z0-9]{3,60}$"
PERMIT_NUMBER = "^[A-Z0-9./-]{3,60}$"
api = Api.for_app(
    "perizinan",
    title="replika Perizinan (Hayu)",
    path_patterns={"number": APPLICATION_NUMBER, "code": APPLICATION_NUMBER},
)
app = api.app
OFFICE = (Role.DPMPTSP,)
STAFF = (Role.DPMPTSP, Role.PEGAWAI)
APPLICANT = (Role.PEMOHON,)
READERS = (Role.PEMOHON, Role.DPMPTSP, Role.PEGAWAI)
_DEFAULT = PerizinanPolicy()
SLA_CRON = local_time_to_utc_cron("Asia/Jakarta", _DEFAULT.sla_check_hour, _DEFAULT.sla_check_minute)


# -- public ---------------------------------------------------------------------------------------


@api.route("/public/verify/{code}", public=True)
def public_verify(ctx: Ctx, code: str) -> models.VerifyOut:
    """Verifikasi izin (kode QR)"""
    return permits.verify(code)


@api.route("/public/key", public=True)
def public_key(ctx: Ctx) -> models.KeyOut:
    """Kunci publik verifikasi izin (PEM)"""
    return permits.public_key()


@api.route("/public/applications/{number}", public=True)
def public_track(ctx: Ctx, number: str) -> models.TrackOut:
    """Lacak permohonan: tahap dan tenggat"""
    return applications.track(number)


@api.route("/public/stats", public=True, response=models.StatsOut)
def public_stats(ctx: Ctx, query: models.StatsQuery) -> Response:
    """Statistik per jenis izin: permohonan, terbit, median hari kerja, tepat SLA, fiktif positif, IKM"""
    out = stats.public_stats(query.year)
    return Response(
        body=out.model_dump_json(),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )


@api.route("/public/catalogue", public=True, response=models.CataloguePage)
def public_catalogue(ctx: Ctx, query: PageQuery) -> Any:
    """Katalog izin"""
    return catalogue.list_types(query.limit, query.cursor)


@api.route("/public/catalogue/{code}", public=True)
def public_type(ctx: Ctx, code: str) -> models.PermitTypeOut:
    """Satu jenis izin"""
    return catalogue.get_type(code)


# -- catalogue (DPMPTSP) ----------------------------------------------------------------------------


@api.route("/catalogue", "POST", roles=OFFICE, status=201)
def save_type(ctx: Ctx, body: models.PermitTypeIn) -> models.PermitTypeOut:
    """Simpan jenis izin (versi baru)"""
    return catalogue.save_type(body, ctx.user, ctx.request_id)


@api.route("/catalogue/import", "POST", roles=OFFICE)
def import_catalogue(ctx: Ctx, body: models.CatalogueImport) -> models.CatalogueImportOut:
    """Impor katalog (JSON)"""
    return catalogue.import_types(body.types, ctx.user, ctx.request_id)


@api.route(
    "/catalogue/import/csv",
    "POST",
    roles=OFFICE,
    raw_body=("text/csv",),
    raw_example="code,name,fee,validity_months,risk,allows_report,documents,form_schema,"
    "stage_code,stage_name,stage_role,stage_opd,stage_sla_days\n"
    "UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2\n",
)
def import_catalogue_csv(ctx: Ctx) -> models.CatalogueImportOut:
    """Impor katalog (CSV: satu baris per tahap; semua baris diperiksa sebelum disimpan)"""
    return catalogue.import_csv(ctx.raw_body, ctx.user, ctx.request_id)


# -- applicants ---------------------------------------------------------------------------------------


@api.route("/me", "PUT", roles=APPLICANT)
def put_profile(ctx: Ctx, body: models.ProfileIn) -> models.ProfileOut:
    """Profil pemohon"""
    return applications.put_profile(body, ctx.user, ctx.request_id)


@api.route("/me", roles=APPLICANT)
def get_profile(ctx: Ctx) -> models.ProfileOut:
    """Profil pemohon"""
    return applications.get_profile(ctx.user)


@api.route("/documents", "POST", roles=APPLICANT, status=201)
def upload_document(ctx: Ctx, body: models.DocumentUploadIn) -> models.UploadOut:
    """Unggah dokumen persyaratan (tautan POST bertanda tangan; dipakai saat mengajukan)"""
    return files.upload_document(body, ctx.user, ctx.request_id)


@api.route("/applications", "POST", roles=APPLICANT, errors=(404,), status=201, idempotent=True)
def submit(ctx: Ctx, body: models.ApplicationIn) -> models.ApplicationOut:
    """Ajukan permohonan (atau daftar: jalur pelaporan)"""
    return applications.submit(body, ctx.user, ctx.request_id)


@api.route("/applications/mine", roles=APPLICANT, response=models.ApplicationPage)
def mine(ctx: Ctx, query: models.MineQuery) -> Any:
    """Permohonan saya"""
    return applications.mine(ctx.user, query.limit, query.cursor)


@api.route("/applications/{number}", roles=READERS)
def get_application(ctx: Ctx, number: str) -> models.ApplicationOut:
    """Satu permohonan"""
    return applications.get(number, ctx.user)


@api.route("/applications/{number}/resubmit", "POST", roles=APPLICANT)
def resubmit(ctx: Ctx, number: str, body: models.ResubmitIn) -> models.ApplicationOut:
    """Kirim ulang setelah dikembalikan untuk perbaikan"""
    return applications.resubmit(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/withdraw", "POST", roles=APPLICANT)
def withdraw(ctx: Ctx, number: str) -> models.ApplicationOut:
    """Tarik permohonan"""
    return applications.withdraw(number, ctx.user, ctx.request_id)


@api.route("/applications/{number}/survey", "POST", roles=APPLICANT, status=201)
def answer_survey(ctx: Ctx, number: str, body: models.SurveyIn) -> models.SurveyOut:
    """Survei kepuasan masyarakat (SKM, 9 unsur) setelah izin terbit"""
    return stats.answer_survey(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/survey", roles=APPLICANT)
def my_survey(ctx: Ctx, number: str) -> models.SurveyOut:
    """Jawaban SKM saya"""
    return stats.my_survey(number, ctx.user)


@api.route("/feed", roles=OFFICE, response=models.FeedPage)
def status_feed(ctx: Ctx, query: models.FeedQuery) -> Any:
    """Umpan status untuk OSS: setiap perubahan status pada satu hari (NIB, kode izin, kode status)"""
    return feed.day(query.day, query.limit, query.cursor)


# -- back office ----------------------------------------------------------------------------------------


@api.route("/queue", roles=STAFF, response=models.QueuePage)
def queue(ctx: Ctx, query: models.QueueQuery) -> Any:
    """Antrean menurut tenggat"""
    return applications.queue(query.role, ctx.user, query.limit, query.cursor)


@api.route("/applications/{number}/actions", "POST", roles=STAFF)
def act(ctx: Ctx, number: str, body: models.ActionIn) -> models.ApplicationOut:
    """Teruskan, kembalikan atau tolak (pemegang tahap)"""
    return applications.act(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/visit", "PUT", roles=STAFF)
def record_visit(ctx: Ctx, number: str, body: models.VisitIn) -> models.VisitOut:
    """Laporan kunjungan lapangan (tahap teknis, pemegang tahap)"""
    return applications.record_visit(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/visit/photos", "POST", roles=STAFF, status=201)
def upload_visit_photo(ctx: Ctx, number: str, body: models.VisitPhotoIn) -> models.UploadOut:
    """Unggah foto kunjungan atau pindaian berita acara (tautan POST bertanda tangan)"""
    return applications.upload_visit_photo(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/files", roles=STAFF)
def file_links(ctx: Ctx, number: str) -> models.FilesOut:
    """Tautan unduh dokumen persyaratan dan berkas kunjungan (petugas)"""
    return applications.file_links(number, ctx.user)


@api.route("/escalations", roles=OFFICE, response=models.EscalationPage)
def escalation_queue(ctx: Ctx, query: models.MineQuery) -> Any:
    """Antrean eskalasi Kepala DPMPTSP menurut tenggat (lewat SLA, fiktif positif tidak berlaku)"""
    return escalations.queue(ctx.user, query.limit, query.cursor)


@api.route("/applications/{number}/escalation", "POST", roles=OFFICE)
def escalation_act(ctx: Ctx, number: str, body: models.EscalationIn) -> models.ApplicationOut:
    """Kepala DPMPTSP: putuskan (grant/reject) atau tugaskan ulang (reassign) permohonan tereskalasi"""
    return escalations.act(number, body, ctx.user, ctx.request_id)


@api.route("/applications/{number}/payment", "POST", roles=OFFICE)
def payment(ctx: Ctx, number: str, body: models.PaymentIn) -> models.ApplicationOut:
    """Retribusi dibayar (nomor bukti) atau dibebaskan (alasan): izin terbit"""
    return applications.pay(number, body, ctx.user, ctx.request_id)


@api.route("/permits/{number}", roles=READERS, path_patterns={"number": PERMIT_NUMBER})
def get_permit(ctx: Ctx, number: str) -> models.PermitOut:
    """Satu izin"""
    return permits.get_permit(number, ctx.user)


@api.route("/permits/{number}/document", roles=READERS, path_patterns={"number": PERMIT_NUMBER})
def permit_document(ctx: Ctx, number: str) -> models.DownloadOut:
    """Unduh PDF izin"""
    return permits.document(number, ctx.user)


@api.route("/permits/{number}/revoke", "POST", roles=OFFICE, path_patterns={"number": PERMIT_NUMBER})
def revoke(ctx: Ctx, number: str, body: models.RevokeIn) -> models.PermitOut:
    """Cabut izin atau tanda terdaftar (dengan alasan)"""
    return permits.revoke(number, body.reason, ctx.user, ctx.request_id)


# -- schedule -------------------------------------------------------------------------------------------


@app.schedule(SLA_CRON, name="sla_clock")
def sla_clock(event: Any) -> dict[str, Any]:
    """Daily, just after midnight region time: fiktif positif or escalation of lapsed applications."""
    return clock.run().model_dump()
