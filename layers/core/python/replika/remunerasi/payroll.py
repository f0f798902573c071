"""The monthly payroll run of e-Remunerasi (DOMAIN.md §1): start, fan out, compute, review, lock.

Flow (storage keys in :mod:`replika.remunerasi.tables`)::

    start_run ──► PayrollRun(state=computing, generation=g, total, chunks)
              ──► RunChunk × ceil(total / 90)        (batch write, status=pending)
              ──► SQS {"kind": "chunk", period, generation, chunk} × chunks (send_message_batch)
    process_message / process_chunk (the SQS worker, one chunk per message):
              batch-get 90 directory items + 90 month totals -> rules.compute_tkd
              ──► ONE TransactWriteItems: run counters += , chunk pending -> done, 90 results
              last chunk ──► run computing -> draft (+ audit) ──► SQS {"kind": "outputs", …}
    act: verify (bkpsdm) -> approve (bpkad) -> lock (bpkad); recompute (bkpsdm) = a new generation
    recompute_employee: one result again while draft / verified (verified goes back to draft)

Guarantees:

* **A chunk is all-or-nothing.** Its results, the chunk's status and the run counters commit in
  one transaction, so a worker that dies half way leaves nothing and the redelivered message redoes
  the chunk; a redelivery after success fails the chunk's ``status = pending`` condition and is
  treated as already done. Totals therefore never double.
* **Generations.** Every start bumps ``generation``; messages, chunks (``CHUNK#<g>#<n>``) and
  results carry it. A message of an older generation is ignored (stale), and only results of the
  run's current generation are listed.
* **Crash during start.** ``start_run(..., resume=True)`` (and the scheduled run) finishes a start
  that died after the run item was written: it writes the chunk items that are missing (never
  overwriting one, so a done chunk stays done) and re-sends the pending chunks. A duplicate message
  is harmless (see the first point). If the directory changed in between, it starts a new
  generation instead, so no employee is in two chunks.
* **Conditional state changes.** Every change of the run is conditional on the state and
  generation it was read in; a lost race is a 409. Start, recompute, verify, approve, lock and a
  single employee's recompute write an audit record in the same transaction.

Request paths never scan: employees are enumerated with the directory's ``by_kind`` query.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

import boto3
from pydantic import BaseModel, ConfigDict, Field
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.core import audit, dynamodb
from replika.core.auth import Principal
from replika.core.calendar import (
    RegionCalendar,
    calendar_for,
    parse_period,
    period_bounds,
    period_of,
    previous_period,
    to_utc_iso,
    utc_now,
)
from replika.core.config import RegionConfig, current_region
from replika.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Retryable,
    ValidationFailed,
)
from replika.core.observability import get_logger
from replika.core.pagination import Page, decode_cursor, encode_cursor
from replika.core.settings import get_settings, register_reset
from replika.directory.tables import EMP, DirectoryItem, emp_key
from replika.remunerasi import rules
from replika.remunerasi.tables import MonthTotal, PayrollResult, PayrollRun, RunChunk

__all__ = [
    "CHUNK_SIZE",
    "COMPUTING",
    "SCHEDULE_LOCAL_TIME",
    "FailureOut",
    "HistoryOut",
    "ResultOut",
    "ResultPage",
    "RunOut",
    "act",
    "drain_local_queue",
    "get_result",
    "get_run",
    "is_locked",
    "list_results",
    "not_locked_check",
    "not_locked_condition",
    "payroll_schedule_expression",
    "process_chunk",
    "process_message",
    "recompute_employee",
    "run_key",
    "scheduled_run",
    "start_run",
]

logger = get_logger("remunerasi")

AUDIT_STREAM = "remunerasi"
#: Employees per chunk: 90 results + the run update + the chunk update = 92 of the 100 actions a
#: DynamoDB transaction allows, and 90 keys fit one BatchGetItem (100) per table.
CHUNK_SIZE = 90
BATCH_GET = 100
SQS_BATCH = 10
#: The run item lists at most this many failures (the failed results themselves are all stored);
#: keeps the run item far below DynamoDB's 400 KB even when a whole region fails.
MAX_RUN_FAILURES = 200
MAX_REASON = 300
TX_ATTEMPTS = 6
#: The scheduled run: 01:00 region time on the 1st computes the previous period.
SCHEDULE_LOCAL_TIME = (1, 0, 1)  # hour, minute, day of month

COMPUTING = "computing"
PENDING, DONE = "pending", "done"
OK, FAILED = "ok", "failed"
_CLOSED = frozenset({rules.PayrollState.APPROVED.value, rules.PayrollState.LOCKED.value})

ChunkOutcome = Literal["done", "already_done", "stale"]


# =============================================================================================
# Response models
# =============================================================================================


class FailureOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    nip: str
    reason: str


class HistoryOut(BaseModel):
    """One state change of the run (who, when, from -> to, in which generation)."""

    model_config = ConfigDict(frozen=True)

    at: str
    actor: str
    action: str
    from_state: str | None = None
    to_state: str
    generation: int


class RunOut(BaseModel):
    """A period's payroll run. ``done``/``failed`` count employees of the current ``generation``;
    ``failures`` lists at most 200 of them (every failed result is in :func:`list_results`)."""

    period: str
    state: str
    generation: int
    total: int
    done: int
    failed: int
    chunks: int
    chunks_done: int
    failures: list[FailureOut] = Field(default_factory=list)
    history: list[HistoryOut] = Field(default_factory=list)
    started_at: str | None = None
    updated_at: str | None = None
    outputs: dict[str, Any] | None = None
    allowed_actions: list[str] | None = Field(
        None, description="Actions the caller may take now (only when the caller is known)."
    )


class ResultOut(BaseModel):
    """One employee's result (a :class:`~replika.remunerasi.tables.PayrollResult`). Amounts are
    whole rupiah; percentages and the kinerja ratio are exact decimals (strings in JSON)."""

    period: str
    nip: str
    generation: int
    status: Literal["ok", "failed"]
    reason: str | None = None
    name: str | None = None
    position_name: str | None = None
    opd_code: str | None = None
    kelas: int | None = None
    base: int | None = None
    approved_minutes: int | None = None
    countable_minutes: int | None = None
    kinerja_ratio: Decimal | None = None
    kinerja: int | None = None
    attendance_deduction_pct: Decimal | None = None
    disiplin: int | None = None
    sentence_cut_pct: Decimal | None = None
    sentence_cut: int | None = None
    gross: int | None = None
    bpjs_employer: int | None = None
    bpjs_employee: int | None = None
    net: int | None = None
    computed_at: str | None = None


class ResultPage(Page[ResultOut]):
    pass


# =============================================================================================
# Keys, small helpers
# =============================================================================================


def run_key(period: str) -> tuple[str, str]:
    return f"RUN#{period}", "RUN"


def _chunk_prefix(generation: int) -> str:
    return f"CHUNK#{generation}#"


def _chunk_sk(generation: int, number: int) -> str:
    return f"{_chunk_prefix(generation)}{number:05d}"


def _result_pk(period: str) -> str:
    return f"RES#{period}"


def _result_opd_pk(period: str, opd: str) -> str:
    return f"RESOPD#{period}#{opd}"


def _total_pk(period: str) -> str:
    return f"TOT#{period}"


def _now() -> str:
    return to_utc_iso(utc_now())


def _check_period(period: str) -> None:
    try:
        parse_period(period)
    except (ValueError, TypeError):
        raise ValidationFailed(
            "Periode harus berformat YYYY-MM (misalnya 2026-08).",
            details={"fields": [{"field": "period", "reason": "format YYYY-MM"}]},
        ) from None


def _actor(principal: Principal) -> str:
    parts = [f"sub:{principal.subject}"]
    if principal.nip:
        parts.append(f"nip:{principal.nip}")
    parts.extend(sorted(r.value for r in principal.roles))
    return "|".join(parts)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _history_entry(
    actor: str, action: str, before: str | None, after: str, generation: int
) -> dict[str, Any]:
    return {
        "at": _now(),
        "actor": actor,
        "action": action,
        "from_state": before,
        "to_state": after,
        "generation": generation,
    }


def _tx_connection() -> Connection:
    """The remunerasi table's own (cached) connection, so a chunk's transaction reuses its client."""
    return PayrollRun._get_connection().connection


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not crypto


def _conflict(exc: BaseException, message: str, **details: Any) -> Conflict:
    mapped = dynamodb.translate(exc)
    if isinstance(mapped, Retryable):
        raise mapped from exc
    return Conflict(message, details=details)


def _region_config(config: RegionConfig | None) -> RegionConfig:
    return config if config is not None else current_region()


def _calendar(config: RegionConfig) -> RegionCalendar:
    return calendar_for(config)


@lru_cache(maxsize=1)
def _sqs_client() -> Any:
    return boto3.client("sqs")


register_reset(_sqs_client.cache_clear)


def _queue_url() -> str:
    url = get_settings().payroll_queue_url
    if not url:
        raise RuntimeError("PAYROLL_QUEUE_URL is not set: the region has no payroll queue")
    return url


def _send_batch(bodies: Sequence[Mapping[str, Any]]) -> int:
    """Send messages ten per ``SendMessageBatch``; entries SQS refuses are retried, then raise."""
    sqs, url = _sqs_client(), _queue_url()
    calls = 0
    for i in range(0, len(bodies), SQS_BATCH):
        entries = [
            {"Id": str(j), "MessageBody": json.dumps(b, separators=(",", ":"))}
            for j, b in enumerate(bodies[i : i + SQS_BATCH])
        ]
        for attempt in range(4):
            calls += 1
            resp = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            failed = {f["Id"] for f in resp.get("Failed") or []}
            if not failed:
                break
            entries = [e for e in entries if e["Id"] in failed]
            _backoff(attempt)
        else:
            raise Retryable("Antrean penggajian sedang sibuk; coba lagi.", retry_after=5)
    return calls


# =============================================================================================
# Reading
# =============================================================================================


def _load_run(period: str) -> PayrollRun | None:
    pk, sk = run_key(period)
    try:
        return PayrollRun.get(pk, sk, consistent_read=True)
    except PayrollRun.DoesNotExist:
        return None


def _require_run(period: str) -> PayrollRun:
    run = _load_run(period)
    if run is None:
        raise NotFound(f"Penggajian periode {period} belum ada.", details={"period": period})
    return run


def _allowed(state: str, principal: Principal) -> list[str]:
    if state == COMPUTING:
        return []
    out: list[str] = []
    for role in sorted(r.value for r in principal.roles):
        out.extend(a.value for a in rules.allowed_actions(state, role) if a.value not in out)
    return out


def _plain_map(raw: Any) -> dict[str, Any] | None:
    """A raw ``MapAttribute`` (or a dict) as a plain dict."""
    if raw is None:
        return None
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw)


def run_out(run: PayrollRun, principal: Principal | None = None) -> RunOut:
    return RunOut(
        period=run.period,
        state=run.state,
        generation=_int(run.generation),
        total=_int(run.total),
        done=_int(run.done),
        failed=_int(run.failed),
        chunks=_int(run.chunks),
        chunks_done=_int(run.chunks_done),
        failures=[FailureOut(nip=str(f["nip"]), reason=str(f["reason"])) for f in run.failures or []],
        history=[HistoryOut.model_validate(h) for h in run.history or []],
        started_at=run.started_at,
        updated_at=run.updated_at,
        outputs=_plain_map(run.outputs),
        allowed_actions=None if principal is None else _allowed(run.state, principal),
    )


def result_out(item: PayrollResult) -> ResultOut:
    def opt(v: Any) -> int | None:
        return None if v is None else int(v)

    return ResultOut(
        period=item.period,
        nip=item.nip,
        generation=int(item.generation),
        status=OK if item.status == OK else FAILED,
        reason=item.reason,
        name=item.name,
        position_name=item.position_name,
        opd_code=item.opd_code,
        kelas=opt(item.kelas),
        base=opt(item.base),
        approved_minutes=opt(item.approved_minutes),
        countable_minutes=opt(item.countable_minutes),
        kinerja_ratio=_dec(item.kinerja_ratio),
        kinerja=opt(item.kinerja),
        attendance_deduction_pct=_dec(item.attendance_deduction_pct),
        disiplin=opt(item.disiplin),
        sentence_cut_pct=_dec(item.sentence_cut_pct),
        sentence_cut=opt(item.sentence_cut),
        gross=opt(item.gross),
        bpjs_employer=opt(item.bpjs_employer),
        bpjs_employee=opt(item.bpjs_employee),
        net=opt(item.net),
        computed_at=item.computed_at,
    )


def get_run(period: str, principal: Principal | None = None) -> RunOut:
    """The run of ``period`` (404 when none); ``allowed_actions`` when ``principal`` is given."""
    _check_period(period)
    return run_out(_require_run(period), principal)


def list_results(
    period: str, opd: str | None = None, limit: int = 50, cursor: str | None = None
) -> ResultPage:
    """Results of the run's current generation, by NIP: Query ``RES#<period>``, or per OPD the
    gsi1 ``RESOPD#<period>#<opd>``. Cursors are bound to the period, OPD and generation, so a
    cursor taken before a recompute is refused rather than mixing two generations."""
    _check_period(period)
    if not 1 <= limit <= 100:
        raise ValidationFailed(
            "limit harus 1..100.", details={"fields": [{"field": "limit", "reason": "1..100"}]}
        )
    run = _require_run(period)
    gen = int(run.generation)
    scope = f"remunerasi:payroll:results:{period}:{opd or '*'}:{gen}"
    start = decode_cursor(cursor, scope=scope)
    same_gen = PayrollResult.generation == gen
    res: Any
    if opd:
        res = PayrollResult.gsi1.query(
            _result_opd_pk(period, opd), limit=limit, last_evaluated_key=start, filter_condition=same_gen
        )
    else:
        res = PayrollResult.query(
            _result_pk(period), limit=limit, last_evaluated_key=start, filter_condition=same_gen
        )
    items = [result_out(r) for r in res if isinstance(r, PayrollResult)]
    return ResultPage(items=items, next_cursor=encode_cursor(res.last_evaluated_key, scope=scope))


def get_result(period: str, nip: str) -> ResultOut:
    _check_period(period)
    try:
        item = PayrollResult.get(_result_pk(period), nip)
    except PayrollResult.DoesNotExist:
        raise NotFound(
            f"Hasil penggajian {nip} periode {period} tidak ditemukan.",
            details={"period": period, "nip": nip},
        ) from None
    return result_out(item)


# --- for other services: the lock -----------------------------------------------------------


def is_locked(period: str) -> bool:
    run = _load_run(period)
    return run is not None and run.state == rules.PayrollState.LOCKED.value


def not_locked_condition() -> Condition:
    """The condition "this period's run is not locked" on the run item (true when no run exists)."""
    cond: Condition = PayrollRun.state.does_not_exist() | (
        PayrollRun.state != rules.PayrollState.LOCKED.value
    )
    return cond


def not_locked_check(tx: TransactWrite, period: str) -> None:
    """Add a condition check to ``tx`` that fails the whole transaction when ``period`` is locked
    (the lock and an entry/approval then cannot interleave: a TransactionCanceled -> 409)."""
    pk, sk = run_key(period)
    tx.condition_check(PayrollRun, pk, sk, condition=not_locked_condition())


# =============================================================================================
# Start
# =============================================================================================


def _enumerate_nips() -> list[str]:
    """Every active employee's NIP, sorted: the directory's ``by_kind`` query (paginated)."""
    from replika.directory.service import iter_employees

    nips = {item.nip or item.pk.removeprefix("EMP#") for item in iter_employees() if item.active is not False}
    return sorted(nips)


def _split(nips: Sequence[str]) -> list[list[str]]:
    return [list(nips[i : i + CHUNK_SIZE]) for i in range(0, len(nips), CHUNK_SIZE)]


def _write_chunks(
    period: str, generation: int, layout: Sequence[Sequence[str]], skip: Iterable[int] = ()
) -> None:
    pk, _ = run_key(period)
    skipped = set(skip)
    with RunChunk.batch_write() as batch:
        for n, nips in enumerate(layout):
            if n in skipped:
                continue
            batch.save(
                RunChunk(
                    pk,
                    _chunk_sk(generation, n),
                    period=period,
                    generation=generation,
                    number=n,
                    nips=list(nips),
                    status=PENDING,
                )
            )


def _chunk_messages(period: str, generation: int, numbers: Iterable[int]) -> list[dict[str, Any]]:
    return [{"kind": "chunk", "period": period, "generation": generation, "chunk": n} for n in numbers]


def start_run(
    period: str,
    *,
    actor: str,
    request_id: str | None = None,
    config: RegionConfig | None = None,
    resume: bool = False,
    action: str = "start",
) -> RunOut:
    """Start (or restart) the computation of ``period``: a new generation in state ``computing``.

    * 400 for a bad period; 409 when the run is approved or locked, or still computing with
      pending chunks (unless ``resume``: then the same generation's missing chunk items are written
      and its pending chunks re-sent — the way to finish a start that crashed);
    * from nothing, draft, verified or a computing run whose chunks are all done: the run moves to
      the next generation with a conditional write on the state and generation read (lost race ->
      409) and an audit record in the same transaction; then the chunks are written and one message
      per chunk is sent. A period without employees goes straight to draft.

    ``action`` names the history/audit entry (``start``, ``recompute``, ``schedule``).
    """
    _check_period(period)
    run = _load_run(period)
    if run is not None:
        if run.state in _CLOSED:
            raise Conflict(
                f"Penggajian periode {period} sudah {run.state}; tidak dapat dihitung ulang.",
                details={"period": period, "state": run.state},
            )
        if run.state == COMPUTING and _int(run.chunks_done) < _int(run.chunks):
            if resume:
                return _resume(run, actor=actor, request_id=request_id, config=config)
            raise Conflict(
                f"Penggajian periode {period} sedang dihitung.",
                code="payroll_computing",
                details={"period": period, "chunks": _int(run.chunks), "chunks_done": _int(run.chunks_done)},
            )
    return _new_generation(period, run, actor=actor, request_id=request_id, action=action, config=config)


def _new_generation(
    period: str,
    run: PayrollRun | None,
    *,
    actor: str,
    request_id: str | None,
    action: str,
    config: RegionConfig | None,
) -> RunOut:
    nips = _enumerate_nips()
    layout = _split(nips)
    now = _now()
    before = None if run is None else {"state": run.state, "generation": int(run.generation)}
    generation = 1 if run is None else int(run.generation) + 1
    entry = _history_entry(actor, action, None if run is None else run.state, COMPUTING, generation)
    pk, sk = run_key(period)

    def write(tx: TransactWrite) -> None:
        if run is None:
            tx.save(
                PayrollRun(
                    pk,
                    sk,
                    period=period,
                    state=COMPUTING,
                    generation=generation,
                    total=len(nips),
                    done=0,
                    failed=0,
                    chunks=len(layout),
                    chunks_done=0,
                    failures=[],
                    history=[entry],
                    started_at=now,
                    updated_at=now,
                ),
                condition=PayrollRun.pk.does_not_exist(),
            )
        else:
            tx.update(
                run,
                actions=[
                    PayrollRun.state.set(COMPUTING),
                    PayrollRun.generation.set(generation),
                    PayrollRun.total.set(len(nips)),
                    PayrollRun.done.set(0),
                    PayrollRun.failed.set(0),
                    PayrollRun.chunks.set(len(layout)),
                    PayrollRun.chunks_done.set(0),
                    PayrollRun.failures.set([]),
                    PayrollRun.history.set((PayrollRun.history | []).append([entry])),
                    PayrollRun.started_at.set(now),
                    PayrollRun.updated_at.set(now),
                    PayrollRun.outputs.remove(),
                ],
                condition=(PayrollRun.state == run.state) & (PayrollRun.generation == run.generation),
            )

    try:
        audit.write_with_audit(
            AUDIT_STREAM,
            write,
            actor=actor,
            action=f"remunerasi.payroll.{action}",
            subject=f"payroll#{period}",
            before=before,
            after={"state": COMPUTING, "generation": generation, "total": len(nips), "chunks": len(layout)},
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise _conflict(
            exc, f"Penggajian periode {period} baru saja diubah pengguna lain; muat ulang.", period=period
        ) from None
    _write_chunks(period, generation, layout)
    logger.info(
        "payroll run started",
        extra={"period": period, "generation": generation, "employees": len(nips), "chunks": len(layout)},
    )
    if not layout:
        _finish(period, generation, config=config)
    else:
        _send_batch(_chunk_messages(period, generation, range(len(layout))))
    return run_out(_require_run(period))


def _resume(run: PayrollRun, *, actor: str, request_id: str | None, config: RegionConfig | None) -> RunOut:
    period, generation = run.period, int(run.generation)
    pk, _ = run_key(period)
    existing = {
        int(c.number): c
        for c in RunChunk.query(pk, RunChunk.sk.startswith(_chunk_prefix(generation)), consistent_read=True)
    }
    layout = _split(_enumerate_nips())
    same = len(layout) == _int(run.chunks) and sum(map(len, layout)) == _int(run.total)
    same = same and all(n < len(layout) and list(c.nips) == layout[n] for n, c in existing.items())
    if not same:
        # The directory changed since the crashed start: the missing chunks cannot be rebuilt
        # exactly, so compute everything again under a new generation.
        logger.info("payroll resume: directory changed, new generation", extra={"period": period})
        return _new_generation(period, run, actor=actor, request_id=request_id, action="start", config=config)
    _write_chunks(period, generation, layout, skip=existing)
    pending = [n for n in range(len(layout)) if n not in existing or existing[n].status == PENDING]
    audit.append(
        AUDIT_STREAM,
        actor=actor,
        action="remunerasi.payroll.resume",
        subject=f"payroll#{period}",
        after={"generation": generation, "written": len(layout) - len(existing), "resent": len(pending)},
        request_id=request_id,
    )
    _send_batch(_chunk_messages(period, generation, pending))
    if not pending:
        _finish(period, generation, config=config)
    return run_out(_require_run(period))


# =============================================================================================
# The worker
# =============================================================================================


def process_message(body: Mapping[str, Any], *, config: RegionConfig | None = None) -> None:
    """The single SQS entry point: ``{"kind": "chunk", …}`` (the default) computes a chunk,
    ``{"kind": "outputs", period, generation}`` calls
    ``replika.remunerasi.outputs.generate_outputs(period, generation)`` (imported lazily)."""
    kind = body.get("kind", "chunk")
    if kind == "chunk":
        process_chunk(body, config=config)
    elif kind == "outputs":
        _generate_outputs(str(body["period"]), int(body["generation"]), config)
    else:
        raise ValueError(f"unknown payroll message kind {kind!r}")


def _generate_outputs(period: str, generation: int, config: RegionConfig | None) -> None:
    name = "replika.remunerasi.outputs"
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        if exc.name != name:
            raise
        logger.warning("payroll outputs module not installed; skipped", extra={"period": period})
        return
    fn = module.generate_outputs
    if "config" in inspect.signature(fn).parameters:
        fn(period, generation, config=_region_config(config))
    else:
        fn(period, generation)


def _batch_get(model: Any, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Items by ``(pk, sk)``, ``BATCH_GET`` keys per BatchGetItem (unprocessed keys are retried by
    PynamoDB)."""
    out: dict[tuple[str, str], Any] = {}
    for i in range(0, len(keys), BATCH_GET):
        for item in model.batch_get(keys[i : i + BATCH_GET]):
            out[(item.pk, item.sk)] = item
    return out


