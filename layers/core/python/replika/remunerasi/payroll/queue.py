"""The payroll queue (a port): send messages to SQS, and drain it in this process.

Messages: ``{"kind": "chunk", period, generation, chunk}`` (compute one chunk) and
``{"kind": "outputs", period, generation}`` (write the sheets). The Lambda consumer is the
``payroll_worker`` handler of ``functions/remunerasi/app.py``; :func:`drain` is the same loop for
the local stack, the CLI, the tests and the benchmark.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from replika.core import dynamodb, runtime
from replika.core.errors import Retryable
from replika.core.observability import get_logger
from replika.core.runtime import get_settings, require

__all__ = [
    "MAX_REQUEUES",
    "SQS_BATCH",
    "chunk_messages",
    "drain",
    "outputs_message",
    "requeue_on_contention",
    "retry_later",
    "send_batch",
]

logger = get_logger("remunerasi")
SQS_BATCH = 10
#: A message that lost to contention (a transaction conflict, throttling) is sent again as a new
#: message, delayed a few seconds, at most this many times; it never counts towards the DLQ's
#: ``maxReceiveCount`` on the way (1 + 2 + … seconds: the last ones wait 60 s).
MAX_REQUEUES = 30
#: Another failure (a bug, a missing chunk): visible again after 30 s, doubling per receive, at
#: most 15 minutes — not after the queue's 30-minute visibility timeout.
RETRY_FIRST_S, RETRY_MAX_S = 30, 900


def is_contention(exc: BaseException) -> bool:
    """Lost to another writer or to throttling: worth trying again in seconds."""
    return dynamodb.is_contention(exc) or isinstance(dynamodb.translate(exc), Retryable)


def requeue_delay(retry: int) -> int:
    """Seconds before a requeued message is visible: 1..3×retry, at most 60 (jittered)."""
    return min(60, random.randint(1, 3 * retry))  # noqa: S311 - jitter, not crypto


def requeue_on_contention(body: Mapping[str, Any], exc: BaseException) -> bool:
    """When ``exc`` is contention, send ``body`` again (``retry`` + 1, delayed 1..3×retry s, at most
    60 s) and return ``True``: the caller then deletes the original, so contention alone never
    moves a message to the DLQ. ``False`` (nothing sent) for any other failure or after
    :data:`MAX_REQUEUES`."""
    retry = int(body.get("retry", 0)) + 1
    if not is_contention(exc) or retry > MAX_REQUEUES:
        return False
    delay = requeue_delay(retry)
    _sqs_client().send_message(
        QueueUrl=_queue_url(),
        MessageBody=json.dumps({**body, "retry": retry}, separators=(",", ":")),
        DelaySeconds=delay,
    )
    logger.info("payroll message requeued after contention", extra={"retry": retry, "delay_s": delay})
    return True


def retry_later(receipt_handle: str, receive_count: int) -> int:
    """Make a failed message visible again after 30 s × 2^(receives - 1), at most 900 s."""
    seconds: int = min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** max(0, receive_count - 1))
    _sqs_client().change_message_visibility(
        QueueUrl=_queue_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
    return seconds


def _sqs_client() -> Any:
    return runtime.current().client("sqs")


def _queue_url() -> str:
    return require(get_settings().payroll_queue_url, "PAYROLL_QUEUE_URL", "the region has no payroll queue")


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not crypto


def chunk_messages(period: str, generation: int, numbers: Iterable[int]) -> list[dict[str, Any]]:
    return [{"kind": "chunk", "period": period, "generation": generation, "chunk": n} for n in numbers]


def outputs_message(period: str, generation: int) -> dict[str, Any]:
    return {"kind": "outputs", "period": period, "generation": generation}


def send_batch(bodies: Sequence[Mapping[str, Any]]) -> int:
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


def drain(
    handle: Callable[[Mapping[str, Any]], None],
    *,
    max_seconds: float = 300.0,
    visibility_timeout: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Consume ``PAYROLL_QUEUE_URL`` in this process and return how many messages were handled.
    A message is deleted only when ``handle`` returned, or when it lost to contention and was sent
    again (:func:`requeue_on_contention`); a failing one stays for SQS to deliver again after its
    visibility timeout (``visibility_timeout=0`` makes that immediate, for tests).
    Stops when the queue is empty, when ``max_seconds`` passed, or after a receive in which every
    message failed."""
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
            body = json.loads(m["Body"])
            try:
                handle(body)
            except Exception as exc:
                if not requeue_on_contention(body, exc):
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
