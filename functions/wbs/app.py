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

from chalice.app import Chalice, Request, Response

from replika.core import runtime
from replika.core.auth import Role
from replika.core.calendar import local_time_to_utc_cron
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_module
from replika.wbs import reporter, service
from replika.wbs.models import (
    AssignIn,
    AuditPage,
    ChallengeOut,
    DownloadOut,
    DuePage,
    DueQuery,
    EvidenceIn,
    EvidenceOut,
    EvidencePage,
    EvidenceUpload,
    MessageIn,
    MessageOut,
    MessagePage,
    NoteIn,
    NoteOut,
    NotePage,
    PageIn,
    ReceiptIn,
    ReportCreated,
    ReportDetail,
    ReporterView,
    ReportIn,
    ReportPage,
    ReportQuery,
    ReportSummary,
    SessionOut,
    StatsOut,
    StatsQuery,
    TransitionIn,
)
from replika.wbs.rules import ESCALATION_ROLES, STAFF_ROLES, Status

if TYPE_CHECKING:
    from replika.wbs import retention, staff, uploads
else:  # loaded by the first request that needs them (cold start)
    retention = lazy_module("replika.wbs.retention")
    staff = lazy_module("replika.wbs.staff")
    uploads = lazy_module("replika.wbs.uploads")

runtime.init("wbs")  # validates the environment against the manifest: fails here, loudly
app = Chalice(app_name="replika-wbs")
api = Api(app, title="replika WBS", base_path="/wbs")


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


@api.route(
    "/reports",
    "POST",
    public=True,
    body=ReportIn,
    response=ReportCreated,
    status=201,
    summary="Laporkan pelanggaran tanpa akun; kode resi ditampilkan sekali",
)
def create_report(ctx: Ctx, body: ReportIn) -> ReportCreated:
    return reporter.create_report(body, ctx.request_id)


@api.route(
    "/reporter/session",
    "POST",
    public=True,
    errors=(401, 429),  # a wrong receipt; too many tries (the receipt is guessed at: rate-limited)
    body=ReceiptIn,
    response=SessionOut,
    summary="Tukar kode resi dengan token sesi pelapor (15 menit)",
)
def reporter_session(ctx: Ctx, body: ReceiptIn) -> SessionOut:
    return service.exchange_receipt(body.receipt, ctx.request_id, body.pow_challenge, body.pow_nonce)


@api.route(
    "/reporter/challenge",
    public=True,
    response=ChallengeOut,
    summary="Tantangan proof of work untuk penukaran kode resi (saat percobaan salah tinggi)",
)
def reporter_challenge(ctx: Ctx) -> ChallengeOut:
    return service.challenge()


@api.route(
    "/reporter/report",
    public=True,
    errors=(401,),  # no or a wrong reporter token (x-wbs-token)
    response=ReporterView,
    summary="Status laporan (pelapor)",
)
def reporter_report(ctx: Ctx) -> ReporterView:
    return reporter.reporter_view(_reporter(ctx), ctx.request_id)


@api.route(
    "/reporter/messages",
    public=True,
    errors=(401,),  # no or a wrong reporter token (x-wbs-token)
    query=PageIn,
    response=MessagePage,
    summary="Pesan (pelapor)",
)
def reporter_messages(ctx: Ctx, query: PageIn) -> MessagePage:
    return reporter.reporter_messages(_reporter(ctx), query.limit, query.cursor, ctx.request_id)


@api.route(
    "/reporter/messages",
    "POST",
    public=True,
    errors=(401,),  # no or a wrong reporter token (x-wbs-token)
    body=MessageIn,
    response=MessageOut,
    status=201,
    summary="Balas pesan Inspektorat (pelapor)",
)
def reporter_reply(ctx: Ctx, body: MessageIn) -> MessageOut:
    return reporter.reporter_reply(_reporter(ctx), body.text, ctx.request_id)


@api.route(
    "/reporter/evidence",
    "POST",
    public=True,
    errors=(401,),  # no or a wrong reporter token (x-wbs-token)
    body=EvidenceIn,
    response=EvidenceUpload,
    status=201,
    summary="Tautan unggah bukti (JPEG, PNG, PDF; maks. 10 MB)",
)
def reporter_add_evidence(ctx: Ctx, body: EvidenceIn) -> EvidenceUpload:
    return uploads.reporter_add_evidence(_reporter(ctx), body, ctx.request_id)


@api.route(
    "/reporter/evidence/{file_id}/confirm",
    "POST",
    public=True,
    errors=(401,),  # no or a wrong reporter token (x-wbs-token)
    response=EvidenceOut,
    summary="Konfirmasi unggahan: metadata gambar (EXIF, GPS) dihapus",
)
def reporter_confirm_evidence(ctx: Ctx, file_id: str) -> EvidenceOut:
    return uploads.reporter_confirm_evidence(_reporter(ctx), file_id, ctx.request_id)


