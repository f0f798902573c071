from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from replika.core import idempotency, runtime
from replika.core.errors import BadRequest, Conflict
from replika.core.http import status_of
from replika.core.runtime import get_settings

KEY = "0b9e5c1a-7f3d-4a51-9a0c-2d8f1c3b4e5f"
SCOPE = "remunerasi:POST:/entries:sub-123"


@pytest.fixture
def table(fake_aws_env: None) -> Iterator[Any]:
    runtime.reset()
    idempotency.reset()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-3")
        name = get_settings().idempotency_table
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
        )
        yield client
    idempotency.reset()
    runtime.reset()


class Counter:
    def __init__(self, result: dict[str, Any] | None = None) -> None:
        self.calls = 0
        self.result = result or {"status": 201, "body": {"id": "entry-1", "minutes": 90}}

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return dict(self.result, call=self.calls)


def test_retry_returns_first_result_and_runs_once(table: Any) -> None:
    fn = Counter()
    payload = {"path": {}, "body": '{"activity":"A1","qty":3}'}
    first = idempotency.run_once(scope=SCOPE, key=KEY, payload=payload, fn=fn)
    second = idempotency.run_once(scope=SCOPE, key=KEY, payload=payload, fn=fn)
    assert first == {"status": 201, "body": {"id": "entry-1", "minutes": 90}, "call": 1}
    assert second == first
    assert fn.calls == 1

    items = table.scan(TableName=get_settings().idempotency_table)["Items"]
    assert len(items) == 1
    item = items[0]
    assert item["id"]["S"].startswith("replika#")
    assert item["status"]["S"] == "COMPLETED"
    ttl = int(item["expiration"]["N"])
    assert abs(ttl - (time.time() + 24 * 3600)) < 60


def test_same_key_other_scope_is_independent(table: Any) -> None:
    fn = Counter()
    idempotency.run_once(scope=SCOPE, key=KEY, payload={"a": 1}, fn=fn)
    idempotency.run_once(scope="remunerasi:POST:/entries:sub-456", key=KEY, payload={"a": 1}, fn=fn)
    assert fn.calls == 2


def test_same_key_different_payload_conflicts(table: Any) -> None:
    fn = Counter()
    idempotency.run_once(scope=SCOPE, key=KEY, payload={"body": "a"}, fn=fn)
    with pytest.raises(Conflict) as info:
        idempotency.run_once(scope=SCOPE, key=KEY, payload={"body": "b"}, fn=fn)
    assert info.value.code == "idempotency_key_reused"
    assert status_of(info.value) == 409
    assert fn.calls == 1


def test_failure_stores_nothing_and_retry_runs(table: Any) -> None:
    attempts = {"n": 0}

    def flaky() -> dict[str, Any]:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise RuntimeError("downstream failed")
        return {"ok": True}

    with pytest.raises(RuntimeError):
        idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=flaky)
    assert table.scan(TableName=get_settings().idempotency_table)["Items"] == []
    assert idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=flaky) == {"ok": True}
    assert idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=flaky) == {"ok": True}
    assert attempts["n"] == 2


def test_request_in_progress_conflicts(table: Any) -> None:
    seen: list[str] = []

    def outer() -> dict[str, Any]:
        # the client retries while the first request is still running
        try:
            idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=lambda: {"inner": True})
        except Conflict as exc:
            seen.append(exc.code)
        return {"outer": True}

    assert idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=outer) == {"outer": True}
    assert seen == ["request_in_progress"]


def test_stuck_in_progress_record_expires(table: Any) -> None:
    inner_ran: list[bool] = []

    def outer() -> dict[str, Any]:
        time.sleep(0.02)  # past the (zero) in-progress budget: as if the first attempt had died
        inner_ran.append(
            idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=lambda: {"inner": True})["inner"]
        )
        return {"outer": True}

    idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=outer, in_progress_seconds=0)
    assert inner_ran == [True]


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space-123", "emoji😀1234", "", "a/b/c/d/e"])
def test_invalid_key(table: Any, bad: str) -> None:
    fn = Counter()
    with pytest.raises(BadRequest) as info:
        idempotency.run_once(scope=SCOPE, key=bad, payload={}, fn=fn)
    assert info.value.code == "invalid_idempotency_key"
    assert fn.calls == 0


