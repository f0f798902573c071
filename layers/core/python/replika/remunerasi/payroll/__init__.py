"""The monthly payroll run of e-Remunerasi (DOMAIN.md §1): start, fan out, compute, review, lock.

Modules: :mod:`.run` (start/resume/verify/approve/lock state machine and the schedule),
:mod:`.worker` (the SQS handler body: one chunk per message), :mod:`.compute` (one employee's
result from the rules), :mod:`.queue` (the queue port: sending, and the local drainer),
:mod:`.query` (reading the run and results), :mod:`.outputs` (slips and sheets). Storage is
:mod:`replika.remunerasi.store.runs` / ``.results``; the lock check lives with the run store.

Flow (keys in :mod:`replika.remunerasi.keys`)::

    start_run ──► PayrollRun(state=computing, generation=g, total, chunks)
              ──► pending markers, then RunChunk × ceil(total / 90), 100 chunks per partition key
              ──► SQS {"kind": "chunk", period, generation, chunk} × chunks (send_message_batch)
    process_message / process_chunk (the SQS worker, one chunk per message):
              run (is it still computing g?) + chunk in one consistent BatchGetItem, batch-get 90
              directory items (the attributes used) + 90 month totals (read as MonthView) + the
              attendance markers of their OPDs -> rules.compute_tkd
              ──► ONE TransactWriteItems: this chunk pending -> done (+ its counts), its marker
                  deleted, 90 results (spread over 64 partition keys). No item is shared.
              ──► is a marker left in my group? (1 small Query) no -> the group's sums, once
              ──► are all groups done? yes -> finaliser: run computing -> draft (+ counts, audit)
                  ──► SQS {"kind": "outputs", …}
    act: verify (bkpsdm) -> approve (bpkad) -> lock (bpkad); recompute (bkpsdm) = a new generation
    recompute_employee: one result again while draft / verified (verified goes back to draft)

Guarantees:

* **No hot item.** A chunk's transaction touches only its own chunk item, its marker and its
  results, so concurrent chunks never cancel each other; progress is summed from the chunk items
  (:func:`replika.remunerasi.store.runs.progress`), and the run item is written once, by the
  finaliser, conditionally (exactly one wins). Contention (a duplicate delivery, throttling) sends
  the message again within seconds and never counts towards the DLQ
  (:func:`.queue.requeue_on_contention`).
* **A chunk is all-or-nothing.** Its results and its status commit in one transaction, so a worker
  that dies half way leaves nothing and the redelivered message redoes the chunk; a redelivery
  after success fails the chunk's ``status = pending`` condition and is treated as already done
  (and runs the completion check again, so a worker that died after its commit loses nothing).
  Results are set, never added, and the counts are summed from the chunk items: nothing doubles.
* **Generations.** Every start bumps ``generation``; messages, chunks (``CHUNK#<g>#<n>``) and
  results carry it. A message of an older generation is ignored (stale), and only results of the
  run's current generation are listed. A result is written only over an older generation's.
* **Crash during start.** ``start_run(..., resume=True)`` (and the scheduled run) finishes a start
  that died after the run item was written: it writes the chunk items that are missing (never
  overwriting one, so a done chunk stays done) and re-sends the pending chunks. A duplicate message
  is harmless (see above). If the directory changed in between, it starts a new generation
  instead, so no employee is in two chunks, and abandons the old generation's pending chunks
  before the new one's exist, so a late worker of the old one cannot commit.
* **The lock.** A run is locked only after draft, i.e. after every chunk of its generation is
  done and every older generation's chunks are done or abandoned: no chunk can commit after it.
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
from replika.remunerasi.payroll.worker import (
    ChunkOutcome,
    handle_sqs_records,
    process_chunk,
    process_message,
)
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
    "handle_sqs_records",
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
