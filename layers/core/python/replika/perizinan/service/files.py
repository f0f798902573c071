"""Files of an application: the applicant's required documents and the technical team's site
visit (report, photos, the signed berita acara scan).

Uploads go straight to the documents bucket with a presigned POST (:mod:`replika.core.storage`,
as every other upload): the server picks the key and records it; nothing is accepted until a
HEAD finds the object.

- Documents: an applicant uploads each document code once into their own library
  (``APPLICANT#<sub>`` / ``DOC#<code>``: the latest upload wins) and an application attaches the
  codes it lists: at submission (and resubmission) every required code of the type's version must
  be listed, recorded and present in the bucket, or nothing is saved (``documents_missing`` with
  the missing codes). The application keeps the keys it was submitted with.
- Site visit: at a technical stage its holder records the report and uploads photos; a stage the
  catalogue marks ``site_visit`` passes forward only with the report and at least one photo in
  the bucket. Staff read them (with presigned GET links); the applicant's view and the public
  pages never carry them.
"""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import AppError, Conflict, ValidationFailed
from replika.perizinan import keys, store
from replika.perizinan.models import (
    MAX_UPLOAD_BYTES,
    DocumentUploadIn,
    FileLink,
    FilesOut,
    UploadIn,
    UploadOut,
    VisitIn,
    VisitOut,
    VisitPhotoIn,
)
from replika.perizinan.rules import forms
from replika.perizinan.rules import stages as stage_rules
from replika.perizinan.rules.workflow import Caller, Status
from replika.perizinan.service.common import (
    app_item,
    current_stage,
    now_iso,
    save_applicant_item,
    stream,
    visits_view,
)
from replika.perizinan.tables import PerizinanItem

Data = dict[str, Any]
PDF_OR_IMAGE = frozenset({"application/pdf", "image/jpeg", "image/png"})
MAX_PHOTOS = 20
LINK_SECONDS = 300


def _presign(prefix: str, body: UploadIn) -> dict[str, Any]:
    return storage.presign_declared(
        body, key_prefix=prefix, max_bytes=MAX_UPLOAD_BYTES, allowed_types=PDF_OR_IMAGE
    )


def _upload_out(post: dict[str, Any]) -> UploadOut:
    return UploadOut.model_validate(post)


# -- the applicant's documents -------------------------------------------------------------------


def upload_document(body: DocumentUploadIn, principal: Principal, request_id: str | None) -> UploadOut:
    """A presigned POST for one document code; the key is recorded as the applicant's latest."""
    post = _presign(keys.upload_prefix(subject=principal.subject, code=body.code), body)
    item = store.document_item(principal.subject, body.code, post["key"], now_iso())
    save_applicant_item(item, principal, "applicant.document", {"document": body.code}, request_id)
    return _upload_out(post)


def attach(required: list[str], listed: list[str], subject: str) -> dict[str, str]:
    """``code -> key`` of the listed documents the applicant uploaded (HEAD-checked); refuses
    (400 ``documents_missing``, the missing codes) when a required one is not listed or not there."""
    keys_by_code: dict[str, str] = {}
    for code in dict.fromkeys(listed):
        found = store.document(subject, code)
        key = (found.data or {}).get("key") if found is not None else None
        if key and storage.exists(key):
            keys_by_code[code] = key
    missing = forms.missing_documents(required, keys_by_code)
    _refuse_missing(
        missing, ValidationFailed, "Dokumen wajib belum lengkap atau belum diunggah.", "documents_missing"
    )
    return keys_by_code


def _refuse_missing(missing: list[str], error: type[AppError], message: str, code: str) -> None:
    if missing:
        raise error(message, code=code, details={"missing": missing})


# -- the site visit ------------------------------------------------------------------------------


def _visit_stage(data: Data, callers: frozenset[Caller]) -> Data:
    """The current stage, if it is a technical stage its caller holds; else 409 / 403."""
    from replika.core.errors import Forbidden

    stage = current_stage(data)
    if data["status"] != Status.IN_REVIEW.value or stage is None or not stage_rules.may_record_visit(stage):
        raise Conflict(
            "Laporan kunjungan lapangan hanya pada tahap teknis yang sedang berjalan.", code="not_visit_stage"
        )
    if Caller.STAGE not in callers:
        raise Forbidden("Anda tidak memegang tahap ini.")
    return stage


