"""e-Remunerasi / E-RK app (`/remunerasi`): activity catalogue, daily activity log, supervisor
decisions, attendance, the monthly TKD run, slips/sheets and dashboards.

Thin adapter: parse, check role, call the use cases in :mod:`replika.remunerasi`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, CloudWatchEvent, SQSEvent

from replika.core import runtime
from replika.core.auth import Role
from replika.core.calendar import parse_utc_iso
from replika.core.errors import BadRequest
from replika.core.http import Api, Ctx, PathPattern, parse_model
from replika.core.lazy import lazy_module
from replika.core.pagination import PageQuery
from replika.core.runtime import get_settings
from replika.remunerasi import rules, service
from replika.remunerasi.models import (
    PERIOD,
    ActingIn,
    ActingOut,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityUpdate,
    AttendanceImportOut,
    AttendanceMonthOut,
    BehaviourIn,
    BehaviourOut,
    DecisionIn,
    DecisionOut,
    DeleteQuery,
    EmployeeDashboardOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    EntryQuery,
    EvidenceUploadIn,
    ImportSummary,
    LinkOut,
    OpdDashboardOut,
    OutputsOut,
    PendingQuery,
    PeriodQuery,
    ResultOut,
    ResultPage,
    ResultQuery,
    RunActionIn,
    RunOut,
    SentenceIn,
    SentenceOut,
    SheetQuery,
    UploadOut,
    periods_from,
)
from replika.remunerasi.schedule import payroll_schedule_expression

if TYPE_CHECKING:
    from replika.remunerasi import dashboards, payroll
    from replika.remunerasi.payroll import outputs
else:  # loaded by the first request that needs them (cold start)
    dashboards = lazy_module("replika.remunerasi.dashboards")
    payroll = lazy_module("replika.remunerasi.payroll")
    outputs = lazy_module("replika.remunerasi.payroll.outputs")

runtime.init("remunerasi")  # validates the environment against the manifest: fails here, loudly
app = Chalice(app_name="replika-remunerasi")
#: A period in a path is a month (YYYY-MM): anything else is a client's input error (400
#: validation_failed); an action is one of the run's actions: anything else names no action (404).
#: The document states both patterns and both statuses.
api = Api(
    app,
    title="replika e-Remunerasi",
    base_path="/remunerasi",
    path_patterns={
        "period": PathPattern(PERIOD, status=400),
        "action": "^(" + "|".join(a.value for a in rules.PayrollAction) + ")$",
    },
)
HR = (Role.ADMIN, Role.BKPSDM)
CSV = ("text/csv",)


# -- activity catalogue ---------------------------------------------------------------------------
@api.route("/activities", query=PageQuery, response=ActivityPage, summary="Katalog kegiatan")
def list_activities(ctx: Ctx, query: PageQuery) -> ActivityPage:
    return service.list_activities(query.limit, query.cursor)


@api.route(
    "/activities",
    "POST",
    roles=HR,
    body=ActivityIn,
    response=ActivityOut,
    status=201,
    summary="Tambah kegiatan ke katalog",
)
def create_activity(ctx: Ctx, body: ActivityIn) -> ActivityOut:
    return service.put_activity(
        body, actor=service.actor_of(ctx.user), expected_version=None, request_id=ctx.request_id
    )


@api.route(
    "/activities/{code}",
    "PUT",
    roles=HR,
    body=ActivityUpdate,
    response=ActivityOut,
    summary="Ubah kegiatan (versi harus sama)",
)
def update_activity(ctx: Ctx, code: str, body: ActivityUpdate) -> ActivityOut:
    if body.code != code:
        raise BadRequest("Kode di alamat dan di isi berbeda.", code="code_mismatch")
    return service.put_activity(
        ActivityIn(**body.model_dump(exclude={"version"})),
        actor=service.actor_of(ctx.user),
        expected_version=body.version,
        request_id=ctx.request_id,
    )


@api.route(
    "/activities/import",
    "POST",
    roles=HR,
    raw_body=CSV,
    response=ImportSummary,
    idempotent=True,
    summary="Impor katalog kegiatan (CSV, semua atau tidak sama sekali)",
    raw_example="kode,nama,menit,jabatan\nK1,Kegiatan satu,30,\n",
)
def import_activities(ctx: Ctx) -> ImportSummary:
    return service.import_activities(
        ctx.raw_body, actor=service.actor_of(ctx.user), request_id=ctx.request_id
    )


# -- daily activity log ---------------------------------------------------------------------------
@api.route(
    "/entries",
    "POST",
    errors=(404,),  # an unknown activity or employee
    body=EntryIn,
    response=EntryOut,
    status=201,
    idempotent=True,
    summary="Catat kegiatan harian",
)
def create_entry(ctx: Ctx, body: EntryIn) -> EntryOut:
    return service.create_entry(ctx.user, body)


@api.route(
    "/entries/evidence-upload",
    "POST",
    errors=(404,),  # the caller is not in the directory
    body=EvidenceUploadIn,
    response=UploadOut,
    summary="Tautan unggah bukti kegiatan (JPEG/PNG/PDF, maks. 5 MB)",
)
def evidence_upload(ctx: Ctx, body: EvidenceUploadIn) -> UploadOut:
    return service.evidence_upload(ctx.user, body)


@api.route(
    "/me/entries", query=EntryQuery, errors=(404,), response=EntryPage, summary="Kegiatan saya per periode"
)
def my_entries(ctx: Ctx, query: EntryQuery) -> EntryPage:
    return service.list_entries(ctx.user, ctx.user.nip or "-", query.period, query.limit, query.cursor)


@api.route(
    "/employees/{nip}/entries",
    query=EntryQuery,
    response=EntryPage,
    summary="Kegiatan pegawai (pegawai itu, atasannya, BKPSDM)",
)
def employee_entries(ctx: Ctx, nip: str, query: EntryQuery) -> EntryPage:
    return service.list_entries(ctx.user, nip, query.period, query.limit, query.cursor)


@api.route(
    "/entries/{nip}/{entry_id}",
    "PATCH",
    body=EntryPatch,
    response=EntryOut,
    summary="Ubah kegiatan yang masih menunggu",
)
def update_entry(ctx: Ctx, nip: str, entry_id: str, body: EntryPatch) -> EntryOut:
    return service.update_entry(ctx.user, nip, entry_id, body)


@api.route(
    "/entries/{nip}/{entry_id}",
    "DELETE",
    query=DeleteQuery,
    status=204,
    summary="Hapus kegiatan yang masih menunggu",
)
def delete_entry(ctx: Ctx, nip: str, entry_id: str, query: DeleteQuery) -> None:
    service.delete_entry(ctx.user, nip, entry_id, query.version)


# -- supervisor -----------------------------------------------------------------------------------
@api.route("/pending", query=PendingQuery, response=EntryPage, summary="Antrian persetujuan atasan")
def pending(ctx: Ctx, query: PendingQuery) -> EntryPage:
    return service.pending_queue(ctx.user, query.limit, query.cursor)


@api.route(
    "/decisions",
    "POST",
    errors=(404,),  # an entry that does not exist
    body=DecisionIn,
    response=DecisionOut,
    idempotent=True,
    summary="Setujui / tolak / batalkan persetujuan (1-100 kegiatan)",
)
def decide(ctx: Ctx, body: DecisionIn) -> DecisionOut:
    return service.decide(ctx.user, body, request_id=ctx.request_id)


@api.route(
    "/acting",
    "POST",
    roles=HR,
    errors=(404,),  # an employee who is not in the directory
    body=ActingIn,
    response=ActingOut,
    status=201,
    summary="Tetapkan Plt atasan untuk rentang tanggal",
)
def assign_acting(ctx: Ctx, body: ActingIn) -> ActingOut:
    return service.assign_acting(body, actor=service.actor_of(ctx.user), request_id=ctx.request_id)


@api.route(
    "/employees/{nip}/behaviour/{period}",
    "PUT",
    body=BehaviourIn,
    response=BehaviourOut,
    summary="Nilai perilaku bulanan oleh atasan",
)
def rate_behaviour(ctx: Ctx, nip: str, period: str, body: BehaviourIn) -> BehaviourOut:
    return service.rate_behaviour(ctx.user, nip, _period(period), body.score, request_id=ctx.request_id)


# -- attendance and discipline --------------------------------------------------------------------
@api.route(
    "/attendance/import",
    "POST",
    roles=HR,
    raw_body=CSV,
    response=AttendanceImportOut,
    idempotent=True,
    summary="Impor absensi sidik jari / cuti / dinas luar / sakit (CSV)",
    raw_example="nip,tanggal,masuk,pulang\n199711112019052555,2026-11-19,07:45,16:00\n",
)
def import_attendance(ctx: Ctx) -> AttendanceImportOut:
    return service.import_attendance(
        ctx.raw_body, actor=service.actor_of(ctx.user), request_id=ctx.request_id
    )


@api.route(
    "/employees/{nip}/attendance",
    query=PeriodQuery,
    response=AttendanceMonthOut,
    summary="Absensi pegawai per periode",
)
def attendance(ctx: Ctx, nip: str, query: PeriodQuery) -> AttendanceMonthOut:
    return service.attendance_month(ctx.user, nip, query.period)


@api.route(
    "/sentences",
    "POST",
    errors=(404,),  # an unknown employee
    roles=HR,
    body=SentenceIn,
    response=SentenceOut,
    status=201,
    summary="Catat hukuman disiplin",
)
def record_sentence(ctx: Ctx, body: SentenceIn) -> SentenceOut:
    return service.record_sentence(body, actor=service.actor_of(ctx.user), request_id=ctx.request_id)


# -- the monthly run ------------------------------------------------------------------------------
FINANCE_VIEW = (Role.ADMIN, Role.BKPSDM, Role.BPKAD)


@api.on_document
def _region_go_live(doc: dict[str, Any]) -> None:
    """A run starts only from the region's go-live month (earlier: 400 before_go_live): the
    document's pattern for that period says which months."""
    for param in doc["paths"]["/payroll/{period}/run"]["post"]["parameters"]:
        if param["name"] == "period":
            param["schema"]["pattern"] = periods_from(service.region().remunerasi.go_live)


