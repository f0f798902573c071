"""The moto transaction fix keeps DynamoDB's all-or-nothing semantics."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from replika_infra.local import moto_patches


@pytest.fixture
def table(aws: None) -> str:
    moto_patches.install()
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    return "t"


def items(name: str) -> list[dict[str, object]]:
    return sorted(
        boto3.client("dynamodb", region_name="ap-southeast-3").scan(TableName=name)["Items"],
        key=lambda i: str(i["pk"]) + str(i["sk"]),
    )


def increment_a_and_put_b(table: str) -> list[dict[str, Any]]:
    """Transaction items: ``n`` of item a/1 plus one, and a new item b/1."""
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
    ]


def test_cancelled_transaction_leaves_every_item_as_it_was(table: str) -> None:
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    before = items(table)
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                *increment_a_and_put_b(table),
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },  # fails: item absent
            ]
        )
    assert items(table) == before


def test_committed_transaction_applies_every_item(table: str) -> None:
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    ddb.transact_write_items(TransactItems=increment_a_and_put_b(table))
    got = items(table)
    assert [i["pk"]["S"] for i in got] == ["a", "b"]
    assert got[0]["n"] == {"N": "2"}


def test_concurrent_atomic_adds_lose_no_increment(table: str) -> None:
    """An ``ADD`` is atomic in DynamoDB: threads adding at once each see a different new value and
    the total is exact (moto alone reads, adds and writes back in Python and loses increments)."""
    import sys
    import threading

    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    threads_n, per_thread = 8, 40
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_n)

    def add() -> None:
        start.wait()
        for _ in range(per_thread):
            out = ddb.update_item(
                TableName=table,
                Key={"pk": {"S": "c"}, "sk": {"S": "1"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
            with lock:
                seen.append(int(out["Attributes"]["n"]["N"]))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        workers = [threading.Thread(target=add) for _ in range(threads_n)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(interval)
    total = threads_n * per_thread
    assert sorted(seen) == list(range(1, total + 1))
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}, "sk": {"S": "1"}})["Item"]["n"]["N"]
    assert int(got) == total


def test_user_pools_share_one_imported_signing_key(aws: None) -> None:
    """moto imports its one JWK file per pool (0.75 s each); the patch imports it once."""
    from moto.cognitoidp.models import cognitoidp_backends

    moto_patches.install()
    idp = boto3.client("cognito-idp", region_name="ap-southeast-3")
    ids = [idp.create_user_pool(PoolName=name)["UserPool"]["Id"] for name in ("staff", "public")]
    pools = cognitoidp_backends["123456789012"]["ap-southeast-3"].user_pools
    assert pools[ids[0]].json_web_key is pools[ids[1]].json_web_key
