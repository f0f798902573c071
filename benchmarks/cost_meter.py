"""Counting AWS calls and DynamoDB request units per route, in-process on moto (used by cost.py).

Every botocore client call goes through ``botocore.client.BaseClient._make_api_call`` (boto3,
PynamoDB and Powertools alike), so the meter wraps that one method and books each call to the
route being served (:attr:`Meter.route`), by service and operation.

**Request units are computed from item sizes, not read from ``ConsumedCapacity``**: moto answers
``ReturnConsumedCapacity`` with fixed figures. For each DynamoDB call the meter reads the stored
size of every item the call touches, before and after, with an uncounted consistent ``GetItem``,
and applies DynamoDB's on-demand rules:

* a write costs ``ceil(max(old, new) / 1 KB)`` WRU, and the same again for each global secondary
  index whose key the item has (before or after; a changed index key costs a delete and a put);
  a refused conditional write still costs the item's size (at least 1); ``TransactWriteItems``
  costs twice that per action, a ``ConditionCheck`` twice the checked item's size (a
  transactional check is charged as a transactional write of the item; stated assumption);
* a read costs ``ceil(size / 4 KB)`` RRU (at least 1) per item for ``GetItem`` / ``BatchGetItem``
  and per response for ``Query`` / ``Scan`` (summed item sizes), halved when eventually
  consistent; ``TransactGetItems`` twice.

Sizes follow DynamoDB's rule: attribute name bytes + value bytes (numbers: about 1 byte per 2
digits + 1), close to but not exactly AWS's internal figure.
"""

from __future__ import annotations

import base64
import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

KB = 1024


def _value_size(v: Mapping[str, Any]) -> int:
    """DynamoDB's size of one attribute value (close estimate): a binary counts its raw bytes,
    given as bytes (botocore's parameters and parsed answers) or base64 (the JSON wire format)."""
    ((t, x),) = v.items()
    if t == "S":
        return len(x.encode("utf-8"))
    if t == "N":
        digits = x.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if t == "B":
        return len(base64.b64decode(x)) if isinstance(x, str) else len(x)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "M":
        return 3 + sum(len(k.encode("utf-8")) + _value_size(w) + 1 for k, w in x.items())
    if t == "L":
        return 3 + sum(_value_size(w) + 1 for w in x)
    if t == "SS":
        return sum(len(s.encode("utf-8")) for s in x)
    if t == "NS":
        return sum(_value_size({"N": s}) for s in x)
    return sum(_value_size({"B": s}) for s in x)  # BS


