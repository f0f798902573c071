"""e-Remunerasi / E-RK app (`/remunerasi`): activity catalogue, daily activity log, supervisor
decisions, attendance, the monthly TKD run, slips/sheets and dashboards.

Thin adapter: parse, check role, call the use cases in :mod:`replika.remunerasi`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import CloudWatchEvent, SQSEvent

from replika.core.auth import Role
from replika.core.calendar import parse_utc_iso
from replika.core.errors import BadRequest
from replika.core.http import Api, Ctx, PathPattern, parse_model
from replika.core.lazy import lazy_module
from replika.core.pagination import PageQuery
from replika.core.runtime import get_settings
from replika.remunerasi import models, rules, service
from replika.remunerasi.schedule import payroll_schedule_expression

if TYPE_CHECKING:
    from replika.remunerasi import dashboards, payroll
    from replika.remunerasi.payroll import outputs
else:  # loaded by the first request that needs them (cold start)
    dashboards = lazy_module("replika.remunerasi.dashboards")
    payroll = lazy_module("replika.remunerasi.payroll")
    outputs = lazy_module("replika.remunerasi.payroll.outputs")

#: A period in a path is a month (YYYY-MM): anything else is a client's input error (400
#: validation_failed); an action is one of the run's actions: anything else names no action (404).
#: The document states both patterns and both statuses.
api = Api.for_app(
    "remunerasi",
    title="replika e-Remunerasi",
    path_patterns={
        "period": PathPattern(models.PERIOD, status=400),
        "action": "^(" + "|".join(a.value for a in rules.PayrollAction) + ")$",
    },
)
app = api.app
HR = (Role.ADMIN, Role.BKPSDM)
CSV = ("text/csv",)


# -- activity catalogue ---------------------------------------------------------------------------
@api.route("/activities")
def list_activities(ctx: Ctx, query: PageQuery) -> models.ActivityPage:
    """Katalog kegiatan"""
    return service.list_activities(query.limit, query.cursor)


@api.route("/activities", "POST", roles=HR, status=201)
def create_activity(ctx: Ctx, body: models.ActivityIn) -> models.ActivityOut:
    """Tambah kegiatan ke katalog"""
    return service.put_activity(
        body, actor=service.actor_of(ctx.user), expected_version=None, request_id=ctx.request_id
    )


@api.route("/activities/{code}", "PUT", roles=HR)
def update_activity(ctx: Ctx, code: str, body: models.ActivityUpdate) -> models.ActivityOut:
    """Ubah kegiatan (versi harus sama)"""
    if body.code != code:
        raise BadRequest("Kode di alamat dan di isi berbeda.", code="code_mismatch")
    return service.put_activity(
        models.ActivityIn(**body.model_dump(exclude={"version"})),
        actor=service.actor_of(ctx.user),
        expected_version=body.version,
        request_id=ctx.request_id,
    )


@api.route(
    "/activities/import",
    "POST",
    roles=HR,
    raw_body=CSV,
    idempotent=True,
    raw_example="kode,nama,menit,jabatan\nK1,Kegiatan satu,30,\n",
)
def import_activities(ctx: Ctx) -> models.ImportSummary:
    """Impor katalog kegiatan (CSV, semua atau tidak sama sekali)"""
    return service.import_activities(
        ctx.raw_body, actor=service.actor_of(ctx.user), request_id=ctx.request_id
    )


# -- daily activity log ---------------------------------------------------------------------------
@api.route("/entries", "POST", errors=(404,), status=201, idempotent=True)
def create_entry(ctx: Ctx, body: models.EntryIn) -> models.EntryOut:
    """Catat kegiatan harian"""
    return service.create_entry(ctx.user, body)


@api.route("/entries/evidence-upload", "POST", errors=(404,))
def evidence_upload(ctx: Ctx, body: models.EvidenceUploadIn) -> models.UploadOut:
    """Tautan unggah bukti kegiatan (JPEG/PNG/PDF, maks. 5 MB)"""
    return service.evidence_upload(ctx.user, body)


@api.route("/me/entries", errors=(404,))
def my_entries(ctx: Ctx, query: models.EntryQuery) -> models.EntryPage:
    """Kegiatan saya per periode"""
    return service.list_entries(ctx.user, ctx.user.nip or "-", query.period, query.limit, query.cursor)


@api.route("/employees/{nip}/entries")
def employee_entries(ctx: Ctx, nip: str, query: models.EntryQuery) -> models.EntryPage:
    """Kegiatan pegawai (pegawai itu, atasannya, BKPSDM)"""
    return service.list_entries(ctx.user, nip, query.period, query.limit, query.cursor)


@api.route("/entries/{nip}/{entry_id}", "PATCH")
def update_entry(ctx: Ctx, nip: str, entry_id: str, body: models.EntryPatch) -> models.EntryOut:
    """Ubah kegiatan yang masih menunggu"""
    return service.update_entry(ctx.user, nip, entry_id, body)


@api.route("/entries/{nip}/{entry_id}", "DELETE", status=204)
def delete_entry(ctx: Ctx, nip: str, entry_id: str, query: models.DeleteQuery) -> None:
    """Hapus kegiatan yang masih menunggu"""
    service.delete_entry(ctx.user, nip, entry_id, query.version)


# -- supervisor -----------------------------------------------------------------------------------
@api.route("/pending")
def pending(ctx: Ctx, query: models.PendingQuery) -> models.EntryPage:
    """Antrian persetujuan atasan"""
    return service.pending_queue(ctx.user, query.limit, query.cursor)


@api.route("/decisions", "POST", errors=(404,), idempotent=True)
def decide(ctx: Ctx, body: models.DecisionIn) -> models.DecisionOut:
    """Setujui / tolak / batalkan persetujuan (1-100 kegiatan)"""
    return service.decide(ctx.user, body, request_id=ctx.request_id)


@api.route("/acting", "POST", roles=HR, errors=(404,), status=201)
def assign_acting(ctx: Ctx, body: models.ActingIn) -> models.ActingOut:
    """Tetapkan Plt atasan untuk rentang tanggal"""
    return service.assign_acting(body, actor=service.actor_of(ctx.user), request_id=ctx.request_id)


@api.route("/employees/{nip}/behaviour/{period}", "PUT")
def rate_behaviour(ctx: Ctx, nip: str, period: str, body: models.BehaviourIn) -> models.BehaviourOut:
    """Nilai perilaku bulanan oleh atasan"""
    return service.rate_behaviour(ctx.user, nip, _period(period), body.score, request_id=ctx.request_id)


# -- attendance and discipline --------------------------------------------------------------------
@api.route(
    "/attendance/import",
    "POST",
    roles=HR,
    raw_body=CSV,
    idempotent=True,
    raw_example="nip,tanggal,masuk,pulang\n199711112019052555,2026-11-19,07:45,16:00\n",
)
def import_attendance(ctx: Ctx) -> models.AttendanceImportOut:
    """Impor absensi sidik jari / cuti / dinas luar / sakit (CSV)"""
    return service.import_attendance(
        ctx.raw_body, actor=service.actor_of(ctx.user), request_id=ctx.request_id
    )


@api.route("/employees/{nip}/attendance")
def attendance(ctx: Ctx, nip: str, query: models.PeriodQuery) -> models.AttendanceMonthOut:
    """Absensi pegawai per periode"""
    return service.attendance_month(ctx.user, nip, query.period)


@api.route("/sentences", "POST", errors=(404,), roles=HR, status=201)
def record_sentence(ctx: Ctx, body: models.SentenceIn) -> models.SentenceOut:
    """Catat hukuman disiplin"""
    return service.record_sentence(body, actor=service.actor_of(ctx.user), request_id=ctx.request_id)


# -- the monthly run ------------------------------------------------------------------------------
FINANCE_VIEW = (Role.ADMIN, Role.BKPSDM, Role.BPKAD)


@api.on_document
def _region_go_live(doc: dict[str, Any]) -> None:
    """A run starts only from the region's go-live month (earlier: 400 before_go_live): the
    document's pattern for that period says which months."""
    for param in doc["paths"]["/payroll/{period}/run"]["post"]["parameters"]:
        if param["name"] == "period":
            param["schema"]["pattern"] = models.periods_from(service.region().remunerasi.go_live)