@api.route("/stats", public=True, query=StatsQuery, response=StatsOut, summary="Angka tahunan (tanpa isi)")
def stats(ctx: Ctx, query: StatsQuery) -> StatsOut:
    return retention.stats(query.year)


# -- Inspektorat --------------------------------------------------------------------------------


@api.route("/reports", roles=STAFF, query=ReportQuery, response=ReportPage, summary="Daftar laporan")
def list_reports(ctx: Ctx, query: ReportQuery) -> ReportPage:
    return staff.list_reports(ctx.user, query, ctx.request_id)


@api.route("/reports/{report_id}", roles=STAFF, response=ReportDetail, summary="Isi laporan")
def get_report(ctx: Ctx, report_id: str) -> ReportDetail:
    return staff.get_report(ctx.user, report_id, ctx.request_id)


@api.route(
    "/reports/{report_id}/assign",
    "POST",
    roles=HEAD,
    body=AssignIn,
    response=ReportSummary,
    summary="Tugaskan penangan (Kepala Inspektorat)",
)
def assign(ctx: Ctx, report_id: str, body: AssignIn) -> ReportSummary:
    return staff.assign(ctx.user, report_id, body.handler_nip, ctx.request_id)


@api.route(
    "/reports/{report_id}/status",
    "POST",
    roles=STAFF,
    body=TransitionIn,
    response=ReportSummary,
    summary="Ubah status (diterima -> verifikasi -> investigasi/dilimpahkan -> selesai, atau ditolak)",
)
def change_status(ctx: Ctx, report_id: str, body: TransitionIn) -> ReportSummary:
    return staff.transition(ctx.user, report_id, body, ctx.request_id)


@api.route(
    "/reports/{report_id}/notes", roles=STAFF, query=PageIn, response=NotePage, summary="Catatan internal"
)
def list_notes(ctx: Ctx, report_id: str, query: PageIn) -> NotePage:
    return staff.list_notes(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route(
    "/reports/{report_id}/notes",
    "POST",
    roles=STAFF,
    body=NoteIn,
    response=NoteOut,
    status=201,
    summary="Tambah catatan internal (tidak terlihat pelapor)",
)
def add_note(ctx: Ctx, report_id: str, body: NoteIn) -> NoteOut:
    return staff.add_note(ctx.user, report_id, body.text, ctx.request_id)


@api.route("/reports/{report_id}/messages", roles=STAFF, query=PageIn, response=MessagePage, summary="Pesan")
def list_messages(ctx: Ctx, report_id: str, query: PageIn) -> MessagePage:
    return staff.list_messages(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route(
    "/reports/{report_id}/messages",
    "POST",
    roles=STAFF,
    body=MessageIn,
    response=MessageOut,
    status=201,
    summary="Kirim pesan ke pelapor",
)
def send_message(ctx: Ctx, report_id: str, body: MessageIn) -> MessageOut:
    return staff.send_message(ctx.user, report_id, body.text, ctx.request_id)


@api.route("/reports/{report_id}/evidence", roles=STAFF, query=PageIn, response=EvidencePage, summary="Bukti")
def list_evidence(ctx: Ctx, report_id: str, query: PageIn) -> EvidencePage:
    return uploads.list_evidence(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route(
    "/reports/{report_id}/evidence/{file_id}",
    roles=STAFF,
    response=DownloadOut,
    summary="Tautan unduh satu bukti (5 menit)",
)
def download_evidence(ctx: Ctx, report_id: str, file_id: str) -> DownloadOut:
    return uploads.download_evidence(ctx.user, report_id, file_id, ctx.request_id)


@api.route("/reports/{report_id}/audit", roles=DESKS, query=PageIn, response=AuditPage, summary="Jejak audit")
def audit_trail(ctx: Ctx, report_id: str, query: PageIn) -> AuditPage:
    return staff.audit_trail(ctx.user, report_id, query.limit, query.cursor, ctx.request_id)


@api.route(
    "/retention/due",
    roles=HEAD,
    query=DueQuery,
    response=DuePage,
    summary="Laporan yang akan dimusnahkan (default 30 hari ke depan)",
)
def retention_due(ctx: Ctx, query: DueQuery) -> DuePage:
    return retention.due_for_purge(
        ctx.user, Status(query.status), query.days_ahead, query.limit, query.cursor, ctx.request_id
    )


@app.schedule(PURGE_CRON, name="wbs_purge", description="Purge WBS reports past retention")
def purge(event: Any) -> dict[str, Any]:
    return service.purge(request_id=getattr(event, "event_id", None)).model_dump()
