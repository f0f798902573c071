"""WBS app (`/wbs`): whistle-blowing that protects the reporter (DOMAIN.md §5).

Public routes serve the reporter, who has no account: file a report (once, receiving a receipt
code), exchange the receipt for a 15-minute token (header ``X-Wbs-Token``) and, with it, read the
status and messages, reply and add evidence. Staff routes serve the Inspektorat (head and
handlers). The receipt travels only in a POST body, never in a URL, so no path log can hold it.

Thin adapter: parse, check role, call :mod:`replika.wbs.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Request, Response

from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_modules
from replika.wbs import models, reporter, service
from replika.wbs.rules import ESCALATION_ROLES, STAFF_ROLES, Status

if TYPE_CHECKING:
    from replika.wbs import retention, staff, uploads
else:  # loaded by the first request that needs them (cold start)
    retention, staff, uploads = lazy_modules("replika.wbs", "retention", "staff", "uploads")

api = Api.for_app("wbs", title="replika WBS")
app = api.app


@api.on_document
def _region_categories(doc: dict[str, Any]) -> None:
    """A report's category is one of the region's (its WBS policy): the document says which."""
    schemas = doc["components"]["schemas"]
    schemas["ReportIn"]["properties"]["category"]["enum"] = list(service.policy().categories)


HEAD = (Role.INSPEKTORAT_KEPALA,)
STAFF = tuple(sorted(STAFF_ROLES))  # the Inspektorat and the escalation desks (rules.can_see decides)
DESKS = (Role.INSPEKTORAT_KEPALA, *sorted(ESCALATION_ROLES))
TOKEN_HEADER = "x-wbs-token"  # noqa: S105 - a header name
#: The only request headers a WBS handler ever sees: nothing about the client's network or device.
KEPT_HEADERS = frozenset({"content-type", "authorization", TOKEN_HEADER, "accept"})
#: Purge at 02:00 region time, every day (WIB when packaging without a region config).
PURGE_CRON = local_time_to_utc_cron(service.region_timezone(), 2, 0)


@app.middleware("http")
def forget_the_client(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Drop every header but :data:`KEPT_HEADERS` and the source IP / user agent of the request
    context before any handler (or ``Ctx``) can read them."""
    from chalice.app import CaseInsensitiveMapping

    kept = {k: v for k, v in (event.headers or {}).items() if k.lower() in KEPT_HEADERS}
    event.headers = CaseInsensitiveMapping(kept)
    if isinstance(event.context, dict):
        event.context.pop("identity", None)
    return get_response(event)


def _reporter(ctx: Ctx) -> Any:
    return service.reporter_report(ctx.headers.get(TOKEN_HEADER))


# -- reporter (public) --------------------------------------------------------------------------


@api.route("/reports", "POST", public=True, status=201)
def create_report(ctx: Ctx, body: models.ReportIn) -> models.ReportCreated:
    """Laporkan pelanggaran tanpa akun; kode resi ditampilkan sekali"""
    return reporter.create_report(body, ctx.request_id)


@api.route("/reporter/session", "POST", public=True, errors=(401, 429))
def reporter_session(ctx: Ctx, body: models.ReceiptIn) -> models.SessionOut:
    """Tukar kode resi dengan token sesi pelapor (15 menit)"""
    return service.exchange_receipt(body.receipt, ctx.request_id, body.pow_challenge, body.pow_nonce)


@api.route("/reporter/challenge", public=True)
def reporter_challenge(ctx: Ctx) -> models.ChallengeOut:
    """Tantangan proof of work untuk penukaran kode resi (saat percobaan salah tinggi)"""
    return service.challenge()


@api.route("/reporter/report", public=True, errors=(401,))
def reporter_report(ctx: Ctx) -> models.ReporterView:
    """Status laporan (pelapor)"""
    return reporter.reporter_view(_reporter(ctx), ctx.request_id)


@api.route("/reporter/messages", public=True, errors=(401,))
def reporter_messages(ctx: Ctx, query: models.PageIn) -> models.MessagePage:
    """Pesan (pelapor)"""
    return reporter.reporter_messages(_reporter(ctx), query.limit, query.cursor, ctx.request_id)


@api.route("/reporter/messages", "POST", public=True, errors=(401,), status=201)
def reporter_reply(ctx: Ctx, body: models.MessageIn) -> models.MessageOut:
    """Balas pesan Inspektorat (pelapor)"""
    return reporter.reporter_reply(_reporter(ctx), body.text, ctx.request_id)


