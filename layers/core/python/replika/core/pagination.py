"""Opaque, signed pagination cursors and the page models every list endpoint uses.

A cursor is ``base64url(JSON of the DynamoDB start key) + "." + base64url(HMAC-SHA256)``; the MAC
covers the *scope* (the list route plus its filters, e.g. ``"remunerasi:entries:opd=1.02"``) and
the JSON, keyed by ``get_settings().cursor_secret``. A client therefore can neither forge a start
key nor replay a cursor from another list or filter: any such cursor is
``BadRequest(code="invalid_cursor")``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, Field

from replika.core.errors import BadRequest
from replika.core.runtime import get_settings
from replika.core.schema import Schema

__all__ = [
    "CURSOR_PATTERN",
    "MAX_CURSOR_LENGTH",
    "Page",
    "PageQuery",
    "cursor_field",
    "decode_cursor",
    "encode_cursor",
]

T = TypeVar("T")

MAX_CURSOR_LENGTH = 2048
_SEP = "."
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


#: The shape of a cursor (empty = first page). The shape is necessary, not sufficient: only a
#: cursor this list issued is valid (the MAC), which no schema can say; hence ``x-opaque``.
CURSOR_PATTERN = r"^$|^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$"
CURSOR_DESCRIPTION = (
    "Opaque: only the `next_cursor` this list returned (or empty for the first page). Any other "
    "value, including one of another list or filter, is refused: 400 `invalid_cursor`."
)


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def _mac(payload: bytes, scope: str, secret: str | None) -> bytes:
    key = (secret if secret is not None else get_settings().cursor_secret).encode("utf-8")
    msg = scope.encode("utf-8") + b"\x00" + payload
    return hmac.new(key, msg, hashlib.sha256).digest()


def encode_cursor(key: dict[str, Any] | None, *, scope: str, secret: str | None = None) -> str | None:
    """The cursor for a DynamoDB ``LastEvaluatedKey`` (``None`` -> ``None``: no next page).

    ``key`` must be JSON-serialisable (PynamoDB's ``last_evaluated_key`` and boto3 client keys are).
    """
    if key is None:
        return None
    payload = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _b64e(payload) + _SEP + _b64e(_mac(payload, scope, secret))


def decode_cursor(cursor: str | None, *, scope: str, secret: str | None = None) -> dict[str, Any] | None:
    """The start key inside a cursor made by :func:`encode_cursor` for the same ``scope``.

    ``None`` or ``""`` -> ``None`` (first page). A tampered, foreign-scope, oversized or garbage
    cursor raises ``BadRequest(code="invalid_cursor")``.
    """
    if cursor is None or cursor == "":
        return None
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    body, sep, sig = cursor.partition(_SEP)
    if not sep or not _B64URL.match(body) or not _B64URL.match(sig):
        raise _invalid()
    try:
        payload = _b64d(body)
        mac = _b64d(sig)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise _invalid() from exc
    if not hmac.compare_digest(mac, _mac(payload, scope, secret)):
        raise _invalid()
    try:
        key = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # signed by us, so only on a secret leak/bug
        raise _invalid() from exc
    if not isinstance(key, dict):
        raise _invalid()
    return key


def _invalid() -> BadRequest:
    return BadRequest(
        "Penanda halaman (cursor) tidak sah; muat ulang daftar dari halaman pertama.",
        code="invalid_cursor",
    )


def cursor_field() -> Any:
    """The ``cursor`` query field of every list: its shape documented, its validity opaque."""
    return Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description=CURSOR_DESCRIPTION,
        json_schema_extra={"pattern": CURSOR_PATTERN, "x-opaque": True},
    )


class PageQuery(Schema):
    """Query parameters of a list endpoint: ``?limit=50&cursor=…``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = cursor_field()


class Page(Schema, Generic[T]):
    """One page of a list: ``items`` and the cursor of the next page (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None = None
