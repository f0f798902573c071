"""Two fixes to moto 5.2.5 for the local stack, the tests and the benchmarks.

moto's ``TransactWriteItems`` keeps a rollback copy by deep-copying *the whole table once per
item of the transaction*: a 90-item transaction on a 10,000-item table copies 900,000 items,
so a payroll run or a bulk approval slows down with the square of the data (and a transaction
that outlives botocore's 60 s read timeout is retried while still running). DynamoDB itself
has no such cost.

The fix keeps moto's transaction logic and semantics and changes only the rollback copy: the
whole-table copy becomes a no-op, and this wrapper snapshots just the items the transaction
touches and puts them back when moto cancels the transaction. ``tests/unit/test_moto_patches.py``
checks that a cancelled transaction still leaves every item as it was.

The second: every DynamoDB write is atomic, as in DynamoDB. moto runs an ``UpdateItem`` as a
read-modify-write in Python, so two threads (two concurrent requests to the local stack, or two
"Lambda invocations" in a test) can both read a counter at 4 and both write 5: an atomic ``ADD``
loses an increment and a rate limit lets one guess too many through. One lock serialises the
write requests (reads stay concurrent: DynamoDB applies a write whole or not at all).

The third: CloudFormation KMS keys keep the template's ``KeySpec``/``KeyUsage`` (moto makes every
key symmetric).

The fourth is speed only: moto imports the same RSA signing key from its JWK file for every user
pool it creates, recovering the prime factors each time (0.75 s per pool, two pools per region
stack, one stack per test). The imported key is kept and shared by the pools, as the file is.
And moto reads a JSON template through PyYAML's pure-Python loader (0.4 s for the region
template); JSON is read as JSON (YAML is a superset: the same dict).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from typing import Any

_real_deepcopy = copy.deepcopy
_installed = False


class _CopyModule:
    """Stands in for the ``copy`` module inside moto.dynamodb.models: tables are not copied."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return _real_deepcopy(value, memo)

    def copy(self, value: Any) -> Any:
        return copy.copy(value)


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _CopyModule(Table)  # type: ignore[assignment,attr-defined]

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot: list[tuple[Any, Any, Any, Any]] = []
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto raises its own validation error for this
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if not key or table.hash_key_attr not in key:
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in (key or {}) else None
            try:
                current = table.get_item(hash_key, range_key)
            except Exception:  # noqa: S112 - moto reports malformed keys itself
                continue
            snapshot.append((table, hash_key, range_key, _real_deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, old in reversed(snapshot):
                if range_key is None:
                    if old is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = old
                elif old is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = old
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    from moto.dynamodb.responses import DynamoHandler

    _atomic_writes(DynamoHandler)
    _kms_key_spec_from_template()
    _one_cognito_signing_key()
    _json_templates_as_json()
    _installed = True


_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_write_lock = threading.RLock()


def _atomic_writes(handler: type) -> None:
    """Each write request to moto's DynamoDB runs whole, the answer included (moto builds
    ``ReturnValues`` from the live item after the write), before the next write starts."""

    def atomic(method: Any) -> Any:
        @functools.wraps(method)
        def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _write_lock:
                return method(self, *args, **kwargs)

        return locked

    for name in _WRITES:
        setattr(handler, name, atomic(getattr(handler, name)))


def _kms_key_spec_from_template() -> None:
    """moto's CloudFormation creates every ``AWS::KMS::Key`` as a symmetric encryption key; honour
    the template's ``KeySpec`` and ``KeyUsage`` (the permit signing key is ECC_NIST_P256 /
    SIGN_VERIFY)."""
    from moto.kms import models as kms_models

    def create_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
    ) -> Any:
        properties = cloudformation_json["Properties"]
        key = kms_models.kms_backends[account_id][region_name].create_key(
            policy=properties["KeyPolicy"],
            key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=properties.get("Description"),
            tags=properties.get("Tags", []),
        )
        key.key_rotation_status = properties.get("EnableKeyRotation", False)
        key.enabled = properties.get("Enabled", True)
        return key

    kms_models.Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment,arg-type]


def _one_cognito_signing_key() -> None:
    from moto.cognitoidp import models as cognito_models

    real_jwk = getattr(cognito_models, "jwk")  # noqa: B009 - moto does not export it
    imported: dict[str, Any] = {}

    class _RSAKey:
        @staticmethod
        def import_key(value: Any, *args: Any, **kwargs: Any) -> Any:
            if args or kwargs or not isinstance(value, dict):
                return real_jwk.RSAKey.import_key(value, *args, **kwargs)
            cache_key = json.dumps(value, sort_keys=True)
            if cache_key not in imported:
                imported[cache_key] = real_jwk.RSAKey.import_key(value)
            return imported[cache_key]

    class _Jwk:
        RSAKey = _RSAKey

        def __getattr__(self, name: str) -> Any:
            return getattr(real_jwk, name)

    setattr(cognito_models, "jwk", _Jwk())  # noqa: B010


def _json_templates_as_json() -> None:
    from moto.cloudformation.models import Stack

    yaml_parse = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        if template.lstrip().startswith("{"):
            try:
                return json.loads(template)  # type: ignore[no-any-return]
            except ValueError:
                pass
        return yaml_parse(template)

    Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]
