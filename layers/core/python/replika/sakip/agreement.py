"""Performance agreements (Perjanjian Kinerja, PK): per OPD head (and the head of region for the
region's levels) per year, the targets and indicators agreed, as a PDF; then the signed scan.

``draft`` freezes a snapshot of what is agreed (an OPD's targets with their indicators and year
targets, its programmes with their ceilings; the region's strategic targets) with its sha256, a
verifiable number ``PK/<year>/<owner>/<first 8 hex of the digest>`` and the PDF. A draft may be
drafted again (version + 1) until it is signed. The upload link and ``sign`` are given only while
the draft's digest equals a fresh snapshot's (409 ``agreement_stale``: the cascade changed since
the draft; draft again). ``sign`` records the uploaded signed scan: from
then on a change to the owner's nodes that touches that year is a revision (reason, audit). Only
Bappeda, or the OPD head (the directory's employee of the OPD with no supervisor inside it), signs;
the signature is audited (``sakip/pk``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import audit, storage
from replika.core.audit import canonical_json
from replika.core.auth import Principal, Role
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika.directory.tables import DirectoryItem, emp_key
from replika.sakip import common, documents, keys, store, views
from replika.sakip.models import (
    AgreedIndicator,
    AgreedProgramme,
    AgreedTarget,
    AgreementList,
    AgreementOut,
    AgreementSnapshot,
    LinkOut,
    SignIn,
    UploadIn,
    UploadOut,
)
from replika.sakip.rules.cascade import REGION
from replika.sakip.tables import Agreement

LINK_EXPIRES = 300
SCAN_MAX_BYTES = 20 * 1024 * 1024


def _get(year: int, owner: str) -> Agreement | None:
    return store.item_or_none(Agreement, *keys.agreement_key(year, owner))


def _require(year: int, owner: str) -> Agreement:
    found = _get(year, owner)
    if found is None:
        raise NotFound("Perjanjian kinerja belum dibuat.", details={"year": year, "owner": owner})
    return found


def out(a: Agreement) -> AgreementOut:
    return AgreementOut(
        **store.fields(a, "owner number status digest signed_at signed_by created_at created_by"),
        year=int(a.year),
        snapshot=AgreementSnapshot.model_validate(a.snapshot),
        version=int(a.version or 0),
    )


def opd_head(opd: str) -> DirectoryItem | None:
    """The head of an OPD: an active employee of it whose supervisor is not in it (highest class)."""
    staff = list(DirectoryItem.by_opd.query(opd, DirectoryItem.pk.startswith("EMP#")))
    inside = {e.nip for e in staff}
    heads = [e for e in staff if e.active and (not e.supervisor_nip or e.supervisor_nip not in inside)]
    return max(heads, key=lambda e: (int(e.kelas or 0), e.nip or ""), default=None)


def is_opd_head(p: Principal, opd: str) -> bool:
    if p.nip is None or p.opd != opd:
        return False
    try:
        me = DirectoryItem.get(emp_key(p.nip), "EMP")
    except DirectoryItem.DoesNotExist:
        return False
    if me.opd_code != opd or not me.active:
        return False
    if not me.supervisor_nip:
        return True
    try:
        boss = DirectoryItem.get(emp_key(me.supervisor_nip), "EMP")
    except DirectoryItem.DoesNotExist:
        return True
    return boss.opd_code != opd


def build_snapshot(year: int, owner: str) -> AgreementSnapshot:
    period = common.period_of_year(year)
    key = str(year)
    if owner == REGION:
        targets = store.level_nodes(period.period, "strategic_target")
        programmes: list[AgreedProgramme] = []
        owner_name, head = f"Pemerintah {common.region().name}", None
    else:
        store.require_owner(owner)
        names = store.opd_names([owner])
        nodes = store.owner_nodes(
            period.period, owner, ("opd_target", "programme", "activity", "sub_activity")
        )
        results = views.evaluate_nodes(nodes, [], year)  # budgets roll up from the sub-activities
        targets = [n for n in nodes if n.level == "opd_target"]
        programmes = [
            AgreedProgramme(code=n.code, name=n.name, pagu=results[n.code].pagu)
            for n in nodes
            if n.level == "programme"
        ]
        owner_name, head = names[owner], opd_head(owner)
    if not targets:
        raise Conflict("Belum ada sasaran untuk diperjanjikan.", code="nothing_to_agree")
    agreed = [
        AgreedTarget(
            code=n.code,
            name=n.name,
            indicators=[
                AgreedIndicator(
                    id=i["id"],
                    name=i["name"],
                    unit=i["unit"],
                    target=store.decimal_or_none((i.get("targets") or {}).get(key)),
                )
                for i in n.indicators or []
            ],
        )
        for n in sorted(targets, key=lambda n: (n.order or 0, n.code))
    ]
    return AgreementSnapshot(
        year=year,
        period=period.period,
        owner=owner,
        owner_name=owner_name,
        head_nip=head.nip if head else None,
        head_name=head.name if head else None,
        targets=agreed,
        programmes=sorted(programmes, key=lambda p: p.code),
        total_pagu=sum(p.pagu or 0 for p in programmes),
    )


def digest_of(data: dict[str, Any]) -> str:
    """sha256 of a snapshot's canonical JSON (printed on the PDF, compared when signing)."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def require_current(a: Agreement) -> None:
    """The draft still shows what is agreed: its snapshot's digest equals the digest of a snapshot
    of the cascade as it is now (409 ``agreement_stale``: draft again, then sign)."""
    now = digest_of(build_snapshot(int(a.year), a.owner).model_dump(mode="json"))
    if now != a.digest:
        raise Conflict(
            "Kaskade berubah sejak draf PK disusun: susun ulang draf, lalu tandatangani.",
            code="agreement_stale",
            details={"digest": a.digest, "current_digest": now},
        )


