"""WBS staff side: the head of Inspektorat, its handlers and the escalation desk.

Lists show only what the reader may see, and their cursors are made from the last row shown (never
from a hidden row's key), so a page, its cursor and its length are what they would be if the
hidden reports did not exist. Every read and action is audited (``trail``).
"""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core.auth import Principal, Role
from replika.core.errors import Conflict, Forbidden, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.wbs import crypto, rules, service, store, trail
from replika.wbs.models import (
    AuditPage,
    MessageOut,
    MessagePage,
    NoteOut,
    NotePage,
    ReportContent,
    ReportDetail,
    ReportPage,
    ReportQuery,
    ReportSummary,
    TransitionIn,
)
from replika.wbs.reporter import messages
from replika.wbs.rules import Status
from replika.wbs.service import actor_of, load_visible, viewer, visible
from replika.wbs.tables import WbsItem, assignee_pk, status_pk


def summary(item: WbsItem) -> ReportSummary:
    return ReportSummary(
        id=item.report_id or "",
        status=Status(item.status),
        category=item.category or "",
        year=int(item.year or 0),
        created_at=item.created_at or "",
        changed_at=item.changed_at or "",
        assignee_nip=item.assignee_nip,
    )


def list_reports(p: Principal, query: ReportQuery, request_id: str | None) -> ReportPage:
    desk_reader = p.has_any({Role.INSPEKTORAT_KEPALA, Role(service.policy().escalation_role)})
    cond = None
    if query.category:
        cond = WbsItem.category == query.category
    if query.year:
        cond = (WbsItem.year == query.year) if cond is None else cond & (WbsItem.year == query.year)
    page = max(query.limit * 2, 20)
    if desk_reader:
        scope = f"wbs:list:desk:{query.status}:{query.category}:{query.year}:{p.subject}"
        rows = WbsItem.gsi1.query(
            status_pk(query.status),
            filter_condition=cond,
            page_size=page,
            last_evaluated_key=decode_cursor(query.cursor, scope=scope),
        )
        keys = store.GSI1_KEYS
    else:
        if p.nip is None:
            raise Forbidden("Akun ini tidak terhubung dengan NIP pegawai.")
        scope = f"wbs:list:{query.status}:{query.category}:{query.year}:{p.nip}"
        status_cond = WbsItem.status == query.status.value
        rows = WbsItem.gsi2.query(
            assignee_pk(p.nip),
            filter_condition=status_cond if cond is None else status_cond & cond,
            page_size=page,
            last_evaluated_key=decode_cursor(query.cursor, scope=scope),
        )
        keys = store.GSI2_KEYS
    v = viewer(p)
    shown, nxt = store.visible_page(rows, lambda r: visible(v, r), query.limit, keys)
    ids = sorted(r.report_id or "" for r in shown)
    trail.record_plain(
        actor_of(p),
        "wbs.list",
        "wbs#list",
        request_id,
        after={"status": query.status.value, "count": len(ids), "ids_digest": crypto.digest(ids)},
    )
    return ReportPage(items=[summary(r) for r in shown], next_cursor=encode_cursor(nxt, scope=scope))


def get_report(p: Principal, report_id: str, request_id: str | None) -> ReportDetail:
    item = load_visible(p, report_id, "wbs.read", request_id)
    env = store.envelope(item)
    assert item.content is not None
    content = ReportContent.model_validate(env.open_json("content", item.content))
    reason = env.open("reason", item.reason) if item.reason else None
    trail.record(env, report_id, actor_of(p), "wbs.read", request_id)
    return ReportDetail(
        **summary(item).model_dump(),
        content=content,
        forwarded_to=rules.ForwardTarget(item.forwarded_to) if item.forwarded_to else None,
        forwarded_at=item.forwarded_at,
        rejection_reason=reason,
        version=int(item.version or 1),
    )


def assign(p: Principal, report_id: str, handler_nip: str, request_id: str | None) -> ReportSummary:
    from replika.directory.lookup import find_employee

    item = load_visible(p, report_id, "wbs.assign", request_id)
    if item.status in (Status.CLOSED, Status.REJECTED):
        raise Conflict("Laporan sudah selesai.", code="report_closed")
    handler = find_employee(handler_nip)
    if handler is None:
        raise NotFound("Pegawai penangan tidak ditemukan.", details={"nip": handler_nip})
    pol = service.policy()
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
    if rules.conflicted(
        candidate,
        reported_nip_mac=item.reported_nip_mac,
        reported_opd_mac=item.reported_opd_mac,
        same_opd=pol.forbid_same_opd_handler,
    ):
        raise Conflict(
            "Penangan ini memiliki benturan kepentingan dengan laporan (terlapor atau satu OPD).",
            code="conflict_of_interest",
        )
    if pol.inspektorat_opd is not None and not rules.can_handle(
        candidate_opd=handler.opd_code, inspektorat_opd=pol.inspektorat_opd, candidate_is_reported=False
    ):
        raise Conflict("Pegawai ini bukan pegawai Inspektorat.", code="not_inspektorat")
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

    trail.record(
        store.envelope(item),
        report_id,
        actor_of(p),
        "wbs.assign",
        request_id,
        before=before,
        after={"assignee_nip": handler_nip, "version": version + 1},
        write=write,
    )
    item.assignee_nip = handler_nip
    return summary(item)


