"""Permits: issue (number, KMS signature, QR), revoke, public verification, the PDF.

The signature is made by the region's asymmetric KMS key (ECC_NIST_P256, ``ECDSA_SHA_256``) over
the canonical payload of :func:`replika.perizinan.rules.permit.signed_fields`; verification is
local with the public key (read once per runtime with ``kms:GetPublicKey``), the same check
anyone can do offline with the key published at ``/perizinan/public/key``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import runtime
from replika.core.auth import Principal, Role
from replika.core.errors import Forbidden, NotFound
from replika.core.runtime import require
from replika.perizinan import keys, store
from replika.perizinan.models import DownloadOut, KeyOut, PermitOut, VerifyOut
from replika.perizinan.rules import permit as rules
from replika.perizinan.rules.workflow import Action, Caller, Status, next_status
from replika.perizinan.service.common import app_item, now_iso, policy, random_code, stream, today
from replika.perizinan.tables import PerizinanItem

ALGORITHM = "ECDSA_SHA_256"
_public_key: dict[str, bytes] = {}


@runtime.on_reset
def _forget_key() -> None:
    _public_key.clear()


def _key_arn() -> str:
    return require(runtime.current().settings.permit_signing_key_arn, "PERMIT_SIGNING_KEY_ARN")


def sign(payload: bytes) -> bytes:
    kms = runtime.current().client("kms")
    out = kms.sign(KeyId=_key_arn(), Message=payload, MessageType="RAW", SigningAlgorithm=ALGORITHM)
    return bytes(out["Signature"])


def public_key_der() -> bytes:
    arn = _key_arn()
    if arn not in _public_key:
        _public_key[arn] = bytes(runtime.current().client("kms").get_public_key(KeyId=arn)["PublicKey"])
    return _public_key[arn]


def verify_signature(payload: bytes, signature: bytes, der: bytes | None = None) -> bool:
    """The offline check: ECDSA P-256 / SHA-256 with the public key (DER SubjectPublicKeyInfo)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(der if der is not None else public_key_der())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def public_key() -> KeyOut:
    return KeyOut(
        algorithm=ALGORITHM,
        pem=rules.public_key_pem(public_key_der()),
        verify_url_base=policy().verify_url_base,
        timezone=runtime.current().region.timezone,
    )


def new_permit(data: dict[str, Any], *, registration: bool, on: date) -> PerizinanItem:
    """A signed permit (or registration certificate) for the application ``data``."""
    pol = policy()
    business = data["business"]
    fmt = pol.registration_number_format if registration else pol.permit_number_format
    prefix = "REG" if registration else "SK"
    seq = store.next_seq(prefix, data["type_code"], business["kecamatan"], on.isoformat())
    number = rules.format_number(
        fmt, type_code=data["type_code"], kecamatan=business["kecamatan"], on=on, seq=seq
    )
    code = random_code(16)
    official = data.get("official") or {
        "name": pol.official_name,
        "nip": pol.official_nip,
        "plt": pol.official_plt,
    }
    until = rules.valid_until(on, int(data.get("validity_months") or 0))
    fields = rules.signed_fields(
        number=number,
        verify_code=code,
        type_code=data["type_code"],
        type_name=data["type_name"],
        holder=data.get("holder_name") or business["name"],
        business=business["name"],
        kecamatan=business["kecamatan"],
        valid_from=on,
        valid_until=until,
        official_name=official["name"],
        official_nip=official["nip"],
        official_plt=bool(official["plt"]),
        address=business.get("address"),
        kbli=business.get("kbli"),
        nib=data.get("nib"),
        registration=registration,
        fiktif_positif=bool(data.get("fiktif_positif")),
    )
    payload = rules.canonical(fields)
    signature = sign(payload)
    body = {
        "number": number,
        "application": data["number"],
        "owner": data["owner"],
        "type_code": data["type_code"],
        "type_name": data["type_name"],
        "fields": fields,
        "payload": rules.b64u(payload),
        "signature": rules.b64u(signature),
        "qr": rules.qr_text(pol.verify_url_base, code, payload, signature),
        "fiktif_positif": bool(data.get("fiktif_positif")),
        "registration": registration,
        "address": business.get("address"),
        "kbli": business.get("kbli"),
    }
    return PerizinanItem(
        keys.permit_pk(number),
        keys.PERMIT,
        kind="permit",
        version=1,
        status="issued",
        number=number,
        owner=data["owner"],
        created_at=now_iso(),
        revoked=False,
        data=body,
    )


def add_permit(tx: TransactWrite, item: PerizinanItem) -> None:
    body = item.data or {}
    store.save_new(tx, item)
    pointer = PerizinanItem(
        keys.code_pk(body["fields"]["code"]), keys.PERMIT, kind="code", number=item.number
    )
    store.save_new(tx, pointer)


def _valid_until(body: dict[str, Any]) -> date | None:
    until = body["fields"].get("until")
    return date.fromisoformat(until) if until else None


