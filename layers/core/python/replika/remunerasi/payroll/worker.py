"""The payroll worker: the body of the SQS handler (one chunk, or the outputs, per message)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from replika.core.config import RegionConfig
from replika.core.observability import get_logger
from replika.core.runtime import current_region
from replika.remunerasi.payroll import compute, outputs, run
from replika.remunerasi.store import results as results_store
from replika.remunerasi.store import runs

__all__ = ["ChunkOutcome", "process_chunk", "process_message"]

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


def process_chunk(body: Mapping[str, Any], *, config: RegionConfig | None = None) -> ChunkOutcome:
    """Compute one chunk and commit it in one transaction (see :mod:`replika.remunerasi.payroll`).

    Returns ``"done"``, ``"already_done"`` (a redelivery after success) or ``"stale"`` (a message
    of an older generation, or a run no longer computing). Any other failure raises, so SQS
    delivers the message again (and after five attempts moves it to the DLQ).
    """
    cfg = config if config is not None else current_region()
    period, generation, number = str(body["period"]), int(body["generation"]), int(body["chunk"])
    current = runs.load(period)
    if current is None or int(current.generation) != generation or current.state != runs.COMPUTING:
        logger.info("stale payroll message ignored", extra={"period": period, "generation": generation})
        return "stale"
    chunk = runs.get_chunk(period, generation, number)
    if chunk.status == runs.DONE:
        run.maybe_finish(period, generation)
        return "already_done"

    results = compute.compute_chunk(period, generation, list(chunk.nips), cfg)
    failed = [r for r in results if r.status == results_store.FAILED]
    room = max(0, run.MAX_RUN_FAILURES - len(current.failures or []))
    listed = [{"nip": r.nip, "reason": r.reason or ""} for r in failed[:room]]
    if not runs.commit_chunk(current, chunk, generation, results, listed, compute.now()):
        # A condition failed: find out which one (consistent reads, only on this path).
        now_run = runs.load(period)
        if now_run is None or int(now_run.generation) != generation or now_run.state != runs.COMPUTING:
            return "stale"
        chunk.refresh(consistent_read=True)
        if chunk.status == runs.DONE:
            run.maybe_finish(period, generation)
            return "already_done"
        raise RuntimeError(f"payroll chunk {period}/{generation}/{number} could not be committed")
    logger.debug("payroll chunk done", extra={"period": period, "generation": generation, "chunk": number})
    run.maybe_finish(period, generation)
    return "done"
