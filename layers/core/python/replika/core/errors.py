"""Plain domain errors: no Chalice, no HTTP, no botocore.

Rules, services, workers and the CLI raise and catch these. Each error has a stable English
``code``, a message in Bahasa Indonesia and JSON ``details``. Only the HTTP adapter
(:mod:`replika.core.http`) decides which status code a kind of error becomes, and only the
DynamoDB adapter (:mod:`replika.core.dynamodb`) reads botocore / PynamoDB error codes.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error the caller can act on: a stable code, a message and details."""

    code = "bad_request"
    default_message = "Permintaan tidak valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details if details is not None else {}
        if code:
            self.code = code
        self.retry_after = retry_after
        super().__init__(self.message)

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "details": self.details}
        if request_id:
            err["request_id"] = request_id
        return {"error": err}


class BadRequest(AppError):
    """The input breaks a rule; retrying the same input fails the same way."""

    code = "bad_request"


class ValidationFailed(BadRequest):
    code = "validation_failed"
    default_message = "Data yang dikirim tidak valid."


class Unauthorized(AppError):
    code = "unauthorized"
    default_message = "Perlu masuk (token tidak ada atau tidak sah)."


class Forbidden(AppError):
    code = "forbidden"
    default_message = "Anda tidak berwenang untuk tindakan ini."


class NotFound(AppError):
    code = "not_found"
    default_message = "Data tidak ditemukan."


class Conflict(AppError):
    """The data changed under the caller, or the state does not allow the action."""

    code = "conflict"
    default_message = "Data telah berubah atau sudah diproses; muat ulang dan coba lagi."


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    default_message = "Data terlalu besar."


class UnsupportedMediaType(AppError):
    code = "unsupported_media_type"
    default_message = "Jenis konten tidak didukung."


class TooManyRequests(AppError):
    code = "too_many_requests"
    default_message = "Terlalu banyak percobaan; coba lagi nanti."


class Retryable(AppError):
    """A transient refusal (throttling, contention): the same call may succeed after
    ``retry_after`` seconds. Workers retry it; the HTTP adapter answers 503 with Retry-After."""

    code = "retry_later"
    default_message = "Layanan sedang sibuk; coba lagi sebentar lagi."

    def __init__(self, message: str | None = None, *, retry_after: int | None = 1, **kw: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kw)


#: Kept for callers that name the HTTP meaning; the same class as :class:`Retryable`.
ServiceUnavailable = Retryable