def _period(period: str) -> str:
    # parse_model: a bad period in the path is a 400 with field details, not pydantic's own error
    return parse_model(PeriodQuery, {"period": period}).period


@api.route(
    "/payroll/{period}/run",
    "POST",
    roles=(Role.BKPSDM,),
    errors=(400,),  # a period before the region's go-live month
    response=RunOut,
    status=202,
    summary="Mulai perhitungan TKD periode (dilanjutkan pekerja SQS)",
)
def start_run(ctx: Ctx, period: str) -> RunOut:
    return payroll.start_run(
        _period(period), actor=service.actor_of(ctx.user), request_id=ctx.request_id, config=service.region()
    )


@api.route("/payroll/{period}", roles=FINANCE_VIEW, response=RunOut, summary="Status perhitungan TKD")
def get_run(ctx: Ctx, period: str) -> RunOut:
    return payroll.get_run(_period(period), ctx.user)


@api.route(
    "/payroll/{period}/actions/{action}",
    "POST",
    roles=(Role.BKPSDM, Role.BPKAD),
    body=RunActionIn,
    response=RunOut,
    summary="verify (BKPSDM; acknowledges missing attendance days) / approve, lock (BPKAD) / recompute",
)
def run_action(ctx: Ctx, period: str, action: str, body: RunActionIn) -> RunOut:
    ack = body.acknowledge_missing
    return payroll.act(
        _period(period),
        action,
        ctx.user,
        request_id=ctx.request_id,
        config=service.region(),
        acknowledge=None if ack is None else rules.MissingAcknowledgement(ack.reason, ack.missing_days),
    )