def item_size(item: Mapping[str, Any] | None) -> int:
    """DynamoDB's size of an item (its attribute names and values); 0 for none."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + _value_size(v) for name, v in item.items())


@dataclass
class RouteFigures:
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, operation) -> n
    wru: float = 0.0
    rru: float = 0.0
    aws_seconds: float = 0.0
    requests: int = 0
    wall_seconds: float = 0.0
    log_bytes: int = 0

    def dynamodb_calls(self) -> int:
        return sum(n for (svc, _), n in self.calls.items() if svc == "dynamodb")


@dataclass
class Meter:
    route: str = "setup"
    figures: dict[str, RouteFigures] = field(default_factory=lambda: defaultdict(RouteFigures))
    _indexes: dict[str, list[str]] = field(default_factory=dict)  # table -> GSI hash key names
    _schemas: dict[str, list[str]] = field(default_factory=dict)  # table -> key attribute names
    _original: Any = None

    # -- installing --------------------------------------------------------------------------
    def install(self) -> None:
        if self._original is not None:
            return
        self._original = BaseClient._make_api_call
        meter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return meter._call(client, operation, params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    @contextmanager
    def serving(self, route: str) -> Iterator[RouteFigures]:
        before, self.route = self.route, route
        fig = self.figures[route]
        started = time.perf_counter()
        try:
            yield fig
        finally:
            fig.wall_seconds += time.perf_counter() - started
            fig.requests += 1
            self.route = before

    # -- the wrapper -------------------------------------------------------------------------
    def _raw(self, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        return self._original(client, operation, params)

    def _call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        fig = self.figures[self.route]
        fig.calls[(service, operation)] += 1
        touched: list[tuple[str, dict[str, Any], float]] = []
        started = time.perf_counter()  # the meter's own look-ups count as time spent in AWS
        if service == "dynamodb":
            touched = [(t, self._key_of(client, t, k), m) for t, k, m in self._writes_of(operation, params)]
            before = [self._stored(client, t, k) for t, k, _ in touched]
        failed = False
        try:
            result = self._raw(client, operation, params)
        except ClientError:
            failed = True
            raise
        finally:
            if touched:
                after = [None if failed else self._stored(client, t, k) for t, k, _ in touched]
                fig.wru += self._write_units(client, touched, before, after, failed)
            fig.aws_seconds += time.perf_counter() - started
        if service == "dynamodb":
            fig.rru += self._read_units(operation, params, result)
        return result

    # -- DynamoDB request units ----------------------------------------------------------------
    def _stored(self, client: BaseClient, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        key = key.get("__check__", key)
        try:
            out = self._raw(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        except ClientError:
            return None
        item: dict[str, Any] | None = out.get("Item")
        return item

    def _gsi_keys(self, client: BaseClient, table: str) -> list[str]:
        if table not in self._indexes:
            desc = self._raw(client, "DescribeTable", {"TableName": table})["Table"]
            self._indexes[table] = [
                next(k["AttributeName"] for k in g["KeySchema"] if k["KeyType"] == "HASH")
                for g in desc.get("GlobalSecondaryIndexes", [])
            ]
        return self._indexes[table]

    def _key_of(self, client: BaseClient, table: str, spec: dict[str, Any]) -> dict[str, Any]:
        """The primary key of a put item (``__item__``) or a check (``__check__``, kept marked)."""
        if "__check__" in spec:
            return spec
        if "__item__" not in spec:
            return spec
        if table not in self._schemas:
            desc = self._raw(client, "DescribeTable", {"TableName": table})["Table"]
            self._schemas[table] = [k["AttributeName"] for k in desc["KeySchema"]]
        return {name: spec["__item__"][name] for name in self._schemas[table]}

    def _writes_of(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], float]]:
        """(table, key or item, multiplier) for every item a write touches."""
        if operation in ("PutItem",):
            return [(params["TableName"], {"__item__": params["Item"]}, 1.0)]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"], 1.0)]
        if operation == "BatchWriteItem":
            out: list[tuple[str, dict[str, Any], float]] = []
            for table, reqs in params["RequestItems"].items():
                for r in reqs:
                    if "PutRequest" in r:
                        out.append((table, {"__item__": r["PutRequest"]["Item"]}, 1.0))
                    else:
                        out.append((table, r["DeleteRequest"]["Key"], 1.0))
            return out
        if operation == "TransactWriteItems":
            out = []
            for action in params["TransactItems"]:
                ((kind, spec),) = action.items()
                if kind == "Put":
                    out.append((spec["TableName"], {"__item__": spec["Item"]}, 2.0))
                elif kind == "ConditionCheck":
                    out.append((spec["TableName"], {"__check__": spec["Key"]}, 2.0))
                else:
                    out.append((spec["TableName"], spec["Key"], 2.0))
            return out
        return []

    def _write_units(
        self,
        client: BaseClient,
        touched: list[tuple[str, dict[str, Any], float]],
        before: list[dict[str, Any] | None],
        after: list[dict[str, Any] | None],
        failed: bool,
    ) -> float:
        total = 0.0
        for (table, key, mult), old, new in zip(touched, before, after, strict=True):
            if "__check__" in key:
                total += mult * max(1, math.ceil(item_size(old) / KB))
                continue
            size = max(item_size(old), item_size(new))
            if failed:
                total += mult * max(1, math.ceil(item_size(old) / KB))
                continue
            units = max(1, math.ceil(size / KB))
            for gsi in self._gsi_keys(client, table):
                o, n = (old or {}).get(gsi), (new or {}).get(gsi)
                if o is None and n is None:
                    continue
                units += max(1, math.ceil(size / KB)) * (
                    2 if o is not None and n is not None and o != n else 1
                )
            total += mult * units
        return total

    def _read_units(self, operation: str, params: dict[str, Any], result: Any) -> float:
        if operation == "GetItem":
            f = 1.0 if params.get("ConsistentRead") else 0.5
            return f * max(1, math.ceil(item_size(result.get("Item")) / (4 * KB)))
        if operation == "BatchGetItem":
            units = 0.0
            for table, items in result.get("Responses", {}).items():
                f = 1.0 if params["RequestItems"].get(table, {}).get("ConsistentRead") else 0.5
                units += sum(f * max(1, math.ceil(item_size(i) / (4 * KB))) for i in items)
            return units
        if operation in ("Query", "Scan"):
            f = 1.0 if params.get("ConsistentRead") else 0.5
            total = sum(item_size(i) for i in result.get("Items", []))
            return f * max(1, math.ceil(total / (4 * KB)))
        if operation == "TransactGetItems":
            return sum(
                2.0 * max(1, math.ceil(item_size(r.get("Item")) / (4 * KB)))
                for r in result.get("Responses", [])
            )
        return 0.0
