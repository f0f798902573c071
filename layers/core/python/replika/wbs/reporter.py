"""WBS reporter side (no account): file a report, read its status and messages, reply.

Everything the reporter sees of time is a day (``YYYY-MM-DD``), and the reporter's own activity is
stored at day precision (filing time, audit records) or only inside the report's ciphertext
(message times), so neither the reporter's answers nor a restored copy pins an action to a second.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from pynamodb.transactions import TransactWrite

from replika.core.errors import Conflict, ValidationFailed
from replika.wbs import crypto, rules, service, store, trail
from replika.wbs.models import MessageOut, MessagePage, ReportCreated, ReporterView, ReportIn
from replika.wbs.rules import Status
from replika.wbs.service import REPORTER, log, region
from replika.wbs.tables import REPORT, WbsItem, receipt_pk, report_pk, status_pk

TERMINAL = (Status.CLOSED.value, Status.REJECTED.value)


def create_report(body: ReportIn, request_id: str | None) -> ReportCreated:
    pol = service.policy()
    if body.category not in pol.categories:
        raise ValidationFailed(
            "Kategori tidak dikenal.",
            details={"fields": [{"field": "category", "message": "unknown", "allowed": pol.categories}]},
        )
    report_id = uuid.uuid4().hex
    receipt = crypto.new_receipt()
    rhash = crypto.receipt_hash(receipt)
    envelope = crypto.new_envelope(report_id)
    now = store.now()
    created = rules.day_start(store.iso(now))  # the filing time is the reporter's: a day only
    year = now.astimezone(ZoneInfo(region().timezone)).year
    content = body.model_dump(mode="json", exclude={"category"})
    directory_opd = _directory_opd(body.who.nip)
    reported_opd = directory_opd or body.who.opd
    desk = rules.desk_for(
        reported_nip=body.who.nip,
        directory_opd=directory_opd,
        given_opd=body.who.opd,
        inspektorat_opd=pol.inspektorat_opd,
    )

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
            key_scheme=crypto.SHRED_SCHEME,
            content=envelope.seal_json("content", content),
            receipt_key=rhash,
            desk=desk,
            children=0,
        )
        tx.save(report, condition=WbsItem.pk.does_not_exist())
        link = WbsItem(receipt_pk(rhash), "RECEIPT", kind="RECEIPT", report_id=report_id)
        tx.save(link, condition=WbsItem.pk.does_not_exist())
        store.stats_update(tx, year, body.category, Status.RECEIVED.value, 1)

    trail.record(
        envelope,
        report_id,
        REPORTER,
        "wbs.report.create",
        request_id,
        after={"status": Status.RECEIVED.value, "category": body.category, "desk": desk},
        write=write,
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


def _directory_opd(nip: str | None) -> str | None:
    """The reported NIP's OPD per the directory (``None`` when the NIP is not an employee there):
    it beats the OPD the reporter typed for the same-OPD rule and the desk."""
    from replika.directory.lookup import find_employee

    employee = find_employee(nip) if nip else None
    return employee.opd_code if employee is not None and employee.opd_code else None


def _notify(report_id: str) -> None:
    """Tell the Inspektorat a report arrived: the id only, never content."""
    from botocore.exceptions import BotoCoreError, ClientError

    from replika.core.runtime import get_settings

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


def reporter_view(item: WbsItem, request_id: str | None) -> ReporterView:
    env = store.envelope(item)
    reason = env.open("reason", item.reason) if item.reason else None
    trail.record(env, item.report_id or "", REPORTER, "wbs.reporter.read", request_id)
    return ReporterView(
        status=Status(item.status),
        category=item.category or "",
        created_at=rules.day_of(item.created_at) or "",
        changed_at=rules.day_of(item.changed_at) or "",
        forwarded_to=rules.ForwardTarget(item.forwarded_to) if item.forwarded_to else None,
        forwarded_at=rules.day_of(item.forwarded_at),
        rejection_reason=reason,
    )


def messages(item: WbsItem, limit: int, cursor: str | None, who: str) -> MessagePage:
    """A page of the report's messages; the reporter (``who == "reporter"``) sees days only."""
    rows, next_cursor = store.children(item, "MSG#", f"wbs:{who}:messages:{item.report_id}", limit, cursor)
    out = []
    for row in rows:
        child_id, data = store.open_child(item, row, "message")
        at = data.get("at", "")
        out.append(
            MessageOut(
                id=child_id,
                author="reporter" if data.get("author") == REPORTER else "inspektorat",
                text=data.get("text", ""),
                at=(rules.day_of(at) or "") if who == REPORTER else at,
            )
        )
    return MessagePage(items=out, next_cursor=next_cursor)


def reporter_messages(item: WbsItem, limit: int, cursor: str | None, request_id: str | None) -> MessagePage:
    page = messages(item, limit, cursor, REPORTER)
    trail.record(
        store.envelope(item), item.report_id or "", REPORTER, "wbs.reporter.messages.read", request_id
    )
    return page


def reporter_reply(item: WbsItem, text: str, request_id: str | None) -> MessageOut:
    if item.status in TERMINAL:
        raise Conflict("Laporan sudah selesai; pesan tidak dapat dikirim.", code="report_closed")
    day = rules.day_start(store.iso(store.now()))
    child_id, sk = store.add_child(item, "MSG#", REPORTER, text, day)
    trail.record(
        store.envelope(item),
        item.report_id or "",
        REPORTER,
        "wbs.reporter.message",
        request_id,
        after={"message": sk},
    )
    return MessageOut(id=child_id, author="reporter", text=text, at=day[:10])
