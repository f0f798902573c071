"""The payroll run without a hot item: no item written by every chunk, concurrent workers in
threads giving the single worker's result, crashes mid-chunk, contention that never reaches the
dead-letter queue, abandoned generations. Fixtures and helpers come from ``test_payroll_run``."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from replika.core.config import RegionConfig
from replika.remunerasi import keys, payroll
from replika.remunerasi.store import runs as runs_store
from tests.integration.test_payroll_run import (
    BKPSDM,
    BPKAD,
    CHUNK,
    OUTPUTS,
    PEOPLE,
    PERIOD,
    Month,
    assert_matches,
    config,
    drafted,
    drain,
    months,
    queue_depth,
    stored_results,
    verify,
)

__all__ = ["config", "drafted", "months"]  # fixtures re-exported for pytest


# -- no hot item: concurrent workers, crashes, contention, abandoned generations -------------------
@contextmanager
def serialised_moto() -> Iterator[None]:
    """moto's backend is not thread-safe; DynamoDB applies each write and transaction atomically.
    One lock around moto's request dispatch gives threads that atomicity (and nothing more)."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    real = BotocoreStubber.process_request

    def locked(self: Any, request: Any) -> Any:
        with lock:
            return real(self, request)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(BotocoreStubber, "process_request", locked)
        yield


def result_values() -> dict[str, tuple[Any, ...]]:
    """Every stored result's values except the generation and the computing time."""
    return {
        r.nip: (
            r.status,
            r.gross,
            r.net,
            r.kinerja,
            r.disiplin,
            r.sentence_cut,
            r.countable_minutes,
            r.reason,
        )
        for r in stored_results()
    }


def threaded_drain(config: RegionConfig, workers: int, handler: Any | None = None) -> int:
    """``workers`` threads drain the queue at once (visibility 0: a message being processed is
    delivered to another thread too, so chunks also run twice concurrently), on a serialised moto."""
    from concurrent.futures import ThreadPoolExecutor

    def handle(body: Any) -> None:
        if body.get("kind") == "outputs":
            OUTPUTS.append(dict(body))
        else:
            (handler or payroll.process_message)(body, config=config)

    def one() -> int:
        total = 0
        for _ in range(50):
            n = payroll.drain_local_queue(config=config, visibility_timeout=0, max_seconds=60, handler=handle)
            total += n
            if queue_depth() == 0:
                break
        return total

    with serialised_moto(), ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(lambda _: one(), range(workers)))