def _save_visit(
    item: PerizinanItem, data: Data, action: str, principal: Principal, request_id: str | None, note: Any
) -> None:
    new = app_item(data, int(item.version or 0) + 1)

    def write(tx: TransactWrite) -> None:
        store.save_versioned(tx, new, int(item.version or 0))

    store.write(
        stream(f"application/{data['type_code']}"),
        write,
        actor=principal.actor,
        action=f"application.{action}",
        subject=f"perizinan-application#{data['number']}",
        after=note,
        request_id=request_id,
    )


def _visit_of(item: PerizinanItem, callers: frozenset[Caller]) -> tuple[Data, Data, Data]:
    """(a copy of the application, its current stage, that stage's visit record in the copy)."""
    data: Data = dict(item.data or {})
    stage = _visit_stage(data, callers)
    data["visits"] = {k: dict(v) for k, v in (data.get("visits") or {}).items()}
    return data, stage, data["visits"].setdefault(stage["code"], {"photos": []})


def record_visit(
    item: PerizinanItem,
    callers: frozenset[Caller],
    body: VisitIn,
    principal: Principal,
    request_id: str | None,
) -> VisitOut:
    data, stage, visit = _visit_of(item, callers)
    visit["report"] = {**body.model_dump(mode="json"), "by": principal.actor, "at": now_iso()}
    data["changed_at"] = now_iso()
    _save_visit(item, data, "visit_report", principal, request_id, {"stage": stage["code"]})
    return next(v for v in visits_view(data) if v.stage == stage["code"])


def upload_visit_photo(
    item: PerizinanItem,
    callers: frozenset[Caller],
    body: VisitPhotoIn,
    principal: Principal,
    request_id: str | None,
) -> UploadOut:
    data, stage, visit = _visit_of(item, callers)
    if len(visit.get("photos") or []) >= MAX_PHOTOS:
        raise Conflict(f"Paling banyak {MAX_PHOTOS} berkas kunjungan per tahap.", code="too_many_photos")
    post = _presign(keys.upload_prefix(number=data["number"], stage=stage["code"]), body)
    visit["photos"] = [*(visit.get("photos") or []), {"kind": body.kind, "key": post["key"], "at": now_iso()}]
    data["changed_at"] = now_iso()
    _save_visit(item, data, "visit_photo", principal, request_id, {"stage": stage["code"], "kind": body.kind})
    return _upload_out(post)


def check_visit(data: Data, stage: Data) -> None:
    """A site-visit stage passes forward only with its report and a photo in the bucket (409)."""
    if not stage_rules.needs_visit(stage):
        return
    visit = (data.get("visits") or {}).get(stage["code"])
    photos = [p for p in (visit or {}).get("photos") or [] if p["kind"] == "foto"]
    present = next((1 for p in photos if storage.exists(p["key"])), 0)
    missing = stage_rules.visit_missing(visit, present)
    message = "Tahap kunjungan lapangan memerlukan laporan dan sedikitnya satu foto."
    _refuse_missing(missing, Conflict, message, "visit_incomplete")


# -- staff links ---------------------------------------------------------------------------------


def links(data: Data) -> FilesOut:
    """Presigned GET links to the attached documents and the visit files (staff)."""
    documents = [
        FileLink(code=code, url=storage.presign_download(key, expires=LINK_SECONDS))
        for code, key in sorted((data.get("document_keys") or {}).items())
    ]
    photos = [
        FileLink(code=f"{stage}/{p['kind']}", url=storage.presign_download(p["key"], expires=LINK_SECONDS))
        for stage, visit in (data.get("visits") or {}).items()
        for p in visit.get("photos") or []
    ]
    return FilesOut(documents=documents, visit_photos=photos, expires_in=LINK_SECONDS)
