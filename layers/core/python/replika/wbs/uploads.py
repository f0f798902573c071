"""WBS evidence use cases: the reporter's upload link and confirmation, the staff's list/download.

Raw uploads land under ``incoming/<report id>/<file id>.<ext>`` (presigned POST, 15 minutes) and
are never handed to anyone. Every path that touches them deletes them, all versions:

* a confirmation cleans the file (``evidence.clean``: images re-encoded from pixels, PDFs
  rewritten without metadata, scripts or attachments), stores it under ``evidence/…`` and deletes
  the raw object;
* a file that cannot be cleaned is a 400 saying why; the raw object is deleted and the record
  marked ``rejected``;
* an upload to a link whose file is already confirmed (or rejected) is deleted at the next
  confirmation call and is never read: the confirm *deletes and marks*;
* whatever no call deletes, the bucket's lifecycle rule on ``incoming/`` expires within a day.

An S3 presigned POST cannot be revoked once issued; AWS would need an S3 event hook to delete a late
upload the moment it arrives, and the local stack (moto) enforces neither POST policies nor such
hooks, so the guarantees above are the ones the code and the lifecycle give.
"""

from __future__ import annotations

import hashlib

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import AppError, Conflict, NotFound
from replika.wbs import evidence, rules, store, trail
from replika.wbs.models import DownloadOut, EvidenceIn, EvidenceOut, EvidencePage, EvidenceUpload
from replika.wbs.reporter import TERMINAL
from replika.wbs.service import REPORTER, actor_of, load_visible
from replika.wbs.tables import WbsItem

MAX_FILES_PER_REPORT = 20
UPLOAD_EXPIRES = 15 * 60
DOWNLOAD_EXPIRES = 5 * 60
INCOMING = "incoming"


def incoming_prefix(report_id: str) -> str:
    return f"{INCOMING}/{report_id}"


def reporter_add_evidence(item: WbsItem, body: EvidenceIn, request_id: str | None) -> EvidenceUpload:
    if item.status in TERMINAL:
        raise Conflict("Laporan sudah selesai; bukti tidak dapat ditambah.", code="report_closed")
    existing = list(WbsItem.query(item.pk, WbsItem.sk.startswith("FILE#"), limit=MAX_FILES_PER_REPORT + 1))
    if len(existing) >= MAX_FILES_PER_REPORT:
        raise Conflict("Jumlah berkas bukti sudah maksimum.", code="too_many_files")
    post = storage.presign_declared(
        body,
        key_prefix=incoming_prefix(item.report_id or ""),
        max_bytes=evidence.MAX_BYTES,
        allowed_types=evidence.ALLOWED_TYPES,
        expires=UPLOAD_EXPIRES,
        bucket=store.bucket(),
    )
    key = str(post["key"])
    file_id = key.rsplit("/", 1)[1].split(".", 1)[0]
    env = store.envelope(item)
    WbsItem(
        item.pk,
        f"FILE#{file_id}",
        kind="FILE",
        report_id=item.report_id,
        file_status="pending",
        s3_key=key,
        content_type=post["content_type"],
        filename=env.seal(f"filename:{file_id}", body.filename),
    ).save(condition=WbsItem.sk.does_not_exist())
    trail.record(
        env, item.report_id or "", REPORTER, "wbs.reporter.evidence.add", request_id, after={"file": file_id}
    )
    return EvidenceUpload(
        file_id=file_id,
        url=str(post["url"]),
        fields={k: str(v) for k, v in post["fields"].items()},
        max_bytes=evidence.MAX_BYTES,
        expires_in=UPLOAD_EXPIRES,
        next_step=f"POST multipart ke url, lalu /reporter/evidence/{file_id}/confirm.",
    )


def _incoming_key(item: WbsItem, row: WbsItem) -> str:
    """Where the raw upload of ``row`` lands (also for a confirmed row, whose s3_key moved on)."""
    file_id = row.sk.removeprefix("FILE#")
    return f"{incoming_prefix(item.report_id or '')}/{file_id}{_ext(row.s3_key or '')}"


