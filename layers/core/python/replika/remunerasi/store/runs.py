"""The payroll run of a period (``RUN#<period>`` | ``RUN``), its chunks and the period lock.

Every change of the run is a conditional update on the state and generation it was read in.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.core import dynamodb
from replika.core.errors import Conflict, NotFound, Retryable
from replika.remunerasi import keys
from replika.remunerasi.rules import PayrollState
from replika.remunerasi.tables import PayrollResult, PayrollRun, RunChunk

__all__ = [
    "COMPUTING",
    "DONE",
    "PENDING",
    "TX_ATTEMPTS",
    "PayrollRun",
    "RunChunk",
    "is_locked",
    "load",
    "not_locked_check",
    "not_locked_condition",
    "require",
    "tx_connection",
]

COMPUTING = "computing"
PENDING, DONE = "pending", "done"
TX_ATTEMPTS = 6
LOCKED = PayrollState.LOCKED.value


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not crypto


def conflict(exc: BaseException, message: str, **details: Any) -> Conflict:
    """The 409 for a lost race on the run (a throttled / busy table raises ``Retryable`` instead)."""
    mapped = dynamodb.translate(exc)
    if isinstance(mapped, Retryable):
        raise mapped from exc
    return Conflict(message, details=details)


def tx_connection() -> Connection:
    """The remunerasi table's own (cached) connection, so a chunk's transaction reuses its client."""
    return PayrollRun._get_connection().connection


# -- reading --------------------------------------------------------------------------------------
def load(period: str) -> PayrollRun | None:
    pk, sk = keys.run_key(period)
    try:
        return PayrollRun.get(pk, sk, consistent_read=True)
    except PayrollRun.DoesNotExist:
        return None


def require(period: str) -> PayrollRun:
    run = load(period)
    if run is None:
        raise NotFound(f"Penggajian periode {period} belum ada.", details={"period": period})
    return run


def finished_computing(run: PayrollRun | None, generation: int) -> bool:
    """The run is still computing ``generation`` and every chunk is done."""
    return (
        run is not None
        and run.state == COMPUTING
        and int(run.generation) == generation
        and _int(run.chunks_done) >= _int(run.chunks)
    )


# -- the lock, for every other write of the period ------------------------------------------------
def is_locked(period: str) -> bool:
    run = load(period)
    return run is not None and run.state == LOCKED


def not_locked_condition() -> Condition:
    """The condition "this period's run is not locked" on the run item (true when no run exists)."""
    cond: Condition = PayrollRun.state.does_not_exist() | (PayrollRun.state != LOCKED)
    return cond


def not_locked_check(tx: TransactWrite, period: str) -> None:
    """Add a condition check to ``tx`` that fails the whole transaction when ``period`` is locked
    (the lock and an entry/approval then cannot interleave: a TransactionCanceled -> 409)."""
    pk, sk = keys.run_key(period)
    tx.condition_check(PayrollRun, pk, sk, condition=not_locked_condition())


# -- state changes (parts of an audited transaction) ----------------------------------------------
def history_append(entry: dict[str, Any]) -> Action:
    return PayrollRun.history.set((PayrollRun.history | []).append([entry]))


def create_in(
    tx: TransactWrite,
    period: str,
    *,
    generation: int,
    total: int,
    chunks: int,
    entry: dict[str, Any],
    now: str,
) -> None:
    pk, sk = keys.run_key(period)
    tx.save(
        PayrollRun(
            pk,
            sk,
            period=period,
            state=COMPUTING,
            generation=generation,
            total=total,
            done=0,
            failed=0,
            chunks=chunks,
            chunks_done=0,
            failures=[],
            history=[entry],
            started_at=now,
            updated_at=now,
        ),
        condition=PayrollRun.pk.does_not_exist(),
    )


def restart_in(
    tx: TransactWrite,
    run: PayrollRun,
    *,
    generation: int,
    total: int,
    chunks: int,
    entry: dict[str, Any],
    now: str,
) -> None:
    """The run read as ``run`` moves to ``generation`` in state computing, counters reset."""
    tx.update(
        run,
        actions=[
            PayrollRun.state.set(COMPUTING),
            PayrollRun.generation.set(generation),
            PayrollRun.total.set(total),
            PayrollRun.done.set(0),
            PayrollRun.failed.set(0),
            PayrollRun.chunks.set(chunks),
            PayrollRun.chunks_done.set(0),
            PayrollRun.failures.set([]),
            history_append(entry),
            PayrollRun.started_at.set(now),
            PayrollRun.updated_at.set(now),
            PayrollRun.outputs.remove(),
        ],
        condition=(PayrollRun.state == run.state) & (PayrollRun.generation == run.generation),
    )


def transition_in(tx: TransactWrite, run: PayrollRun, target: str, entry: dict[str, Any]) -> None:
    """``run`` (as read) -> ``target``, conditional on its state and generation."""
    tx.update(
        run,
        actions=[PayrollRun.state.set(target), PayrollRun.updated_at.set(entry["at"]), history_append(entry)],
        condition=(PayrollRun.state == run.state) & (PayrollRun.generation == int(run.generation)),
    )


def finish_in(
    tx: TransactWrite, run: PayrollRun, generation: int, target: str, entry: dict[str, Any]
) -> None:
    """computing -> ``target`` once every chunk is done (exactly one worker wins)."""
    tx.update(
        run,
        actions=[PayrollRun.state.set(target), PayrollRun.updated_at.set(entry["at"]), history_append(entry)],
        condition=(PayrollRun.state == COMPUTING)
        & (PayrollRun.generation == generation)
        & (PayrollRun.chunks_done == run.chunks),
    )


def recount_in(
    tx: TransactWrite,
    run: PayrollRun,
    *,
    old: PayrollResult | None,
    new: PayrollResult,
    failures: list[dict[str, str]] | None,
    target: str,
    entry: dict[str, Any] | None,
) -> None:
    """One employee's result again: the run's counters (and failure list, guarded by
    ``updated_at`` since it is rewritten whole) follow, conditional on state and generation."""
    generation = int(run.generation)
    current = old is not None and int(old.generation) == generation
    actions: list[Action] = [PayrollRun.updated_at.set(new.computed_at)]
    condition = (PayrollRun.state == run.state) & (PayrollRun.generation == generation)
    if not current:
        actions.append(PayrollRun.total.add(1))
    if not current or (old is not None and old.status != new.status):
        actions.append((PayrollRun.done if new.status == "ok" else PayrollRun.failed).add(1))
        if current:
            actions.append((PayrollRun.failed if new.status == "ok" else PayrollRun.done).add(-1))
    if failures is not None:
        actions.append(PayrollRun.failures.set(cast(Any, failures)))
        condition = condition & (PayrollRun.updated_at == run.updated_at)
    if target != run.state and entry is not None:
        actions.append(PayrollRun.state.set(target))
        actions.append(history_append(entry))
    tx.update(run, actions=actions, condition=condition)
    tx.save(new)


def record_outputs(run: PayrollRun, generation: int, payload: dict[str, Any]) -> bool:
    """Record the outputs on the run if it is still at ``generation`` (``False`` when it moved on)."""
    from pynamodb.exceptions import UpdateError

    try:
        run.update(actions=[PayrollRun.outputs.set(payload)], condition=PayrollRun.generation == generation)
    except UpdateError as exc:
        if dynamodb.is_condition_failure(exc):
            return False
        raise
    return True


# -- chunks ---------------------------------------------------------------------------------------
def write_chunks(
    period: str, generation: int, layout: Sequence[Sequence[str]], skip: Iterable[int] = ()
) -> None:
    """Chunk items ``CHUNK#<g>#<n>`` (status pending), except the numbers in ``skip``."""
    pk, _ = keys.run_key(period)
    skipped = set(skip)
    with RunChunk.batch_write() as batch:
        for n, nips in enumerate(layout):
            if n in skipped:
                continue
            batch.save(
                RunChunk(
                    pk,
                    keys.chunk_sk(generation, n),
                    period=period,
                    generation=generation,
                    number=n,
                    nips=list(nips),
                    status=PENDING,
                )
            )