def _failed(
    period: str, nip: str, generation: int, reason: str, emp: DirectoryItem | None, now: str
) -> PayrollResult:
    opd = emp.opd_code if emp is not None else None
    return PayrollResult(
        _result_pk(period),
        nip,
        gsi1pk=_result_opd_pk(period, opd) if opd else None,
        gsi1sk=nip if opd else None,
        period=period,
        nip=nip,
        generation=generation,
        status=FAILED,
        reason=reason[:MAX_REASON],
        name=emp.name if emp is not None else None,
        position_name=emp.position_name if emp is not None else None,
        opd_code=opd,
        kelas=int(emp.kelas) if emp is not None and emp.kelas is not None else None,
        computed_at=now,
    )


def tkd_input(
    period: str,
    nip: str,
    emp: DirectoryItem,
    total: MonthTotal | None,
    calendar: RegionCalendar,
    config: RegionConfig,
) -> rules.TkdInput:
    """One employee's rules input from the directory item and the month total (``None`` = nothing
    logged and no attendance imported). Raises ``ValueError`` on data the rules cannot take.

    * kelas and OPD come from the directory;
    * approved minutes are the sum of ``d01``..``d31``; countable minutes come from
      :func:`rules.countable_minutes` with the region calendar. Every minute on a non-working day
      is assigned overtime (the entry service refuses other entries on non-working days);
    * the attendance deduction is the sum of ``a01``..``a31`` basis points / 100 (percent);
    * ``sentence_pct`` becomes a sentence covering the period.
    """
    if emp.kelas is None:
        raise ValueError("kelas jabatan pegawai belum diisi di direktori")
    if not emp.opd_code:
        raise ValueError("OPD pegawai belum diisi di direktori")
    year, month = parse_period(period)
    first, last = period_bounds(period)
    entries: list[rules.MinuteEntry] = []
    deduction_bp = 0
    sentences: tuple[rules.Sentence, ...] = ()
    if total is not None:
        for d, minutes in total.day_minutes().items():
            if d > last.day:
                raise ValueError(f"menit tercatat pada tanggal {d} yang tidak ada di periode {period}")
            if minutes:
                entries.append(rules.MinuteEntry(date(year, month, d), minutes, True))
        deduction_bp = sum(bp for bp, _ in total.day_attendance().values())
        if total.sentence_pct:
            pct = Decimal(str(total.sentence_pct))
            sentences = (rules.Sentence(total.sentence_level or "putusan", first, last, cut_pct=pct),)
    counted = rules.countable_minutes(entries, calendar, config.remunerasi)
    return rules.TkdInput(
        nip=nip,
        period=period,
        kelas=int(emp.kelas),
        opd_code=emp.opd_code,
        approved_minutes=counted.approved_total,
        countable_minutes=counted.total,
        attendance_deduction_pct=Decimal(deduction_bp).scaleb(-2),
        sentences=sentences,
    )


