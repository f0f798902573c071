"""A monthly AWS bill for one region, from calls counted in-process on moto.

    python benchmarks/cost.py [--employees 10000] [--sample 60] [--api http|rest] [--json]

**What runs.** The region stack from templates/region.yaml in moto (``mock_aws``), a sample
directory of ``--sample`` employees (seed data: OPD heads, supervisors, staff), and the real
Chalice apps served in-process by ``chalice.test.Client``. One working day of the usage profile
runs through them, the WBS traffic and the monthly payroll run (start + drain of the payroll
queue, in this process) run once; every AWS call is booked to the route being served
(:mod:`cost_meter`, which states how request units are computed: from item sizes). The counts are
scaled per employee to ``--employees`` and to a month.

**Usage profile** (per employee unless stated): 8 entries per working day over 21 working days,
each with an ``Idempotency-Key`` (a retrying mobile client); evidence photos (presigned upload
+ the client's PUT to S3, 300 KB) for 5% of entries; 2 dashboard views and 1 look at the own log
a day; 2 directory look-ups a day (``/directory/me`` and one colleague); every supervisor opens
the pending queue and bulk-approves it once a day; WBS: 1 report per 500 employees a month, each
followed by 4 reporter check-ins (session + report view) and 6 handler views, and 3 public
statistics views per report; the monthly payroll run once.

**What is priced and how.** us-east-1 list prices (constants below, with their source pages, as
of 2026-11), no free tier except Cognito's (10,000 MAU a month is part of the tier's price list).
What ships is read, not assumed: the API type, architecture, memory and log retention from the
template `replika package` emits for the remunerasi app (the busiest), the Cognito tier and the
evidence lifecycle from templates/region.yaml. Lambda duration per request = this process's time
in the handler minus the time spent inside moto, plus an assumed AWS latency per call
(:data:`LATENCY_S`). Log bytes are what the app's loggers wrote, plus Lambda's START/END/REPORT
lines. Month 12 adds what has accumulated: DynamoDB items (and PITR on them), evidence objects
(after their lifecycle transitions) and logs (up to the retention).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "core" / "python"), str(ROOT / "infra"), str(ROOT / "benchmarks")]
from replika_infra.local.fake_aws import FAKE_AWS_ENV  # noqa: E402  (on the path set above)

STACK = "replika-cost"
_ACCOUNT_ARN = "arn:aws:{}:ap-southeast-3:123456789012:{}"
os.environ.update(
    {
        **FAKE_AWS_ENV,
        "REPLIKA_STAGE": "test",
        "REPLIKA_REGION_SLUG": "kota-bandung",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "replika-cost",
        "POWERTOOLS_METRICS_NAMESPACE": "Replika",
        "CURSOR_SECRET": "cost-cursor-secret",
    }
)
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)

# ---------------------------------------------------------------------------------------------
# Prices: us-east-1 list prices (USD)
# https://aws.amazon.com/api-gateway/pricing/   REST $3.50/M (first 333 M), HTTP $1.00/M (first 300 M)
API_PRICE_PER_M = {"rest": 3.50, "http": 1.00}
# https://aws.amazon.com/lambda/pricing/   $0.20/M requests; GB-s: x86_64 $0.0000166667, arm64 $0.0000133334
LAMBDA_REQUEST_PER_M = 0.20
LAMBDA_GB_S = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
# https://aws.amazon.com/dynamodb/pricing/on-demand/   (after the November 2024 price cut)
DDB_WRU_PER_M = 0.625
DDB_RRU_PER_M = 0.125
DDB_STORAGE_GB_MONTH = 0.25
DDB_PITR_GB_MONTH = 0.20
# https://aws.amazon.com/s3/pricing/
S3_STANDARD_GB = 0.023
S3_GLACIER_IR_GB = 0.004
S3_STANDARD_IA_GB = 0.0125
S3_PUT_PER_1000 = 0.005
S3_GET_PER_1000 = 0.0004
S3_TRANSITION_PER_1000 = {"GLACIER_IR": 0.02, "STANDARD_IA": 0.01}
# https://aws.amazon.com/kms/pricing/   $1 per key-month, $0.03 per 10,000 requests
KMS_KEY_MONTH = 1.00
KMS_PER_10K = 0.03
# https://aws.amazon.com/secrets-manager/pricing/   $0.40 per secret-month, $0.05 per 10,000 calls
SECRET_MONTH = 0.40
SECRETS_PER_10K = 0.05
# https://aws.amazon.com/cloudwatch/pricing/   Logs: $0.50/GB ingested, $0.03/GB-month stored
LOGS_INGEST_GB = 0.50
LOGS_STORE_GB_MONTH = 0.03
# https://aws.amazon.com/cognito/pricing/   per MAU above 10,000 free: Lite $0.0055, Essentials $0.015
COGNITO_FREE_MAU = 10_000
COGNITO_MAU = {"LITE": 0.0055, "ESSENTIALS": 0.015, "PLUS": 0.02}
# https://aws.amazon.com/sqs/pricing/ $0.40/M; https://aws.amazon.com/sns/pricing/ $0.50/M;
# https://aws.amazon.com/eventbridge/pricing/ scheduled rules free
SQS_PER_M = 0.40
SNS_PER_M = 0.50

# ---------------------------------------------------------------------------------------------
# Assumptions
WORKING_DAYS = 21
ENTRIES_PER_DAY = 8
EVIDENCE_SHARE = 0.05
EVIDENCE_BYTES = 300 * 1024
DASHBOARD_VIEWS_PER_DAY = 2
DIRECTORY_LOOKUPS_PER_DAY = 2
WBS_EMPLOYEES_PER_REPORT = 500
APPLICANT_MAU_SHARE = 0.05  # applicants (grants, permits) per employee, in the public pool
#: Assumed AWS-side latency per call (seconds): what the function waits for, billed as duration.
LATENCY_S = {
    "dynamodb": 0.006,
    "s3": 0.020,
    "kms": 0.010,
    "secretsmanager": 0.015,
    "sns": 0.015,
    "sqs": 0.010,
}
LAMBDA_PLATFORM_LOG_BYTES = 420  # START, END and REPORT lines per invocation
GB = 1024**3


@dataclass(frozen=True)
class Shipped:
    api: str
    arch: str
    memory_mb: int
    log_retention_days: int | None
    cognito_tier: str
    evidence_archive_days: int | None
    evidence_archive_class: str | None
    kms_keys: int
    secrets: int


def shipped_config(api: str | None) -> Shipped:
    """What `replika package` emits for remunerasi, and what the region template declares."""
    import yaml

    from replika_infra.release import package
    from replika_infra.release.templates import loads

    with tempfile.TemporaryDirectory(prefix="replika-cost-") as tmp:
        kwargs: dict[str, Any] = {} if api is None else {"api": api}
        dest = package.package_app(package.FUNCTIONS_DIR / "remunerasi", Path(tmp), **kwargs)
        tpl = yaml.safe_load((dest / "sam.yaml").read_text(encoding="utf-8"))
    res = tpl.get("Resources", {})
    kinds = {r.get("Type") for r in res.values()}
    api_kind = "http" if "AWS::Serverless::HttpApi" in kinds else "rest"
    fns = [r["Properties"] for r in res.values() if r.get("Type") == "AWS::Serverless::Function"]
    arch = fns[0].get("Architectures", ["x86_64"])[0]
    memory = int(max(f.get("MemorySize", 128) for f in fns))
    retention = None
    for r in res.values():
        if r.get("Type") == "AWS::Logs::LogGroup":
            days = r["Properties"].get("RetentionInDays")
            if isinstance(days, dict) and "Ref" in days:
                days = tpl["Parameters"][days["Ref"]].get("Default")
            retention = int(days) if days is not None else None
    region = loads((ROOT / "templates" / "region.yaml").read_text(encoding="utf-8"), "region.yaml")
    rres = region["Resources"]
    tier = str(rres["UserPool"]["Properties"].get("UserPoolTier", "ESSENTIALS"))
    archive_days: int | None = None
    archive_class: str | None = None
    for rule in rres["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]:
        for t in rule.get("Transitions", []):
            days = t.get("TransitionInDays")
            if isinstance(days, dict) and "Ref" in days:
                days = region["Parameters"][days["Ref"]].get("Default")
            archive_days, archive_class = int(days), str(t["StorageClass"])
    keys = sum(1 for r in rres.values() if r.get("Type") == "AWS::KMS::Key")
    secrets = sum(1 for r in rres.values() if r.get("Type") == "AWS::SecretsManager::Secret")
    return Shipped(api_kind, arch, memory, retention, tier, archive_days, archive_class, keys, secrets)


def app_memory_mb(app: str) -> int:
    """``lambda_memory_size`` of the prod stage: what `chalice package` writes as MemorySize."""
    cfg = json.loads((ROOT / "functions" / app / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return int(
        cfg.get("stages", {}).get("prod", {}).get("lambda_memory_size", cfg.get("lambda_memory_size", 128))
    )


# ---------------------------------------------------------------------------------------------
# Running the sample


class _CountingStream(io.TextIOBase):
    """Where the apps' log handlers write: counts the bytes against the route being served."""

    def __init__(self, meter: Any) -> None:
        self.meter = meter

    def write(self, s: str) -> int:
        self.meter.figures[self.meter.route].log_bytes += len(s.encode("utf-8"))
        return len(s)


