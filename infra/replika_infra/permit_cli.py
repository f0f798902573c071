"""`replika permit-verify`: check a Hayu permit's QR code offline, with the region's published
public key only (no network, no AWS): the QR text carries the permit's fields (``d``) and the KMS
signature over them (``s``, ECDSA P-256 / SHA-256); any changed field fails. Exit 0 valid, 1 not.

    curl -s <gateway>/perizinan/public/key -o hayu-key.json    # once: {"pem": "..."}, or a .pem
    replika permit-verify --key hayu-key.json --qr '<the qr text of the permit>'

Whether the permit was since revoked or has expired is the online answer (``/public/verify/<code>``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from replika.perizinan.rules.permit import b64u_decode


def verify_qr(qr: str, pem: bytes) -> tuple[bool, dict[str, Any]]:
    """(signature valid, the signed fields) of a permit's QR text."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    query = parse_qs(urlsplit(qr.strip()).query)
    payload, signature = b64u_decode(query["d"][0]), b64u_decode(query["s"][0])
    fields: dict[str, Any] = json.loads(payload)
    key = load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False, fields
    try:
        key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False, fields
    return True, fields


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        raw = Path(args.key).read_bytes()
        pem = json.loads(raw)["pem"].encode() if raw.lstrip().startswith(b"{") else raw
        ok, fields = verify_qr(args.qr, pem)
    except (KeyError, ValueError) as exc:
        print(f"not a permit QR code: {exc}")
        return 1
    for name, value in fields.items():
        print(f"  {name:10s} {value}")
    print("signature: valid (signed by the region's permit key)" if ok else "signature: INVALID")
    return 0 if ok else 1


def register(sub: Any) -> None:
    p = sub.add_parser("permit-verify", help="verify a permit's QR code offline with the public key (PEM)")
    p.add_argument("--qr", required=True, help="the text the QR code encodes")
    p.add_argument(
        "--key", required=True, type=Path, help="the region's public key, PEM (/perizinan/public/key)"
    )
    p.set_defaults(func=cmd_verify)