def _result_item(
    period: str,
    nip: str,
    generation: int,
    emp: DirectoryItem | None,
    total: MonthTotal | None,
    config: RegionConfig,
    now: str,
) -> PayrollResult:
    if emp is None:
        return _failed(period, nip, generation, "Pegawai tidak ada (lagi) di direktori.", None, now)
    try:
        r = rules.compute_tkd(
            tkd_input(period, nip, emp, total, _calendar(config), config), config.remunerasi
        )
    except ValueError as exc:
        return _failed(period, nip, generation, str(exc), emp, now)
    return PayrollResult(
        _result_pk(period),
        nip,
        gsi1pk=_result_opd_pk(period, r.opd_code),
        gsi1sk=nip,
        period=period,
        nip=nip,
        generation=generation,
        status=OK,
        name=emp.name,
        position_name=emp.position_name,
        opd_code=r.opd_code,
        kelas=r.kelas,
        base=r.base,
        approved_minutes=r.approved_minutes,
        countable_minutes=r.countable_minutes,
        kinerja_ratio=str(r.kinerja_ratio),
        kinerja=r.kinerja,
        attendance_deduction_pct=str(r.attendance_deduction_pct),
        disiplin=r.disiplin,
        sentence_cut_pct=str(r.sentence_cut_pct),
        sentence_cut=r.sentence_cut,
        gross=r.gross,
        bpjs_employer=r.bpjs_employer,
        bpjs_employee=r.bpjs_employee,
        net=r.net,
        computed_at=now,
    )


