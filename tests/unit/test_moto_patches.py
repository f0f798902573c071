"""The moto transaction fix keeps DynamoDB's all-or-nothing semantics."""

from __future__ import annotations

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


def test_cancelled_transaction_leaves_every_item_as_it_was(table: str) -> None:
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    before = items(table)
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
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
    ddb.transact_write_items(
        TransactItems=[
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
    )
    got = items(table)
    assert [i["pk"]["S"] for i in got] == ["a", "b"]
    assert got[0]["n"] == {"N": "2"}