def _period(period: str) -> str:
    # parse_model: a bad period in the path is a 400 with field details, not pydantic's own error
    return parse_model(models.PeriodQuery, {"period": period}).period


@api.route("/payroll/{period}/run", "POST", roles=(Role.BKPSDM,), errors=(400,), status=202)
def start_run(ctx: Ctx, period: str) -> models.RunOut:
    """Mulai perhitungan TKD periode (dilanjutkan pekerja SQS)"""
    return payroll.start_run(
        _period(period), actor=service.actor_of(ctx.user), request_id=ctx.request_id, config=service.region()
    )


@api.route("/payroll/{period}", roles=FINANCE_VIEW)
def get_run(ctx: Ctx, period: str) -> models.RunOut:
    """Status perhitungan TKD"""
    return payroll.get_run(_period(period), ctx.user)


@api.route("/payroll/{period}/actions/{action}", "POST", roles=(Role.BKPSDM, Role.BPKAD))
def run_action(ctx: Ctx, period: str, action: str, body: models.RunActionIn) -> models.RunOut:
    """verify (BKPSDM; acknowledges missing attendance days) / approve, lock (BPKAD) / recompute"""
    ack = body.acknowledge_missing
    return payroll.act(
        _period(period),
        action,
        ctx.user,
        request_id=ctx.request_id,
        config=service.region(),
        acknowledge=None if ack is None else rules.MissingAcknowledgement(ack.reason, ack.missing_days),
    )


