"""Documents in S3: presigned uploads with an enforced policy, presigned downloads, small I/O.

Uploads go straight from the client to S3 with a presigned **POST**: its signed policy pins the
object key (generated here: ``<prefix>/<uuid><ext>``, never the client's file name), the exact
``Content-Type`` and ``content-length-range`` 1..``max_bytes``. S3 refuses an upload that breaks
any condition, so a client cannot store a bigger file or another type than it declared.

The S3 client comes from the runtime (:mod:`replika.core.runtime`), created on first use, at the
local stack's ``AWS_ENDPOINT_URL`` when set. The bucket defaults to
``get_settings().documents_bucket``.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from botocore.exceptions import ClientError

from replika.core.errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from replika.core.runtime import get_settings, require

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "exists",
    "get_bytes",
    "new_key",
    "presign_declared",
    "presign_download",
    "presign_upload",
    "put_bytes",
    "reset_client",
    "s3_client",
]

_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-=.#/]{0,200}$")
_EXT_RE = re.compile(r"^\.[a-z0-9]{1,10}$")
_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_MAX_EXPIRES = 7 * 24 * 3600


def s3_client() -> S3Client:
    """The runtime's S3 client (SigV4, virtual-host addressing), created on first use."""
    from replika.core.runtime import current

    client: S3Client = current().client("s3")
    return client


def reset_client() -> None:
    """Forget the cached clients (tests; after changing the endpoint or credentials)."""
    from replika.core.runtime import reset

    reset()


def _bucket(bucket: str | None) -> str:
    return bucket or require(get_settings().documents_bucket, "DOCUMENTS_BUCKET")


def _extension(filename: str, content_type: str) -> str:
    """A safe lower-case extension: the file name's when it agrees with the content type, else the
    content type's usual one (``""`` if unknown)."""
    base = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    ext = ""
    if "." in base:
        ext = "." + base.rsplit(".", 1)[-1].lower()
    if _EXT_RE.match(ext) and mimetypes.guess_type("x" + ext)[0] == content_type:
        return ext
    guessed = mimetypes.guess_extension(content_type, strict=False) or ""
    return guessed if _EXT_RE.match(guessed) else ""


def new_key(key_prefix: str, filename: str, content_type: str) -> str:
    """``<prefix>/<uuid4 hex><ext>``: ``new_key("wbs/abc", "Bukti.PDF", "application/pdf")`` ->
    ``"wbs/abc/3f…9e.pdf"``."""
    prefix = key_prefix.strip("/")
    if not _PREFIX_RE.match(prefix) or ".." in prefix or "//" in prefix:
        raise ValueError(f"invalid key prefix {key_prefix!r}")
    return f"{prefix}/{uuid.uuid4().hex}{_extension(filename, content_type)}"


def presign_upload(
    *,
    key_prefix: str,
    filename: str,
    content_type: str,
    max_bytes: int,
    allowed_types: set[str] | frozenset[str],
    size: int | None = None,
    expires: int = 900,
    bucket: str | None = None,
) -> dict[str, Any]:
    """A presigned POST for one upload.

    Returns ``{"url", "fields", "key", "content_type", "max_bytes", "expires_in"}``: the client
    POSTs ``multipart/form-data`` with every entry of ``fields`` and then ``file``.

    * ``content_type`` must be one of ``allowed_types`` exactly (no parameters) ->
      else ``UnsupportedMediaType`` (415);
    * ``size``, the size the client declares (optional), must be 1..``max_bytes`` ->
      ``PayloadTooLarge`` (413) / ``BadRequest`` (400);
    * the policy enforces ``Content-Type`` and ``content-length-range`` 1..``max_bytes`` anyway.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be >= 1")
    if not 1 <= expires <= _MAX_EXPIRES:
        raise ValueError("expires must be 1..604800 seconds")
    ct = (content_type or "").strip().lower()
    allowed = {t.lower() for t in allowed_types}
    if not _MIME_RE.match(ct) or ct not in allowed:
        raise UnsupportedMediaType(
            "Jenis berkas tidak diizinkan.",
            details={"content_type": content_type, "allowed": sorted(allowed)},
        )
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise BadRequest("Ukuran berkas tidak valid.", code="invalid_size", details={"size": size})
        if size > max_bytes:
            raise PayloadTooLarge("Berkas terlalu besar.", details={"size": size, "max_bytes": max_bytes})
    if not filename or len(filename) > 255:
        raise BadRequest("Nama berkas tidak valid.", code="invalid_filename")
    key = new_key(key_prefix, filename, ct)
    post = s3_client().generate_presigned_post(
        Bucket=_bucket(bucket),
        Key=key,
        Fields={"Content-Type": ct},
        Conditions=[{"Content-Type": ct}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires,
    )
    return {
        "url": post["url"],
        "fields": dict(post["fields"]),
        "key": key,
        "content_type": ct,
        "max_bytes": max_bytes,
        "expires_in": expires,
    }


class DeclaredFile(Protocol):
    """A client's upload request: the file's name, type and size."""

    filename: str
    size: int

    @property  # read-only, so a body may narrow it (e.g. to a Literal of the types it accepts)
    def content_type(self) -> str: ...


def presign_declared(
    body: DeclaredFile,
    *,
    key_prefix: str,
    max_bytes: int,
    allowed_types: set[str] | frozenset[str],
    expires: int = 900,
    bucket: str | None = None,
) -> dict[str, Any]:
    """:func:`presign_upload` of the file ``body`` declares (its name, type and size)."""
    return presign_upload(
        key_prefix=key_prefix,
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=max_bytes,
        allowed_types=allowed_types,
        size=body.size,
        expires=expires,
        bucket=bucket,
    )


def _content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    clean = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\/\r\n;').strip() or "berkas"
    ascii_name = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode("ascii") or "berkas"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


def presign_download(
    key: str, *, filename: str | None = None, expires: int = 300, bucket: str | None = None
) -> str:
    """A presigned GET URL; with ``filename`` the browser saves it under that name."""
    if not 1 <= expires <= _MAX_EXPIRES:
        raise ValueError("expires must be 1..604800 seconds")
    params: dict[str, Any] = {"Bucket": _bucket(bucket), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = _content_disposition(filename)
    return s3_client().generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


def put_bytes(key: str, data: bytes, content_type: str, *, bucket: str | None = None) -> None:
    """Store ``data`` under ``key`` (server-generated documents: slips, spreadsheets)."""
    s3_client().put_object(Bucket=_bucket(bucket), Key=key, Body=data, ContentType=content_type)


def get_bytes(key: str, *, bucket: str | None = None) -> bytes:
    """The object's bytes; ``NotFound`` when it does not exist."""
    try:
        response = s3_client().get_object(Bucket=_bucket(bucket), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
            raise NotFound("Dokumen tidak ditemukan.", details={"key": key}) from exc
        raise
    return response["Body"].read()


def exists(key: str, *, bucket: str | None = None) -> bool:
    """Whether the object exists (``HEAD``)."""
    try:
        s3_client().head_object(Bucket=_bucket(bucket), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True
