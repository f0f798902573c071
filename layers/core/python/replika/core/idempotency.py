"""Idempotency for retried requests (``Idempotency-Key``), on the runtime's DynamoDB client.

Table (``IDEMPOTENCY_TABLE``): ``HASH id (S)``, TTL attribute ``expiration``. A record holds
``status`` (``INPROGRESS`` / ``COMPLETED``), ``expiration`` (epoch seconds, 24 h), ``data`` (the
stored result, JSON), ``validation`` (SHA-256 of the payload) and ``in_progress_expiration``
(epoch milliseconds). It is the record layout of Powertools' idempotency utility, which this module
replaced (Powertools' DynamoDB layer imports boto3 and s3transfer: a third of a cold start), so the
records written before the change are read the same way.

:func:`run_once` runs ``fn`` at most once per ``(scope, key)`` for 24 hours:

* first call: an ``INPROGRESS`` record is written (conditional put), ``fn`` runs, its JSON-able
  ``dict`` result is stored and returned;
* retry with the same key and payload: the stored result is returned, ``fn`` does not run;
* same key, different payload: ``Conflict(code="idempotency_key_reused")``;
* same key while the first call is still running: ``Conflict(code="request_in_progress")``;
* ``fn`` raises: the record is deleted and the exception propagates, so a retry runs again.

The in-progress record expires when the Lambda invocation would have timed out
(``lambda_context.get_remaining_time_in_millis()``), or else after ``in_progress_seconds``: a
crashed attempt blocks retries for that long — not 24 h. A record that expires while it is being
read is read again (twice at most, then :class:`~replika.core.errors.Retryable`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from replika.core import runtime
from replika.core.dynamodb import is_condition_failure, translated
from replika.core.errors import BadRequest, Conflict, Retryable
from replika.core.runtime import get_settings, register_reset, require

__all__ = [
    "EXPIRES_AFTER_SECONDS",
    "IN_PROGRESS_SECONDS",
    "KEY_PATTERN",
    "reset",
    "run_once",
    "validate_key",
]

EXPIRES_AFTER_SECONDS = 24 * 60 * 60
#: How long an in-progress record blocks retries when no Lambda context is known.
IN_PROGRESS_SECONDS = 60
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")
_KEY_PREFIX = "replika"  # stored id = "replika#<sha256 of [scope, key]>"
INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
#: Reads of a record that changed under us (deleted or expired meanwhile) before giving up.
_ATTEMPTS = 3
_PUT_CONDITION = (
    "attribute_not_exists(#id) OR #expiry < :now"
    " OR (#status = :inprogress AND attribute_exists(#in_progress_expiry)"
    " AND #in_progress_expiry < :now_in_millis)"
)

_lock = threading.Lock()
_table: str | None = None


class _Changed(Exception):
    """The record changed between the conditional put and its read: try again."""


def _table_name() -> str:
    """The idempotency table of this runtime (read once per process)."""
    global _table
    with _lock:
        if _table is None:
            _table = require(get_settings().idempotency_table, "IDEMPOTENCY_TABLE")
        return _table


@register_reset
def reset() -> None:
    """Forget the table name (tests, or after changing ``IDEMPOTENCY_TABLE``)."""
    global _table
    with _lock:
        _table = None


def validate_key(key: str | None) -> str:
    """The key if it is 8–128 characters of ``[A-Za-z0-9_-:.]``, else ``BadRequest``."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise BadRequest(
            "Idempotency-Key harus 8–128 karakter: huruf, angka, '_', '-', ':' atau '.'.",
            code="invalid_idempotency_key",
        )
    return key


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _digest(value: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys), as Powertools hashed keys and payloads."""
    text = json.dumps(value, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def record_id(scope: str, key: str) -> str:
    """The stored ``id`` of ``(scope, key)``."""
    return f"{_KEY_PREFIX}#{_digest([scope, key])}"


def _client() -> Any:
    return runtime.current().client("dynamodb")


def _put_in_progress(rid: str, payload_hash: str, in_progress_ms: int) -> dict[str, Any] | None:
    """Claim the record; ``None`` when claimed, else the record that holds the key."""
    now = time.time()
    try:
        _client().put_item(
            TableName=_table_name(),
            Item={
                "id": {"S": rid},
                "expiration": {"N": str(int(now + EXPIRES_AFTER_SECONDS))},
                "status": {"S": INPROGRESS},
                "in_progress_expiration": {"N": str(int(now * 1000) + in_progress_ms)},
                "validation": {"S": payload_hash},
            },
            ConditionExpression=_PUT_CONDITION,
            ExpressionAttributeNames={
                "#id": "id",
                "#expiry": "expiration",
                "#in_progress_expiry": "in_progress_expiration",
                "#status": "status",
            },
            ExpressionAttributeValues={
                ":now": {"N": str(int(now))},
                ":now_in_millis": {"N": str(int(now * 1000))},
                ":inprogress": {"S": INPROGRESS},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as exc:
        if not is_condition_failure(exc):
            raise
        old = getattr(exc, "response", {}).get("Item")
        if old is None:  # an older DynamoDB (or emulator) without the item in the error
            key = {"id": {"S": rid}}
            old = _client().get_item(TableName=_table_name(), Key=key, ConsistentRead=True).get("Item")
            if old is None:  # deleted meanwhile (the first attempt failed): claim it again
                raise _Changed() from exc
        return dict(old)
    return None


def _replay(old: dict[str, Any], payload_hash: str) -> dict[str, Any]:
    """The stored result of the record that holds the key, or why there is none."""
    if old.get("validation", {}).get("S") != payload_hash:
        raise Conflict(
            "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda.",
            code="idempotency_key_reused",
        )
    now = time.time()
    if int(now) > int(old["expiration"]["N"]):
        raise _Changed()  # expired meanwhile: the next put claims it
    status = old.get("status", {}).get("S")
    if status == INPROGRESS:
        until = old.get("in_progress_expiration", {}).get("N")
        if until is not None and int(until) < int(now * 1000):
            raise _Changed()
        raise Conflict(
            "Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.",
            code="request_in_progress",
            retry_after=1,
        )
    if status != COMPLETED:
        raise RuntimeError(f"idempotency record in an unknown status: {status!r}")
    result: dict[str, Any] = json.loads(old["data"]["S"])
    return result


def _save(rid: str, payload_hash: str, result: dict[str, Any]) -> None:
    _client().update_item(
        TableName=_table_name(),
        Key={"id": {"S": rid}},
        UpdateExpression="SET #data = :data, #expiry = :expiry, #status = :status, #validation = :validation",
        ExpressionAttributeNames={
            "#data": "data",
            "#expiry": "expiration",
            "#status": "status",
            "#validation": "validation",
        },
        ExpressionAttributeValues={
            ":data": {"S": json.dumps(result, sort_keys=True, default=_json_default)},
            ":expiry": {"N": str(int(time.time() + EXPIRES_AFTER_SECONDS))},
            ":status": {"S": COMPLETED},
            ":validation": {"S": payload_hash},
        },
    )


def run_once(
    *,
    scope: str,
    key: str,
    payload: dict[str, Any],
    fn: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
    in_progress_seconds: float = IN_PROGRESS_SECONDS,
) -> dict[str, Any]:
    """Run ``fn`` at most once for ``(scope, key)`` and return its (stored) result.

    ``scope`` separates callers (e.g. ``"app:POST:/entries:<subject>"``) so two users' keys never
    collide; ``payload`` is what a retry must repeat exactly (route params and body).
    """
    validate_key(key)
    if not scope:
        raise ValueError("scope is required")
    rid, payload_hash = record_id(scope, key), _digest(payload)
    if lambda_context is not None:
        in_progress_ms = int(lambda_context.get_remaining_time_in_millis())
    else:
        in_progress_ms = int(in_progress_seconds * 1000)
    for attempt in range(_ATTEMPTS):
        try:
            with translated():  # throttling -> 503; an unknown storage error stays a bug (500)
                old = _put_in_progress(rid, payload_hash, in_progress_ms)
            if old is None:
                break
            return _replay(old, payload_hash)
        except _Changed:
            if attempt == _ATTEMPTS - 1:
                raise Retryable() from None
    try:
        result = fn()
        if not isinstance(result, dict):
            raise TypeError("run_once: fn must return a JSON-able dict")
    except Exception:
        with translated():  # if this fails, the record blocks retries until it expires in progress
            _client().delete_item(TableName=_table_name(), Key={"id": {"S": rid}})
        raise
    with translated():
        _save(rid, payload_hash, result)
    return result