@api.route("/payroll/{period}/results", roles=FINANCE_VIEW)
def list_results(ctx: Ctx, period: str, query: models.ResultQuery) -> models.ResultPage:
    """Hasil perhitungan per pegawai"""
    return payroll.list_results(_period(period), query.opd, query.limit, query.cursor)


@api.route("/payroll/{period}/results/{nip}", roles=FINANCE_VIEW)
def get_result(ctx: Ctx, period: str, nip: str) -> models.ResultOut:
    """Hasil satu pegawai"""
    return payroll.get_result(_period(period), nip)


@api.route("/payroll/{period}/results/{nip}/recompute", "POST", roles=(Role.BKPSDM,))
def recompute_employee(ctx: Ctx, period: str, nip: str) -> models.ResultOut:
    """Hitung ulang satu pegawai"""
    return payroll.recompute_employee(
        _period(period),
        nip,
        actor=service.actor_of(ctx.user),
        config=service.region(),
        request_id=ctx.request_id,
    )


@api.route("/payroll/{period}/outputs", roles=FINANCE_VIEW)
def list_outputs(ctx: Ctx, period: str) -> models.OutputsOut:
    """Berkas daftar TKD (XLSX) generasi terakhir"""
    return outputs.outputs_of(_period(period), ctx.user)


@api.route("/payroll/{period}/slips/{nip}")
def slip(ctx: Ctx, period: str, nip: str) -> models.LinkOut:
    """Tautan unduh slip TKD (PDF)"""
    return outputs.slip_link(_period(period), nip, ctx.user, region=service.region())


@api.route("/payroll/{period}/sheets")
def sheet(ctx: Ctx, period: str, query: models.SheetQuery) -> models.LinkOut:
    """Tautan unduh daftar TKD (XLSX) per OPD / daerah"""
    return outputs.sheet_link(_period(period), query.opd, ctx.user)


# -- dashboards -----------------------------------------------------------------------------------
@api.route("/dashboards/opd")
def opd_dashboard(ctx: Ctx, query: models.PeriodQuery) -> models.OpdDashboardOut:
    """Beban kerja OPD per periode"""
    return dashboards.opd_dashboard_for(ctx.user, query.period, service.region())


@api.route("/dashboards/employees/{nip}")
def employee_dashboard(ctx: Ctx, nip: str) -> models.EmployeeDashboardOut:
    """Menit bulan ini, target, dan proyeksi tunjangan"""
    cfg = service.region()
    return dashboards.employee_dashboard_for(
        ctx.user, nip, config=cfg, today_local=service.calendar(cfg).today()
    )


@api.route("/dashboards/me", errors=(404,))
def my_dashboard(ctx: Ctx) -> models.EmployeeDashboardOut:
    """Dasbor saya"""
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