def compute_chunk(
    period: str, generation: int, nips: Sequence[str], config: RegionConfig
) -> list[PayrollResult]:
    """The results of one chunk: two batch reads (directory, month totals), then the rules."""
    tot_pk = _total_pk(period)
    employees: dict[tuple[str, str], DirectoryItem] = _batch_get(
        DirectoryItem, [(emp_key(n), EMP) for n in nips]
    )
    totals: dict[tuple[str, str], MonthTotal] = _batch_get(MonthTotal, [(tot_pk, n) for n in nips])
    now = _now()
    return [
        _result_item(
            period,
            nip,
            generation,
            employees.get((emp_key(nip), EMP)),
            totals.get((tot_pk, nip)),
            config,
            now,
        )
        for nip in nips
    ]


def process_chunk(body: Mapping[str, Any], *, config: RegionConfig | None = None) -> ChunkOutcome:
    """Compute one chunk and commit it in one transaction (see the module docstring).

    Returns ``"done"``, ``"already_done"`` (a redelivery after success) or ``"stale"`` (a message
    of an older generation, or a run no longer computing). Any other failure raises, so SQS
    delivers the message again (and after five attempts moves it to the DLQ).
    """
    cfg = _region_config(config)
    period, generation, number = str(body["period"]), int(body["generation"]), int(body["chunk"])
    run = _load_run(period)
    if run is None or int(run.generation) != generation or run.state != COMPUTING:
        logger.info("stale payroll message ignored", extra={"period": period, "generation": generation})
        return "stale"
    pk, _ = run_key(period)
    try:
        chunk = RunChunk.get(pk, _chunk_sk(generation, number), consistent_read=True)
    except RunChunk.DoesNotExist:
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} is missing") from None
    if chunk.status == DONE:
        _maybe_finish(period, generation, config=cfg)
        return "already_done"

    results = compute_chunk(period, generation, list(chunk.nips), cfg)
    failed = [r for r in results if r.status == FAILED]
    room = max(0, MAX_RUN_FAILURES - len(run.failures or []))
    listed = [{"nip": r.nip, "reason": r.reason or ""} for r in failed[:room]]
    run_actions: list[Action] = [
        PayrollRun.done.add(len(results) - len(failed)),
        PayrollRun.failed.add(len(failed)),
        PayrollRun.chunks_done.add(1),
        PayrollRun.updated_at.set(_now()),
    ]
    if listed:
        run_actions.append(PayrollRun.failures.set((PayrollRun.failures | []).append(listed)))
    new_result = PayrollResult.sk.does_not_exist() | (PayrollResult.generation != generation)

    for attempt in range(TX_ATTEMPTS):
        try:
            with TransactWrite(connection=_tx_connection()) as tx:
                tx.update(
                    run,
                    actions=run_actions,
                    condition=(PayrollRun.state == COMPUTING) & (PayrollRun.generation == generation),
                )
                tx.update(chunk, actions=[RunChunk.status.set(DONE)], condition=RunChunk.status == PENDING)
                for item in results:
                    tx.save(item, condition=new_result)
            break
        except TransactWriteError as exc:
            if dynamodb.is_contention(exc):
                if attempt + 1 < TX_ATTEMPTS:
                    _backoff(attempt)
                    continue
                raise
            # A condition failed: find out which one (consistent reads, only on this path).
            now_run = _load_run(period)
            if now_run is None or int(now_run.generation) != generation or now_run.state != COMPUTING:
                return "stale"
            chunk.refresh(consistent_read=True)
            if chunk.status == DONE:
                _maybe_finish(period, generation, config=cfg)
                return "already_done"
            raise
    logger.debug("payroll chunk done", extra={"period": period, "generation": generation, "chunk": number})
    _maybe_finish(period, generation, config=cfg)
    return "done"


