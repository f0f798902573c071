"""WBS use cases: load -> rules -> conditional write -> audit.

Reporter side (no account): file a report, exchange the receipt for a 15-minute token, read status
and messages, reply, add evidence. Inspektorat side: list/triage, read, assign, move the status,
internal notes, messages, evidence downloads, audit trail, retention. Every read and every action
appends to the ``wbs`` audit stream with subject ``wbs#<report id>``; the reporter's actor is the
constant ``"reporter"`` — there is nothing else to record about them.

Receipt guessing (there is no client identity to key on, by design): every failed exchange adds
one to two sliding-window counters (15 minutes, TTL items): the **bucket** of the guessed code
(first 3 hex digits of its hash: 4,096 buckets) and the **global** counter of the region. A bucket
with ``max_receipt_attempts`` failures answers 429 for every code in it, right or wrong, until the
window slides; the global counter stops all exchanges at :data:`GLOBAL_FAILURE_LIMIT`. Repeating one
wrong code therefore locks quickly; spraying random codes is bounded by the global limit: 200 per
15 minutes is ~7 million guesses a year against a space of 10^16 — with 10,000 live reports one
hit expected every ~140,000 years. The price is that a flood of wrong codes makes everyone wait
for the window (429 with ``Retry-After``); API Gateway throttling on the route caps the flood.
Every exchange hashes (scrypt) and reads the same items whether the code exists or not, and is
padded to :data:`MIN_EXCHANGE_SECONDS`, so timing does not tell a live code from a dead one.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.transactions import TransactWrite

from replika.core import audit, observability, storage
from replika.core.auth import Principal, Role
from replika.core.calendar import parse_utc_iso
from replika.core.config import RegionConfig, WbsPolicy, current_region
from replika.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.settings import get_settings
from replika.wbs import crypto, evidence, rules
from replika.wbs.models import (
    AuditPage,
    DownloadOut,
    DueItem,
    DuePage,
    EvidenceIn,
    EvidenceOut,
    EvidencePage,
    EvidenceUpload,
    MessageOut,
    MessagePage,
    NoteOut,
    NotePage,
    PurgeResult,
    ReportContent,
    ReportCreated,
    ReportDetail,
    ReporterView,
    ReportIn,
    ReportPage,
    ReportQuery,
    ReportSummary,
    SessionOut,
    StatsCount,
    StatsOut,
    TransitionIn,
)
from replika.wbs.rules import Status
from replika.wbs.tables import (
    REPORT,
    WbsItem,
    assignee_pk,
    receipt_pk,
    report_pk,
    stats_pk,
    status_pk,
    throttle_pk,
)

AUDIT_STREAM = "wbs"
REPORTER = "reporter"
SYSTEM_RETENTION = "system:retention"
MIN_EXCHANGE_SECONDS = 0.35
THROTTLE_WINDOW = 15 * 60
BUCKET_HEX = 3
GLOBAL_BUCKET = "global"
GLOBAL_FAILURE_LIMIT = 200
MAX_FILES_PER_REPORT = 20
UPLOAD_EXPIRES = 15 * 60
DOWNLOAD_EXPIRES = 5 * 60
_DUMMY_RECEIPT = "0" * rules.RECEIPT_DIGITS

log = observability.get_logger("wbs")


# -- helpers ------------------------------------------------------------------------------------


def region() -> RegionConfig:
    return current_region()


def region_timezone(default: str = "Asia/Jakarta") -> str:
    """The region's zone; ``default`` when no region config can be read (``chalice package`` runs
    with placeholder settings)."""
    try:
        return region().timezone
    except (OSError, ValueError):
        return default


def policy() -> WbsPolicy:
    return region().wbs


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _actor(p: Principal) -> str:
    roles = ",".join(sorted(r.value for r in p.roles))
    return f"sub:{p.subject}|nip:{p.nip or '-'}|{roles}"


def _subject(report_id: str) -> str:
    return f"wbs#{report_id}"


def _audit(
    actor: str,
    action: str,
    report_id: str,
    request_id: str | None,
    before: Any = None,
    after: Any = None,
) -> None:
    audit.append(
        AUDIT_STREAM,
        actor=actor,
        action=action,
        subject=_subject(report_id),
        before=before,
        after=after,
        request_id=request_id,
    )


def _get(pk: str, sk: str) -> WbsItem | None:
    try:
        return WbsItem.get(pk, sk, consistent_read=True)
    except WbsItem.DoesNotExist:
        return None


def _report(report_id: str) -> WbsItem | None:
    return _get(report_pk(report_id), REPORT)


def _envelope(item: WbsItem) -> crypto.Envelope:
    assert item.data_key is not None and item.report_id is not None
    return crypto.open_envelope(item.report_id, item.data_key)


def _bucket() -> str:
    name = get_settings().wbs_bucket
    if not name:
        raise RuntimeError("WBS_BUCKET is not set: is WBS enabled in this region's stack?")
    return name


def _stats_update(tx: TransactWrite, year: int, category: str, status: str, delta: int) -> None:
    tx.update(
        WbsItem(stats_pk(year), f"{category}#{status}"),
        actions=[WbsItem.tally.add(delta), WbsItem.kind.set("STATS")],
    )


def _summary(item: WbsItem) -> ReportSummary:
    return ReportSummary(
        id=item.report_id or "",
        status=Status(item.status),
        category=item.category or "",
        year=int(item.year or 0),
        created_at=item.created_at or "",
        changed_at=item.changed_at or "",
        assignee_nip=item.assignee_nip,
    )


# -- reporter: file a report --------------------------------------------------------------------


def create_report(body: ReportIn, request_id: str | None) -> ReportCreated:
    pol = policy()
    if body.category not in pol.categories:
        raise ValidationFailed(
            "Kategori tidak dikenal.",
            details={"fields": [{"field": "category", "message": "unknown", "allowed": pol.categories}]},
        )
    report_id = uuid.uuid4().hex
    receipt = crypto.new_receipt()
    rhash = crypto.receipt_hash(receipt)
    envelope = crypto.new_envelope(report_id)
    now = _now()
    created = _iso(now)
    year = now.astimezone(ZoneInfo(region().timezone)).year
    content = body.model_dump(mode="json", exclude={"category"})
    reported_opd = _reported_opd(body.who.nip, body.who.opd)

    def write(tx: TransactWrite) -> None:
        report = WbsItem(
            report_pk(report_id),
            REPORT,
            kind=REPORT,
            report_id=report_id,
            status=Status.RECEIVED.value,
            category=body.category,
            year=year,
            created_at=created,
            changed_at=created,
            version=1,
            gsi1pk=status_pk(Status.RECEIVED),
            gsi1sk=f"{created}#{report_id}",
            reported_nip_mac=crypto.mac(body.who.nip),
            reported_opd_mac=crypto.mac(reported_opd),
            data_key=envelope.encrypted_key,
            content=envelope.seal_json("content", content),
            receipt_key=rhash,
        )
        tx.save(report, condition=WbsItem.pk.does_not_exist())
        link = WbsItem(receipt_pk(rhash), "RECEIPT", kind="RECEIPT", report_id=report_id)
        tx.save(link, condition=WbsItem.pk.does_not_exist())
        _stats_update(tx, year, body.category, Status.RECEIVED.value, 1)

    audit.write_with_audit(
        AUDIT_STREAM,
        write,
        actor=REPORTER,
        action="wbs.report.create",
        subject=_subject(report_id),
        after={"status": Status.RECEIVED.value, "category": body.category},
        request_id=request_id,
    )
    _notify(report_id)
    return ReportCreated(
        receipt=rules.format_receipt(receipt),
        token=crypto.sign_token(report_id),
        expires_in=crypto.TOKEN_TTL_SECONDS,
        notice=(
            "Simpan kode resi ini: hanya ditampilkan sekali dan menjadi satu-satunya kunci untuk "
            "mengikuti laporan Anda. Kami tidak menyimpan identitas atau alamat jaringan Anda."
        ),
    )


def _reported_opd(nip: str | None, given: str | None) -> str | None:
    """The OPD the same-OPD rule compares with: the directory's, when the reported NIP is an
    employee there (the reporter may omit the OPD or name another), else the one given."""
    from replika.directory.service import find_employee

    employee = find_employee(nip) if nip else None
    return employee.opd_code if employee is not None and employee.opd_code else given


def _notify(report_id: str) -> None:
    """Tell the Inspektorat a report arrived: the id only, never content."""
    topic = get_settings().wbs_topic_arn
    if not topic:
        return
    try:
        crypto.client("sns").publish(
            TopicArn=topic,
            Subject="WBS: laporan baru",
            Message=f'{{"event":"wbs.report.received","report_id":"{report_id}"}}',
        )
    except (ClientError, BotoCoreError):
        log.warning("wbs notification failed")  # the report is stored; the list shows it anyway


# -- reporter: receipt -> token -----------------------------------------------------------------


def _window_counts(bucket: str, now: int) -> tuple[int, int]:
    start = rules.window_start(now, THROTTLE_WINDOW)
    keys = [(throttle_pk(bucket), f"W#{start}"), (throttle_pk(bucket), f"W#{start - THROTTLE_WINDOW}")]
    found = {i.sk: int(i.tally or 0) for i in WbsItem.batch_get(keys)}
    return found.get(keys[0][1], 0), found.get(keys[1][1], 0)


def _count(bucket: str, now: int, delta: int) -> int:
    """Add ``delta`` to the bucket's current window atomically; the window's new tally."""
    start = rules.window_start(now, THROTTLE_WINDOW)
    item = WbsItem(throttle_pk(bucket), f"W#{start}")
    item.update(
        actions=[
            WbsItem.tally.add(delta),
            WbsItem.kind.set("THROTTLE"),
            WbsItem.expires_at.set(datetime.fromtimestamp(start + 3 * THROTTLE_WINDOW, UTC)),
        ]
    )
    return int(item.tally or 0)


def _reserve(bucket: str, limit: int, now: int) -> bool:
    """Count this attempt *before* deciding (one atomic ADD), so guesses in flight together cannot
    all pass the check; True when the attempts before this one already reached ``limit``."""
    current = _count(bucket, now, 1)
    _, previous = _window_counts(bucket, now)
    return rules.sliding_count(current - 1, previous, now, THROTTLE_WINDOW) >= limit


def exchange_receipt(receipt: str, request_id: str | None) -> SessionOut:
    """A 15-minute token for the report behind ``receipt`` (401 for an unknown code, 429 while
    its bucket or the region is locked). Same work and at least the same time on every path."""
    started = time.monotonic()
    try:
        digits = rules.normalise_receipt(receipt)
        rhash = crypto.receipt_hash(digits or _DUMMY_RECEIPT)
        bucket = rhash[:BUCKET_HEX]
        now = int(time.time())
        locked = _reserve(bucket, policy().max_receipt_attempts, now)
        locked = _reserve(GLOBAL_BUCKET, GLOBAL_FAILURE_LIMIT, now) or locked
        link = _get(receipt_pk(rhash), "RECEIPT")
        if locked:
            retry = THROTTLE_WINDOW - (now - rules.window_start(now, THROTTLE_WINDOW))
            raise TooManyRequests(
                "Terlalu banyak kode resi yang salah; coba lagi nanti.",
                code="receipt_locked",
                retry_after=retry,
            )
        if digits is None or link is None or link.report_id is None:
            raise Unauthorized("Kode resi tidak dikenal.", code="invalid_receipt")  # stays counted
        for b in (bucket, GLOBAL_BUCKET):  # a right receipt is not a failed attempt
            _count(b, now, -1)
        _audit(REPORTER, "wbs.reporter.session", link.report_id, request_id)
        return SessionOut(token=crypto.sign_token(link.report_id), expires_in=crypto.TOKEN_TTL_SECONDS)
    finally:
        rest = MIN_EXCHANGE_SECONDS - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


def reporter_report(token: str | None) -> WbsItem:
    """The report a reporter token is scoped to (401 when the token is bad or the report purged)."""
    report_id = crypto.verify_token(token)
    item = _report(report_id)
    if item is None:
        raise Unauthorized("Sesi pelapor tidak sah atau kedaluwarsa; masukkan kode resi lagi.")
    return item


def reporter_view(item: WbsItem, request_id: str | None) -> ReporterView:
    reason = _envelope(item).open("reason", item.reason) if item.reason else None
    _audit(REPORTER, "wbs.reporter.read", item.report_id or "", request_id)
    return ReporterView(
        status=Status(item.status),
        category=item.category or "",
        created_at=item.created_at or "",
        changed_at=item.changed_at or "",
        forwarded_to=rules.ForwardTarget(item.forwarded_to) if item.forwarded_to else None,
        forwarded_at=item.forwarded_at,
        rejection_reason=reason,
    )


# -- messages, notes ----------------------------------------------------------------------------


def _children(
    item: WbsItem, prefix: str, limit: int, cursor: str | None, scope: str
) -> tuple[list[WbsItem], str | None]:
    res = WbsItem.query(
        item.pk,
        WbsItem.sk.startswith(prefix),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    rows = list(res)
    return rows, encode_cursor(res.last_evaluated_key, scope=scope)


def _add_child(item: WbsItem, prefix: str, author: str, text: str) -> WbsItem:
    at = _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # microseconds: messages sort in sending order
    child_id = uuid.uuid4().hex[:12]
    envelope = _envelope(item)
    field = "message" if prefix == "MSG#" else "note"
    child = WbsItem(
        item.pk,
        f"{prefix}{at}#{child_id}",
        kind=prefix.rstrip("#"),
        report_id=item.report_id,
        author=author,
        created_at=at,
        content=envelope.seal(f"{field}:{child_id}", text),
    )
    child.save(condition=WbsItem.sk.does_not_exist())
    return child


def _message_out(envelope: crypto.Envelope, row: WbsItem) -> MessageOut:
    child_id = row.sk.rsplit("#", 1)[1]
    assert row.content is not None
    return MessageOut(
        id=child_id,
        author="reporter" if row.author == REPORTER else "inspektorat",
        text=envelope.open(f"message:{child_id}", row.content),
        at=row.created_at or "",
    )


def _messages(item: WbsItem, limit: int, cursor: str | None, who: str) -> MessagePage:
    rows, nxt = _children(item, "MSG#", limit, cursor, f"wbs:{who}:messages:{item.report_id}")
    envelope = _envelope(item) if rows else None
    items = [_message_out(envelope, r) for r in rows] if envelope else []
    return MessagePage(items=items, next_cursor=nxt)


def reporter_messages(item: WbsItem, limit: int, cursor: str | None, request_id: str | None) -> MessagePage:
    page = _messages(item, limit, cursor, "reporter")
    _audit(REPORTER, "wbs.reporter.messages.read", item.report_id or "", request_id)
    return page


def reporter_reply(item: WbsItem, text: str, request_id: str | None) -> MessageOut:
    if item.status in (Status.CLOSED, Status.REJECTED):
        raise Conflict("Laporan sudah selesai; pesan tidak dapat dikirim.", code="report_closed")
    child = _add_child(item, "MSG#", REPORTER, text)
    _audit(REPORTER, "wbs.reporter.message", item.report_id or "", request_id, after={"message": child.sk})
    return MessageOut(id=child.sk.rsplit("#", 1)[1], author="reporter", text=text, at=child.created_at or "")


# -- evidence -----------------------------------------------------------------------------------


def reporter_add_evidence(item: WbsItem, body: EvidenceIn, request_id: str | None) -> EvidenceUpload:
    if item.status in (Status.CLOSED, Status.REJECTED):
        raise Conflict("Laporan sudah selesai; bukti tidak dapat ditambah.", code="report_closed")
    existing = list(WbsItem.query(item.pk, WbsItem.sk.startswith("FILE#"), limit=MAX_FILES_PER_REPORT + 1))
    if len(existing) >= MAX_FILES_PER_REPORT:
        raise Conflict("Jumlah berkas bukti sudah maksimum.", code="too_many_files")
    post = storage.presign_upload(
        key_prefix=f"evidence/{item.report_id}/incoming",
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=evidence.MAX_BYTES,
        allowed_types=evidence.ALLOWED_TYPES,
        size=body.size,
        expires=UPLOAD_EXPIRES,
        bucket=_bucket(),
    )
    key = str(post["key"])
    file_id = key.rsplit("/", 1)[1].split(".", 1)[0]
    WbsItem(
        item.pk,
        f"FILE#{file_id}",
        kind="FILE",
        report_id=item.report_id,
        file_status="pending",
        s3_key=key,
        content_type=post["content_type"],
        created_at=_iso(_now()),
        filename=_envelope(item).seal(f"filename:{file_id}", body.filename),
    ).save(condition=WbsItem.sk.does_not_exist())
    _audit(REPORTER, "wbs.reporter.evidence.add", item.report_id or "", request_id, after={"file": file_id})
    return EvidenceUpload(
        file_id=file_id,
        url=str(post["url"]),
        fields={k: str(v) for k, v in post["fields"].items()},
        max_bytes=evidence.MAX_BYTES,
        expires_in=UPLOAD_EXPIRES,
        next_step=f"POST multipart ke url, lalu /reporter/evidence/{file_id}/confirm.",
    )


def reporter_confirm_evidence(item: WbsItem, file_id: str, request_id: str | None) -> EvidenceOut:
    row = _get(item.pk, f"FILE#{file_id}")
    if row is None or row.s3_key is None:
        raise NotFound("Berkas bukti tidak ditemukan.")
    envelope = _envelope(item)
    if row.file_status == "ready":
        return _evidence_out(envelope, row)
    bucket = _bucket()
    incoming = row.s3_key
    raw = storage.get_bytes(incoming, bucket=bucket)
    content_type = row.content_type or ""
    cleaned = evidence.clean(raw, content_type)
    final_key = f"evidence/{item.report_id}/{file_id}{_ext(incoming)}"
    storage.put_bytes(final_key, cleaned, content_type, bucket=bucket)
    _delete_all_versions(bucket, incoming)
    row.update(
        actions=[
            WbsItem.file_status.set("ready"),
            WbsItem.s3_key.set(final_key),
            WbsItem.size.set(len(cleaned)),
            WbsItem.sha256.set(hashlib.sha256(cleaned).hexdigest()),
        ],
        condition=WbsItem.file_status == "pending",
    )
    _audit(REPORTER, "wbs.reporter.evidence.ready", item.report_id or "", request_id, after={"file": file_id})
    return _evidence_out(envelope, row)


def _ext(key: str) -> str:
    name = key.rsplit("/", 1)[1]
    return "." + name.split(".", 1)[1] if "." in name else ""


def _evidence_out(envelope: crypto.Envelope, row: WbsItem) -> EvidenceOut:
    file_id = row.sk.removeprefix("FILE#")
    assert row.filename is not None
    return EvidenceOut(
        file_id=file_id,
        filename=envelope.open(f"filename:{file_id}", row.filename),
        content_type=row.content_type or "",
        size=int(row.size) if row.size is not None else None,
        status="ready" if row.file_status == "ready" else "pending",
        sha256=row.sha256,
    )


def _delete_all_versions(bucket: str, prefix: str) -> int:
    """Delete every version and delete marker under ``prefix`` (the bucket is versioned)."""
    s3 = storage.s3_client()
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        objs = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if objs:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objs, "Quiet": True})  # type: ignore[typeddict-item]
            deleted += len(objs)
    return deleted


# -- inspektorat: visibility --------------------------------------------------------------------


def _viewer(p: Principal) -> rules.Viewer:
    return rules.Viewer(principal=p, nip_mac=crypto.mac(p.nip), opd_mac=crypto.mac(p.opd))


def _visible(viewer: rules.Viewer, item: WbsItem) -> bool:
    return rules.can_see(
        viewer,
        reported_nip_mac=item.reported_nip_mac,
        reported_opd_mac=item.reported_opd_mac,
        assignee_nip=item.assignee_nip,
        forbid_same_opd=policy().forbid_same_opd_handler,
    )


def _load_visible(p: Principal, report_id: str, action: str, request_id: str | None) -> WbsItem:
    """The report if ``p`` may see it. Absent and not-yours look the same (404); a refused look is
    audited too."""
    item = _report(report_id)
    if item is None or not _visible(_viewer(p), item):
        if item is not None:
            _audit(_actor(p), f"{action}.denied", report_id, request_id)
        raise NotFound("Laporan tidak ditemukan.", details={"id": report_id})
    return item


def list_reports(p: Principal, query: ReportQuery, request_id: str | None) -> ReportPage:
    head = p.has_any({Role.INSPEKTORAT_KEPALA})
    cond = None
    if query.category:
        cond = WbsItem.category == query.category
    if query.year:
        cond = (WbsItem.year == query.year) if cond is None else cond & (WbsItem.year == query.year)
    scope = f"wbs:list:{head}:{query.status}:{query.category}:{query.year}"
    if head:
        res = WbsItem.gsi1.query(
            status_pk(query.status),
            filter_condition=cond,
            limit=query.limit,
            last_evaluated_key=decode_cursor(query.cursor, scope=scope),
        )
    else:
        if p.nip is None:
            raise Forbidden("Akun ini tidak terhubung dengan NIP pegawai.")
        status_cond = WbsItem.status == query.status.value
        res = WbsItem.gsi2.query(
            assignee_pk(p.nip),
            filter_condition=status_cond if cond is None else status_cond & cond,
            limit=query.limit,
            last_evaluated_key=decode_cursor(query.cursor, scope=scope + f":{p.nip}"),
        )
        scope += f":{p.nip}"
    viewer = _viewer(p)
    rows = [r for r in res if _visible(viewer, r)]
    nxt = encode_cursor(res.last_evaluated_key, scope=scope)
    audit.append(
        AUDIT_STREAM,
        actor=_actor(p),
        action="wbs.list",
        subject="wbs#list",
        after={"status": query.status.value, "ids": [r.report_id for r in rows]},
        request_id=request_id,
    )
    return ReportPage(items=[_summary(r) for r in rows], next_cursor=nxt)


def get_report(p: Principal, report_id: str, request_id: str | None) -> ReportDetail:
    item = _load_visible(p, report_id, "wbs.read", request_id)
    envelope = _envelope(item)
    assert item.content is not None
    content = ReportContent.model_validate(envelope.open_json("content", item.content))
    reason = envelope.open("reason", item.reason) if item.reason else None
    _audit(_actor(p), "wbs.read", report_id, request_id)
    return ReportDetail(
        **_summary(item).model_dump(),
        content=content,
        forwarded_to=rules.ForwardTarget(item.forwarded_to) if item.forwarded_to else None,
        forwarded_at=item.forwarded_at,
        rejection_reason=reason,
        version=int(item.version or 1),
    )


def assign(p: Principal, report_id: str, handler_nip: str, request_id: str | None) -> ReportSummary:
    from replika.directory.service import find_employee

    item = _load_visible(p, report_id, "wbs.assign", request_id)
    if item.status in (Status.CLOSED, Status.REJECTED):
        raise Conflict("Laporan sudah selesai.", code="report_closed")
    handler = find_employee(handler_nip)
    if handler is None:
        raise NotFound("Pegawai penangan tidak ditemukan.", details={"nip": handler_nip})
    candidate = rules.Viewer(
        principal=Principal(
            subject="candidate",
            username="candidate",
            roles=frozenset({Role.INSPEKTORAT}),
            nip=handler_nip,
            opd=handler.opd_code,
        ),
        nip_mac=crypto.mac(handler_nip),
        opd_mac=crypto.mac(handler.opd_code),
    )
    if not rules.can_see(
        candidate,
        reported_nip_mac=item.reported_nip_mac,
        reported_opd_mac=item.reported_opd_mac,
        assignee_nip=handler_nip,
        forbid_same_opd=policy().forbid_same_opd_handler,
    ):
        raise Conflict(
            "Penangan ini memiliki benturan kepentingan dengan laporan (terlapor atau satu OPD).",
            code="conflict_of_interest",
        )
    version = int(item.version or 1)
    before = {"assignee_nip": item.assignee_nip, "version": version}

    def write(tx: TransactWrite) -> None:
        tx.update(
            item,
            actions=[
                WbsItem.assignee_nip.set(handler_nip),
                WbsItem.gsi2pk.set(assignee_pk(handler_nip)),
                WbsItem.gsi2sk.set(f"{item.created_at}#{report_id}"),
                WbsItem.version.set(version + 1),
            ],
            condition=WbsItem.version == version,
        )

    audit.write_with_audit(
        AUDIT_STREAM,
        write,
        actor=_actor(p),
        action="wbs.assign",
        subject=_subject(report_id),
        before=before,
        after={"assignee_nip": handler_nip, "version": version + 1},
        request_id=request_id,
    )
    item.assignee_nip = handler_nip
    return _summary(item)


def transition(p: Principal, report_id: str, body: TransitionIn, request_id: str | None) -> ReportSummary:
    item = _load_visible(p, report_id, "wbs.status", request_id)
    current = Status(item.status)
    version = int(item.version or 1)
    if body.expected_version is not None and body.expected_version != version:
        raise Conflict(details={"version": version})
    try:
        rules.check_transition(current, body.to, reason=body.reason, forwarded_to=body.forwarded_to)
    except rules.TransitionError as exc:
        raise Conflict(str(exc), code=exc.code, details={"from": current, "to": body.to}) from None
    changed = _iso(_now())
    actions: list[Any] = [
        WbsItem.status.set(body.to.value),
        WbsItem.changed_at.set(changed),
        WbsItem.gsi1pk.set(status_pk(body.to)),
        WbsItem.gsi1sk.set(f"{changed}#{report_id}"),
        WbsItem.version.set(version + 1),
    ]
    if body.to is Status.FORWARDED and body.forwarded_to is not None:
        when = (body.forwarded_at or _now().date()).isoformat()
        actions += [WbsItem.forwarded_to.set(body.forwarded_to.value), WbsItem.forwarded_at.set(when)]
    if body.to is Status.REJECTED and body.reason:
        actions.append(WbsItem.reason.set(_envelope(item).seal("reason", body.reason)))

    def write(tx: TransactWrite) -> None:
        tx.update(
            item,
            actions=actions,
            condition=(WbsItem.version == version) & (WbsItem.status == current.value),
        )
        year, category = int(item.year or 0), item.category or ""
        _stats_update(tx, year, category, current.value, -1)
        _stats_update(tx, year, category, body.to.value, 1)

    audit.write_with_audit(
        AUDIT_STREAM,
        write,
        actor=_actor(p),
        action="wbs.status",
        subject=_subject(report_id),
        before={"status": current.value, "version": version},
        after={
            "status": body.to.value,
            "version": version + 1,
            "forwarded_to": body.forwarded_to.value if body.forwarded_to else None,
        },
        request_id=request_id,
    )
    item.status, item.changed_at = body.to.value, changed
    return _summary(item)


def add_note(p: Principal, report_id: str, text: str, request_id: str | None) -> NoteOut:
    item = _load_visible(p, report_id, "wbs.note", request_id)
    child = _add_child(item, "NOTE#", p.nip or p.subject, text)
    _audit(_actor(p), "wbs.note", report_id, request_id, after={"note": child.sk})
    return NoteOut(
        id=child.sk.rsplit("#", 1)[1], author_nip=child.author or "", text=text, at=child.created_at or ""
    )


def list_notes(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> NotePage:
    item = _load_visible(p, report_id, "wbs.notes.read", request_id)
    rows, nxt = _children(item, "NOTE#", limit, cursor, f"wbs:notes:{report_id}")
    envelope = _envelope(item) if rows else None
    out = []
    for r in rows:
        child_id = r.sk.rsplit("#", 1)[1]
        assert envelope is not None and r.content is not None
        out.append(
            NoteOut(
                id=child_id,
                author_nip=r.author or "",
                text=envelope.open(f"note:{child_id}", r.content),
                at=r.created_at or "",
            )
        )
    _audit(_actor(p), "wbs.notes.read", report_id, request_id)
    return NotePage(items=out, next_cursor=nxt)


def send_message(p: Principal, report_id: str, text: str, request_id: str | None) -> MessageOut:
    item = _load_visible(p, report_id, "wbs.message", request_id)
    child = _add_child(item, "MSG#", "inspektorat", text)
    _audit(_actor(p), "wbs.message", report_id, request_id, after={"message": child.sk})
    return MessageOut(
        id=child.sk.rsplit("#", 1)[1], author="inspektorat", text=text, at=child.created_at or ""
    )


def list_messages(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> MessagePage:
    item = _load_visible(p, report_id, "wbs.messages.read", request_id)
    page = _messages(item, limit, cursor, "staff")
    _audit(_actor(p), "wbs.messages.read", report_id, request_id)
    return page


def list_evidence(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> EvidencePage:
    """Processed (metadata-free) files only: a pending upload is not evidence yet."""
    item = _load_visible(p, report_id, "wbs.evidence.list", request_id)
    rows, nxt = _children(item, "FILE#", limit, cursor, f"wbs:files:{report_id}")
    ready = [r for r in rows if r.file_status == "ready"]
    envelope = _envelope(item) if ready else None
    items = [_evidence_out(envelope, r) for r in ready] if envelope else []
    _audit(_actor(p), "wbs.evidence.list", report_id, request_id)
    return EvidencePage(items=items, next_cursor=nxt)


def download_evidence(p: Principal, report_id: str, file_id: str, request_id: str | None) -> DownloadOut:
    item = _load_visible(p, report_id, "wbs.evidence.read", request_id)
    row = _get(item.pk, f"FILE#{file_id}")
    if row is None or row.file_status != "ready" or row.s3_key is None or row.filename is None:
        raise NotFound("Berkas bukti tidak ditemukan.")
    name = _envelope(item).open(f"filename:{file_id}", row.filename)
    url = storage.presign_download(row.s3_key, filename=name, expires=DOWNLOAD_EXPIRES, bucket=_bucket())
    _audit(_actor(p), "wbs.evidence.read", report_id, request_id, after={"file": file_id})
    return DownloadOut(url=url, expires_in=DOWNLOAD_EXPIRES, filename=name)


def audit_trail(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> AuditPage:
    _load_visible(p, report_id, "wbs.audit.read", request_id)
    _audit(_actor(p), "wbs.audit.read", report_id, request_id)
    page = audit.trail(_subject(report_id), limit=limit, cursor=cursor)
    return AuditPage(items=page.items, next_cursor=page.next_cursor)


# -- retention ----------------------------------------------------------------------------------


def due_for_purge(
    p: Principal,
    status: Status,
    days_ahead: int,
    limit: int,
    cursor: str | None,
    request_id: str | None,
    now: datetime | None = None,
) -> DuePage:
    if status not in rules.TERMINAL:
        raise ValidationFailed("Hanya laporan selesai/ditolak yang dimusnahkan.")
    pol = policy()
    cutoff = _iso(rules.purge_cutoff(now or _now(), pol.retention_days, days_ahead))
    scope = f"wbs:due:{status}:{days_ahead}"
    res = WbsItem.gsi1.query(
        status_pk(status),
        WbsItem.gsi1sk < cutoff,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    items = [
        DueItem(
            id=r.report_id or "",
            status=Status(r.status),
            changed_at=r.changed_at or "",
            purge_after=_iso(parse_utc_iso(r.changed_at or "") + timedelta(days=pol.retention_days)),
        )
        for r in res
    ]
    audit.append(
        AUDIT_STREAM,
        actor=_actor(p),
        action="wbs.retention.due",
        subject="wbs#retention",
        after={"ids": [i.id for i in items]},
        request_id=request_id,
    )
    return DuePage(items=items, next_cursor=encode_cursor(res.last_evaluated_key, scope=scope))


def purge(now: datetime | None = None, request_id: str | None = None) -> PurgeResult:
    """Delete closed and rejected reports older than the retention period: items (report,
    receipt link, messages, notes, evidence records) and every version of their files. The yearly
    figures stay. One audit record per purged report."""
    cutoff = _iso(rules.purge_cutoff(now or _now(), policy().retention_days))
    reports = files = 0
    bucket = get_settings().wbs_bucket
    for status in rules.TERMINAL:
        for report in WbsItem.gsi1.query(status_pk(status), WbsItem.gsi1sk < cutoff):
            rid = report.report_id or ""
            rows = list(WbsItem.query(report_pk(rid)))
            removed = _delete_all_versions(bucket, f"evidence/{rid}/") if bucket else 0
            with WbsItem.batch_write() as batch:
                for row in rows:
                    batch.delete(row)
                if report.receipt_key:
                    batch.delete(WbsItem(receipt_pk(report.receipt_key), "RECEIPT"))
            _audit(
                SYSTEM_RETENTION,
                "wbs.purge",
                rid,
                request_id,
                before={"status": status.value, "changed_at": report.changed_at},
                after={"items": len(rows) + 1, "file_versions": removed},
            )
            reports += 1
            files += removed
    return PurgeResult(reports=reports, files=files)


# -- public figures -----------------------------------------------------------------------------


def stats(year: int) -> StatsOut:
    counts = []
    for row in WbsItem.query(stats_pk(year)):
        category, _, status = row.sk.rpartition("#")
        n = int(row.tally or 0)
        if n > 0:
            counts.append(StatsCount(category=category, status=Status(status), count=n))
    counts.sort(key=lambda c: (c.category, c.status.value))
    return StatsOut(year=year, total=sum(c.count for c in counts), counts=counts)
