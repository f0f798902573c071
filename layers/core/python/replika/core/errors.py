"""Domain errors and their HTTP rendering.

Every error a client can cause is an :class:`AppError` with a 4xx status. Handlers never look at
botocore or PynamoDB exceptions: :func:`from_storage_error` maps them to domain errors in one place
(conditional check failed -> 409 conflict, throttling -> 503 retryable with ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from chalice.app import ChaliceUnhandledError  # lets the error reach our wrapper untouched


class AppError(ChaliceUnhandledError):
    """An error with an HTTP status, a stable English code and a message in Bahasa Indonesia."""

    status = 400
    code = "bad_request"
    default_message = "Permintaan tidak valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details if details is not None else {}
        if code:
            self.code = code
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "details": self.details}
        if request_id:
            err["request_id"] = request_id
        return {"error": err}


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class ValidationFailed(BadRequest):
    code = "validation_failed"
    default_message = "Data yang dikirim tidak valid."


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    default_message = "Perlu masuk (token tidak ada atau tidak sah)."


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = "Anda tidak berwenang untuk tindakan ini."


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = "Data tidak ditemukan."


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = "Data telah berubah atau sudah diproses; muat ulang dan coba lagi."


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    default_message = "Data terlalu besar."


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Jenis konten tidak didukung."


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    default_message = "Terlalu banyak percobaan; coba lagi nanti."


class ServiceUnavailable(AppError):
    """Retryable: the caller should try again after ``Retry-After`` seconds."""

    status = 503
    code = "retry_later"
    default_message = "Layanan sedang sibuk; coba lagi sebentar lagi."


_CONFLICT_CODES = {"ConditionalCheckFailedException", "TransactionConflictException"}
_RETRY_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
}


def storage_error_code(exc: BaseException) -> str | None:
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


def _cancellation_codes(exc: BaseException) -> list[str]:
    reasons = getattr(exc, "cancellation_reasons", None)  # PynamoDB TransactWriteError
    if reasons:
        return [getattr(r, "code", "") or "" for r in reasons if r is not None]
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return [r.get("Code", "") for r in response.get("CancellationReasons") or []]
    return []


def from_storage_error(exc: BaseException) -> AppError | None:
    """Map a storage exception to a domain error, or ``None`` when it is not one we know."""
    code = storage_error_code(exc)
    if code in _CONFLICT_CODES:
        return Conflict()
    if code == "TransactionCanceledException":
        reasons = _cancellation_codes(exc)
        if any(r in _CONFLICT_CODES for r in reasons):
            return Conflict()
        if any(r in _RETRY_CODES for r in reasons):
            return ServiceUnavailable(headers={"Retry-After": "1"})
        return Conflict()
    if code in _RETRY_CODES:
        return ServiceUnavailable(headers={"Retry-After": "1"})
    return None
