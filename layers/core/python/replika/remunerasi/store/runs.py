"""The payroll run of a period (``RUN#<period>`` | ``RUN``), its chunks and the period lock.

Every change of the run is a conditional update on the state and generation it was read in.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from replika.remunerasi.tables import ChunkGroupDone, ChunkMarker, PayrollResult, PayrollRun, RunChunk

__all__ = [
    "ABANDONED",
    "COMPUTING",
    "DONE",
    "PENDING",
    "TX_ATTEMPTS",
    "PayrollRun",
    "Progress",
    "RunChunk",
    "is_locked",
    "load",
    "not_locked_check",
    "not_locked_condition",
    "require",
    "tx_connection",
]

COMPUTING = "computing"
PENDING, DONE, ABANDONED = "pending", "done", "abandoned"
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


@dataclass(frozen=True)
class Progress:
    """How far a generation is, summed from its chunk items (nothing counts on the run item)."""

    chunks_done: int
    done: int
    failed: int
    failures: list[dict[str, str]]


def progress(period: str, generation: int, chunks: int) -> Progress:
    """The generation's progress from its chunk items (a Query per group, only counts read)."""
    done_chunks = ok = bad = 0
    failures: list[dict[str, str]] = []
    for c in chunks_of(period, generation, chunks, counts_only=True).values():
        if c.status == DONE:
            done_chunks += 1
            ok += _int(c.done)
            bad += _int(c.failed)
            failures += [{"nip": str(f["nip"]), "reason": str(f["reason"])} for f in c.failures or []]
    return Progress(done_chunks, ok, bad, failures)


def all_chunks_done(run: PayrollRun) -> bool:
    """Every chunk of the run's current generation is done (authoritative: the chunk items)."""
    return progress(run.period, int(run.generation), _int(run.chunks)).chunks_done >= _int(run.chunks)


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


def start_in(
    tx: TransactWrite,
    period: str,
    run: PayrollRun | None,
    *,
    generation: int,
    total: int,
    chunks: int,
    entry: dict[str, Any],
    now: str,
) -> None:
    """A new run of ``period`` in state computing (``run`` None: it must not exist yet), or the
    run read as ``run`` moved to ``generation`` in state computing, counters reset."""
    if run is None:
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
        return
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
    tx: TransactWrite,
    run: PayrollRun,
    generation: int,
    target: str,
    entry: dict[str, Any],
    counts: Progress,
    max_failures: int,
) -> None:
    """computing -> ``target`` with the generation's counts, once the caller saw every chunk group
    done (conditional on state and generation: exactly one finaliser wins)."""
    tx.update(
        run,
        actions=[
            PayrollRun.state.set(target),
            PayrollRun.done.set(counts.done),
            PayrollRun.failed.set(counts.failed),
            PayrollRun.chunks_done.set(counts.chunks_done),
            PayrollRun.failures.set(cast(Any, counts.failures[:max_failures])),
            PayrollRun.updated_at.set(entry["at"]),
            history_append(entry),
        ],
        condition=(PayrollRun.state == COMPUTING) & (PayrollRun.generation == generation),
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
def groups_of(chunks: int) -> int:
    return math.ceil(chunks / keys.CHUNK_GROUP)


def write_chunks(
    period: str, generation: int, layout: Sequence[Sequence[str]], skip: Iterable[int] = ()
) -> None:
    """Chunk items ``CHUNK#<g>#<n>`` (status pending) and their pending markers, except the
    numbers in ``skip``. Every marker is written before any chunk item: a chunk can be committed
    (which deletes its marker) only once its item exists, so no marker outlives its chunk."""
    numbers = [n for n in range(len(layout)) if n not in set(skip)]
    with ChunkMarker.batch_write() as batch:
        for n in numbers:
            batch.save(ChunkMarker(*keys.marker_key(period, generation, n), generation=generation, number=n))
    with RunChunk.batch_write() as batch:
        for n in numbers:
            batch.save(
                RunChunk(
                    *keys.chunk_key(period, generation, n),
                    period=period,
                    generation=generation,
                    number=n,
                    nips=list(layout[n]),
                    status=PENDING,
                )
            )


_COUNTS = ["pk", "sk", "number", "status", "done", "failed", "failures"]


def _group_chunks(period: str, generation: int, group: int, counts_only: bool) -> Iterable[RunChunk]:
    return RunChunk.query(
        keys.chunk_pk(period, group),
        RunChunk.sk.startswith(keys.chunk_prefix(generation)),
        consistent_read=True,
        attributes_to_get=_COUNTS if counts_only else None,
    )


def chunks_of(period: str, generation: int, chunks: int, *, counts_only: bool = False) -> dict[int, RunChunk]:
    """The generation's chunk items by number (a consistent Query per group of ``chunks``)."""
    out: dict[int, RunChunk] = {}
    for group in range(groups_of(chunks)):
        out.update((int(c.number), c) for c in _group_chunks(period, generation, group, counts_only))
    return out


def get_chunk(period: str, generation: int, number: int) -> RunChunk:
    try:
        return RunChunk.get(*keys.chunk_key(period, generation, number), consistent_read=True)
    except RunChunk.DoesNotExist:
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} is missing") from None