def test_valid_key_shapes() -> None:
    for good in ["abcdefgh", "x" * 128, "2026-08-17T01:00:00.000Z", "mobile:1234_abcd.5"]:
        assert idempotency.validate_key(good) == good


class Context:
    """What Powertools reads of a Lambda context: the time left."""

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_a_result_stored_by_powertools_is_replayed(table: Any) -> None:
    """Records written by the Powertools utility this module replaced (24 h of them are live at a
    deploy) are read the same way: a retry of such a request replays its stored result."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    layer = DynamoDBPersistenceLayer(
        table_name=get_settings().idempotency_table,
        key_attr="id",
        expiry_attr="expiration",
        boto3_client=table,
    )
    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=idempotency.EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        lambda_context=Context(),
    )

    def first(request: dict[str, Any]) -> dict[str, Any]:
        return {"status": 201, "body": {"id": "entry-1"}}

    payload = {"path": {}, "query": {}, "body": '{"activity":"A1"}'}
    wrapped = idempotent_function(
        first, data_keyword_argument="request", persistence_store=layer, config=config, key_prefix="replika"
    )
    stored = wrapped(request={"scope": SCOPE, "key": KEY, "payload": payload})
    fn = Counter()
    assert idempotency.run_once(scope=SCOPE, key=KEY, payload=payload, fn=fn) == stored
    assert fn.calls == 0
    with pytest.raises(Conflict) as info:
        idempotency.run_once(scope=SCOPE, key=KEY, payload={**payload, "body": "{}"}, fn=fn)
    assert info.value.code == "idempotency_key_reused"


def test_an_expired_record_is_claimed_again(table: Any) -> None:
    fn = Counter()
    idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=fn)
    name = get_settings().idempotency_table
    rid = table.scan(TableName=name)["Items"][0]["id"]
    table.update_item(  # a day later, before DynamoDB's TTL sweep removed it
        TableName=name,
        Key={"id": rid},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 5)}},
    )
    assert idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=fn)["call"] == 2


def test_without_the_item_in_the_condition_error_the_record_is_read(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB returns the holding item with the failed condition; without it, a consistent read
    finds it (and a record deleted meanwhile is claimed again)."""
    from botocore.exceptions import ClientError

    fn = Counter()
    payload = {"x": 1}
    first = idempotency.run_once(scope=SCOPE, key=KEY, payload=payload, fn=fn)
    client = runtime.current().client("dynamodb")
    real_put = client.put_item

    def put_without_item(**kwargs: Any) -> Any:
        try:
            return real_put(**kwargs)
        except ClientError as exc:
            exc.response.pop("Item", None)
            raise

    monkeypatch.setattr(client, "put_item", put_without_item)
    assert idempotency.run_once(scope=SCOPE, key=KEY, payload=payload, fn=fn) == first
    assert fn.calls == 1


def test_throttling_is_retryable_and_runs_nothing(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    def throttled(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "PutItem")

    monkeypatch.setattr(runtime.current().client("dynamodb"), "put_item", throttled)
    fn = Counter()
    with pytest.raises(Exception) as info:
        idempotency.run_once(scope=SCOPE, key=KEY, payload={"x": 1}, fn=fn)
    assert status_of(info.value) == 503
    assert fn.calls == 0


def test_no_boto3_on_the_request_path() -> None:
    """The idempotency store is the runtime's botocore client: boto3, s3transfer and Powertools'
    idempotency utility cost a third of a cold start and are not imported (checked in a fresh
    interpreter, since the test session imports them)."""
    import subprocess
    import sys

    code = (
        "import sys; import replika.core.idempotency; "
        "mods = ('boto3', 's3transfer', 'aws_lambda_powertools.utilities.idempotency'); "
        "print(sorted(m for m in mods if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
