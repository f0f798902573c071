"""`replika permit-verify`: check a Hayu permit's QR code offline, with the region's published
public key only (no network, no AWS): the QR text carries the permit's fields (``d``) and the KMS
signature over them (``s``, ECDSA P-256 / SHA-256); any changed field fails. Exit 0 valid, 1 not.

    curl -s <gateway>/perizinan/public/key -o hayu-key.json    # once: {"pem", "verify_url_base", ...}
    replika permit-verify --key hayu-key.json --qr '<the qr text of the permit>'

The QR must point at the region's own verify URL (``verify_url_base`` of the key file, or
``--verify-url-base`` with a bare ``.pem``), its path code must be the signed code, and the
payload version one this verifier knows. A permit whose last valid day is before today (the
region's date) prints EXPIRED and exits 1. Whether it was since revoked is the online answer
(``/public/verify/<code>``).
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from replika.perizinan.rules.permit import KNOWN_PAYLOAD_VERSIONS, b64u_decode

DEFAULT_TIMEZONE = "Asia/Jakarta"


def verify_qr(qr: str, pem: bytes, verify_url_base: str) -> tuple[bool, dict[str, Any]]:
    """(signature valid, the signed fields) of a permit's QR text. Raises ValueError when the
    text is not a QR code of this region (another site, a code the payload does not sign, an
    unknown payload version, a payload that is not a JSON object)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if not verify_url_base:
        raise ValueError("the region's verify URL is unknown (key file without verify_url_base)")
    text = qr.strip()
    url, _, _ = text.partition("?")
    if not url.startswith(verify_url_base):
        raise ValueError(f"the QR code does not point at the region's verify URL {verify_url_base}")
    path_code = url[len(verify_url_base) :]
    query = parse_qs(urlsplit(text).query)
    payload, signature = b64u_decode(query["d"][0]), b64u_decode(query["s"][0])
    fields = json.loads(payload)
    if not isinstance(fields, dict):
        raise ValueError("the payload is not a JSON object")
    if fields.get("v") not in KNOWN_PAYLOAD_VERSIONS:
        raise ValueError(f"unknown payload version {fields.get('v')!r}")
    if not path_code or path_code != fields.get("code"):
        raise ValueError("the verify code in the URL is not the signed code")
    key = load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False, fields
    try:
        key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False, fields
    return True, fields


def is_expired(fields: dict[str, Any], today: date) -> bool:
    """Past the last valid day (``until``; none = no expiry)."""
    until = fields.get("until")
    return bool(until) and date.fromisoformat(str(until)) < today


def region_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def _read_key(path: Path) -> tuple[bytes, str | None, str]:
    """(PEM, verify URL base, time zone) from the saved ``/public/key`` answer or a bare PEM."""
    raw = path.read_bytes()
    if not raw.lstrip().startswith(b"{"):
        return raw, None, DEFAULT_TIMEZONE
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError("the key file is not a JSON object")
    return str(doc["pem"]).encode(), doc.get("verify_url_base"), str(doc.get("timezone") or DEFAULT_TIMEZONE)


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        pem, base, timezone = _read_key(Path(args.key))
        base = getattr(args, "verify_url_base", None) or base
        if getattr(args, "timezone", None):
            timezone = args.timezone
        ok, fields = verify_qr(args.qr, pem, base or "")
        expired = is_expired(fields, region_today(timezone))
    except (KeyError, ValueError, IndexError) as exc:
        print(f"not a permit QR code of this region: {exc}")
        return 1
    for name, value in fields.items():
        print(f"  {name:10s} {value}")
    print("signature: valid (signed by the region's permit key)" if ok else "signature: INVALID")
    if ok and expired:
        print(f"EXPIRED: the permit was valid until {fields.get('until')}")
    return 0 if ok and not expired else 1


def register(sub: Any) -> None:
    p = sub.add_parser("permit-verify", help="verify a permit's QR code offline with the public key (PEM)")
    p.add_argument("--qr", required=True, help="the text the QR code encodes")
    p.add_argument(
        "--key",
        required=True,
        type=Path,
        help="the region's public key: the saved /perizinan/public/key answer (JSON), or a PEM",
    )
    p.add_argument(
        "--verify-url-base", default=None, help="the region's verify URL (needed with a bare PEM key)"
    )
    p.add_argument("--timezone", default=None, help="the region's time zone (default: the key file's)")
    p.set_defaults(func=cmd_verify)
