"""What the two busiest writes cost in DynamoDB requests (issue 13: the cost model's levers).

Counted at ``botocore.client.BaseClient._make_api_call``, which every client (PynamoDB, boto3,
Powertools) goes through: a logged entry is one conditional ``PutItem`` (1 WRU for an item under
1 KB + 1 for its pending-queue index entry), not a transaction with a lock check; a bulk decision
answers from what it wrote, without reading every entry back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
from chalice.test import Client

from tests.integration import test_remunerasi_api as api
from tests.integration.test_remunerasi_api import BOSS, ME, STAFF, body, decide, log, post


@pytest.fixture
def rem(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The remunerasi API tests' client (directory, catalogue), under another name."""
    yield from api.client.__wrapped__(region_stack, monkeypatch)  # type: ignore[attr-defined]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    real = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            seen.append((operation, params))
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    yield seen


def writes(seen: list[tuple[str, dict[str, Any]]], table_suffix: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for op, params in seen:
        if op == "TransactWriteItems":
            for action in params["TransactItems"]:
                ((kind, spec),) = action.items()
                if spec["TableName"].endswith(table_suffix):
                    out[f"Transact{kind}"] += 1
        elif op in ("PutItem", "UpdateItem", "DeleteItem") and params["TableName"].endswith(table_suffix):
            out[op] += 1
    return out


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(k) + len(str(next(iter(v.values())))) for k, v in item.items())


def test_a_logged_entry_is_one_put_of_under_1_kb(rem: Client, calls: list[Any]) -> None:
    calls.clear()
    r = log(rem, note="Rapat koordinasi anggaran dengan bidang perencanaan " * 4)
    assert r.status_code == 201, r.body
    assert writes(calls, "-remunerasi") == Counter({"PutItem": 1})
    ((put,),) = [[p for op, p in calls if op == "PutItem" and p["TableName"].endswith("-remunerasi")]]
    assert "ConditionExpression" in put  # a new key only
    assert item_bytes(put["Item"]) < 1024


def test_with_an_idempotency_key_the_entry_is_still_one_put(rem: Client, calls: list[Any]) -> None:
    calls.clear()
    r = post(
        rem,
        "/entries",
        {"entry_date": "2026-11-19", "activity_code": "RAPAT", "quantity": 1},
        ME,
        **{"Idempotency-Key": "mobile-retry-0002"},
    )
    assert r.status_code == 201, r.body
    assert writes(calls, "-remunerasi") == Counter({"PutItem": 1})
    assert not any(op == "TransactWriteItems" for op, _ in calls)


def test_an_entry_that_slips_in_while_its_period_is_locked_never_reaches_a_total(rem: Client) -> None:
    """The lock is read before the put; an entry written just after the lock stays pending:
    deciding, editing or deleting it is refused, so no total changes."""
    from replika.remunerasi import keys
    from replika.remunerasi.tables import MonthTotal, PayrollRun

    e = body(log(rem, "2026-11-18"))
    PayrollRun(*keys.run_key("2026-11"), period="2026-11", state="locked").save()
    r = decide(rem, "approve", [e], BOSS)
    assert r.status_code == 409 and body(r)["error"]["code"] == "period_locked"
    with pytest.raises(MonthTotal.DoesNotExist):
        MonthTotal.get(*keys.TOTALS.key("2026-11", STAFF.nip))


def test_a_bulk_decision_does_not_read_the_entries_back(rem: Client, calls: list[Any]) -> None:
    logged = [
        body(log(rem, day, qty=1)) for day in ("2026-11-17", "2026-11-18", "2026-11-19") for _ in range(4)
    ]
    calls.clear()
    r = decide(rem, "approve", logged, BOSS)
    assert r.status_code == 200, r.body
    gets = [p for op, p in calls if op == "GetItem" and p["TableName"].endswith("-remunerasi")]
    entry_gets = [g for g in gets if g["Key"]["pk"]["S"].startswith("LOG#")]
    assert entry_gets == []
    assert sum(1 for op, _ in calls if op == "BatchGetItem") <= 2  # the entries and their owners
    assert len(calls) <= 8, Counter(op for op, _ in calls)


@pytest.mark.parametrize(("action", "first"), [("approve", None), ("reject", None), ("unapprove", "approve")])
def test_the_decision_answer_is_what_a_read_returns(rem: Client, action: str, first: str | None) -> None:
    logged = [body(log(rem, "2026-11-19", qty=1)) for _ in range(3)]
    if first:
        logged = body(decide(rem, first, logged, BOSS))["decided"]
    r = decide(rem, action, logged, BOSS, reason="Bukti kurang" if action == "reject" else None)
    assert r.status_code == 200, r.body
    answered = body(r)["decided"]
    page = body(rem.http.get("/me/entries?period=2026-11&limit=100", headers=ME))["items"]
    stored = {i["entry_id"]: i for i in page}
    assert answered == [stored[a["entry_id"]] for a in answered]
    assert {a["version"] for a in answered} == {logged[0]["version"] + 1}