def load_with_chunk(period: str, generation: int, number: int) -> tuple[PayrollRun | None, RunChunk | None]:
    """The run item and chunk ``number`` of ``generation``, both read consistently in ONE
    BatchGetItem (a worker's first read; ``None`` for an item that does not exist)."""
    run_key, chunk_key = keys.run_key(period), keys.chunk_key(period, generation, number)
    table = PayrollRun.Meta.table_name
    request: list[Any] = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in (run_key, chunk_key)]
    run: PayrollRun | None = None
    chunk: RunChunk | None = None
    while request:
        data = tx_connection().batch_get_item(table, request, consistent_read=True)
        for raw in data.get("Responses", {}).get(table, []):
            found = (raw["pk"]["S"], raw["sk"]["S"])
            if found == run_key:
                run = PayrollRun.from_raw_data(raw)
            elif found == chunk_key:
                chunk = RunChunk.from_raw_data(raw)
        request = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys") or []
    return run, chunk


def abandon_pending(period: str, generation: int, chunks: int) -> int:
    """Mark ``generation``'s pending chunks abandoned (conditional: pending -> abandoned), so a late
    worker of that generation can never commit one after a new generation started."""
    from pynamodb.exceptions import UpdateError

    n = 0
    for c in chunks_of(period, generation, chunks, counts_only=True).values():
        if c.status != PENDING:
            continue
        try:
            c.update(actions=[RunChunk.status.set(ABANDONED)], condition=RunChunk.status == PENDING)
            n += 1
        except UpdateError as exc:
            if not dynamodb.is_condition_failure(exc):
                raise
    return n


def commit_chunk(
    chunk: RunChunk,
    generation: int,
    results: Sequence[PayrollResult],
    listed: list[dict[str, str]],
) -> bool:
    """ONE transaction, and no item another chunk writes: this chunk pending -> done with its
    counts, its pending marker deleted, every result (new, or of an older generation: a late
    worker of an older generation never overwrites a newer result). The run item is not touched.
    Contention (a duplicate delivery of the same chunk, throttling) is retried briefly, then raised
    as is for the queue to deliver again soon; ``False`` when a condition failed (the caller finds
    out which), ``True`` when committed."""
    failed = sum(1 for r in results if r.status != "ok")
    chunk_actions: list[Action] = [
        RunChunk.status.set(DONE),
        RunChunk.done.set(len(results) - failed),
        RunChunk.failed.set(failed),
    ]
    if listed:
        chunk_actions.append(RunChunk.failures.set(cast(Any, listed)))
    newer = PayrollResult.sk.does_not_exist() | (PayrollResult.generation < generation)
    marker = ChunkMarker(*keys.marker_key(str(chunk.period), generation, int(chunk.number)))
    for attempt in range(TX_ATTEMPTS):
        try:
            with TransactWrite(connection=tx_connection()) as tx:
                tx.update(chunk, actions=chunk_actions, condition=RunChunk.status == PENDING)
                tx.delete(marker)
                for item in results:
                    tx.save(item, condition=newer)
            return True
        except TransactWriteError as exc:
            if dynamodb.is_contention(exc):
                if attempt + 1 < TX_ATTEMPTS:
                    backoff(attempt)
                    continue
                raise
            return False
    return False  # pragma: no cover - the loop returns or raises


# -- completion without a shared counter ----------------------------------------------------------
def group_has_pending(period: str, generation: int, group: int) -> bool:
    """A pending marker is left in ``group`` (consistent Query, at most one small item read)."""
    query = ChunkMarker.query(
        keys.chunk_pk(period, group),
        ChunkMarker.sk.startswith(keys.marker_prefix(generation)),
        consistent_read=True,
        limit=1,
    )
    return any(True for _ in query)


def mark_group_done(period: str, generation: int, group: int, expected: int, max_failures: int) -> bool:
    """When every one of the ``expected`` chunk items of ``group`` is done (authoritative: the
    chunk items, consistent), write the group's sums once (an idempotent put: every writer writes
    the same values). ``False`` when a chunk of the group is not done."""
    items = list(_group_chunks(period, generation, group, counts_only=True))
    if len(items) < expected or any(c.status != DONE for c in items):
        return False
    failures = [
        {"nip": str(f["nip"]), "reason": str(f["reason"])}
        for c in sorted(items, key=lambda c: int(c.number))
        for f in c.failures or []
    ]
    ChunkGroupDone(
        *keys.group_done_key(period, generation, group),
        period=period,
        generation=generation,
        group=group,
        chunks=len(items),
        done=sum(_int(c.done) for c in items),
        failed=sum(_int(c.failed) for c in items),
        failures=cast(Any, failures[:max_failures]),
    ).save()
    return True


def groups_done(period: str, generation: int) -> list[ChunkGroupDone]:
    pk, _ = keys.run_key(period)
    return list(
        ChunkGroupDone.query(
            pk, ChunkGroupDone.sk.startswith(keys.group_done_prefix(generation)), consistent_read=True
        )
    )


def sums(groups: Sequence[ChunkGroupDone], max_failures: int) -> Progress:
    failures: list[dict[str, str]] = []
    for g in sorted(groups, key=lambda g: int(g.group)):
        failures += [{"nip": str(f["nip"]), "reason": str(f["reason"])} for f in g.failures or []]
    return Progress(
        chunks_done=sum(_int(g.chunks) for g in groups),
        done=sum(_int(g.done) for g in groups),
        failed=sum(_int(g.failed) for g in groups),
        failures=failures[:max_failures],
    )