def transition(p: Principal, report_id: str, body: TransitionIn, request_id: str | None) -> ReportSummary:
    item = load_visible(p, report_id, "wbs.status", request_id)
    current = Status(item.status)
    version = int(item.version or 1)
    if body.expected_version is not None and body.expected_version != version:
        raise Conflict(details={"version": version})
    try:
        rules.check_transition(current, body.to, reason=body.reason, forwarded_to=body.forwarded_to)
    except rules.TransitionError as exc:
        raise Conflict(str(exc), code=exc.code, details={"from": current, "to": body.to}) from None
    env = store.envelope(item)
    changed = store.iso(store.now())
    actions: list[Any] = [
        WbsItem.status.set(body.to.value),
        WbsItem.changed_at.set(changed),
        WbsItem.gsi1pk.set(status_pk(body.to)),
        WbsItem.gsi1sk.set(f"{changed}#{report_id}"),
        WbsItem.version.set(version + 1),
    ]
    if body.to is Status.FORWARDED and body.forwarded_to is not None:
        when = (body.forwarded_at or store.now().date()).isoformat()
        actions += [WbsItem.forwarded_to.set(body.forwarded_to.value), WbsItem.forwarded_at.set(when)]
    if body.to is Status.REJECTED and body.reason:
        actions.append(WbsItem.reason.set(env.seal("reason", body.reason)))

    def write(tx: TransactWrite) -> None:
        tx.update(
            item, actions=actions, condition=(WbsItem.version == version) & (WbsItem.status == current.value)
        )
        year, category = int(item.year or 0), item.category or ""
        store.stats_update(tx, year, category, current.value, -1)
        store.stats_update(tx, year, category, body.to.value, 1)

    trail.record(
        env,
        report_id,
        actor_of(p),
        "wbs.status",
        request_id,
        write=write,
        before={"status": current.value, "version": version},
        after={
            "status": body.to.value,
            "version": version + 1,
            "forwarded_to": body.forwarded_to.value if body.forwarded_to else None,
        },
    )
    item.status, item.changed_at = body.to.value, changed
    return summary(item)


def add_note(p: Principal, report_id: str, text: str, request_id: str | None) -> NoteOut:
    item = load_visible(p, report_id, "wbs.note", request_id)
    at = store.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    child_id, sk = store.add_child(item, "NOTE#", p.nip or p.subject, text, at)
    trail.record(store.envelope(item), report_id, actor_of(p), "wbs.note", request_id, after={"note": sk})
    return NoteOut(id=child_id, author_nip=p.nip or p.subject, text=text, at=at)


def list_notes(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> NotePage:
    item = load_visible(p, report_id, "wbs.notes.read", request_id)
    rows, next_cursor = store.children(item, "NOTE#", f"wbs:notes:{report_id}", limit, cursor)
    out = []
    for row in rows:
        child_id, data = store.open_child(item, row, "note")
        out.append(
            NoteOut(
                id=child_id,
                author_nip=data.get("author", ""),
                text=data.get("text", ""),
                at=data.get("at", ""),
            )
        )
    trail.record(store.envelope(item), report_id, actor_of(p), "wbs.notes.read", request_id)
    return NotePage(items=out, next_cursor=next_cursor)


def send_message(p: Principal, report_id: str, text: str, request_id: str | None) -> MessageOut:
    item = load_visible(p, report_id, "wbs.message", request_id)
    at = store.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    child_id, sk = store.add_child(item, "MSG#", "inspektorat", text, at)
    trail.record(
        store.envelope(item), report_id, actor_of(p), "wbs.message", request_id, after={"message": sk}
    )
    return MessageOut(id=child_id, author="inspektorat", text=text, at=at)


def list_messages(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> MessagePage:
    item = load_visible(p, report_id, "wbs.messages.read", request_id)
    page = messages(item, limit, cursor, "staff")
    trail.record(store.envelope(item), report_id, actor_of(p), "wbs.messages.read", request_id)
    return page


def audit_trail(
    p: Principal, report_id: str, limit: int, cursor: str | None, request_id: str | None
) -> AuditPage:
    item = load_visible(p, report_id, "wbs.audit.read", request_id)
    env = store.envelope(item)
    trail.record(env, report_id, actor_of(p), "wbs.audit.read", request_id)
    items, nxt = trail.entries(env, report_id, limit, cursor)
    return AuditPage(items=items, next_cursor=nxt)