def _maybe_finish(period: str, generation: int, *, config: RegionConfig | None) -> None:
    run = _load_run(period)
    if (
        run is not None
        and run.state == COMPUTING
        and int(run.generation) == generation
        and _int(run.chunks_done) >= _int(run.chunks)
    ):
        _finish(period, generation, config=config, run=run)


def _finish(
    period: str, generation: int, *, config: RegionConfig | None, run: PayrollRun | None = None
) -> None:
    """computing -> draft once every chunk is done (conditional: exactly one worker wins), then
    ask for the outputs (slips, sheets, dashboard)."""
    run = run or _require_run(period)
    draft = rules.PayrollState.DRAFT.value
    entry = _history_entry("system:payroll", "computed", COMPUTING, draft, generation)

    def write(tx: TransactWrite) -> None:
        tx.update(
            run,
            actions=[
                PayrollRun.state.set(draft),
                PayrollRun.updated_at.set(entry["at"]),
                PayrollRun.history.set((PayrollRun.history | []).append([entry])),
            ],
            condition=(PayrollRun.state == COMPUTING)
            & (PayrollRun.generation == generation)
            & (PayrollRun.chunks_done == run.chunks),
        )

    try:
        audit.write_with_audit(
            AUDIT_STREAM,
            write,
            actor="system:payroll",
            action="remunerasi.payroll.computed",
            subject=f"payroll#{period}",
            before={"state": COMPUTING, "generation": generation},
            after={
                "state": draft,
                "generation": generation,
                "total": _int(run.total),
                "done": _int(run.done),
                "failed": _int(run.failed),
            },
        )
    except TransactWriteError:
        again = _load_run(period)
        if (
            again is not None
            and again.state == COMPUTING
            and int(again.generation) == generation
            and _int(again.chunks_done) >= _int(again.chunks)
        ):
            raise  # still ours to finish (e.g. a transaction conflict): let SQS deliver again
        return  # another worker finished it, or a new generation started
    logger.info(
        "payroll run computed",
        extra={
            "period": period,
            "generation": generation,
            "done": _int(run.done),
            "failed": _int(run.failed),
        },
    )
    _send_batch([{"kind": "outputs", "period": period, "generation": generation}])