@api.route(
    "/payroll/{period}/results",
    query=ResultQuery,
    roles=FINANCE_VIEW,
    response=ResultPage,
    summary="Hasil perhitungan per pegawai",
)
def list_results(ctx: Ctx, period: str, query: ResultQuery) -> ResultPage:
    return payroll.list_results(_period(period), query.opd, query.limit, query.cursor)


@api.route(
    "/payroll/{period}/results/{nip}", roles=FINANCE_VIEW, response=ResultOut, summary="Hasil satu pegawai"
)
def get_result(ctx: Ctx, period: str, nip: str) -> ResultOut:
    return payroll.get_result(_period(period), nip)


@api.route(
    "/payroll/{period}/results/{nip}/recompute",
    "POST",
    roles=(Role.BKPSDM,),
    response=ResultOut,
    summary="Hitung ulang satu pegawai",
)
def recompute_employee(ctx: Ctx, period: str, nip: str) -> ResultOut:
    return payroll.recompute_employee(
        _period(period),
        nip,
        actor=service.actor_of(ctx.user),
        config=service.region(),
        request_id=ctx.request_id,
    )


@api.route(
    "/payroll/{period}/outputs",
    roles=FINANCE_VIEW,
    response=OutputsOut,
    summary="Berkas daftar TKD (XLSX) generasi terakhir",
)
def list_outputs(ctx: Ctx, period: str) -> OutputsOut:
    return outputs.outputs_of(_period(period), ctx.user)


