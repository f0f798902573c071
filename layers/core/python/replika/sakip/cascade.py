"""Use cases of the cascade: planning periods, nodes (create, change, delete) and their revisions.

Every change is versioned: the node carries a ``version`` (a change names the version it saw; a lost
race is a 409) and each version's before/after snapshot is kept as a revision item, written in the
same transaction. A change that touches a year whose performance agreement (PK) of the node's owner
is signed is a **revision**: it needs a reason, and its audit record (stream
``sakip/cascade/<owner>``) commits with it. The write is conditional on what it read: the years it
does not revise still unsigned (a signature in between fails it: 409 ``agreement_signed``), the
period's active key space, and no XLSX import holding the period (409 ``cascade_importing``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.auth import Principal
from replika.core.errors import AppError, BadRequest, Conflict, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.sakip import common, keys, store
from replika.sakip.models import (
    NodeIn,
    NodeOut,
    NodePage,
    NodeQuery,
    NodeUpdate,
    PeriodIn,
    PeriodList,
    PeriodOut,
    RevisionOut,
    RevisionPage,
)
from replika.sakip.rules.cascade import REGION, changed_years, structure_problems
from replika.sakip.tables import Agreement, ErkLink, Node, NodeRevision, Period, Realisation

Write = Callable[[TransactWrite], None]


# -- planning periods -----------------------------------------------------------------------------
def create_period(p: Principal, body: PeriodIn) -> PeriodOut:
    period = common.period_id(body.start_year)
    item = Period(
        keys.PERIODS,
        period,
        period=period,
        start_year=body.start_year,
        end_year=body.start_year + common.PERIOD_YEARS - 1,
        name=body.name,
        created_by=common.actor(p),
        created_at=common.now(),
    )
    item.save(condition=Period.pk.does_not_exist())
    return common.period_out(item)


def list_periods() -> PeriodList:
    return PeriodList(items=[common.period_out(p) for p in common.list_periods()])


# -- reading --------------------------------------------------------------------------------------
def get_node(p: Principal, period: str, code: str) -> NodeOut:
    node = store.require_node(period, code)
    common.require_read(p, node.owner)
    return store.node_out(node)


def list_nodes(p: Principal, period: str, q: NodeQuery) -> NodePage:
    common.get_period(period)
    owner = q.owner
    if owner is not None:
        common.require_read(p, owner)
    elif not common.sees_everything(p) and q.level is None and q.parent is None:
        raise BadRequest("Sebutkan owner, level atau parent.", code="filter_required")
    items, cursor = store.page_nodes(
        period, level=q.level, owner=owner, parent=q.parent, limit=q.limit, cursor=q.cursor
    )
    visible = [store.node_out(n) for n in items if common.can_read(p, n.owner)]
    return NodePage(items=visible, next_cursor=cursor)


def revisions(p: Principal, period: str, code: str, limit: int, cursor: str | None) -> RevisionPage:
    node = store.node_or_none(period, code)
    owner = node.owner if node is not None else None
    scope = f"sakip:revisions:{period}:{code}"
    result = NodeRevision.query(
        keys.revision_pk(period, code),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    items = list(result)
    if owner is None and items:
        owner = (items[0].before or items[0].after or {}).get("owner")
    if owner is None:
        raise NotFound("Node kaskade tidak ditemukan.", details={"code": code})
    common.require_read(p, owner)
    return RevisionPage(
        items=[
            RevisionOut(
                version=int(r.version),
                action=r.action,
                at=r.at,
                actor=r.actor,
                reason=r.reason,
                revision_years=list(r.revision_years or []),
                before=r.before,
                after=r.after,
            )
            for r in items
        ],
        next_cursor=encode_cursor(result.last_evaluated_key, scope=scope),
    )


# -- validation -----------------------------------------------------------------------------------
def check_node(
    period: Period,
    *,
    level: str,
    owner: str,
    parent: dict[str, Any] | None,
    fields: Any,
    known_opds: set[str] | None = None,
) -> None:
    """Every problem of a node's content against the stored cascade at once: the parent's level and
    OPD, the period's years, the directory (409 ``invalid_node``: valid data in conflict with the
    stored state; the rules of the level alone are ``NodeIn``'s, 400)."""
    years = [str(y) for y in common.period_years(period)]
    problems = [
        {"code": code, "message": message}
        for code, message in structure_problems(
            level=level,
            owner=owner,
            parent=parent,
            indicators=len(fields.indicators),
            has_pagu=bool(fields.pagu),
        )
    ]
    for i in fields.indicators:
        if sorted(i.targets) != years:
            problems.append(
                {
                    "code": "targets_incomplete",
                    "message": f"Indikator {i.id} harus memiliki target untuk tahun {', '.join(years)}.",
                }
            )
    if fields.pagu and not set(fields.pagu) <= set(years):
        problems.append({"code": "pagu_year", "message": "Pagu hanya untuk tahun dalam periode."})
    if owner != REGION:
        found = known_opds if known_opds is not None else set(store.opd_names([owner]))
        if owner not in found:
            problems.append({"code": "unknown_opd", "message": f"OPD {owner} tidak ada di direktori."})
    if problems:
        raise Conflict(
            "Node kaskade tidak sesuai aturan.", code="invalid_node", details={"problems": problems}
        )


