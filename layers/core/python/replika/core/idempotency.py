"""Idempotency for retried requests (``Idempotency-Key``), on Powertools' idempotency utility.

Table (``IDEMPOTENCY_TABLE``, default ``replika-idempotency``): ``HASH id (S)``, TTL attribute
``expiration``. Powertools writes ``status``, ``data`` (the stored result), ``validation`` (hash
of the payload) and ``in_progress_expiration``.

:func:`run_once` runs ``fn`` at most once per ``(scope, key)`` for 24 hours:

* first call: an ``INPROGRESS`` record is written (conditional put), ``fn`` runs, its JSON-able
  ``dict`` result is stored and returned;
* retry with the same key and payload: the stored result is returned, ``fn`` does not run;
* same key, different payload: ``Conflict(code="idempotency_key_reused")``;
* same key while the first call is still running: ``Conflict(code="request_in_progress")``;
* ``fn`` raises: the record is deleted and the exception propagates, so a retry runs again.

The in-progress record expires when the Lambda invocation would have timed out (Powertools reads
the remaining time from the Lambda context). :func:`run_once` uses ``lambda_context`` when given;
otherwise (``idempotent_function`` outside a handler, local gateway, tests) it uses a fixed
``in_progress_seconds`` budget, so a crashed attempt blocks retries for that long — not 24 h.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from replika.core import runtime
from replika.core.dynamodb import translate
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

_lock = threading.Lock()
_layer: DynamoDBPersistenceLayer | None = None


class _Deadline:
    """Quacks like a Lambda context for Powertools: only the remaining time is read."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _persistence() -> DynamoDBPersistenceLayer:
    """One persistence layer per process, created on first use, on the runtime's DynamoDB client."""
    global _layer
    with _lock:
        if _layer is None:
            _layer = DynamoDBPersistenceLayer(
                table_name=require(get_settings().idempotency_table, "IDEMPOTENCY_TABLE"),
                key_attr="id",
                expiry_attr="expiration",
                # the runtime's client: no boto3 session and no second client at cold start
                boto3_client=runtime.current().client("dynamodb"),
            )
        return _layer


@register_reset
def reset() -> None:
    """Forget the cached persistence layer (tests, or after changing ``IDEMPOTENCY_TABLE``)."""
    global _layer
    with _lock:
        _layer = None


def validate_key(key: str | None) -> str:
    """The key if it is 8–128 characters of ``[A-Za-z0-9_-:.]``, else ``BadRequest``."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise BadRequest(
            "Idempotency-Key harus 8–128 karakter: huruf, angka, '_', '-', ':' atau '.'.",
            code="invalid_idempotency_key",
        )
    return key


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
    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        lambda_context=cast(
            LambdaContext, lambda_context if lambda_context is not None else _Deadline(in_progress_seconds)
        ),
    )

    def _run(request: dict[str, Any]) -> dict[str, Any]:
        result = fn()
        if not isinstance(result, dict):
            raise TypeError("run_once: fn must return a JSON-able dict")
        return result

    wrapped = idempotent_function(
        _run,
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=config,
        key_prefix=_KEY_PREFIX,
    )
    try:
        result = wrapped(request={"scope": scope, "key": key, "payload": payload})
    except IdempotencyValidationError as exc:
        raise Conflict(
            "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda.",
            code="idempotency_key_reused",
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict(
            "Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.",
            code="request_in_progress",
            retry_after=1,
        ) from exc
    except IdempotencyInconsistentStateError as exc:  # the record kept changing under us: retryable
        raise Retryable() from exc
    except IdempotencyPersistenceLayerError as exc:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        mapped = translate(cause)
        if mapped is not None:
            raise mapped from exc
        raise
    return cast(dict[str, Any], result)