# =============================================================================================
# Review: one employee again, verify / approve / lock / recompute
# =============================================================================================


def recompute_employee(
    period: str, nip: str, *, actor: str, config: RegionConfig | None = None, request_id: str | None = None
) -> ResultOut:
    """Compute one employee again (BKPSDM, after a correction) in the current generation.

    Allowed while draft or verified (a verified run goes back to draft: ``rules.transition`` with
    ``recompute`` by ``bkpsdm``); 409 while computing, approved or locked. The result, the run's
    counters (and its failure list when it changes) and the audit record commit together,
    conditional on the run's state and generation.
    """
    _check_period(period)
    cfg = _region_config(config)
    run = _require_run(period)
    if run.state == COMPUTING:
        raise Conflict(f"Penggajian periode {period} sedang dihitung.", code="payroll_computing")
    target = rules.transition(run.state, rules.PayrollAction.RECOMPUTE, "bkpsdm").value
    generation = int(run.generation)
    try:
        emp: DirectoryItem | None = DirectoryItem.get(emp_key(nip), EMP)
    except DirectoryItem.DoesNotExist:
        emp = None
    try:
        old: PayrollResult | None = PayrollResult.get(_result_pk(period), nip, consistent_read=True)
    except PayrollResult.DoesNotExist:
        old = None
    if emp is None and old is None:
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    try:
        total: MonthTotal | None = MonthTotal.get(_total_pk(period), nip, consistent_read=True)
    except MonthTotal.DoesNotExist:
        total = None
    new = _result_item(period, nip, generation, emp, total, cfg, _now())

    current = old is not None and int(old.generation) == generation
    actions: list[Action] = [PayrollRun.updated_at.set(new.computed_at)]
    condition = (PayrollRun.state == run.state) & (PayrollRun.generation == generation)
    if not current:
        actions.append(PayrollRun.total.add(1))
    if not current or (old is not None and old.status != new.status):
        actions.append((PayrollRun.done if new.status == OK else PayrollRun.failed).add(1))
        if current:
            actions.append((PayrollRun.failed if new.status == OK else PayrollRun.done).add(-1))
    listed: list[Any] = list(run.failures or [])
    if any(f["nip"] == nip for f in listed) or new.status == FAILED:
        kept = [f for f in listed if f["nip"] != nip]
        if new.status == FAILED and len(kept) < MAX_RUN_FAILURES:
            kept.append({"nip": nip, "reason": new.reason or ""})
        actions.append(PayrollRun.failures.set(kept))
        # the list is rewritten whole: guard against a concurrent change of it
        condition = condition & (PayrollRun.updated_at == run.updated_at)
    if target != run.state:
        actions.append(PayrollRun.state.set(target))
        entry = _history_entry(actor, "recompute_employee", run.state, target, generation)
        actions.append(PayrollRun.history.set((PayrollRun.history | []).append([entry])))

    def write(tx: TransactWrite) -> None:
        tx.update(run, actions=actions, condition=condition)
        tx.save(new)

    def brief(r: PayrollResult | None) -> dict[str, Any] | None:
        if r is None:
            return None
        return {"generation": int(r.generation), "status": r.status, "gross": r.gross, "net": r.net}

    try:
        audit.write_with_audit(
            AUDIT_STREAM,
            write,
            actor=actor,
            action="remunerasi.payroll.recompute_employee",
            subject=f"employee#{nip}",
            before={"run_state": run.state, "result": brief(old)},
            after={"run_state": target, "result": brief(new)},
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise _conflict(
            exc, f"Penggajian periode {period} baru saja diubah; muat ulang dan coba lagi.", period=period
        ) from None
    return result_out(new)


def _transition_for(principal: Principal, state: str, action: str) -> rules.PayrollState:
    """``rules.transition`` for whichever of the caller's roles may take ``action`` (400 unknown
    action, 403 wrong role whatever the state, 409 wrong state). A computing run refuses every
    action (409) once the action and role are known to be fine."""
    if state == COMPUTING:
        with contextlib.suppress(Conflict):  # 400 / 403 still come first
            _transition_for(principal, rules.PayrollState.DRAFT.value, action)
        raise Conflict(
            "Penggajian sedang dihitung; tunggu hingga selesai.",
            code="payroll_computing",
            details={"state": COMPUTING, "action": action},
        )
    roles = sorted(r.value for r in principal.roles) or [""]
    refused: Forbidden | None = None
    for role in roles:
        try:
            return rules.transition(state, action, role)
        except Forbidden as exc:
            refused = exc
    assert refused is not None
    raise refused


def act(
    period: str,
    action: str,
    principal: Principal,
    *,
    request_id: str | None = None,
    config: RegionConfig | None = None,
) -> RunOut:
    """Take ``action`` on the run: ``verify`` (bkpsdm, draft -> verified), ``approve`` (bpkad,
    verified -> approved), ``lock`` (bpkad, approved -> locked) or ``recompute`` (bkpsdm, draft or
    verified -> a new generation, computing, then draft). 400 unknown action, 403 wrong role,
    404 no run, 409 wrong state or a lost race. History entry and audit record with before/after."""
    _check_period(period)
    run = _require_run(period)
    target = _transition_for(principal, run.state, action).value
    actor = _actor(principal)
    if action == rules.PayrollAction.RECOMPUTE.value:
        return start_run(period, actor=actor, request_id=request_id, config=config, action="recompute")
    generation = int(run.generation)
    entry = _history_entry(actor, action, run.state, target, generation)

    def write(tx: TransactWrite) -> None:
        tx.update(
            run,
            actions=[
                PayrollRun.state.set(target),
                PayrollRun.updated_at.set(entry["at"]),
                PayrollRun.history.set((PayrollRun.history | []).append([entry])),
            ],
            condition=(PayrollRun.state == run.state) & (PayrollRun.generation == generation),
        )

    try:
        audit.write_with_audit(
            AUDIT_STREAM,
            write,
            actor=actor,
            action=f"remunerasi.payroll.{action}",
            subject=f"payroll#{period}",
            before={"state": run.state, "generation": generation},
            after={"state": target, "generation": generation},
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise _conflict(
            exc, f"Penggajian periode {period} baru saja diubah pengguna lain; muat ulang.", period=period
        ) from None
    return run_out(_require_run(period), principal)


# =============================================================================================
# Schedule and the local queue
# =============================================================================================


def payroll_schedule_expression(config: RegionConfig) -> str:
    """The EventBridge (UTC) cron of 01:00 region time on the 1st: ``cron(0 18 L * ? *)`` in WIB,
    ``cron(0 17 L * ? *)`` in WITA, ``cron(0 16 L * ? *)`` in WIT."""
    hour, minute, day = SCHEDULE_LOCAL_TIME
    return RegionCalendar(config.timezone).local_time_to_utc_cron(hour, minute, day)


def scheduled_period(event_time_utc: datetime, config: RegionConfig) -> str:
    """The period the schedule computes: the month before the event's **region-local** date."""
    if event_time_utc.tzinfo is None:
        event_time_utc = event_time_utc.replace(tzinfo=UTC)
    local = event_time_utc.astimezone(_calendar(config).zone).date()
    return previous_period(period_of(local))


def scheduled_run(event_time_utc: datetime, *, config: RegionConfig) -> RunOut | None:
    """The monthly schedule: start the previous period's run if it does not exist yet.

    EventBridge may deliver an event twice and retries a failed invocation, so: no run -> start;
    a run still computing with pending chunks -> resume it (finishes a start that crashed; a
    duplicate chunk message is harmless); any other state -> nothing (``None``), so a late
    duplicate never recomputes a run BKPSDM is reviewing."""
    period = scheduled_period(event_time_utc, config)
    run = _load_run(period)
    if run is None:
        try:
            return start_run(period, actor="system:schedule", config=config, action="schedule")
        except Conflict:
            return None  # a concurrent duplicate started it
    if run.state == COMPUTING and _int(run.chunks_done) < _int(run.chunks):
        return start_run(period, actor="system:schedule", config=config, resume=True)
    return None


def drain_local_queue(
    *,
    config: RegionConfig | None = None,
    max_seconds: float = 300.0,
    visibility_timeout: int | None = None,
    handler: Callable[[Mapping[str, Any]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Consume ``PAYROLL_QUEUE_URL`` in this process (local stack, CLI, tests, benchmark) and return
    how many messages were handled. A message is deleted only when ``handler`` (default:
    :func:`process_message`) returned; a failing one stays for SQS to deliver again after its
    visibility timeout (``visibility_timeout=0`` makes that immediate, for tests). Stops when the
    queue is empty, when ``max_seconds`` passed, or after a receive in which every message failed."""
    cfg = _region_config(config)

    def default(body: Mapping[str, Any]) -> None:
        process_message(body, config=cfg)

    handle = handler or default
    sqs, url = _sqs_client(), _queue_url()
    deadline = time.monotonic() + max_seconds
    handled = 0
    while time.monotonic() < deadline:
        kwargs: dict[str, Any] = {"QueueUrl": url, "MaxNumberOfMessages": SQS_BATCH, "WaitTimeSeconds": 0}
        if visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = visibility_timeout
        messages = sqs.receive_message(**kwargs).get("Messages") or []
        if not messages:
            break
        done: list[dict[str, str]] = []
        for m in messages:
            try:
                handle(json.loads(m["Body"]))
            except Exception:
                logger.exception("payroll message failed; left for redelivery")
                continue
            done.append({"Id": str(len(done)), "ReceiptHandle": m["ReceiptHandle"]})
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=done)
            handled += len(done)
            if on_progress is not None:
                on_progress(handled)
        else:
            break
    return handled
