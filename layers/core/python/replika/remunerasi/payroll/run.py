"""The payroll run's state machine: start / resume, finish, review (verify, approve, lock,
recompute, one employee again) and the monthly schedule. See :mod:`replika.remunerasi.payroll`.

Every change of the run is conditional on the state and generation it was read in (a lost race
is a 409) and commits with its audit record (stream ``remunerasi/payroll``) in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.auth import Principal
from replika.core.calendar import calendar_for, period_of, previous_period
from replika.core.config import RegionConfig
from replika.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from replika.core.observability import get_logger
from replika.core.runtime import current_region
from replika.remunerasi import keys, rules
from replika.remunerasi.models import ResultOut, RunOut
from replika.remunerasi.payroll import compute, queue
from replika.remunerasi.payroll.query import check_period, result_out, run_out
from replika.remunerasi.schedule import SCHEDULE_LOCAL_TIME, payroll_schedule_expression
from replika.remunerasi.service.attendance_gaps import missing_attendance
from replika.remunerasi.store import attendance, employees, runs, totals
from replika.remunerasi.store import results as results_store
from replika.remunerasi.tables import PayrollResult, PayrollRun

__all__ = [
    "CHUNK_SIZE",
    "COMPUTING",
    "SCHEDULE_LOCAL_TIME",
    "act",
    "chunk_settled",
    "finish",
    "maybe_finish",
    "payroll_schedule_expression",
    "recompute_employee",
    "scheduled_period",
    "scheduled_run",
    "start_run",
]

logger = get_logger("remunerasi")

#: Employees per chunk: 90 results + the chunk update + its marker's delete = 92 of the 100
#: actions a DynamoDB transaction allows, and 90 keys fit one BatchGetItem (100) per table.
CHUNK_SIZE = 90
#: The run item lists at most this many failures (the failed results themselves are all stored);
#: keeps the run item far below DynamoDB's 400 KB even when a whole region fails.
MAX_RUN_FAILURES = 200
#: The scheduled run: 01:00 region time on the 1st computes the previous period.
SYSTEM_ACTOR = "system:payroll"

COMPUTING = runs.COMPUTING
_CLOSED = frozenset({rules.PayrollState.APPROVED.value, rules.PayrollState.LOCKED.value})


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _config(config: RegionConfig | None) -> RegionConfig:
    return config if config is not None else current_region()


def history_entry(actor: str, action: str, before: str | None, after: str, generation: int) -> dict[str, Any]:
    return {
        "at": compute.now(),
        "actor": actor,
        "action": action,
        "from_state": before,
        "to_state": after,
        "generation": generation,
    }


def _split(nips: Sequence[str]) -> list[list[str]]:
    return [list(nips[i : i + CHUNK_SIZE]) for i in range(0, len(nips), CHUNK_SIZE)]


# -- start ----------------------------------------------------------------------------------------
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
    check_period(period)
    _refuse_before_go_live(period, _config(config))
    run = runs.load(period)
    if run is not None:
        if run.state in _CLOSED:
            raise Conflict(
                f"Penggajian periode {period} sudah {run.state}; tidak dapat dihitung ulang.",
                details={"period": period, "state": run.state},
            )
        if run.state == COMPUTING:
            progress = runs.progress(period, int(run.generation), _int(run.chunks))
            if progress.chunks_done < _int(run.chunks):
                if resume:
                    return _resume(run, actor=actor, request_id=request_id, config=config)
                raise Conflict(
                    f"Penggajian periode {period} sedang dihitung.",
                    code="payroll_computing",
                    details={
                        "period": period,
                        "chunks": _int(run.chunks),
                        "chunks_done": progress.chunks_done,
                    },
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
    nips = employees.active_nips()
    layout = _split(nips)
    now = compute.now()
    before = None if run is None else {"state": run.state, "generation": int(run.generation)}
    generation = 1 if run is None else int(run.generation) + 1
    entry = history_entry(actor, action, None if run is None else run.state, COMPUTING, generation)
    size: dict[str, Any] = {
        "generation": generation,
        "total": len(nips),
        "chunks": len(layout),
        "entry": entry,
        "now": now,
    }

    def write(tx: TransactWrite) -> None:
        runs.start_in(tx, period, run, **size)

    try:
        audit.write_with_audit(
            keys.AUDIT_PAYROLL,
            write,
            actor=actor,
            action=f"remunerasi.payroll.{action}",
            subject=f"payroll#{period}",
            before=before,
            after={"state": COMPUTING, "generation": generation, "total": len(nips), "chunks": len(layout)},
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise runs.conflict(
            exc, f"Penggajian periode {period} baru saja diubah pengguna lain; muat ulang.", period=period
        ) from None
    if run is not None and run.state == COMPUTING:
        # The generation left behind (a resume after the directory changed): its pending chunks
        # are abandoned before any chunk of this one exists, so a late worker of it cannot commit.
        runs.abandon_pending(period, int(run.generation), _int(run.chunks))
    runs.write_chunks(period, generation, layout)
    logger.info(
        "payroll run started",
        extra={"period": period, "generation": generation, "employees": len(nips), "chunks": len(layout)},
    )
    if not layout:
        maybe_finish(period, generation, 0)
    else:
        queue.send_batch(queue.chunk_messages(period, generation, range(len(layout))))
    return run_out(runs.require(period), live=False)


def _resume(run: PayrollRun, *, actor: str, request_id: str | None, config: RegionConfig | None) -> RunOut:
    period, generation = run.period, int(run.generation)
    existing = runs.chunks_of(period, generation, _int(run.chunks))
    layout = _split(employees.active_nips())
    same = len(layout) == _int(run.chunks) and sum(map(len, layout)) == _int(run.total)
    same = same and all(n < len(layout) and list(c.nips) == layout[n] for n, c in existing.items())
    if not same:
        # The directory changed since the crashed start: the missing chunks cannot be rebuilt
        # exactly, so compute everything again under a new generation.
        logger.info("payroll resume: directory changed, new generation", extra={"period": period})
        return _new_generation(period, run, actor=actor, request_id=request_id, action="start", config=config)
    runs.write_chunks(period, generation, layout, skip=existing)
    pending = [n for n in range(len(layout)) if n not in existing or existing[n].status == runs.PENDING]
    audit.append(
        keys.AUDIT_PAYROLL,
        actor=actor,
        action="remunerasi.payroll.resume",
        subject=f"payroll#{period}",
        after={"generation": generation, "written": len(layout) - len(existing), "resent": len(pending)},
        request_id=request_id,
    )
    queue.send_batch(queue.chunk_messages(period, generation, pending))
    if not pending:
        settle_all(runs.require(period))
    return run_out(runs.require(period))


def _refuse_before_go_live(period: str, config: RegionConfig) -> None:
    if rules.before_go_live(period, config.remunerasi):
        raise ValidationFailed(
            f"Periode {period} sebelum e-Remunerasi berlaku di daerah ini ({config.remunerasi.go_live}).",
            code="before_go_live",
            details={"period": period, "go_live": config.remunerasi.go_live},
        )


# -- finish ---------------------------------------------------------------------------------------
# No item counts the chunks: a chunk's transaction deletes its pending marker; the worker then
# asks "is a marker left in my group?" (one small consistent Query); the worker that finds its
# group empty writes the group's sums once (checked against the chunk items themselves) and asks
# "are all groups done?" (one Query of at most CHUNK_GROUP-times-fewer items); the worker that
# finds every group done is the finaliser. Each step writes before it reads, with consistent
# reads, so of two workers finishing at the same time at least the later one sees both.
def _expected_in_group(chunks: int, group: int) -> int:
    return min(keys.CHUNK_GROUP, chunks - group * keys.CHUNK_GROUP)


def chunk_settled(run: PayrollRun, number: int) -> None:
    """After chunk ``number`` of the run's generation is done: finish its group, and the run, when
    it was the last one (see above)."""
    period, generation, chunks = run.period, int(run.generation), _int(run.chunks)
    group = keys.chunk_group(number)
    if runs.group_has_pending(period, generation, group):
        return
    if runs.mark_group_done(period, generation, group, _expected_in_group(chunks, group), MAX_RUN_FAILURES):
        maybe_finish(period, generation, chunks, run=run)


def settle_all(run: PayrollRun) -> None:
    """Check every group (a resume that found nothing pending)."""
    period, generation, chunks = run.period, int(run.generation), _int(run.chunks)
    for group in range(runs.groups_of(chunks)):
        runs.mark_group_done(period, generation, group, _expected_in_group(chunks, group), MAX_RUN_FAILURES)
    maybe_finish(period, generation, chunks, run=run)


def maybe_finish(period: str, generation: int, chunks: int, *, run: PayrollRun | None = None) -> None:
    groups = runs.groups_done(period, generation)
    if len(groups) >= runs.groups_of(chunks):
        finish(period, generation, runs.sums(groups, MAX_RUN_FAILURES), run=run)


def finish(period: str, generation: int, counts: runs.Progress, *, run: PayrollRun | None = None) -> None:
    """computing -> draft with the generation's counts once every chunk group is done
    (conditional on state and generation: exactly one finaliser wins), then ask for the outputs
    (slips, sheets, dashboard)."""
    run = run or runs.require(period)
    draft = rules.PayrollState.DRAFT.value
    entry = history_entry(SYSTEM_ACTOR, "computed", COMPUTING, draft, generation)
    summary = {"total": _int(run.total), "done": counts.done, "failed": counts.failed}
    try:
        audit.write_with_audit(
            keys.AUDIT_PAYROLL,
            lambda tx: runs.finish_in(tx, run, generation, draft, entry, counts, MAX_RUN_FAILURES),
            actor=SYSTEM_ACTOR,
            action="remunerasi.payroll.computed",
            subject=f"payroll#{period}",
            before={"state": COMPUTING, "generation": generation},
            after={"state": draft, "generation": generation, **summary},
        )
    except TransactWriteError:
        now = runs.load(period)
        if now is not None and now.state == COMPUTING and int(now.generation) == generation:
            raise  # still ours to finish (e.g. a transaction conflict): let SQS deliver again
        return  # another worker finished it, or a new generation started
    logger.info("payroll run computed", extra={"period": period, "generation": generation, **summary})
    queue.send_batch([queue.outputs_message(period, generation)])


# -- review ---------------------------------------------------------------------------------------
def recompute_employee(
    period: str, nip: str, *, actor: str, config: RegionConfig | None = None, request_id: str | None = None
) -> ResultOut:
    """Compute one employee again (BKPSDM, after a correction) in the current generation.

    Allowed while draft or verified (a verified run goes back to draft: ``rules.transition`` with
    ``recompute`` by ``bkpsdm``); 409 while computing, approved or locked. The result, the run's
    counters (and its failure list when it changes) and the audit record commit together,
    conditional on the run's state and generation.
    """
    check_period(period)
    cfg = _config(config)
    run = runs.require(period)
    if run.state == COMPUTING:
        raise Conflict(f"Penggajian periode {period} sedang dihitung.", code="payroll_computing")
    target = rules.transition(run.state, rules.PayrollAction.RECOMPUTE, "bkpsdm").value
    generation = int(run.generation)
    emp = employees.get(nip)
    old = results_store.get(period, nip, consistent=True)
    if emp is None and old is None:
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    total = totals.get(period, nip, consistent=True)
    imported = attendance.imported_one(period, emp.opd_code) if emp is not None and emp.opd_code else None
    new = compute.result_item(period, nip, generation, emp, total, cfg, compute.now(), imported)

    failures: list[dict[str, str]] | None = None
    listed: list[Any] = list(run.failures or [])
    if any(f["nip"] == nip for f in listed) or new.status == results_store.FAILED:
        kept = [{"nip": str(f["nip"]), "reason": str(f["reason"])} for f in listed if f["nip"] != nip]
        if new.status == results_store.FAILED and len(kept) < MAX_RUN_FAILURES:
            kept.append({"nip": nip, "reason": new.reason or ""})
        failures = kept
    entry = None
    if target != run.state:
        entry = history_entry(actor, "recompute_employee", run.state, target, generation)

    def brief(r: PayrollResult | None) -> dict[str, Any] | None:
        if r is None:
            return None
        return {"generation": int(r.generation), "status": r.status, "gross": r.gross, "net": r.net}

    try:
        audit.write_with_audit(
            keys.AUDIT_PAYROLL,
            lambda tx: runs.recount_in(
                tx, run, old=old, new=new, failures=failures, target=target, entry=entry
            ),
            actor=actor,
            action="remunerasi.payroll.recompute_employee",
            subject=f"employee#{nip}",
            before={"run_state": run.state, "result": brief(old)},
            after={"run_state": target, "result": brief(new)},
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise runs.conflict(
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
    acknowledge: rules.MissingAcknowledgement | None = None,
) -> RunOut:
    """Take ``action`` on the run: ``verify`` (bkpsdm, draft -> verified), ``approve`` (bpkad,
    verified -> approved), ``lock`` (bpkad, approved -> locked) or ``recompute`` (bkpsdm, draft or
    verified -> a new generation, computing, then draft). 400 unknown action, 403 wrong role,
    404 no run, 409 wrong state or a lost race. History entry and audit record with before/after.

    ``verify`` of a period with attendance missing for some OPD (no import on a working day)
    needs ``acknowledge`` (:func:`rules.check_missing_acknowledged`: 409 ``attendance_missing``
    without it); the reason and the days acknowledged go into the history entry and the audit
    record."""
    check_period(period)
    run = runs.require(period)
    target = _transition_for(principal, run.state, action).value
    actor = principal.actor
    if action == rules.PayrollAction.RECOMPUTE.value:
        return start_run(period, actor=actor, request_id=request_id, config=config, action="recompute")
    generation = int(run.generation)
    entry = history_entry(actor, action, run.state, target, generation)
    after: dict[str, Any] = {"state": target, "generation": generation}
    if action == rules.PayrollAction.VERIFY.value:
        missing = missing_attendance(period, _config(config))
        if rules.check_missing_acknowledged(missing, acknowledge) and acknowledge is not None:
            entry["reason"] = acknowledge.reason
            after["attendance_missing"] = {o: [d.isoformat() for d in ds] for o, ds in missing.items()}
            after["acknowledged"] = acknowledge.reason
    try:
        audit.write_with_audit(
            keys.AUDIT_PAYROLL,
            lambda tx: runs.transition_in(tx, run, target, entry),
            actor=actor,
            action=f"remunerasi.payroll.{action}",
            subject=f"payroll#{period}",
            before={"state": run.state, "generation": generation},
            after=after,
            request_id=request_id,
        )
    except TransactWriteError as exc:
        raise runs.conflict(
            exc, f"Penggajian periode {period} baru saja diubah pengguna lain; muat ulang.", period=period
        ) from None
    return run_out(runs.require(period), principal, gaps=missing_attendance(period, _config(config)))


# -- schedule -------------------------------------------------------------------------------------
def scheduled_period(event_time_utc: datetime, config: RegionConfig) -> str:
    """The period the schedule computes: the month before the event's **region-local** date."""
    if event_time_utc.tzinfo is None:
        event_time_utc = event_time_utc.replace(tzinfo=UTC)
    local = event_time_utc.astimezone(calendar_for(config).zone).date()
    return previous_period(period_of(local))


def scheduled_run(event_time_utc: datetime, *, config: RegionConfig) -> RunOut | None:
    """The monthly schedule: start the previous period's run if it does not exist yet.

    EventBridge may deliver an event twice and retries a failed invocation, so: no run -> start;
    a run still computing with pending chunks -> resume it (finishes a start that crashed; a
    duplicate chunk message is harmless); any other state -> nothing (``None``), so a late
    duplicate never recomputes a run BKPSDM is reviewing."""
    period = scheduled_period(event_time_utc, config)
    if rules.before_go_live(period, config.remunerasi):
        logger.warning("scheduled payroll before go-live ignored", extra={"period": period})
        return None
    run = runs.load(period)
    if run is None:
        try:
            return start_run(period, actor="system:schedule", config=config, action="schedule")
        except Conflict:
            return None  # a concurrent duplicate started it
    if run.state == COMPUTING and not runs.all_chunks_done(run):
        return start_run(period, actor="system:schedule", config=config, resume=True)
    return None