def _parent_facts(period: str, code: str | None) -> dict[str, Any] | None:
    if code is None:
        return None
    found = store.node_or_none(period, code)
    if found is None:
        raise NotFound("Induk tidak ditemukan.", code="unknown_parent", details={"parent": code})
    return {"level": found.level, "owner": found.owner}


# -- writing --------------------------------------------------------------------------------------
def build_node(
    period: Period, body: NodeIn, p_actor: str, at: str, version: int | None, sp: str | None = None
) -> Node:
    """The node of ``body`` in the key space ``sp`` (the period's active cascade by default)."""
    sp = sp or store.space_of(period)
    node = Node(
        *keys.node_key(sp, body.code),
        period=period.period,
        code=body.code,
        level=body.level,
        owner=body.owner,
        created_at=at,
    )
    apply_fields(node, body, p_actor, at, sp)
    if version is not None:  # a new item has none: it is written only if it does not exist
        node.version = version
    return node


def apply_fields(node: Node, fields: Any, p_actor: str, at: str, sp: str) -> None:
    node.name = fields.name
    node.parent = fields.parent
    node.weight = None if fields.weight is None else store.dec(fields.weight)
    node.order = fields.order
    node.indicators = [store.indicator_snapshot(i) for i in fields.indicators]
    node.pagu = {y: int(v) for y, v in sorted(fields.pagu.items())} if fields.pagu else None
    node.updated_at = at
    node.updated_by = p_actor
    store.set_fields(
        node,
        keys.node_index_keys(
            sp, node.code, parent=fields.parent, order=fields.order, level=node.level, owner=node.owner
        ),
    )


class Change:
    """A node change ready to commit: its revision item and the signed years it revises."""

    def __init__(
        self,
        period: Period,
        *,
        action: str,
        before: Node | None,
        after: Node | None,
        version: int,
        p_actor: str,
        reason: str | None,
    ) -> None:
        self.before = store.snapshot(before) if before is not None else None
        self.after = store.snapshot(after) if after is not None else None
        subject = after if after is not None else before
        assert subject is not None
        self.node = subject
        self.action = action
        self.period = period.period
        self.space = store.space_of(period)
        self.changed = changed_years(self.before, self.after, common.period_years(period))
        read = store.agreements(subject.owner, self.changed)
        self.revised = store.signed_in(read)
        #: the changed years whose agreement was not signed when read (the draft as read, or None
        #: when there was none): the write is conditional on that, so a signature landing in
        #: between fails it (409) instead of skipping the revision
        self.unsigned = {y: read.get(y) for y in self.changed if y not in self.revised}
        self.reason = reason
        self.revision = NodeRevision(
            *keys.revision_key(period.period, subject.code, version),
            period=period.period,
            code=subject.code,
            version=version,
            action=action,
            at=common.now(),
            actor=p_actor,
            reason=reason,
            revision_years=self.revised,
            before=self.before,
            after=self.after,
        )

    def require_reason(self) -> None:
        if self.revised and not self.reason:
            raise BadRequest(
                "Perubahan setelah perjanjian kinerja ditandatangani adalah revisi: sebutkan alasannya.",
                code="reason_required",
                details={"code": self.node.code, "revision_years": self.revised},
            )

    def add(self, tx: TransactWrite) -> None:
        tx.save(self.revision, condition=NodeRevision.pk.does_not_exist())
        add_unsigned_checks(tx, self.node.owner, self.unsigned)

    def lost_race(self) -> AppError | None:
        """Why the write failed, when a signature or an import came in between (else ``None``)."""
        now_signed = store.signed_years(self.node.owner, self.changed)
        if now_signed != self.revised:
            return Conflict(
                "Perjanjian kinerja ditandatangani sementara itu: perubahan ini kini revisi; "
                "muat ulang dan kirim lagi dengan alasan.",
                code="agreement_signed",
                details={"code": self.node.code, "revision_years": now_signed},
            )
        if store.space(self.period) != self.space or store.import_running(self.period):
            return Conflict(
                "Kaskade sedang/baru saja diimpor: muat ulang lalu ulangi.",
                code="cascade_importing",
                details={"code": self.node.code},
            )
        return None


def add_unsigned_checks(tx: TransactWrite, owner: str, drafts: Mapping[int, Agreement | None]) -> None:
    """The agreements of ``owner`` read unsigned (``drafts``: the draft as read, or ``None`` when
    absent) are still so. A draft's version moves with the write: a signature that compared the
    draft with the cascade before this write landed is refused (its save is conditional on the
    version it read), so nothing is signed against a cascade that changed under it unrevised."""
    for year, draft in sorted(drafts.items()):
        if draft is None:
            tx.condition_check(
                Agreement, *keys.agreement_key(year, owner), condition=Agreement.pk.does_not_exist()
            )
        else:
            tx.update(draft, actions=[Agreement.status.set("draft")], condition=Agreement.status == "draft")


