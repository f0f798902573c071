"""The monthly payroll run of e-Remunerasi (DOMAIN.md §1): start, fan out, compute, review, lock.

Modules: :mod:`.run` (start/resume/verify/approve/lock state machine and the schedule),
:mod:`.worker` (the SQS handler body: one chunk per message), :mod:`.compute` (one employee's
result from the rules), :mod:`.queue` (the queue port: sending, and the local drainer),
:mod:`.query` (reading the run and results), :mod:`.outputs` (slips and sheets). Storage is
:mod:`replika.remunerasi.store.runs` / ``.results``; the lock check lives with the run store.

Flow (keys in :mod:`replika.remunerasi.keys`)::

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

from collections.abc import Callable, Mapping
from typing import Any

from replika.core.config import RegionConfig
from replika.core.runtime import current_region
from replika.remunerasi.keys import run_key
from replika.remunerasi.models import FailureOut, HistoryOut, ResultOut, ResultPage, RunOut
from replika.remunerasi.payroll import queue
from replika.remunerasi.payroll.compute import compute_chunk, tkd_input
from replika.remunerasi.payroll.query import get_result, get_run, list_results, result_out, run_out
from replika.remunerasi.payroll.run import (
    CHUNK_SIZE,
    COMPUTING,
    SCHEDULE_LOCAL_TIME,
    act,
    payroll_schedule_expression,
    recompute_employee,
    scheduled_period,
    scheduled_run,
    start_run,
)
from replika.remunerasi.payroll.worker import ChunkOutcome, process_chunk, process_message
from replika.remunerasi.store.runs import is_locked, not_locked_check, not_locked_condition

__all__ = [
    "CHUNK_SIZE",
    "COMPUTING",
    "SCHEDULE_LOCAL_TIME",
    "ChunkOutcome",
    "FailureOut",
    "HistoryOut",
    "ResultOut",
    "ResultPage",
    "RunOut",
    "act",
    "compute_chunk",
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
    "result_out",
    "run_key",
    "run_out",
    "scheduled_period",
    "scheduled_run",
    "start_run",
    "tkd_input",
]


def drain_local_queue(
    *,
    config: RegionConfig | None = None,
    max_seconds: float = 300.0,
    visibility_timeout: int | None = None,
    handler: Callable[[Mapping[str, Any]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Consume ``PAYROLL_QUEUE_URL`` in this process (local stack, CLI, tests, benchmark) with
    ``handler`` (default: :func:`process_message` in ``config``'s region); see
    :func:`.queue.drain`. Returns how many messages were handled."""
    cfg = config if config is not None else current_region()

    def default(body: Mapping[str, Any]) -> None:
        process_message(body, config=cfg)

    return queue.drain(
        handler or default,
        max_seconds=max_seconds,
        visibility_timeout=visibility_timeout,
        on_progress=on_progress,
    )