def chunks_of(period: str, generation: int) -> dict[int, RunChunk]:
    pk, _ = keys.run_key(period)
    query = RunChunk.query(pk, RunChunk.sk.startswith(keys.chunk_prefix(generation)), consistent_read=True)
    return {int(c.number): c for c in query}


def get_chunk(period: str, generation: int, number: int) -> RunChunk:
    pk, _ = keys.run_key(period)
    try:
        return RunChunk.get(pk, keys.chunk_sk(generation, number), consistent_read=True)
    except RunChunk.DoesNotExist:
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} is missing") from None


def commit_chunk(
    run: PayrollRun,
    chunk: RunChunk,
    generation: int,
    results: Sequence[PayrollResult],
    listed: list[dict[str, str]],
    now: str,
) -> bool:
    """ONE transaction: run counters +=, chunk pending -> done, every result (new, or of an
    older generation). Contention is retried; ``False`` when a condition failed (the caller
    finds out which), ``True`` when committed."""
    failed = sum(1 for r in results if r.status != "ok")
    run_actions: list[Action] = [
        PayrollRun.done.add(len(results) - failed),
        PayrollRun.failed.add(failed),
        PayrollRun.chunks_done.add(1),
        PayrollRun.updated_at.set(now),
    ]
    if listed:
        run_actions.append(PayrollRun.failures.set((PayrollRun.failures | []).append(listed)))
    new_result = PayrollResult.sk.does_not_exist() | (PayrollResult.generation != generation)
    for attempt in range(TX_ATTEMPTS):
        try:
            with TransactWrite(connection=tx_connection()) as tx:
                tx.update(
                    run,
                    actions=run_actions,
                    condition=(PayrollRun.state == COMPUTING) & (PayrollRun.generation == generation),
                )
                tx.update(chunk, actions=[RunChunk.status.set(DONE)], condition=RunChunk.status == PENDING)
                for item in results:
                    tx.save(item, condition=new_result)
            return True
        except TransactWriteError as exc:
            if dynamodb.is_contention(exc):
                if attempt + 1 < TX_ATTEMPTS:
                    backoff(attempt)
                    continue
                raise
            return False
    return False  # pragma: no cover - the loop returns or raises