class TestNoHotItem:
    def test_no_item_is_written_by_every_chunk(self, months: dict[str, Month], config: RegionConfig) -> None:
        """Each chunk's transaction names only its own chunk item, its marker and its results."""
        seen: list[set[tuple[str, str]]] = []
        real = TransactWrite._commit

        def spy(self: TransactWrite) -> Any:
            items = self._put_items + self._update_items + self._delete_items + self._condition_check_items
            found = set()
            for item in items:
                key = item.get("Key") or item["Item"]
                if "pk" in key:
                    found.add((key["pk"]["S"], key["sk"]["S"]))
            seen.append(found)
            return real(self)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(TransactWrite, "_commit", spy)
            payroll.start_run(PERIOD, actor="test", config=config)
            drain(config)
        chunk_txs = [s for s in seen if any(sk.startswith("CHUNK#") for _, sk in s)]
        assert len(chunk_txs) == math.ceil(len(PEOPLE) / CHUNK)
        shared = set.intersection(*chunk_txs)
        assert shared == set(), f"items written by every chunk: {shared}"
        assert all(keys.run_key(PERIOD) not in s for s in chunk_txs)
        pks = {pk for s in chunk_txs for pk, _ in s if pk.startswith("RES#")}
        assert len(pks) > 16, "results spread over many partition keys"

    def test_concurrent_workers_equal_the_single_worker(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(keys, "CHUNK_GROUP", 2)  # 9 chunks in 5 groups: the group logic runs
        real_send = payroll.queue.send_batch
        sent_outputs = 0

        def send(bodies: Any) -> int:
            nonlocal sent_outputs
            sent_outputs += sum(1 for b in bodies if b.get("kind") == "outputs")
            return real_send(bodies)

        monkeypatch.setattr(payroll.queue, "send_batch", send)
        run = payroll.start_run(PERIOD, actor="test", config=config)
        payroll.queue.send_batch(payroll.queue.chunk_messages(PERIOD, 1, range(run.chunks)))  # duplicates
        OUTPUTS.clear()
        threaded_drain(config, workers=6)
        now = payroll.get_run(PERIOD)
        assert now.state == "draft" and queue_depth() == 0
        assert [h.to_state for h in now.history] == ["computing", "draft"], "finished exactly once"
        # at-least-once: with visibility 0 two threads may receive the one outputs message
        assert {tuple(sorted(o.items())) for o in OUTPUTS} == {
            (("generation", 1), ("kind", "outputs"), ("period", PERIOD))
        }
        assert sent_outputs == 1, "exactly one finaliser asked for the outputs"
        assert_matches(config, months)
        concurrent = result_values()

        payroll.act(PERIOD, "recompute", BKPSDM, config=config)
        drain(config)  # one worker
        assert_matches(config, months, generation=2)
        assert result_values() == concurrent, "the concurrent result is the single-worker result"

    def test_workers_killed_mid_chunk_and_after_commit_in_threads(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import threading

        monkeypatch.setattr(keys, "CHUNK_GROUP", 3)
        lock = threading.Lock()
        kills = {"compute": {0, 4, 8}, "settle": {2, 5, 8}}  # 8: killed both ways, and it is last
        real_compute, real_settle = payroll.compute.compute_chunk, payroll.run.chunk_settled

        def compute(period: str, generation: int, nips: Any, cfg: RegionConfig) -> Any:
            results = real_compute(period, generation, nips, cfg)
            number = next(i for i, e in enumerate(sorted(x.nip for x in PEOPLE)) if e == nips[0]) // CHUNK
            with lock:
                if number in kills["compute"]:
                    kills["compute"].discard(number)
                    raise RuntimeError("worker killed mid-chunk")
            return results

        def settle(run: Any, number: int) -> None:
            with lock:
                if number in kills["settle"]:
                    kills["settle"].discard(number)
                    raise RuntimeError("worker killed after its commit")
            real_settle(run, number)

        monkeypatch.setattr(payroll.compute, "compute_chunk", compute)
        monkeypatch.setattr(payroll.run, "chunk_settled", settle)
        payroll.start_run(PERIOD, actor="test", config=config)
        OUTPUTS.clear()
        threaded_drain(config, workers=4)
        assert kills == {"compute": set(), "settle": set()}
        assert payroll.get_run(PERIOD).state == "draft"
        assert [h.to_state for h in payroll.get_run(PERIOD).history] == ["computing", "draft"]
        assert {o["generation"] for o in OUTPUTS} == {1}
        assert_matches(config, months)

    def test_last_worker_dies_before_the_finaliser_then_redelivery_finishes(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        run = payroll.start_run(PERIOD, actor="test", config=config)
        real = payroll.run.finish
        monkeypatch.setattr(
            payroll.run, "finish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("died"))
        )
        drain(config)
        assert payroll.get_run(PERIOD).state == "computing"
        assert payroll.get_run(PERIOD).chunks_done == run.chunks  # every chunk is done, not drafted
        monkeypatch.setattr(payroll.run, "finish", real)
        drain(config)  # the last message was left: its redelivery is "already done" and finishes
        assert payroll.get_run(PERIOD).state == "draft"
        assert_matches(config, months)

    def test_contention_requeues_within_seconds_never_to_the_dlq(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from pynamodb.exceptions import CancellationReason, VerboseClientError

        from replika.core.runtime import get_settings

        busy = {"left": 2 * runs_store.TX_ATTEMPTS + 1}  # two chunks give up, a third retries once
        real = TransactWrite._commit

        def conflicted(self: TransactWrite) -> Any:
            if busy["left"] > 0 and any(i["Key"]["sk"]["S"].startswith("CHUNK#") for i in self._update_items):
                busy["left"] -= 1
                cause = VerboseClientError(
                    {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                    "TransactWriteItems",
                    cancellation_reasons=[CancellationReason(code="TransactionConflict")],
                )
                raise TransactWriteError("busy", cause=cause)
            return real(self)

        delays: list[int] = []
        monkeypatch.setattr(TransactWrite, "_commit", conflicted)
        monkeypatch.setattr(runs_store, "backoff", lambda attempt: None)
        monkeypatch.setattr(payroll.queue, "requeue_delay", lambda retry: delays.append(retry) or 0)
        payroll.start_run(PERIOD, actor="test", config=config)
        drain(config)
        assert delays == [1, 1], "two messages sent again after contention, at once (seconds in production)"
        assert payroll.get_run(PERIOD).state == "draft"
        assert_matches(config, months)
        import boto3

        dlq = boto3.client("sqs").get_queue_url(
            QueueName=str(get_settings().payroll_queue_url).rsplit("/", 1)[1] + "-dlq"
        )
        attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["All"])
        assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"

    def test_lambda_handler_retries_soon(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from botocore.exceptions import ClientError

        calls: list[tuple[str, Any]] = []
        monkeypatch.setattr(
            payroll.queue, "retry_later", lambda handle, count: calls.append(("later", count)) or 0
        )
        monkeypatch.setattr(payroll.queue, "requeue_delay", lambda retry: 2)
        body = json.dumps({"kind": "chunk", "period": PERIOD, "generation": 1, "chunk": 0})
        record = {
            "messageId": "m1",
            "body": body,
            "receiptHandle": "r",
            "attributes": {"ApproximateReceiveCount": "3"},
        }

        def boom(*a: Any, **k: Any) -> None:
            raise RuntimeError("bug")

        monkeypatch.setattr(payroll.worker, "process_message", boom)
        with pytest.raises(RuntimeError, match="m1"):
            payroll.worker.handle_sqs_records([record], config=config)
        assert calls == [("later", 3)]

        def busy(*a: Any, **k: Any) -> None:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "TransactWriteItems"
            )

        monkeypatch.setattr(payroll.worker, "process_message", busy)
        payroll.worker.handle_sqs_records([record], config=config)  # sent again: no exception
        assert calls == [("later", 3)] and queue_depth(delayed=True) == 1
        assert payroll.queue.retry_later.__name__  # the real one: 30 s doubling, at most 900 s
        monkeypatch.undo()
        assert payroll.queue.RETRY_FIRST_S * 2**2 == 120

    def test_late_worker_of_an_abandoned_generation_cannot_commit(
        self, months: dict[str, Month], config: RegionConfig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A resume after a directory change abandons the old generation's pending chunks before
        the new one exists: a worker of the old one that was half way fails its commit."""
        monkeypatch.setattr(
            payroll.queue, "send_batch", lambda bodies: (_ for _ in ()).throw(RuntimeError("x"))
        )
        with pytest.raises(RuntimeError):
            payroll.start_run(PERIOD, actor="test", config=config)
        monkeypatch.undo()
        real = payroll.compute.compute_chunk

        def resumed_meanwhile(period: str, generation: int, nips: Any, cfg: RegionConfig) -> Any:
            results = real(period, generation, nips, cfg)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(payroll.run, "CHUNK_SIZE", CHUNK + 1)  # the directory changed
                assert payroll.start_run(PERIOD, actor="test", config=cfg, resume=True).generation == 2
            return results

        monkeypatch.setattr(payroll.compute, "compute_chunk", resumed_meanwhile)
        monkeypatch.setattr(payroll.run, "CHUNK_SIZE", CHUNK)
        assert (
            payroll.process_chunk({"period": PERIOD, "generation": 1, "chunk": 0}, config=config) == "stale"
        )
        assert stored_results() == []
        monkeypatch.setattr(payroll.compute, "compute_chunk", real)
        monkeypatch.setattr(payroll.run, "CHUNK_SIZE", CHUNK + 1)
        drain(config)
        assert_matches(config, months, generation=2)

    def test_message_after_the_lock_writes_nothing(
        self, drafted: dict[str, Month], config: RegionConfig
    ) -> None:
        verify()
        for action, who in (("approve", BPKAD), ("lock", BPKAD)):
            payroll.act(PERIOD, action, who)
        before = result_values()
        msg = {"kind": "chunk", "period": PERIOD, "generation": 1, "chunk": 0}
        assert payroll.process_chunk(msg, config=config) == "stale"
        assert result_values() == before and payroll.get_run(PERIOD).state == "locked"
