from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pynamodb.exceptions import TransactWriteError

from replika.core import audit, runtime
from replika.core.dynamodb import translate
from replika.core.errors import Conflict
from replika.core.pagination import decode_cursor
from replika.core.runtime import get_settings

#: set by tests/conftest.py before the model is imported (AUDIT_TABLE)
TABLE = audit.AuditRecord.Meta.table_name


@pytest.fixture
def ddb(fake_aws_env: None) -> Iterator[Any]:
    runtime.reset()
    assert get_settings().audit_table == TABLE
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-3")
        client.create_table(
            TableName=get_settings().audit_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "stream", "AttributeType": "S"},
                {"AttributeName": "seq", "AttributeType": "N"},
                {"AttributeName": "subject", "AttributeType": "S"},
                {"AttributeName": "at", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "stream", "KeyType": "HASH"},
                {"AttributeName": "seq", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_subject",
                    "KeySchema": [
                        {"AttributeName": "subject", "KeyType": "HASH"},
                        {"AttributeName": "at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        yield client
    runtime.reset()


def _fill(n: int, stream: str = "remunerasi") -> list[audit.AuditRecord]:
    return [
        audit.append(
            stream,
            actor="sub:abc|nip:198001012005011001|bkpsdm",
            action="entry.approve",
            subject=f"employee#19800101200501100{i % 3}",
            before={"status": "submitted", "minutes": i},
            after={"status": "approved", "minutes": i},
            request_id=f"req-{i}",
        )
        for i in range(n)
    ]


def test_first_record_and_chain(ddb: Any) -> None:
    records = _fill(5)
    first = records[0]
    assert first.seq == 1
    assert first.prev_hash == "0" * 64
    assert first.at.endswith("Z") and len(first.at) == len("2026-08-17T01:02:03.123456Z")
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    for prev, cur in itertools.pairwise(records):
        assert cur.prev_hash == prev.hash
    # the hash is sha256 over the canonical JSON of every field but `hash`
    assert first.hash == audit.compute_hash(first.fields())
    assert len(first.hash) == 64
    stored = audit.AuditRecord.get(audit.chain_id("remunerasi"), 3)
    assert stored.after == {"status": "approved", "minutes": 2}
    assert stored.hash == records[2].hash
    result = audit.verify("remunerasi")
    assert result == audit.VerifyResult(True, 5, None, None, records[-1].hash)
    assert audit.verify("empty-stream") == audit.VerifyResult(True, 0)


def test_canonical_json() -> None:
    from decimal import Decimal

    assert audit.canonical_json({"b": 1, "a": [Decimal("1.5"), None]}) == '{"a":["1.5",null],"b":1}'
    assert audit.canonical_json({"nama": "Dinas Pendidikan – Kota"}) == '{"nama":"Dinas Pendidikan – Kota"}'


def test_verify_detects_edited_record(ddb: Any) -> None:
    records = _fill(6)
    ddb.update_item(
        TableName=TABLE,
        Key={"stream": {"S": audit.chain_id("remunerasi")}, "seq": {"N": "4"}},
        UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": {"S": "sub:someone-else"}},
    )
    assert audit.verify("remunerasi") == audit.VerifyResult(False, 3, 4, "hash_mismatch", records[2].hash)


def test_verify_detects_edited_payload(ddb: Any) -> None:
    _fill(4)
    ddb.update_item(
        TableName=TABLE,
        Key={"stream": {"S": audit.chain_id("remunerasi")}, "seq": {"N": "2"}},
        UpdateExpression="SET #after = :v",
        ExpressionAttributeNames={"#after": "after"},
        ExpressionAttributeValues={":v": {"S": '{"minutes":9999,"status":"approved"}'}},
    )
    result = audit.verify("remunerasi")
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 2, "hash_mismatch")


def test_verify_detects_rehashed_edit_as_broken_link(ddb: Any) -> None:
    records = _fill(4)
    forged = records[1]
    forged.actor = "sub:attacker"
    new_hash = audit.compute_hash(forged.fields())
    ddb.update_item(
        TableName=TABLE,
        Key={"stream": {"S": audit.chain_id("remunerasi")}, "seq": {"N": "2"}},
        UpdateExpression="SET actor = :a, #h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":a": {"S": "sub:attacker"}, ":h": {"S": new_hash}},
    )
    result = audit.verify("remunerasi")
    assert (result.ok, result.count, result.first_bad_seq, result.reason) == (False, 2, 3, "broken_link")


def test_verify_detects_deleted_middle_record(ddb: Any) -> None:
    _fill(5)
    ddb.delete_item(TableName=TABLE, Key={"stream": {"S": audit.chain_id("remunerasi")}, "seq": {"N": "3"}})
    result = audit.verify("remunerasi")
    assert (result.ok, result.count, result.first_bad_seq, result.reason) == (False, 2, 3, "gap")


def test_verify_pages_through_long_chain(ddb: Any) -> None:
    _fill(25)
    assert audit.verify("remunerasi", page_size=7).count == 25
    ddb.delete_item(TableName=TABLE, Key={"stream": {"S": audit.chain_id("remunerasi")}, "seq": {"N": "15"}})
    result = audit.verify("remunerasi", page_size=7)
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 15, "gap")


def test_streams_are_independent(ddb: Any) -> None:
    _fill(2, "remunerasi")
    wbs = _fill(1, "wbs")
    assert wbs[0].seq == 1 and wbs[0].prev_hash == "0" * 64
    assert audit.verify("remunerasi").count == 2
    assert audit.verify("wbs").count == 1


def test_concurrent_appends_make_one_consistent_chain(ddb: Any) -> None:
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for i in range(6):
                audit.append("race", actor=name, action="x", subject=f"s#{name}", after={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"t{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit.verify("race")
    assert result.ok and result.count == 12
    actors = [r.actor for r in audit.AuditRecord.query(audit.chain_id("race"))]
    assert sorted(actors) == ["t0"] * 6 + ["t1"] * 6


def test_lost_race_is_retried(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(1, "race")
    real_head = audit.head
    calls = {"n": 0}

    def stale_head(stream: str) -> audit.AuditRecord | None:
        # the first read is stale: pretend the stream is empty -> seq 1 already exists -> retry
        calls["n"] += 1
        return None if calls["n"] == 1 else real_head(stream)

    monkeypatch.setattr(audit, "head", stale_head)
    record = audit.append("race", actor="a", action="b", subject="c")
    assert record.seq == 2 and calls["n"] == 2
    assert audit.verify("race").ok


def test_trail_newest_first_with_cursor(ddb: Any) -> None:
    _fill(7)  # subjects rotate over 3 employees: ...1000 gets i = 0, 3, 6
    subject = "employee#198001012005011000"
    first = audit.trail(subject, limit=2)
    assert [e.after["minutes"] for e in first.items] == [6, 3]
    assert first.next_cursor is not None
    second = audit.trail(subject, limit=2, cursor=first.next_cursor)
    assert [e.after["minutes"] for e in second.items] == [0]
    # a cursor from another subject's trail is refused
    with pytest.raises(Exception) as info:
        audit.trail("employee#198001012005011001", limit=2, cursor=first.next_cursor)
    assert getattr(info.value, "code", None) == "invalid_cursor"
    assert decode_cursor(first.next_cursor, scope=f"audit:trail:{subject}") is not None


def _directory_table(ddb: Any) -> None:
    ddb.create_table(
        TableName="state",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )


def test_audit_in_the_same_transaction(ddb: Any) -> None:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model
    from pynamodb.transactions import TransactWrite

    class State(Model):
        class Meta:
            table_name = "state"
            region = "ap-southeast-3"

        pk = UnicodeAttribute(hash_key=True)
        status = UnicodeAttribute()
        version = NumberAttribute()

    _directory_table(ddb)
    State(pk="entry#1", status="submitted", version=1).save()

    entry = State.get("entry#1")
    with TransactWrite(connection=audit.connection()) as tx:
        tx.update(
            entry,
            actions=[State.status.set("approved"), State.version.add(1)],
            condition=State.version == 1,
        )
        rec = audit.add_to_transaction(
            tx,
            "remunerasi",
            actor="sup",
            action="entry.approve",
            subject="entry#1",
            before={"status": "submitted"},
            after={"status": "approved"},
        )
    assert State.get("entry#1").status == "approved"
    assert audit.AuditRecord.get(audit.chain_id("remunerasi"), 1).hash == rec.hash

    # a stale state change fails the whole transaction: no audit record is written
    with pytest.raises(TransactWriteError) as info, TransactWrite(connection=audit.connection()) as tx:
        tx.update(entry, actions=[State.status.set("rejected")], condition=State.version == 1)
        audit.add_to_transaction(tx, "remunerasi", actor="sup", action="entry.reject", subject="entry#1")
    assert isinstance(translate(info.value), Conflict)
    assert audit.verify("remunerasi").count == 1

    # write_with_audit retries when only the audit seq was taken meanwhile
    real_head = audit.head
    calls = {"n": 0}

    def stale_head(stream: str) -> audit.AuditRecord | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_head(stream)

    def change(tx: TransactWrite) -> None:
        tx.update(State.get("entry#1"), actions=[State.version.add(1)], condition=State.version == 2)

    audit.head = stale_head
    try:
        rec2 = audit.write_with_audit(
            "remunerasi", change, actor="sup", action="entry.touch", subject="entry#1"
        )
    finally:
        audit.head = real_head
    assert rec2.seq == 2
    assert State.get("entry#1").version == 3
    assert audit.verify("remunerasi").count == 2

    # ...but not when the state change itself is stale
    with pytest.raises(TransactWriteError):
        audit.write_with_audit("remunerasi", change, actor="sup", action="entry.touch", subject="entry#1")
    assert audit.verify("remunerasi").count == 2
