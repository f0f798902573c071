"""The daily activity log and supervisor decisions (approve / reject / un-approve)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from replika.core import audit, storage
from replika.core.auth import Principal, Role
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.remunerasi import keys, rules
from replika.remunerasi.models import (
    DecisionIn,
    DecisionOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    UploadOut,
)
from replika.remunerasi.service.common import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    MAX_TX_ACTIONS,
    PENDING_NO_SUPERVISOR,
    _acting_for,
    _can_read_log,
    _employee,
    _now,
    _refuse_if_locked,
    actor_of,
    calendar,
    entry_key,
    find_employee,
    region,
)
from replika.remunerasi.store import Tx, catalogue, employees, totals, transaction
from replika.remunerasi.store import entries as entry_store
from replika.remunerasi.store.catalogue import Activity
from replika.remunerasi.store.entries import Entry
from replika.remunerasi.store.runs import is_locked, not_locked_check

_ENTRY_INTS = ("std_minutes", "quantity", "minutes")


def entry_out(e: Entry) -> EntryOut:
    same = {name: getattr(e, name) for name in EntryOut.model_fields}
    return EntryOut.model_validate(
        same
        | {name: int(same[name]) for name in _ENTRY_INTS}
        | {
            "entry_date": date.fromisoformat(e.entry_date),
            "overtime": bool(e.overtime),
            "version": int(e.version or 0),
        }
    )


def _active_activity(code: str, position_code: str | None) -> Activity:
    act = catalogue.get(code)
    if act is None:
        raise BadRequest(f"Kegiatan {code} tidak ada di katalog.", code="unknown_activity")
    if not act.active:
        raise BadRequest(f"Kegiatan {code} tidak aktif.", code="unknown_activity")
    allowed = list(act.allowed_positions or [])
    if allowed and position_code not in allowed:
        raise BadRequest(f"Kegiatan {code} tidak diizinkan untuk jabatan Anda.", code="activity_not_allowed")
    return act


def _check_date(d: date, overtime: bool) -> None:
    cfg = region()
    cal = calendar(cfg)
    period = f"{d:%Y-%m}"
    locked = [period] if is_locked(period) else []
    problem = rules.entry_date_problem(d, cal.today(), cal, cfg.remunerasi, locked)
    if problem:
        if locked:
            raise Conflict(problem, code="period_locked", details={"period": period})
        raise BadRequest(problem, code="invalid_date", details={"entry_date": d.isoformat()})
    if not cal.is_working_day(d) and not overtime:
        raise BadRequest(
            "Tanggal ini hari libur: kegiatan hanya dihitung sebagai lembur yang ditugaskan (overtime).",
            code="overtime_required",
            details={"entry_date": d.isoformat()},
        )


def create_entry(p: Principal, body: EntryIn) -> EntryOut:
    emp = _employee(p.nip)
    act = _active_activity(body.activity_code, emp.position_code)
    _check_date(body.entry_date, body.overtime)
    if body.evidence_key and not body.evidence_key.startswith(keys.evidence_prefix(emp.nip or "") + "/"):
        raise BadRequest("Bukti bukan milik Anda.", code="invalid_evidence")
    item = entry_store.new(
        nip=emp.nip or "",
        entry_date=body.entry_date.isoformat(),
        entry_id=f"{body.entry_date:%Y%m%d}-{secrets.token_hex(5)}",
        opd_code=emp.opd_code or "",
        approver_nip=emp.supervisor_nip,
        activity_code=act.code,
        activity_name=act.name,
        std_minutes=int(act.minutes),
        quantity=body.quantity,
        overtime=body.overtime,
        note=body.note,
        evidence_key=body.evidence_key,
        created_at=_now(),
    )
    # One conditional PutItem (1 WRU for the item + 1 for its pending-queue index entry), not a
    # transaction with a lock check (twice that, plus the check): the lock was read above, and an
    # entry that slips in while its period is being locked stays pending for ever: approving,
    # editing or deleting it is a transaction that checks the lock, so it never reaches a total.
    entry_store.create(item)
    return entry_out(item)


def _get_entry(nip: str, entry_id: str) -> Entry:
    e = entry_store.get(entry_key(nip, entry_id))
    if e is None:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_id": entry_id})
    return e


def _own_pending(p: Principal, nip: str, entry_id: str, version: int) -> Entry:
    if p.nip != nip:
        raise Forbidden("Hanya pemilik kegiatan yang dapat mengubahnya.")
    e = _get_entry(nip, entry_id)
    if e.status != "pending":
        raise Conflict("Kegiatan sudah diputuskan atasan dan tidak dapat diubah.", code="not_pending")
    if int(e.version or 0) != version:
        raise Conflict(details={"version": int(e.version or 0)})
    return e


def update_entry(p: Principal, nip: str, entry_id: str, patch: EntryPatch) -> EntryOut:
    e = _own_pending(p, nip, entry_id, patch.version)
    if patch.quantity is not None:
        e.quantity = patch.quantity
        e.minutes = int(e.std_minutes) * patch.quantity
    if patch.note is not None:
        e.note = patch.note
    if patch.evidence_key is not None:
        if not patch.evidence_key.startswith(keys.evidence_prefix(nip) + "/"):
            raise BadRequest("Bukti bukan milik Anda.", code="invalid_evidence")
        e.evidence_key = patch.evidence_key
    with transaction() as tx:
        # VersionAttribute adds "version = N" and increments it; status must still be pending.
        entry_store.update_pending_in(tx, e)
        not_locked_check(tx, e.period)
    return entry_out(e)


def delete_entry(p: Principal, nip: str, entry_id: str, version: int) -> None:
    e = _own_pending(p, nip, entry_id, version)
    with transaction() as tx:
        entry_store.delete_pending_in(tx, e)
        not_locked_check(tx, e.period)


def list_entries(p: Principal, nip: str, period: str, limit: int, cursor: str | None) -> EntryPage:
    emp = find_employee(nip)
    if emp is None or not _can_read_log(p, emp):
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    scope = f"remunerasi:entries:{nip}:{period}"
    found, last = entry_store.page(nip, period, limit, decode_cursor(cursor, scope=scope))
    return EntryPage(items=[entry_out(e) for e in found], next_cursor=encode_cursor(last, scope=scope))


def pending_queue(p: Principal, limit: int, cursor: str | None) -> EntryPage:
    """Pending entries of direct reports; a Plt also sees the queue of the supervisor they act for."""
    queues = []
    if p.nip:
        queues.append(p.nip)
        queues += sorted(_acting_for(p, calendar().today()))
    if p.has_any([Role.BKPSDM]):
        queues.append(PENDING_NO_SUPERVISOR)
    if not queues:
        raise Forbidden("Antrian persetujuan hanya untuk atasan.")
    # The cursor is bound to this caller's list of queues: if it changes between pages (a Plt range
    # ended), the old cursor is refused (400) instead of resuming another queue at a foreign key.
    scope = "remunerasi:pending:" + ",".join(queues)
    state = decode_cursor(cursor, scope=scope) or {}
    index = int(state.get("q", 0))
    lek = state.get("k")
    items: list[EntryOut] = []
    next_state: dict[str, Any] | None = None
    while index < len(queues) and len(items) < limit:
        found, last = entry_store.pending_page(queues[index], limit - len(items), lek)
        items += [entry_out(e) for e in found]
        if last:
            next_state = {"q": index, "k": last}
            break
        index, lek = index + 1, None
        next_state = {"q": index, "k": None} if index < len(queues) else None
    return EntryPage(items=items, next_cursor=encode_cursor(next_state, scope=scope))


def _may_decide(p: Principal, e: Entry, supervisors: dict[str, str | None]) -> bool:
    owner_supervisor = supervisors.get(e.nip)
    if p.nip is not None and p.nip == e.nip:
        return False  # nobody approves their own work
    if owner_supervisor is None:
        return p.has_any([Role.BKPSDM])
    if p.nip == owner_supervisor:
        return True
    return owner_supervisor in _acting_for(p, date.fromisoformat(e.entry_date))


_TRANSITIONS = {
    "approve": ("pending", "approved"),
    "reject": ("pending", "rejected"),
    "unapprove": ("approved", "pending"),
}


def decide(p: Principal, body: DecisionIn, *, request_id: str | None) -> DecisionOut:
    """Approve, reject or un-approve up to 100 entries. All are checked before anything is
    written: someone who is not the direct supervisor (or Plt) of every entry's owner gets 403;
    an entry in the wrong state or at another version makes the whole request 409. Each
    transaction is all-or-nothing; a batch too large for one (about 95+ entries) is written in
    two, and if the second loses a race the 409 (``partially_decided``) lists what was decided."""
    if body.action == "reject" and not body.reason:
        raise BadRequest("Alasan penolakan wajib diisi.", code="reason_required")
    refs = [entry_key(r.nip, r.entry_id) for r in body.entries]
    if len(set(refs)) != len(refs):
        raise BadRequest("Kegiatan yang sama disebut dua kali.", code="duplicate_entries")
    found = entry_store.batch_get(refs)
    missing = [r.entry_id for r, k in zip(body.entries, refs, strict=True) if k not in found]
    if missing:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_ids": missing})
    owners = {e.nip for e in found.values()}
    directory = employees.batch_get(sorted(owners))
    supervisors = {n: (directory[n].supervisor_nip if n in directory else None) for n in owners}
    frm, to = _TRANSITIONS[body.action]
    entries = [found[k] for k in refs]
    for ref, e in zip(body.entries, entries, strict=True):
        if not _may_decide(p, e, supervisors):
            raise Forbidden(
                "Anda bukan atasan langsung (atau Plt) pemilik kegiatan ini.",
                details={"entry_id": e.entry_id},
            )
        if e.status != frm:
            raise Conflict(
                f"Kegiatan berstatus {e.status}, bukan {frm}.",
                code="wrong_status",
                details={"entry_id": e.entry_id, "status": e.status},
            )
        if int(e.version or 0) != ref.version:
            raise Conflict(details={"entry_id": e.entry_id, "version": int(e.version or 0)})
    for period in sorted({e.period for e in entries}):
        _refuse_if_locked(period)
    decided_at = _now()
    committed: list[str] = []
    for chunk in _chunks(entries):
        try:
            _write_decisions(p, chunk, body.action, to, body.reason, decided_at, request_id)
        except Exception as exc:
            if not committed:
                raise
            # A batch that needs two transactions (DynamoDB allows 100 actions) lost a race in the
            # second: say exactly which entries were decided, so the client retries only the rest.
            raise Conflict(
                "Sebagian kegiatan sudah diputuskan; sisanya berubah sementara itu. Muat ulang.",
                code="partially_decided",
                details={"decided": committed},
            ) from exc
        committed += [e.entry_id for e in chunk]
    # The response is what was written (every write above was conditional on the version read,
    # so nothing else changed these items in between): no read-back of the entries.
    actor = actor_of(p)
    return DecisionOut(
        action=body.action,
        decided=[entry_out(_as_decided(e, to, actor, decided_at, body.reason)) for e in entries],
    )


def _as_decided(e: Entry, to: str, actor: str, decided_at: str, reason: str | None) -> Entry:
    """``e`` as :func:`entry_store.decide_in` left it in the table (status, decider, time, reason,
    the pending-queue index and the version incremented by PynamoDB's ``VersionAttribute``)."""
    out = Entry.from_raw_data(e.serialize())
    out.status, out.decided_by, out.decided_at = to, actor, decided_at
    out.version = int(e.version or 0) + 1
    if to == "pending":
        out.gsi1pk, out.gsi1sk = keys.entry_pending_gsi(e.approver_nip, e.entry_date, e.nip, e.entry_id)
        out.reason = None
    else:
        out.gsi1pk = out.gsi1sk = None
        if reason:
            out.reason = reason
    return out


def _chunks(entries: list[Entry]) -> Iterable[list[Entry]]:
    """Split so each transaction stays within DynamoDB's 100 actions: entries + one total per
    employee-period + one per OPD-period + one per employee-activity-period + lock checks + the
    audit record (and its chain's catalogue entry, :data:`replika.core.audit.TX_ACTIONS`)."""
    chunk: list[Entry] = []
    for e in entries:
        trial = [*chunk, e]
        actions = (
            len(trial)
            + len({(x.nip, x.period) for x in trial})
            + len({(x.opd_code, x.period) for x in trial})
            + len({(x.opd_code, x.nip, x.activity_code, x.period) for x in trial})
            + len({x.period for x in trial})
            + audit.TX_ACTIONS
        )
        if actions > MAX_TX_ACTIONS:
            yield chunk
            chunk = [e]
        else:
            chunk = trial
    if chunk:
        yield chunk


def _write_decisions(
    p: Principal,
    chunk: list[Entry],
    action: str,
    to: str,
    reason: str | None,
    decided_at: str,
    request_id: str | None,
) -> None:
    sign = {"approve": 1, "unapprove": -1}.get(action, 0)
    per_emp: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    per_opd: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    per_act: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in chunk:
        if sign:
            per_emp[(e.nip, e.period)][int(e.entry_date[8:10])] += sign * int(e.minutes)
            for counts in (
                per_opd[(e.opd_code, e.period)],
                per_act[(e.period, e.opd_code, e.nip, e.activity_code)],
            ):
                counts[0] += sign * int(e.minutes)
                counts[1] += sign
    opd_now = {e.nip: e.opd_code for e in chunk}

    def write(tx: Tx) -> None:
        for e in chunk:
            entry_store.decide_in(tx, e, to=to, actor=actor_of(p), decided_at=decided_at, reason=reason)
        for (nip, period), days in per_emp.items():
            totals.add_minutes_in(tx, period, nip, opd_now[nip], days)
        for (opd, period), (minutes, count) in per_opd.items():
            totals.add_opd_minutes_in(tx, period, opd, minutes, count)
        for (period, opd, nip, activity), (minutes, count) in per_act.items():  # e-SAKIP reads these
            totals.add_activity_minutes_in(tx, period, opd, nip, activity, minutes, count)
        for period in {e.period for e in chunk}:
            not_locked_check(tx, period)

    audit.write_with_audit(
        keys.decision_stream(chunk[0].opd_code),
        write,
        actor=actor_of(p),
        action=f"entry.{action}",
        subject=f"entries#{chunk[0].opd_code}",
        before={"entries": [[e.nip, e.entry_id, e.status, int(e.minutes)] for e in chunk]},
        after={"status": to, "reason": reason},
        request_id=request_id,
    )


def evidence_upload(p: Principal, body: Any) -> UploadOut:
    emp = _employee(p.nip)
    return UploadOut.model_validate(
        storage.presign_declared(
            body,
            key_prefix=keys.evidence_prefix(emp.nip or ""),
            max_bytes=EVIDENCE_MAX_BYTES,
            allowed_types=EVIDENCE_TYPES,
        )
    )