def draft(p: Principal, year: int, owner: str, request_id: str | None) -> AgreementOut:
    common.require_write(p, owner)
    current = _get(year, owner)
    if current is not None and current.status == "signed":
        raise Conflict("Perjanjian kinerja sudah ditandatangani.", code="agreement_signed")
    snap = build_snapshot(year, owner)
    data = snap.model_dump(mode="json")
    digest = digest_of(data)
    number = f"PK/{year}/{owner}/{digest[:8].upper()}"
    pdf_key = f"sakip/pk/{year}/{owner}/{digest[:16]}.pdf"
    storage.put_bytes(
        pdf_key,
        documents.agreement_pdf(snap, number=number, digest=digest, region_name=common.region().name),
        documents.PDF_TYPE,
    )
    item = Agreement(
        *keys.agreement_key(year, owner),
        year=year,
        owner=owner,
        period=snap.period,
        number=number,
        status="draft",
        snapshot=data,
        digest=digest,
        pdf_key=pdf_key,
        created_by=common.actor(p),
        created_at=common.now(),
    )
    if current is not None:
        item.version = int(current.version or 0)
    item.save()
    return out(item)


def get(p: Principal, year: int, owner: str) -> AgreementOut:
    common.require_read(p, owner)
    return out(_require(year, owner))


def list_year(p: Principal, year: int) -> AgreementList:
    items = [a for a in Agreement.query(keys.agreement_pk(year)) if common.can_read(p, a.owner)]
    return AgreementList(items=[out(a) for a in items])


def pdf_link(p: Principal, year: int, owner: str) -> LinkOut:
    common.require_read(p, owner)
    a = _require(year, owner)
    key = a.signed_key or a.pdf_key
    if not key:
        raise NotFound("Dokumen belum tersedia.")
    name = f"PK-{year}-{owner}{'-ditandatangani' if a.signed_key else ''}.pdf"
    return LinkOut(
        url=storage.presign_download(key, filename=name, expires=LINK_EXPIRES),
        expires_in=LINK_EXPIRES,
        filename=name,
    )


def _scan_prefix(year: int, owner: str) -> str:
    return f"sakip/pk-signed/{year}/{owner}"


def signed_upload(p: Principal, year: int, owner: str, body: UploadIn) -> UploadOut:
    _require_signer(p, owner)
    current = _require(year, owner)
    if current.status == "signed":
        raise Conflict("Perjanjian kinerja sudah ditandatangani.", code="agreement_signed")
    require_current(current)
    return UploadOut.model_validate(
        storage.presign_declared(
            body,
            key_prefix=_scan_prefix(year, owner),
            max_bytes=SCAN_MAX_BYTES,
            allowed_types={documents.PDF_TYPE},
        )
    )


def _require_signer(p: Principal, owner: str) -> None:
    if p.has_any((Role.BAPPEDA,)):
        return
    if owner == REGION or not is_opd_head(p, owner):
        raise Forbidden(
            "Hanya kepala OPD (atau Bappeda) yang mengunggah PK bertanda tangan.", details={"owner": owner}
        )


def sign(p: Principal, year: int, owner: str, body: SignIn, request_id: str | None) -> AgreementOut:
    _require_signer(p, owner)
    current = _require(year, owner)
    if current.status == "signed":
        raise Conflict("Perjanjian kinerja sudah ditandatangani.", code="agreement_signed")
    # a node change moves the draft's version too: it answers agreement_stale, which says what to do
    require_current(current)
    if int(current.version or 0) != body.version:
        raise Conflict(details={"version": int(current.version or 0)})
    if not body.key.startswith(_scan_prefix(year, owner) + "/") or ".." in body.key:
        raise BadRequest("Berkas bukan unggahan PK ini.", code="foreign_scan")
    if not storage.exists(body.key):
        raise BadRequest("Pindaian PK bertanda tangan belum diunggah.", code="scan_missing")
    signed = _require(year, owner)
    signed.status = "signed"
    signed.signed_key = body.key
    signed.signed_by = common.actor(p)
    signed.signed_at = common.now()
    signed.version = body.version

    def write(tx: TransactWrite) -> None:
        tx.save(signed, condition=Agreement.status == "draft")
        # no cascade import is switching the period meanwhile (its checks read the signed years)
        store.no_import_check(tx, current.period)

    audit.write_with_audit(
        keys.AUDIT_PK,
        write,
        actor=common.actor(p),
        action="pk.sign",
        subject=f"sakip:pk#{year}#{owner}",
        before={"status": "draft", "number": current.number},
        after={"status": "signed", "number": current.number, "digest": current.digest, "scan": body.key},
        request_id=request_id,
    )
    return out(_require(year, owner))
