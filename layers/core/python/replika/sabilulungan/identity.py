"""Keyed digests of identifiers (NIK, NPWP, legal-body number, bank account): HMAC-SHA256 under the
region's Sabilulungan secret (Secrets Manager, ``SABILULUNGAN_SECRET_ARN``), one sub-key per kind
so a digest of one kind never equals another's. The table stores only these digests for matching;
a NIK is never stored, logged or returned. A bank account's digest is of its number alone (the
bank's name, written "BJB" or "Bank BJB", is not part of it). Also the initials the public sees
of an individual."""

from __future__ import annotations

import hashlib
import hmac
import threading

from replika.core import runtime
from replika.core.runtime import require
from replika.sabilulungan.rules.matcher import fold, identifier_text

_lock = threading.Lock()
_secret: dict[str, bytes] = {}


@runtime.on_reset
def reset() -> None:
    with _lock:
        _secret.clear()


def _key() -> bytes:
    rt = runtime.current()
    arn = require(rt.settings.sabilulungan_secret_arn, "SABILULUNGAN_SECRET_ARN")
    with _lock:
        if arn not in _secret:
            value = rt.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            _secret[arn] = hashlib.sha256(value.encode("utf-8")).digest()
        return _secret[arn]


def digest(kind: str, value: str | None) -> str | None:
    """``digest("nik", "3273…")`` -> 64 hex characters (``None`` for an empty value)."""
    text = identifier_text(value or "")
    if not text:
        return None
    sub_key = hmac.new(_key(), f"sabilulungan/{kind}".encode(), hashlib.sha256).digest()
    return hmac.new(sub_key, text.encode("ascii"), hashlib.sha256).hexdigest()


def initials(name: str) -> str:
    """``"Siti Nurhaliza binti Ahmad"`` -> ``"S. N. B. A."`` (ASCII-folded)."""
    return " ".join(f"{w[0].upper()}." for w in fold(name).split() if w[:1].isalnum())