def permit_view(item: PerizinanItem) -> PermitOut:
    body = item.data or {}
    f = body["fields"]
    return PermitOut(
        number=body["number"],
        application=body["application"],
        type_code=body["type_code"],
        status=rules.public_status(revoked=bool(item.revoked), valid_until=_valid_until(body), today=today()),
        valid_from=f["from"],
        valid_until=f.get("until"),
        verify_code=f["code"],
        qr=body["qr"],
        official_name=f["official"],
        official_nip=f["nip"],
        official_plt=bool(f["plt"]),
        fiktif_positif=bool(body.get("fiktif_positif")),
        revoked_reason=body.get("revoked_reason"),
    )


def _readable(item: PerizinanItem, principal: Principal) -> None:
    if principal.applicant and item.owner != principal.subject:
        raise NotFound("Izin tidak ditemukan.")  # never confirm another applicant's permit exists
    if not principal.applicant and not principal.has_any({Role.DPMPTSP}):
        raise Forbidden()


def get_permit(number: str, principal: Principal) -> PermitOut:
    item = store.permit(number)
    _readable(item, principal)
    return permit_view(item)


def verify(code: str) -> VerifyOut:
    """Public: status, type and validity dates, with the signature checked; nothing personal."""
    item = store.permit_by_code(code)
    if item is None:
        raise NotFound("Kode verifikasi tidak dikenal.")
    body = item.data or {}
    f = body["fields"]
    ok = verify_signature(rules.b64u_decode(body["payload"]), rules.b64u_decode(body["signature"]))
    return VerifyOut(
        status=rules.public_status(revoked=bool(item.revoked), valid_until=_valid_until(body), today=today()),
        type_code=body["type_code"],
        type_name=body["type_name"],
        valid_from=f["from"],
        valid_until=f.get("until"),
        signature_valid=ok,
    )


def revoke(number: str, reason: str, principal: Principal, request_id: str | None) -> PermitOut:
    from replika.perizinan.service import feed

    item = store.permit(number)
    app = store.application((item.data or {})["application"])
    adata: dict[str, Any] = dict(app.data or {})
    status = Status(adata["status"])
    callers = frozenset({Caller.DPMPTSP}) if principal.has_any({Role.DPMPTSP}) else frozenset()
    target = next_status(status, Action.REVOKE, callers, reason=reason)
    at = now_iso()
    body = {**(item.data or {}), "revoked_reason": reason, "revoked_at": at}
    new = PerizinanItem(
        item.pk,
        item.sk,
        kind="permit",
        version=int(item.version or 0) + 1,
        status="revoked",
        number=item.number,
        owner=item.owner,
        created_at=item.created_at,
        changed_at=at,
        revoked=True,
        data=body,
    )
    adata.update(status=target.value, changed_at=at, reason=reason)
    app_new = app_item(adata, int(app.version or 0) + 1)

    def write(tx: TransactWrite) -> None:
        store.save_versioned(tx, new, int(item.version or 0))
        store.save_versioned(tx, app_new, int(app.version or 0))
        feed.add(tx, adata, int(app_new.version or 0), at, reason)

    store.write(
        stream("permit"),
        write,
        subject=f"perizinan-permit#{number}",
        actor=principal.actor,
        action="permit.revoke",
        before={"status": status.value},
        after={"status": target.value, "reason": reason},
        request_id=request_id,
    )
    return permit_view(new)


def stamp_of(item: PerizinanItem, on: date) -> dict[str, str] | None:
    """What a permit's PDF must show across it when it no longer holds: revoked (date and
    reason) or expired (the last valid day); None while valid."""
    body = item.data or {}
    status = rules.public_status(revoked=bool(item.revoked), valid_until=_valid_until(body), today=on)
    if status == "revoked":
        return {
            "status": status,
            "title": "DICABUT",
            "text": f"Dicabut {str(body.get('revoked_at') or '')[:10]}: {body.get('revoked_reason') or '-'}",
        }
    if status == "expired":
        return {"status": status, "title": "KEDALUWARSA", "text": f"Berlaku s.d. {body['fields']['until']}"}
    return None


def document(number: str, principal: Principal) -> DownloadOut:
    """The permit PDF (rendered on first download, kept in the documents bucket): a link. A
    revoked or expired permit's PDF carries the stamp (its own object: the valid one is never
    served for it)."""
    from replika.core import storage
    from replika.perizinan import documents

    item = store.permit(number)
    _readable(item, principal)
    stamp = stamp_of(item, today())
    key = keys.permit_document_key(number, stamp["status"] if stamp else None)
    if not storage.exists(key):
        storage.put_bytes(key, documents.permit_pdf(item.data or {}, stamp), "application/pdf")
    expires = 300
    return DownloadOut(
        url=storage.presign_download(key, filename=f"{number}.pdf", expires=expires), expires_in=expires
    )
