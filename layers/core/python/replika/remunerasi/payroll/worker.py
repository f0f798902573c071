"""The payroll worker: the body of the SQS handler (one chunk, or the outputs, per message)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from replika.core.config import RegionConfig
from replika.core.observability import get_logger
from replika.core.runtime import current_region
from replika.remunerasi.payroll import compute, outputs, queue, run
from replika.remunerasi.store import results as results_store
from replika.remunerasi.store import runs

__all__ = ["ChunkOutcome", "handle_sqs_records", "process_chunk", "process_message"]

logger = get_logger("remunerasi")

ChunkOutcome = Literal["done", "already_done", "stale"]


def process_message(body: Mapping[str, Any], *, config: RegionConfig | None = None) -> None:
    """The single SQS entry point: ``{"kind": "chunk", …}`` (the default) computes a chunk,
    ``{"kind": "outputs", period, generation}`` writes the sheets
    (:func:`replika.remunerasi.payroll.outputs.generate_outputs`)."""
    kind = body.get("kind", "chunk")
    if kind == "chunk":
        process_chunk(body, config=config)
    elif kind == "outputs":
        outputs.generate_outputs(str(body["period"]), int(body["generation"]))
    else:
        raise ValueError(f"unknown payroll message kind {kind!r}")


def handle_sqs_records(records: Iterable[Mapping[str, Any]], *, config: RegionConfig | None = None) -> None:
    """The Lambda SQS handler's body (raw SQS records). A message that lost to contention is sent
    again, delayed seconds, and counts as handled (never towards the DLQ); any other failure makes
    the message visible again after 30 s (doubling per receive, :func:`.queue.retry_later`) instead
    of the queue's 30-minute visibility timeout, and the invocation raises so SQS keeps it (with a
    batch of one, as configured, nothing else is delivered again)."""
    failed: list[str] = []
    for record in records:
        body = json.loads(record["body"])
        try:
            process_message(body, config=config)
        except Exception as exc:
            if queue.requeue_on_contention(body, exc):
                continue
            logger.exception("payroll message failed", extra={"message_id": record.get("messageId")})
            count = int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1))
            queue.retry_later(str(record["receiptHandle"]), count)
            failed.append(str(record.get("messageId")))
    if failed:
        raise RuntimeError(f"payroll messages failed: {', '.join(failed)}")


def process_chunk(body: Mapping[str, Any], *, config: RegionConfig | None = None) -> ChunkOutcome:
    """Compute one chunk and commit it in one transaction (see :mod:`replika.remunerasi.payroll`).

    Returns ``"done"``, ``"already_done"`` (a redelivery after success: the completion check runs
    again, so a worker that died after its commit loses nothing) or ``"stale"`` (a message of an
    older or abandoned generation, or a run no longer computing). Any other failure raises, so the
    queue delivers the message again.
    """
    cfg = config if config is not None else current_region()
    period, generation, number = str(body["period"]), int(body["generation"]), int(body["chunk"])
    current, chunk = runs.load_with_chunk(period, generation, number)  # one consistent BatchGetItem
    if current is None or int(current.generation) != generation or current.state != runs.COMPUTING:
        logger.info("stale payroll message ignored", extra={"period": period, "generation": generation})
        return "stale"
    if chunk is None:
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} is missing")
    if chunk.status == runs.DONE:
        run.chunk_settled(current, number)
        return "already_done"
    if chunk.status != runs.PENDING:
        return "stale"

    results = compute.compute_chunk(period, generation, list(chunk.nips), cfg)
    listed = [{"nip": r.nip, "reason": r.reason or ""} for r in results if r.status == results_store.FAILED]
    if not runs.commit_chunk(chunk, generation, results, listed):
        # A condition failed: find out which one (consistent reads, only on this path).
        chunk.refresh(consistent_read=True)
        if chunk.status == runs.DONE:
            run.chunk_settled(current, number)
            return "already_done"
        if chunk.status != runs.PENDING:
            return "stale"
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} could not be committed")
    logger.debug("payroll chunk done", extra={"period": period, "generation": generation, "chunk": number})
    run.chunk_settled(current, number)
    return "done"