@api.route("/payroll/{period}/slips/{nip}", response=LinkOut, summary="Tautan unduh slip TKD (PDF)")
def slip(ctx: Ctx, period: str, nip: str) -> LinkOut:
    return outputs.slip_link(_period(period), nip, ctx.user, region=service.region())


@api.route(
    "/payroll/{period}/sheets",
    query=SheetQuery,
    response=LinkOut,
    summary="Tautan unduh daftar TKD (XLSX) per OPD / daerah",
)
def sheet(ctx: Ctx, period: str, query: SheetQuery) -> LinkOut:
    return outputs.sheet_link(_period(period), query.opd, ctx.user)


# -- dashboards -----------------------------------------------------------------------------------
@api.route(
    "/dashboards/opd", query=PeriodQuery, response=OpdDashboardOut, summary="Beban kerja OPD per periode"
)
def opd_dashboard(ctx: Ctx, query: PeriodQuery) -> OpdDashboardOut:
    return dashboards.opd_dashboard_for(ctx.user, query.period, service.region())


@api.route(
    "/dashboards/employees/{nip}",
    response=EmployeeDashboardOut,
    summary="Menit bulan ini, target, dan proyeksi tunjangan",
)
def employee_dashboard(ctx: Ctx, nip: str) -> EmployeeDashboardOut:
    cfg = service.region()
    return dashboards.employee_dashboard_for(
        ctx.user, nip, config=cfg, today_local=service.calendar(cfg).today()
    )


@api.route("/dashboards/me", response=EmployeeDashboardOut, errors=(404,), summary="Dasbor saya")
def my_dashboard(ctx: Ctx) -> EmployeeDashboardOut:
    return employee_dashboard(ctx, ctx.user.nip or "-")


# -- schedule and queue ---------------------------------------------------------------------------
# The 1st of each month at 01:00 region time, as an EventBridge (UTC) cron.
MONTHLY_PAYROLL = payroll_schedule_expression(service.region())


@app.schedule(MONTHLY_PAYROLL, name="monthly_payroll")
def monthly_payroll(event: CloudWatchEvent) -> None:
    payroll.scheduled_run(parse_utc_iso(event.time), config=service.region())


_QUEUE_ARN = get_settings().payroll_queue_arn or "arn:aws:sqs:ap-southeast-3:000000000000:replika-payroll"


@app.on_sqs_message(queue_arn=_QUEUE_ARN, batch_size=1, name="payroll_worker")
def payroll_worker(event: SQSEvent) -> None:
    """One chunk per message: contention re-sends it in seconds, another failure makes it visible
    again in 30 s or more (then the DLQ); see ``payroll.worker.handle_sqs_records``."""
    payroll.handle_sqs_records((r.to_dict() for r in event), config=service.region())
