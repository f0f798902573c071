"""The one DynamoDB adapter: botocore / PynamoDB errors in, domain errors out.

Nothing else reads AWS error codes. A lost condition or a transaction cancelled by a condition or
by a concurrent transaction is a :class:`~replika.core.errors.Conflict`; throttling and the
service's transient failures are :class:`~replika.core.errors.Retryable`. Services, workers and
the CLI use :func:`translated` (or :func:`translate`), so each of them sees domain errors, never a
raw ``TransactWriteError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from replika.core.errors import AppError, Conflict, Retryable

CONFLICT_CODES = frozenset({"ConditionalCheckFailedException", "TransactionConflictException"})
#: Cancellation reason codes (TransactWriteItems reports these without the "Exception" suffix).
_REASON_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict", *CONFLICT_CODES})
RETRY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ProvisionedThroughputExceeded",
        "ThrottlingException",
        "ThrottlingError",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "SlowDown",
    }
)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code behind a botocore ``ClientError`` or a PynamoDB exception, if any."""
    code = getattr(exc, "cause_response_code", None)  # PynamoDB wraps botocore errors
    if code:
        return str(code)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        if err.get("Code"):
            return str(err["Code"])
    return None


def cancellation_codes(exc: BaseException) -> list[str]:
    """Per-action reason codes of a cancelled transaction ("" / "None" for actions that passed)."""
    reasons = getattr(exc, "cancellation_reasons", None)  # PynamoDB TransactWriteError
    if reasons:
        return [getattr(r, "code", "") or "" for r in reasons]
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return [r.get("Code", "") for r in response.get("CancellationReasons") or []]
    return []


def translate(exc: BaseException) -> AppError | None:
    """The domain error for a storage exception, or ``None`` when it is not one we know."""
    if isinstance(exc, AppError):
        return exc
    code = error_code(exc)
    if code in CONFLICT_CODES:
        return Conflict()
    if code == "TransactionCanceledException":
        reasons = cancellation_codes(exc)
        if any(r in _REASON_CONFLICTS for r in reasons):
            return Conflict()
        if any(r in RETRY_CODES for r in reasons):
            return Retryable()
        return Conflict()
    if code in RETRY_CODES:
        return Retryable()
    return None


def is_condition_failure(exc: BaseException) -> bool:
    """A single write's condition failed (not a cancelled transaction)."""
    return error_code(exc) == "ConditionalCheckFailedException"


def is_contention(exc: BaseException) -> bool:
    """Another writer was in flight on the same item (worth retrying soon), or throttling."""
    reasons = cancellation_codes(exc)
    if any(r in {"TransactionConflict", "TransactionConflictException"} for r in reasons):
        return True
    return error_code(exc) in {"TransactionConflictException", *RETRY_CODES} or any(
        r in RETRY_CODES for r in reasons
    )


@contextmanager
def translated() -> Iterator[None]:
    """Run a storage call; a known storage error leaves as its domain error."""
    try:
        yield
    except AppError:
        raise
    except Exception as exc:
        mapped = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc
