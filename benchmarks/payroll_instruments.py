"""Instruments of the payroll benchmark (benchmarks/payroll.py): a DynamoDB call counter with
request units estimated from item sizes, a clock of the time spent inside moto, and two shims of
moto's speed (a JSON writer for data-plane responses, a base-table Query that reads only its
partition key's items). None of them changes what moto answers: the JSON writer is checked
against moto's own on the first responses of each operation."""

from __future__ import annotations

import base64
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cost_meter import item_size

__all__ = [
    "CallCounter",
    "EmulatorClock",
    "install_counter",
    "install_emulator_clock",
    "install_moto_condition_cache",
    "install_moto_json_fast_path",
    "install_moto_query_fast_path",
    "item_size",
]

KB = 1024

# =============================================================================================
# Counting DynamoDB calls and request units
# =============================================================================================


@dataclass
class CallCounter:
    """Counts DynamoDB calls (by operation) and estimates request units from item sizes."""

    active: bool = False
    calls: Counter[str] = field(default_factory=Counter)
    client_calls: Counter[str] = field(default_factory=Counter)
    wru: float = 0.0
    rru: float = 0.0
    overhead_s: float = 0.0  # CPU time (process) spent counting: the lower bound is not counted
    # CPU time (process) of the JSON fast path's check against moto's own writer (the first
    # responses of each operation in the process, whichever part of the benchmark sends them)
    check_s: float = 0.0
    sizes: dict[tuple[str, str, str], int] = field(default_factory=dict)
    key_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    _pending: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def reset(self) -> None:
        self.calls.clear()
        self.client_calls.clear()
        self.wru = self.rru = self.overhead_s = self.check_s = 0.0

    def _key(self, table: str, item: Mapping[str, Any]) -> tuple[str, str, str]:
        hk, rk = self.key_names.get(table, ("pk", "sk"))

        def val(name: str) -> str:
            v = item.get(name) or {}
            return str(next(iter(v.values()), "")) if v else ""

        return table, val(hk), val(rk)

    def _known(self, table: str, key: Mapping[str, Any]) -> int:
        return self.sizes.get(self._key(table, key), KB)

    # botocore event handlers ------------------------------------------------------------------

    def before_call(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        if not self.active:
            return
        t0 = time.process_time()
        try:
            self._before(model, params)
        finally:
            self.overhead_s += time.process_time() - t0

    def _before(self, model: Any, params: Mapping[str, Any]) -> None:
        op = model.name
        self.calls[op] += 1
        body = params.get("body") or b"{}"
        req = json.loads(body if isinstance(body, str) else body.decode("utf-8"))
        self._pending.append((op, req))
        if op == "BatchWriteItem":
            for table, reqs in req["RequestItems"].items():
                for r in reqs:
                    if "PutRequest" in r:
                        item = r["PutRequest"]["Item"]
                        size = item_size(item)
                        self.sizes[self._key(table, item)] = size
                        self.wru += math.ceil(size / KB)
                    else:
                        self.wru += math.ceil(self._known(table, r["DeleteRequest"]["Key"]) / KB)
        elif op == "PutItem":
            size = item_size(req["Item"])
            self.sizes[self._key(req["TableName"], req["Item"])] = size
            self.wru += math.ceil(size / KB)
        elif op in ("UpdateItem", "DeleteItem"):
            self.wru += math.ceil(self._known(req["TableName"], req["Key"]) / KB)
        elif op == "TransactWriteItems":
            for entry in req["TransactItems"]:
                ((kind, action),) = entry.items()
                table = action["TableName"]
                if kind == "Put":
                    size = item_size(action["Item"])
                    self.sizes[self._key(table, action["Item"])] = size
                else:
                    size = self._known(table, action["Key"])
                self.wru += 2 * math.ceil(size / KB)

    def after_call(self, model: Any, parsed: Mapping[str, Any], **_: Any) -> None:
        if not self.active or not self._pending:
            return
        t0 = time.process_time()
        try:
            self._after(model, parsed)
        finally:
            self.overhead_s += time.process_time() - t0

    def _after(self, model: Any, parsed: Mapping[str, Any]) -> None:
        op, req = self._pending.pop()
        if op != model.name:
            return
        consistent = bool(req.get("ConsistentRead"))
        factor = 1.0 if consistent else 0.5
        if op == "GetItem":
            item = parsed.get("Item")
            size = item_size(item) if item else 0
            if item:
                self.sizes[self._key(req["TableName"], item)] = size
            self.rru += factor * max(1, math.ceil(size / (4 * KB)))
        elif op == "BatchGetItem":
            for table, items in (parsed.get("Responses") or {}).items():
                batch_factor = 1.0 if req["RequestItems"][table].get("ConsistentRead") else 0.5
                for item in items:
                    size = item_size(item)
                    self.sizes[self._key(table, item)] = size
                    self.rru += batch_factor * max(1, math.ceil(size / (4 * KB)))
        elif op in ("Query", "Scan"):
            total = sum(item_size(i) for i in parsed.get("Items") or [])
            self.rru += factor * max(1, math.ceil(total / (4 * KB)))

    def client_call(self, service: str, operation: str) -> None:
        if self.active and service == "dynamodb":
            self.client_calls[operation] += 1
        elif self.active:
            self.client_calls[f"{service}:{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def install_counter(counter: CallCounter) -> None:
    """Hook every botocore session PynamoDB creates, and (cross-check) every client call."""
    import botocore.client
    import pynamodb.connection.base as pynamodb_base

    real_get_session: Callable[..., Any] = getattr(pynamodb_base, "get_session")  # noqa: B009

    def hooked_session(*args: Any, **kwargs: Any) -> Any:
        session = real_get_session(*args, **kwargs)
        session._replika_counted = True  # its clients are counted through the session's events
        session.register("before-call.dynamodb", counter.before_call)
        session.register("after-call.dynamodb", counter.after_call)
        return session

    setattr(pynamodb_base, "get_session", hooked_session)  # noqa: B010

    # The runtime's one DynamoDB client (replika.core.table shares it with every model) comes from
    # a session PynamoDB never made: count on every DynamoDB client created from now on.
    import botocore.session

    real_create: Callable[..., Any] = botocore.session.Session.create_client

    def hooked_create(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = real_create(self, service_name, *args, **kwargs)
        if service_name == "dynamodb" and not getattr(self, "_replika_counted", False):
            client.meta.events.register("before-call.dynamodb", counter.before_call)
            client.meta.events.register("after-call.dynamodb", counter.after_call)
        return client

    setattr(botocore.session.Session, "create_client", hooked_create)  # noqa: B010

    real_call = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        counter.client_call(self.meta.service_model.service_name, operation_name)
        return real_call(self, operation_name, api_params)

    setattr(botocore.client.BaseClient, "_make_api_call", counted)  # noqa: B010


# =============================================================================================
# moto: a JSON writer for data-plane responses (the transaction fix is replika_infra.local.moto_patches)
# =============================================================================================


DATA_PLANE = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
    }
)


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode("ascii")
    return obj


def install_moto_json_fast_path(counter: CallCounter | None = None) -> dict[str, int]:
    """moto 5.2 serializes every DynamoDB response by walking the botocore shape of each
    attribute value (a few ms per item of 50 attributes). Data-plane results are already in wire
    form, so write them with ``json.dumps``. The first responses of each operation are also
    serialized the stock way and compared; a difference switches the fast path off. The CPU time
    of that check (the stock serialization and the comparison) is added to ``counter.check_s``
    while the counter is active: it is the benchmark's own checking, not the code measured."""
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result
    checked: dict[str, int] = {}
    state = {"on": True}

    def execute_result(self: Any, context: Any) -> Any:
        op = str(context.operation_model.name)
        if not state["on"] or op not in DATA_PLANE:
            return original(self, context)
        body = json.dumps(_plain(self.result), separators=(",", ":"))
        if checked.get(op, 0) < 3:
            checked[op] = checked.get(op, 0) + 1
            c0 = time.process_time()
            status, headers, stock = original(self, context)
            differs = json.loads(stock or "{}") != json.loads(body)
            if counter is not None and counter.active:
                counter.check_s += time.process_time() - c0
            if differs:
                state["on"] = False
                print(f"  (moto JSON fast path differs on {op}: switched off)", file=sys.stderr)
                return status, headers, stock
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
    return checked


def install_moto_query_fast_path() -> None:
    """moto 5.2's ``Table.query`` walks every item of the table to find one partition key's items,
    so each Query costs O(table) in the emulator (real DynamoDB: O(result)). For a base-table
    query (no index), hand it only that partition key's items, which it then sorts, filters and
    pages exactly as before."""
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = (
            kwargs.get("index_name") if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        )
        if index_name is not None or hash_key is None or not self.has_range_key:
            return original(self, hash_key, *args, **kwargs)
        bucket = self.items.get(hash_key) or {}
        full = self.all_items
        self.all_items = lambda: iter(list(bucket.values()))
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            self.all_items = full

    Table.query = query  # type: ignore[method-assign]


@dataclass
class EmulatorClock:
    """Time spent inside moto (request parsing, backend, response) while the counter is active."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0  # process CPU time inside moto (the machine may be shared: wall is not CPU)
    by_target: dict[str, float] = field(default_factory=dict)


def install_emulator_clock(clock: EmulatorClock, counter: CallCounter) -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    real = BotocoreStubber.process_request

    def timed(self: Any, request: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return real(self, request)
        finally:
            if counter.active:
                spent = time.perf_counter() - t0
                clock.seconds += spent
                clock.cpu_seconds += time.process_time() - c0
                target = request.headers.get("X-Amz-Target") or b"?"
                name = target.decode() if isinstance(target, bytes) else str(target)
                op = name.rpartition(".")[2] or name
                clock.by_target[op] = clock.by_target.get(op, 0.0) + spent

    BotocoreStubber.process_request = timed  # type: ignore[method-assign]


def install_moto_condition_cache() -> None:
    """moto 5.2 lexes and parses a put's ``ConditionExpression`` anew for every item, even inside
    one transaction where 90 puts carry the same expression, names and values. The parsed tree is
    immutable (it is evaluated against each item), so reuse it for the same (expression, names,
    values); what moto answers does not change."""
    import moto.dynamodb.models.table as table_module

    original = table_module.get_filter_expression
    cache: dict[str, Any] = {}

    def cached(expr: Any, names: Any, values: Any) -> Any:
        key = json.dumps([expr, names, values], sort_keys=True, default=str)
        op = cache.get(key)
        if op is None:
            op = cache[key] = original(expr, names, values)
        return op

    table_module.get_filter_expression = cached  # type: ignore[assignment]