def _capture_logs(meter: Any) -> None:
    stream = _CountingStream(meter)
    for lg in [logging.getLogger(), *(logging.getLogger(n) for n in logging.root.manager.loggerDict)]:
        for h in lg.handlers:
            if isinstance(h, logging.StreamHandler):
                h.setStream(stream)  # type: ignore[arg-type]


def _token(claims: dict[str, Any]) -> str:
    import base64

    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'none', 'typ': 'JWT'})}.{seg(claims)}.sig"


def auth(nip: str, opd: str, *groups: str) -> dict[str, str]:
    """An ID token's claims as API Gateway hands them over (chalice.test decodes, as the
    authorizer would have verified)."""
    claims = {"sub": f"sub-{nip}", "cognito:username": f"u{nip}", "cognito:groups": list(groups),
              "token_use": "id", "custom:nip": nip, "custom:opd": opd}  # fmt: skip
    return {"Authorization": _token(claims), "Content-Type": "application/json"}


TODAY = date(2026, 11, 20)  # a Friday; the sample day's entries are for Thursday the 19th
DAY = "2026-11-19"
PERIOD = "2026-11"
HR_NIP = "199001012015011001"


@dataclass
class Sample:
    employees: int
    supervisors: int
    entries: int
    evidence: int
    wbs_reports: int
    run_employees: int
    table_growth_bytes: int  # DynamoDB bytes the sample day added (items + 100 B each), no TTL'd