def commit_change(change: Change, write: Write, *, p_actor: str, request_id: str | None) -> list[int]:
    """Write a node change with its revision item; a change to a signed year is audited (and needs
    a reason). Returns the years it revises. The write lands only in the active cascade, while no
    import holds the period, and while the agreements it did not revise are still unsigned."""
    change.require_reason()

    def tx_write(tx: TransactWrite) -> None:
        write(tx)
        change.add(tx)
        store.period_check(tx, change.period, change.space, common.now())

    try:
        _commit(change, tx_write, p_actor=p_actor, request_id=request_id)
    except TransactWriteError as exc:
        raise (change.lost_race() or exc) from exc
    return change.revised


def _commit(change: Change, tx_write: Write, *, p_actor: str, request_id: str | None) -> None:
    if change.revised:
        audit.write_with_audit(
            keys.stream("cascade", change.node.owner),
            tx_write,
            actor=p_actor,
            action=f"node.{change.action}",
            subject=f"sakip:node#{change.period}#{change.node.code}",
            before=change.before,
            after={"node": change.after, "reason": change.reason, "revision_years": change.revised},
            request_id=request_id,
        )
    else:
        with TransactWrite(connection=audit.connection()) as tx:
            tx_write(tx)


def create_node(p: Principal, period_id: str, body: NodeIn, request_id: str | None) -> NodeOut:
    period = common.get_period(period_id)
    common.require_write(p, body.owner)
    parent = _parent_facts(period_id, body.parent)
    check_node(period, level=body.level, owner=body.owner, parent=parent, fields=body)
    if body.level == "vision" and store.level_nodes(period_id, "vision"):
        raise Conflict("Periode ini sudah memiliki visi.", code="vision_exists")
    sp = store.space_of(period)
    node = build_node(period, body, common.actor(p), common.now(), None, sp)

    def write(tx: TransactWrite) -> None:
        tx.save(node, condition=Node.pk.does_not_exist())
        if body.parent is not None:  # the parent is still there when the child lands
            tx.condition_check(Node, *keys.node_key(sp, body.parent), condition=Node.pk.exists())

    change = Change(
        period, action="create", before=None, after=node, version=1, p_actor=common.actor(p), reason=None
    )
    commit_change(change, write, p_actor=common.actor(p), request_id=request_id)
    return store.node_out(store.require_node(period_id, body.code))


def update_node(p: Principal, period_id: str, code: str, body: NodeUpdate, request_id: str | None) -> NodeOut:
    period = common.get_period(period_id)
    current = store.require_node(period_id, code)
    common.require_write(p, current.owner)
    if int(current.version or 0) != body.version:
        raise Conflict(details={"code": code, "version": int(current.version or 0)})
    parent = _parent_facts(period_id, body.parent)
    check_node(period, level=current.level, owner=current.owner, parent=parent, fields=body)
    sp = store.space_of(period)
    updated = store.require_node(period_id, code)
    apply_fields(updated, body, common.actor(p), common.now(), sp)
    updated.version = body.version  # the condition: still the version the planner saw

    def write(tx: TransactWrite) -> None:
        tx.save(updated)
        if body.parent is not None and body.parent != current.parent:
            tx.condition_check(Node, *keys.node_key(sp, body.parent), condition=Node.pk.exists())

    change = Change(
        period,
        action="update",
        before=current,
        after=updated,
        version=body.version + 1,
        p_actor=common.actor(p),
        reason=body.reason,
    )
    commit_change(change, write, p_actor=common.actor(p), request_id=request_id)
    return store.node_out(store.require_node(period_id, code))


def delete_node(
    p: Principal, period_id: str, code: str, version: int, reason: str | None, request_id: str | None
) -> None:
    period = common.get_period(period_id)
    current = store.require_node(period_id, code)
    common.require_write(p, current.owner)
    if int(current.version or 0) != version:
        raise Conflict(details={"code": code, "version": int(current.version or 0)})
    if store.children(period_id, code, limit=1):
        raise Conflict("Node masih memiliki turunan.", code="has_children")
    for year in common.period_years(period):
        if any(
            True
            for _ in Realisation.query(
                keys.realisation_pk(period_id, year), Realisation.sk.startswith(f"{code}#Q"), limit=1
            )
        ):
            raise Conflict("Node sudah memiliki realisasi.", code="has_realisation", details={"year": year})
    if any(True for _ in ErkLink.query(keys.link_sub_pk(period_id, code), index_name="gsi1", limit=1)):
        raise Conflict("Sub kegiatan masih ditautkan ke kegiatan E-RK.", code="has_erk_links")

    def write(tx: TransactWrite) -> None:
        tx.delete(current)  # conditional on the version read above

    change = Change(
        period,
        action="delete",
        before=current,
        after=None,
        version=version + 1,
        p_actor=common.actor(p),
        reason=reason,
    )
    commit_change(change, write, p_actor=common.actor(p), request_id=request_id)
