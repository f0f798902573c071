"""A cascade import lands all at once: staged under a new key space, switched by one conditional write.

Readers read the period's active key space (:func:`replika.sakip.store.space`), so they see the
cascade before the import or after it, never half of it:

1. **claim**: the period item takes ``importing = <id>`` with a lease, conditional on the space the
   import read (its *base*), on no other import holding the period (a lease that ran out, or the
   same file again, may be taken over: a rerun after a crash) and on no import still finishing.
   From then on single-node writes fail (they check the space and the lease, 409) and signatures
   fail (they check the lease), so the base the import reads next cannot move under it.
2. **plan** (the caller): read the base (consistent) and check every row; a problem releases the
   claim and nothing is written.
3. **stage**: every node of the new cascade (unchanged ones copied, changed and new ones with their
   new version) is put into ``<p>@<id>``, and each change's revision is put as a staged item
   (``IMPORT#<p>#<id>`` | ``R#<code>``). Puts of the same items: a crash here leaves only an
   unreferenced space behind, and a rerun stages into its own.
4. **switch**: one UpdateItem on the period: ``space = <p>@<id>``, ``finishing = <id>``, the claim
   removed; conditional on the claim still being this import's and unexpired and on the base
   still being active.
5. **finish**: each staged revision becomes the node's revision item and the staged item is
   deleted in the same transaction (conditional on it still existing), with its audit record when
   it revises a signed agreement; then ``finishing`` is removed. A crash here is finished by the
   next import of the period (the claim refuses to start while ``finishing`` is set): every
   revision and audit record is written exactly once.

Old key spaces are left in place (a period keeps one copy per import; nothing reads them).
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.errors import Conflict
from replika.sakip import cascade, keys, store
from replika.sakip.tables import Node, NodeRevision, Period

LEASE = timedelta(minutes=15)
TX_REVISIONS = 49  # a revision item + the staged item's delete each, within 100 actions


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def file_digest(data: bytes, reason: str | None) -> str:
    return hashlib.sha256(data + b"\0" + (reason or "").encode("utf-8")).hexdigest()[:32]


def claim(period: Period, digest: str) -> str:
    """Hold ``period`` for a new import of the file ``digest``; returns the import id."""
    if period.finishing:
        finish(period.period, period.finishing)
    base = store.space_of(period)
    import_id = uuid.uuid4().hex[:12]
    now = _now()
    active = Period.space.does_not_exist() if base == period.period else Period.space == base
    free = store.no_import(_iso(now)) | (Period.importing_file == digest)
    try:
        period.update(
            actions=[
                Period.importing.set(import_id),
                Period.importing_file.set(digest),
                Period.importing_until.set(_iso(now + LEASE)),
            ],
            condition=active & free & Period.finishing.does_not_exist(),
        )
    except UpdateError as exc:
        raise Conflict(
            "Kaskade periode ini sedang diimpor atau baru saja berubah; coba lagi sebentar.",
            code="cascade_importing",
            details={"period": period.period},
        ) from exc
    return import_id


def release(period: str, import_id: str) -> None:
    """Give the claim back (the plan found problems): only if it is still this import's."""
    with contextlib.suppress(UpdateError):  # taken over meanwhile: nothing of ours to give back
        Period(keys.PERIODS, period).update(actions=_unclaim(), condition=Period.importing == import_id)


def _unclaim() -> list[Action]:
    return [Period.importing.remove(), Period.importing_file.remove(), Period.importing_until.remove()]


def stage(
    period: str,
    import_id: str,
    base: Iterable[Node],
    changes: list[tuple[cascade.Change, Node, bool]],
) -> None:
    """Put the whole new cascade into the import's key space and its revisions as staged items."""
    sp = keys.import_space(period, import_id)
    changed = {node.code: node for _, node, _ in changes}
    with Node.batch_write() as batch:
        for n in base:
            if n.code not in changed:
                batch.save(_moved(n, sp))
        for change, node, _ in changes:
            moved = _moved(node, sp)
            moved.version = change.revision.version  # the version this change makes
            batch.save(moved)
    with NodeRevision.batch_write() as revisions:
        for change, _, _ in changes:
            staged = NodeRevision.from_raw_data(change.revision.serialize())
            staged.pk, staged.sk = keys.staged_pk(period, import_id), keys.staged_sk(change.node.code)
            revisions.save(staged)


def _moved(n: Node, sp: str) -> Node:
    out = Node.from_raw_data(n.serialize())
    out.pk = keys.cascade_pk(sp)
    order = int(n.order or 0)
    return store.set_fields(
        out, keys.node_index_keys(sp, n.code, parent=n.parent, order=order, level=n.level, owner=n.owner)
    )


def switch(period: str, base: str, import_id: str) -> None:
    """The one write that makes the staged cascade the period's cascade."""
    active = Period.space.does_not_exist() if base == period else Period.space == base
    try:
        Period(keys.PERIODS, period).update(
            actions=[
                Period.space.set(keys.import_space(period, import_id)),
                Period.finishing.set(import_id),
                *_unclaim(),
            ],
            condition=active & (Period.importing == import_id) & (Period.importing_until >= _iso(_now())),
        )
    except UpdateError as exc:
        raise Conflict(
            "Impor tidak selesai tepat waktu atau diambil alih impor lain; kaskade tidak berubah. "
            "Impor ulang berkas yang sama.",
            code="import_interrupted",
            details={"period": period},
        ) from exc


def finish(period: str, import_id: str, *, request_id: str | None = None) -> None:
    """Turn the staged revisions of a switched import into revision items (and audit records)."""
    staged = list(NodeRevision.query(keys.staged_pk(period, import_id), consistent_read=True))
    plain = [r for r in staged if not r.revision_years]
    for start in range(0, len(plain), TX_REVISIONS):
        _record(plain[start : start + TX_REVISIONS], period, request_id)
    for r in staged:
        if r.revision_years:
            _record([r], period, request_id)
    with contextlib.suppress(UpdateError):  # finished by another caller
        Period(keys.PERIODS, period).update(
            actions=[Period.finishing.remove()], condition=Period.finishing == import_id
        )


def _record(items: list[NodeRevision], period: str, request_id: str | None) -> None:
    def write(tx: TransactWrite) -> None:
        for r in items:
            final = NodeRevision.from_raw_data(r.serialize())
            final.pk, final.sk = keys.revision_key(period, r.code, int(r.version))
            tx.save(final, condition=NodeRevision.pk.does_not_exist())
            tx.delete(r, condition=NodeRevision.pk.exists())

    try:
        if len(items) == 1 and items[0].revision_years:
            r = items[0]
            owner = (r.after or r.before or {}).get("owner", "pemda")
            audit.write_with_audit(
                keys.stream("cascade", owner),
                write,
                actor=r.actor,
                action=f"node.{r.action}",
                subject=f"sakip:node#{period}#{r.code}",
                before=r.before,
                after={"node": r.after, "reason": r.reason, "revision_years": list(r.revision_years)},
                request_id=request_id,
            )
        else:
            with TransactWrite(connection=audit.connection()) as tx:
                write(tx)
    except (TransactWriteError, PutError):
        # recorded meanwhile by another finisher (the staged items are gone): nothing doubles;
        # anything else left is recorded by the next import of the period
        if any(
            True
            for _ in NodeRevision.query(items[0].pk, NodeRevision.sk == items[0].sk, consistent_read=True)
        ):
            raise