def _table_bytes(meter: Any, tables: list[str]) -> int:
    import boto3
    from cost_meter import item_size

    client = boto3.client("dynamodb")
    total = 0
    for table in tables:
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = meter._raw(client, "Scan", kwargs)
            total += sum(item_size(i) + 100 for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def _check(r: Any, *ok: int) -> Any:
    if r.status_code not in ok:
        raise RuntimeError(f"unexpected {r.status_code}: {r.body[:300]!r}")
    return json.loads(r.body) if r.body else None


def run_sample(meter: Any, sample: int, env: dict[str, str]) -> Sample:
    from contextlib import ExitStack

    from chalice.test import Client

    from replika.core.calendar import RegionCalendar
    from replika.directory import service as directory
    from replika.remunerasi import payroll
    from replika.wbs import service as wbs_service
    from replika_infra.demo import seed
    from replika_infra.local.gateway import load_app

    RegionCalendar.today = lambda self: TODAY  # type: ignore[method-assign]
    wbs_service.MIN_EXCHANGE_SECONDS = 0.0  # the reporter exchange's constant-time floor: no sleeping
    people = seed.demo_employees(n_opd=max(2, sample // 15), n_employees=sample)
    growth_tables = [env[k] for k in ("REMUNERASI_TABLE", "AUDIT_TABLE", "DIRECTORY_TABLE")]
    with ExitStack() as stack:
        with meter.serving("setup"):
            directory.import_directory(seed.to_csv(people), actor="cost")
        c = {name: stack.enter_context(Client(load_app(name))) for name in ("remunerasi", "directory", "wbs")}
        _capture_logs(meter)
        hr = auth(HR_NIP, "32.73.06", "bkpsdm")
        with meter.serving("setup"):
            body = json.dumps({"code": "RAPAT", "name": "Rapat koordinasi", "minutes": 30})
            _check(c["remunerasi"].http.post("/activities", headers=hr, body=body), 201)
        before = _table_bytes(meter, growth_tables)
        rem, dirc = c["remunerasi"].http, c["directory"].http
        entries = evidence = 0
        for e in people:
            h = auth(e.nip, e.opd_code, "pegawai")
            for _ in range(ENTRIES_PER_DAY):
                entry: dict[str, Any] = {"entry_date": DAY, "activity_code": "RAPAT", "quantity": 1}
                if entries % round(1 / EVIDENCE_SHARE) == 0:
                    with meter.serving("POST /remunerasi/entries/evidence-upload"):
                        up = {"filename": "bukti.jpg", "content_type": "image/jpeg", "size": EVIDENCE_BYTES}
                        signed = _check(
                            rem.post("/entries/evidence-upload", headers=h, body=json.dumps(up)), 200
                        )
                    entry["evidence_key"] = signed["key"]
                    evidence += 1
                with meter.serving("POST /remunerasi/entries"):
                    keyed = {**h, "Idempotency-Key": f"entry-{uuid.uuid4().hex}"}
                    _check(rem.post("/entries", headers=keyed, body=json.dumps(entry)), 201)
                entries += 1
            for _ in range(DASHBOARD_VIEWS_PER_DAY):
                with meter.serving("GET /remunerasi/dashboards/me"):
                    _check(rem.get("/dashboards/me", headers=h), 200)
            with meter.serving("GET /remunerasi/me/entries"):
                _check(rem.get(f"/me/entries?period={PERIOD}", headers=h), 200)
            with meter.serving("GET /directory/me"):
                _check(dirc.get("/me", headers=h), 200)
            for _ in range(DIRECTORY_LOOKUPS_PER_DAY - 1):
                with meter.serving("GET /directory/employees/{nip}"):
                    _check(dirc.get(f"/employees/{e.supervisor_nip or e.nip}", headers=h), 200)
        by_nip = {e.nip: e for e in people}
        deciders = [
            auth(n, by_nip[n].opd_code, "pegawai")
            for n in sorted({e.supervisor_nip for e in people if e.supervisor_nip})
        ]
        deciders.append(hr)  # OPD heads' entries wait in BKPSDM's queue
        for h in deciders:
            cursor: str | None = None
            while True:
                with meter.serving("GET /remunerasi/pending"):
                    q = "/pending?limit=100" + (f"&cursor={cursor}" if cursor else "")
                    page = _check(rem.get(q, headers=h), 200)
                refs = [{k: i[k] for k in ("nip", "entry_id", "version")} for i in page["items"]]
                if refs:
                    with meter.serving("POST /remunerasi/decisions"):
                        keyed = {**h, "Idempotency-Key": f"decide-{uuid.uuid4().hex}"}
                        payload = json.dumps({"action": "approve", "entries": refs})
                        _check(rem.post("/decisions", headers=keyed, body=payload), 200)
                cursor = page.get("next_cursor")
                if not cursor:
                    break
        grown = _table_bytes(meter, growth_tables) - before
        # WBS: a few reports, each with a reporter check-in and public statistics views
        wbs = c["wbs"].http
        reported = people[-1]
        report = {"category": "gratifikasi", "what": "Kepala seksi meminta uang pelicin untuk izin gudang",
                  "who": {"name": reported.name, "nip": reported.nip, "opd": reported.opd_code},
                  "where": "Kantor pelayanan lantai 2", "when": "Maret 2026",
                  "how": "Diminta secara lisan saat menyerahkan berkas"}  # fmt: skip
        anon = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.7"}
        wbs_reports = 3
        for _ in range(wbs_reports):
            with meter.serving("POST /wbs/reports"):
                receipt = _check(wbs.post("/reports", headers=anon, body=json.dumps(report)), 201)["receipt"]
            with meter.serving("POST /wbs/reporter/session"):
                token = _check(
                    wbs.post("/reporter/session", headers=anon, body=json.dumps({"receipt": receipt})), 200
                )
            with meter.serving("GET /wbs/reporter/report"):
                _check(wbs.get("/reporter/report", headers={**anon, "X-Wbs-Token": token["token"]}), 200)
            with meter.serving("GET /wbs/stats"):
                _check(wbs.get("/stats?year=2026", headers=anon), 200)
        # the monthly run, over the sample (after the month ends)
        RegionCalendar.today = lambda self: date(2026, 12, 2)  # type: ignore[method-assign]
        with meter.serving("monthly run (start + workers)"):
            payroll.start_run(PERIOD, actor="cost")
            payroll.drain_local_queue(visibility_timeout=0, max_seconds=600)
    return Sample(
        employees=len(people),
        supervisors=len(deciders),
        entries=entries,
        evidence=evidence,
        wbs_reports=wbs_reports,
        run_employees=len(people),
        table_growth_bytes=grown,
    )


# ---------------------------------------------------------------------------------------------
# From the sample to a month


def multipliers(s: Sample, n: int) -> dict[str, float]:
    """Route -> how many times the sample's figures happen in a month at ``n`` employees."""
    day = WORKING_DAYS * n / s.employees
    reports = n / WBS_EMPLOYEES_PER_REPORT / s.wbs_reports
    return {
        "POST /remunerasi/entries": day,
        "POST /remunerasi/entries/evidence-upload": day,
        "GET /remunerasi/dashboards/me": day,
        "GET /remunerasi/me/entries": day,
        "GET /directory/me": day,
        "GET /directory/employees/{nip}": day,
        "GET /remunerasi/pending": day,
        "POST /remunerasi/decisions": day,
        "POST /wbs/reports": reports,
        "POST /wbs/reporter/session": reports * 4,
        "GET /wbs/reporter/report": reports * 4,
        "GET /wbs/stats": reports * 3,
        "monthly run (start + workers)": n / s.run_employees,
    }


def app_of(route: str) -> str:
    return route.split("/")[1] if route.startswith(("GET", "POST")) else "remunerasi"


@dataclass
class Bill:
    lines: dict[str, float]
    notes: dict[str, str]

    @property
    def total(self) -> float:
        return sum(self.lines.values())


def bill(meter: Any, s: Sample, n: int, cfg: Shipped, month: int) -> Bill:
    mult = multipliers(s, n)
    api_requests = lambda_requests = gb_s = wru = rru = log_bytes = 0.0
    calls: Counter[tuple[str, str]] = Counter()
    for route, m in mult.items():
        f = meter.figures.get(route)
        if f is None:
            continue
        if route.startswith(("GET", "POST")):
            api_requests += f.requests * m
        aws_calls = sum(f.calls.values())
        for (svc, op), k in f.calls.items():
            calls[(svc, op)] += k * m
        invocations = (
            f.requests if route.startswith(("GET", "POST")) else max(1, f.calls[("sqs", "DeleteMessage")] + 1)
        )
        lambda_requests += invocations * m
        latency = sum(LATENCY_S.get(svc, 0.01) * k for (svc, _), k in f.calls.items())
        seconds = max(0.0, f.wall_seconds - f.aws_seconds) + latency
        gb_s += seconds * m * app_memory_mb(app_of(route)) / 1024
        wru += f.wru * m
        rru += f.rru * m
        log_bytes += (f.log_bytes + LAMBDA_PLATFORM_LOG_BYTES * invocations) * m
        del aws_calls
    evidence_month = s.evidence * mult["POST /remunerasi/entries"]
    lines: dict[str, float] = {}
    notes: dict[str, str] = {}
    lines["API Gateway"] = api_requests / 1e6 * API_PRICE_PER_M[cfg.api]
    notes["API Gateway"] = f"{cfg.api.upper()} API, {api_requests / 1e6:.2f} M requests"
    lines["Lambda"] = lambda_requests / 1e6 * LAMBDA_REQUEST_PER_M + gb_s * LAMBDA_GB_S[cfg.arch]
    notes["Lambda"] = f"{cfg.arch}, {lambda_requests / 1e6:.2f} M invocations, {gb_s:,.0f} GB-s"
    lines["DynamoDB requests"] = wru / 1e6 * DDB_WRU_PER_M + rru / 1e6 * DDB_RRU_PER_M
    ddb_calls = sum(k for (svc, _), k in calls.items() if svc == "dynamodb")
    notes["DynamoDB requests"] = (
        f"{ddb_calls / 1e6:.2f} M calls, {wru / 1e6:.2f} M WRU, {rru / 1e6:.2f} M RRU"
    )
    per_month_bytes = s.table_growth_bytes * WORKING_DAYS * n / s.employees
    stored_gb = per_month_bytes * month / GB
    lines["DynamoDB storage and PITR"] = stored_gb * (DDB_STORAGE_GB_MONTH + DDB_PITR_GB_MONTH)
    notes["DynamoDB storage and PITR"] = f"{stored_gb:.2f} GB (+{per_month_bytes / GB:.2f} GB a month)"
    # S3: evidence objects (PUT by the client, one GET by the supervisor), transitions, storage
    monthly_gb = evidence_month * EVIDENCE_BYTES / GB
    if cfg.evidence_archive_days is not None and cfg.evidence_archive_class:
        hot_months = min(month, cfg.evidence_archive_days / 30)
        cold_price = S3_GLACIER_IR_GB if cfg.evidence_archive_class == "GLACIER_IR" else S3_STANDARD_IA_GB
        storage = monthly_gb * (hot_months * S3_STANDARD_GB + max(0.0, month - hot_months) * cold_price)
        transitions = (
            evidence_month / 1000 * S3_TRANSITION_PER_1000[cfg.evidence_archive_class]
            if month * 30 > cfg.evidence_archive_days
            else 0.0
        )
        archive = f", {cfg.evidence_archive_class} after {cfg.evidence_archive_days} days"
    else:
        storage, transitions, archive = monthly_gb * month * S3_STANDARD_GB, 0.0, ", no lifecycle"
    s3_requests = sum(k for (svc, _), k in calls.items() if svc == "s3")
    lines["S3"] = (
        (evidence_month + s3_requests) / 1000 * S3_PUT_PER_1000
        + evidence_month / 1000 * S3_GET_PER_1000 + storage + transitions
    )  # fmt: skip
    notes["S3"] = (
        f"{evidence_month / 1000:.0f} k evidence photos, {monthly_gb * month:.0f} GB stored{archive}"
    )
    kms_calls = sum(k for (svc, _), k in calls.items() if svc == "kms")
    lines["KMS"] = cfg.kms_keys * KMS_KEY_MONTH + kms_calls / 1e4 * KMS_PER_10K
    notes["KMS"] = f"{cfg.kms_keys} keys, {kms_calls / 1000:.0f} k requests (S3 bucket keys)"
    sm_calls = sum(k for (svc, _), k in calls.items() if svc == "secretsmanager")
    lines["Secrets Manager"] = cfg.secrets * SECRET_MONTH + sm_calls / 1e4 * SECRETS_PER_10K
    notes["Secrets Manager"] = f"{cfg.secrets} secrets, {sm_calls / 1000:.1f} k calls"
    gb_logs = log_bytes / GB
    kept = month if cfg.log_retention_days is None else min(month, cfg.log_retention_days / 30)
    lines["CloudWatch Logs"] = gb_logs * LOGS_INGEST_GB + gb_logs * kept * LOGS_STORE_GB_MONTH
    retention = "never expire" if cfg.log_retention_days is None else f"{cfg.log_retention_days} days"
    notes["CloudWatch Logs"] = f"{gb_logs:.2f} GB a month, retention {retention}"
    mau_staff, mau_public = n, n * APPLICANT_MAU_SHARE
    billable = max(0.0, mau_staff + mau_public - COGNITO_FREE_MAU)
    lines["Cognito"] = billable * COGNITO_MAU[cfg.cognito_tier]
    notes["Cognito"] = f"{cfg.cognito_tier}, {mau_staff + mau_public:,.0f} MAU ({COGNITO_FREE_MAU:,} free)"
    sqs = sum(k for (svc, _), k in calls.items() if svc == "sqs")
    pollers = 2 * 5 * 30 * 86400 / 20  # 2 event sources x 5 Lambda pollers, 20 s long polls
    sns = sum(k for (svc, _), k in calls.items() if svc == "sns")
    lines["SQS/SNS/Scheduler"] = (sqs + pollers) / 1e6 * SQS_PER_M + sns / 1e6 * SNS_PER_M
    notes["SQS/SNS/Scheduler"] = (
        f"{(sqs + pollers) / 1e6:.2f} M SQS requests (idle polling incl.), {sns:.0f} SNS"
    )
    return Bill(lines, notes)


def route_table(meter: Any, s: Sample, n: int) -> list[str]:
    rows = []
    for route, m in multipliers(s, n).items():
        f = meter.figures.get(route)
        if f is None or not f.requests:
            continue
        per = f.requests
        ops = ", ".join(
            f"{op} {k / per:.2g}" for (svc, op), k in sorted(f.calls.items()) if svc == "dynamodb"
        )
        rows.append(
            f"  {route:<40} {f.requests * m / 1e3:>9,.1f} k/month  "
            f"{f.dynamodb_calls() / per:5.2f} calls {f.wru / per:6.2f} WRU {f.rru / per:5.2f} RRU  [{ops}]"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--employees", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=60, help="employees run through the apps (default 60)")
    p.add_argument(
        "--api", choices=["http", "rest"], default=None, help="price this API type (default: what ships)"
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    cfg = shipped_config(args.api)

    from cost_meter import Meter
    from moto import mock_aws

    from replika.core.runtime import rebind_tables
    from replika_infra.local import moto_patches
    from replika_infra.local.stack import APPS, create_region_stack, parameters_for, stack_env

    moto_patches.install()
    meter = Meter()
    with mock_aws():
        outputs = create_region_stack(STACK, parameters_for(APPS, "kota-bandung", "test"))
        env = stack_env(outputs)
        os.environ.update(env)
        rebind_tables()
        import boto3

        boto3.client("s3").delete_bucket_policy(Bucket=env["WBS_BUCKET"])  # moto ignores its TLS Condition
        meter.install()
        try:
            s = run_sample(meter, args.sample, env)
        finally:
            meter.uninstall()
    n = args.employees
    first, twelfth = bill(meter, s, n, cfg, 1), bill(meter, s, n, cfg, 12)
    if args.json:
        print(json.dumps({"month1": first.lines, "month12": twelfth.lines, "config": cfg.__dict__}, indent=2))
        return 0
    print(
        f"cost model: {n:,} employees, sample of {s.employees} ({s.supervisors} approvers), "
        f"{s.entries} entries/day in the sample; shipped: {cfg.api.upper()} API, {cfg.arch}, "
        f"logs {cfg.log_retention_days or 'never expire'} days, Cognito {cfg.cognito_tier}"
    )
    print("per route (DynamoDB, per request; WRU/RRU from item sizes):")
    print("\n".join(route_table(meter, s, n)))
    for service, cost in first.lines.items():
        later = twelfth.lines[service]
        print(f"{service:<26} US${cost:6.2f}   month 12: US${later:6.2f}   ({first.notes[service]})")
    print(f"month 1: US${first.total:.2f}, month 12: US${twelfth.total:.2f}")
    print(f"total month 1: US${first.total:.2f}")
    return 0 if first.total < 30 and twelfth.total < 40 else 1


if __name__ == "__main__":
    sys.exit(main())