@api.route("/reporter/evidence", "POST", public=True, errors=(401,), status=201)
def reporter_add_evidence(ctx: Ctx, body: models.EvidenceIn) -> models.EvidenceUpload:
    """Tautan unggah bukti (JPEG, PNG, PDF; maks. 10 MB)"""
    return uploads.reporter_add_evidence(_reporter(ctx), body, ctx.request_id)


@api.route("/reporter/evidence/{file_id}/confirm", "POST", public=True, errors=(401,))
def reporter_confirm_evidence(ctx: Ctx, file_id: str) -> models.EvidenceOut:
    """Konfirmasi unggahan: metadata gambar (EXIF, GPS) dihapus"""
    return uploads.reporter_confirm_evidence(_reporter(ctx), file_id, ctx.request_id)


@api.route("/stats", public=True)
def stats(ctx: Ctx, query: models.StatsQuery) -> models.StatsOut:
    """Angka tahunan (tanpa isi)"""
    return retention.stats(query.year)


# -- Inspektorat --------------------------------------------------------------------------------


@api.route("/reports", roles=STAFF)
def list_reports(ctx: Ctx, query: models.ReportQuery) -> models.ReportPage:
    """Daftar laporan"""
    return staff.list_reports(ctx.user, query, ctx.request_id)


@api.route("/reports/{report_id}", roles=STAFF)
def get_report(ctx: Ctx, report_id: str) -> models.ReportDetail:
    """Isi laporan"""
    return staff.get_report(ctx.user, report_id, ctx.request_id)


@api.route("/reports/{report_id}/assign", "POST", roles=HEAD)
def assign(ctx: Ctx, report_id: str, body: models.AssignIn) -> models.ReportSummary:
    """Tugaskan penangan (Kepala Inspektorat)"""
    return staff.assign(ctx.user, report_id, body.handler_nip, ctx.request_id)


@api.route("/reports/{report_id}/status", "POST", roles=STAFF)
def change_status(ctx: Ctx, report_id: str, body: models.TransitionIn) -> models.ReportSummary:
    """Ubah status (diterima -> verifikasi -> investigasi/dilimpahkan -> selesai, atau ditolak)"""
    return staff.transition(ctx.user, report_id, body, ctx.request_id)


@api.route("/reports/{report_id}/notes", roles=STAFF)
def list_notes(ctx: Ctx, report_id: str, query: models.PageIn) -> models.NotePage:
    """Catatan internal"""
    return staff.list_notes(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route("/reports/{report_id}/notes", "POST", roles=STAFF, status=201)
def add_note(ctx: Ctx, report_id: str, body: models.NoteIn) -> models.NoteOut:
    """Tambah catatan internal (tidak terlihat pelapor)"""
    return staff.add_note(ctx.user, report_id, body.text, ctx.request_id)


@api.route("/reports/{report_id}/messages", roles=STAFF)
def list_messages(ctx: Ctx, report_id: str, query: models.PageIn) -> models.MessagePage:
    """Pesan"""
    return staff.list_messages(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route("/reports/{report_id}/messages", "POST", roles=STAFF, status=201)
def send_message(ctx: Ctx, report_id: str, body: models.MessageIn) -> models.MessageOut:
    """Kirim pesan ke pelapor"""
    return staff.send_message(ctx.user, report_id, body.text, ctx.request_id)


@api.route("/reports/{report_id}/evidence", roles=STAFF)
def list_evidence(ctx: Ctx, report_id: str, query: models.PageIn) -> models.EvidencePage:
    """Bukti"""
    return uploads.list_evidence(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route("/reports/{report_id}/evidence/{file_id}", roles=STAFF)
def download_evidence(ctx: Ctx, report_id: str, file_id: str) -> models.DownloadOut:
    """Tautan unduh satu bukti (5 menit)"""
    return uploads.download_evidence(ctx.user, report_id, file_id, ctx.request_id)


@api.route("/reports/{report_id}/audit", roles=DESKS)
def audit_trail(ctx: Ctx, report_id: str, query: models.PageIn) -> models.AuditPage:
    """Jejak audit"""
    return staff.audit_trail(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route("/retention/due", roles=HEAD)
def retention_due(ctx: Ctx, query: models.DueQuery) -> models.DuePage:
    """Laporan yang akan dimusnahkan (default 30 hari ke depan)"""
    return retention.due_for_purge(
        ctx.user, Status(query.status), query.days_ahead, query.limit, query.cursor, ctx.request_id
    )


@app.schedule(PURGE_CRON, name="wbs_purge", description="Purge WBS reports past retention")
def purge(event: Any) -> dict[str, Any]:
    return service.purge(request_id=getattr(event, "event_id", None)).model_dump()
