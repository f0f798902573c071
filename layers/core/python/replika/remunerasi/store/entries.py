"""The activity log: one item per entry (``LOG#<nip>#<period>`` | ``<YYYYMMDD>-<id>``), in the
approver's pending queue (gsi1 ``PENDING#<approver>``) while pending.

Reads are by key, a Query of one employee-month, or a Query of one approver's queue. Every write
is a part of the caller's transaction, conditional on the status read (and, through PynamoDB's
``VersionAttribute``, on the version), so a lost race is a cancelled transaction -> 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.expressions.update import Action

from replika.core.table import get_or_none
from replika.remunerasi import keys
from replika.remunerasi.store import Tx
from replika.remunerasi.tables import Entry

__all__ = [
    "Entry",
    "Page",
    "batch_get",
    "create",
    "decide_in",
    "delete_pending_in",
    "get",
    "new",
    "page",
    "pending_page",
    "update_pending_in",
]

Page = tuple[list[Entry], dict[str, Any] | None]


def new(
    *,
    nip: str,
    entry_date: str,
    entry_id: str,
    opd_code: str,
    approver_nip: str | None,
    activity_code: str,
    activity_name: str,
    std_minutes: int,
    quantity: int,
    overtime: bool,
    note: str | None,
    evidence_key: str | None,
    created_at: str,
) -> Entry:
    """A new pending entry, in ``approver_nip``'s queue (or BKPSDM's when the owner has none)."""
    period = entry_date[:7]
    gsi1pk, gsi1sk = keys.entry_pending_gsi(approver_nip, entry_date, nip, entry_id)
    return Entry(
        keys.log_pk(nip, period),
        entry_id,
        gsi1pk=gsi1pk,
        gsi1sk=gsi1sk,
        entry_id=entry_id,
        nip=nip,
        period=period,
        entry_date=entry_date,
        opd_code=opd_code,
        approver_nip=approver_nip,
        activity_code=activity_code,
        activity_name=activity_name,
        std_minutes=std_minutes,
        quantity=quantity,
        minutes=std_minutes * quantity,
        overtime=overtime,
        note=note,
        evidence_key=evidence_key,
        status="pending",
        created_at=created_at,
    )


# -- reading --------------------------------------------------------------------------------------
def get(key: tuple[str, str]) -> Entry | None:
    return get_or_none(Entry, *key)


def batch_get(refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Entry]:
    """Entries by ``(pk, sk)`` (absent ones are left out; at most 100 keys, one BatchGetItem)."""
    return {(e.pk, e.sk): e for e in Entry.batch_get(list(refs))}


def page(nip: str, period: str, limit: int, last_key: dict[str, Any] | None) -> Page:
    """One page of ``nip``'s entries of ``period``, by date (Query ``LOG#<nip>#<period>``)."""
    res = Entry.query(keys.log_pk(nip, period), limit=limit, last_evaluated_key=last_key)
    items = list(res)
    return items, res.last_evaluated_key


def pending_page(approver: str, limit: int, last_key: dict[str, Any] | None) -> Page:
    """One page of ``approver``'s pending queue, by date (Query gsi1 ``PENDING#<approver>``)."""
    res = Entry.gsi1.query(keys.pending_pk(approver), limit=limit, last_evaluated_key=last_key)
    items = [e if isinstance(e, Entry) else Entry.from_raw_data(e.attribute_values) for e in res]
    return items, res.last_evaluated_key


# -- writing (parts of the caller's transaction) --------------------------------------------------
def create(item: Entry) -> None:
    """Write a new entry on its own: one conditional PutItem (the key must be new)."""
    item.save(condition=Entry.pk.does_not_exist())


def update_pending_in(tx: Tx, item: Entry) -> None:
    """Save the owner's change; the entry must still be pending (and at the version read)."""
    tx.save(item, condition=Entry.status == "pending")


def delete_pending_in(tx: Tx, item: Entry) -> None:
    tx.delete(item, condition=Entry.status == "pending")


def decide_in(tx: Tx, e: Entry, *, to: str, actor: str, decided_at: str, reason: str | None) -> None:
    """Move ``e`` from the status read to ``to``: into (``pending``) or out of the approver's queue,
    conditional on that status and (``VersionAttribute``) the version read."""
    actions: list[Action] = [
        Entry.status.set(to),
        Entry.decided_by.set(actor),
        Entry.decided_at.set(decided_at),
    ]
    if to == "pending":  # un-approved: back into the supervisor's queue
        gsi1pk, gsi1sk = keys.entry_pending_gsi(e.approver_nip, e.entry_date, e.nip, e.entry_id)
        actions += [Entry.gsi1pk.set(gsi1pk), Entry.gsi1sk.set(gsi1sk), Entry.reason.remove()]
    else:
        actions += [Entry.gsi1pk.remove(), Entry.gsi1sk.remove()]
        if reason:
            actions.append(Entry.reason.set(reason))
    # PynamoDB's VersionAttribute adds "version = N" to the condition and increments it.
    target = Entry(e.pk, e.sk)
    target.version = int(e.version or 0)
    tx.update(target, actions=actions, condition=Entry.status == e.status)
