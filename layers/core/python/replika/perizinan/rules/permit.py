"""Permit numbers, validity, the signed payload and the public status of a permit.

The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of :func:`signed_fields`:
number, type, holder, business, NIB, KBLI, the location (address and kecamatan), validity dates,
whether it is a registration (``SURAT TANDA TERDAFTAR``) or a permit (``SURAT IZIN``), whether it
was issued by fiktif positif, and the official: everything the PDF prints. The QR code carries
the public verify URL with the verify code, the payload (base64url) and the ECDSA P-256 / SHA-256
signature (base64url, DER): anyone with the region's public key (``GET
/perizinan/public/key``) checks the signature offline and compares the payload to the printed
document; a changed field fails.
"""

from __future__ import annotations

import base64
import json
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

PAYLOAD_VERSION = 2
#: the payload versions an offline verifier knows (v1 lacked address, KBLI, NIB and the kind)
KNOWN_PAYLOAD_VERSIONS = frozenset({PAYLOAD_VERSION})


def format_number(fmt: str, *, type_code: str, kecamatan: str, on: date, seq: int) -> str:
    """The region's format, e.g. ``SK-{type}-{kecamatan}-{ddmmyyyy}-{seq:03d}`` ->
    ``SK-SIUP-327309-14082026-007`` (the kecamatan code without dots)."""
    return fmt.format(
        type=type_code,
        kecamatan=kecamatan.replace(".", ""),
        ddmmyyyy=on.strftime("%d%m%Y"),
        yyyymmdd=on.strftime("%Y%m%d"),
        seq=seq,
    )


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def valid_until(issued_on: date, validity_months: int) -> date | None:
    """The last valid day: ``validity_months`` after issue, minus a day (0 = no expiry).
    Issued 31 Jan 2026 for 12 months -> valid to 30 Jan 2027; 29 Feb 2028 + 12 -> 27 Feb 2029."""
    if validity_months <= 0:
        return None
    return add_months(issued_on, validity_months) - timedelta(days=1)


def public_status(*, revoked: bool, valid_until: date | None, today: date) -> str:
    """``revoked`` wins; else ``expired`` after the last valid day; else ``valid``."""
    if revoked:
        return "revoked"
    if valid_until is not None and today > valid_until:
        return "expired"
    return "valid"


def signed_fields(
    *,
    number: str,
    verify_code: str,
    type_code: str,
    type_name: str,
    holder: str,
    business: str,
    kecamatan: str,
    valid_from: date,
    valid_until: date | None,
    official_name: str,
    official_nip: str,
    official_plt: bool,
    address: str | None,
    kbli: str | None,
    nib: str | None,
    registration: bool,
    fiktif_positif: bool,
) -> dict[str, Any]:
    return {
        "v": PAYLOAD_VERSION,
        "no": number,
        "code": verify_code,
        "type": type_code,
        "type_name": type_name,
        "holder": holder,
        "business": business,
        "kec": kecamatan,
        "from": valid_from.isoformat(),
        "until": valid_until.isoformat() if valid_until else None,
        "official": official_name,
        "nip": official_nip,
        "plt": official_plt,
        "address": address,
        "kbli": kbli,
        "nib": nib,
        "reg": registration,
        "fp": fiktif_positif,
    }


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def qr_text(verify_url_base: str, verify_code: str, payload: bytes, signature: bytes) -> str:
    """What the QR code encodes: ``<base><code>?d=<payload>&s=<signature>``."""
    return f"{verify_url_base}{verify_code}?d={b64u(payload)}&s={b64u(signature)}"


def public_key_pem(der: bytes) -> str:
    """A DER SubjectPublicKeyInfo (KMS GetPublicKey) as PEM."""
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