def reporter_confirm_evidence(item: WbsItem, file_id: str, request_id: str | None) -> EvidenceOut:
    if not rules.valid_file_id(file_id):
        raise NotFound("Berkas bukti tidak ditemukan.")
    row = store.get(item.pk, f"FILE#{file_id}")
    if row is None or row.s3_key is None:
        raise NotFound("Berkas bukti tidak ditemukan.")
    bucket = store.bucket()
    incoming = _incoming_key(item, row)
    if row.file_status != "pending" or item.status in TERMINAL:
        store.delete_all_versions(bucket, incoming, exact=True)  # a late upload is never kept
        if row.file_status == "ready":
            return _evidence_out(item, row)
        if row.file_status == "pending":  # the report was closed or rejected meanwhile
            row.update(
                actions=[WbsItem.file_status.set("rejected")], condition=WbsItem.file_status == "pending"
            )
            raise Conflict("Laporan sudah selesai; bukti tidak dapat ditambah.", code="report_closed")
        raise Conflict("Berkas ini sudah ditolak; unggah sebagai berkas baru.", code="evidence_rejected")
    try:
        raw = storage.get_bytes(incoming, bucket=bucket)
        cleaned = evidence.clean(raw, row.content_type or "")
    except AppError:
        store.delete_all_versions(bucket, incoming, exact=True)
        row.update(actions=[WbsItem.file_status.set("rejected")], condition=WbsItem.file_status == "pending")
        raise
    except Exception:
        store.delete_all_versions(bucket, incoming, exact=True)  # never leave the original behind
        raise
    final_key = f"evidence/{item.report_id}/{file_id}{_ext(incoming)}"
    storage.put_bytes(final_key, cleaned, row.content_type or "", bucket=bucket)
    store.delete_all_versions(bucket, incoming, exact=True)
    row.update(
        actions=[
            WbsItem.file_status.set("ready"),
            WbsItem.s3_key.set(final_key),
            WbsItem.size.set(len(cleaned)),
            WbsItem.sha256.set(hashlib.sha256(cleaned).hexdigest()),
        ],
        condition=WbsItem.file_status == "pending",
    )
    env = store.envelope(item)
    trail.record(
        env,
        item.report_id or "",
        REPORTER,
        "wbs.reporter.evidence.ready",
        request_id,
        after={"file": file_id},
    )
    return _evidence_out(item, row)


def _ext(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return "." + name.split(".", 1)[1] if "." in name else ""


def _evidence_out(item: WbsItem, row: WbsItem) -> EvidenceOut:
    file_id = row.sk.removeprefix("FILE#")
    assert row.filename is not None
    return EvidenceOut(
        file_id=file_id,
        filename=store.envelope(item).open(f"filename:{file_id}", row.filename),
        content_type=row.content_type or "",
        size=int(row.size) if row.size is not None else None,
        status="ready" if row.file_status == "ready" else "pending",
        sha256=row.sha256,
    )


def list_evidence(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> EvidencePage:
    """Processed (metadata-free) files only: a pending upload is not evidence yet."""
    item = load_visible(p, report_id, "wbs.evidence.list", request_id)
    rows, next_cursor = store.children(item, "FILE#", f"wbs:files:{report_id}", limit, cursor)
    items = [_evidence_out(item, r) for r in rows if r.file_status == "ready"]
    trail.record(store.envelope(item), report_id, actor_of(p), "wbs.evidence.list", request_id)
    return EvidencePage(items=items, next_cursor=next_cursor)


def download_evidence(p: Principal, report_id: str, file_id: str, request_id: str | None) -> DownloadOut:
    item = load_visible(p, report_id, "wbs.evidence.read", request_id)
    row = store.get(item.pk, f"FILE#{file_id}") if rules.valid_file_id(file_id) else None
    if row is None or row.file_status != "ready" or row.s3_key is None or row.filename is None:
        raise NotFound("Berkas bukti tidak ditemukan.")
    env = store.envelope(item)
    name = env.open(f"filename:{file_id}", row.filename)
    url = storage.presign_download(row.s3_key, filename=name, expires=DOWNLOAD_EXPIRES, bucket=store.bucket())
    trail.record(env, report_id, actor_of(p), "wbs.evidence.read", request_id, after={"file": file_id})
    return DownloadOut(url=url, expires_in=DOWNLOAD_EXPIRES, filename=name)
