"""e-Remunerasi use cases: catalogue, daily activity log, supervisor decisions, attendance,
behaviour ratings and disciplinary sentences. Load -> rules -> conditional write -> audit.

Every money-affecting write runs in one DynamoDB transaction with (a) its own condition (status,
version), (b) the period's not-locked check and (c) the running month totals, so the monthly run
and the dashboards read one item per employee and a lost race is a 409, never a silent overwrite.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.core import audit, storage
from replika.core.auth import Principal, Role
from replika.core.calendar import RegionCalendar, calendar_for, period_bounds
from replika.core.config import RegionConfig, current_region
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.tabular import CsvFile, RowProblem, rejected
from replika.directory.service import find_employee
from replika.directory.tables import DirectoryItem
from replika.remunerasi import rules
from replika.remunerasi.models import (
    ActingIn,
    ActingOut,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    AttendanceImportOut,
    AttendanceMonthOut,
    BehaviourOut,
    DecisionIn,
    DecisionOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    ImportSummary,
    SentenceIn,
    SentenceOut,
    UploadOut,
)
from replika.remunerasi.payroll import is_locked, not_locked_check
from replika.remunerasi.tables import (
    ActingSupervisor,
    Activity,
    Entry,
    MonthTotal,
    OpdTotal,
    SentenceItem,
    day_attr,
)

STREAM = "remunerasi"
MAX_TX_ACTIONS = 100
EVIDENCE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
PENDING_NO_SUPERVISOR = "BKPSDM"  # entries of officials without a supervisor in the directory


# -- region ---------------------------------------------------------------------------------------
def region() -> RegionConfig:
    return current_region()


def calendar(cfg: RegionConfig | None = None) -> RegionCalendar:
    return calendar_for(cfg or region())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_of(p: Principal) -> str:
    return p.nip or p.subject


# -- keys -----------------------------------------------------------------------------------------
def log_pk(nip: str, period: str) -> str:
    return f"LOG#{nip}#{period}"


def total_key(period: str, nip: str) -> tuple[str, str]:
    return f"TOT#{period}", nip


ENTRY_ID = re.compile(r"^\d{8}-[0-9a-f]{10}$")


def entry_key(nip: str, entry_id: str) -> tuple[str, str]:
    """An entry id starts with its date (``YYYYMMDD-…``), so the id alone locates it."""
    try:
        if not (ENTRY_ID.match(entry_id) and len(nip) == 18 and nip.isdigit()):
            raise ValueError(entry_id)
        d = datetime.strptime(entry_id[:8], "%Y%m%d").date()
    except ValueError:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_id": entry_id[:40]}) from None
    return log_pk(nip, f"{d:%Y-%m}"), entry_id


def _refuse_if_locked(period: str) -> None:
    if is_locked(period):
        raise Conflict(f"Periode {period} sudah dikunci.", code="period_locked", details={"period": period})


# -- catalogue ------------------------------------------------------------------------------------
def activity_out(a: Activity) -> ActivityOut:
    return ActivityOut(
        code=a.code,
        name=a.name,
        minutes=int(a.minutes),
        allowed_positions=list(a.allowed_positions or []),
        active=bool(a.active),
        version=int(a.version or 0),
    )


def _activity_item(body: ActivityIn) -> Activity:
    return Activity(
        f"ACT#{body.code}",
        "ACT",
        gsi1pk="ACTS",
        gsi1sk=body.code,
        code=body.code,
        name=body.name,
        minutes=body.minutes,
        allowed_positions=sorted(set(body.allowed_positions)),
        active=body.active,
    )


def put_activity(
    body: ActivityIn, *, actor: str, expected_version: int | None, request_id: str | None
) -> ActivityOut:
    """Create an activity (``expected_version`` None: must not exist) or update version N."""
    try:
        current: Activity | None = Activity.get(f"ACT#{body.code}", "ACT")
    except Activity.DoesNotExist:
        current = None
    if current is None and expected_version is not None:
        raise NotFound(f"Kegiatan {body.code} tidak ditemukan.")
    if current is not None and expected_version != current.version:
        raise Conflict("Versi kegiatan berbeda; muat ulang.", details={"version": current.version})
    item = _activity_item(body)
    if current is not None:
        item.version = current.version
    before = activity_out(current).model_dump() if current else None

    def write(tx: TransactWrite) -> None:
        tx.save(item)

    audit.write_with_audit(
        STREAM,
        write,
        actor=actor,
        action="activity.put",
        subject=f"activity#{body.code}",
        before=before,
        after=body.model_dump(),
        request_id=request_id,
    )
    return activity_out(Activity.get(f"ACT#{body.code}", "ACT"))


def list_activities(limit: int, cursor: str | None) -> ActivityPage:
    scope = "remunerasi:activities"
    res = Activity.gsi1.query("ACTS", limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    items = [
        activity_out(Activity.from_raw_data(i.attribute_values) if not isinstance(i, Activity) else i)
        for i in res
    ]
    return ActivityPage(items=items, next_cursor=encode_cursor(res.last_evaluated_key, scope=scope))


ACTIVITY_COLUMNS = ("kode", "nama", "menit")


def parse_activity_csv(data: bytes) -> list[ActivityIn]:
    """All rows valid or :class:`BadRequest` listing every problem with its line number.

    Columns: ``kode``, ``nama``, ``menit`` and optional ``jabatan`` (position codes separated by
    ``|``; empty = every position) and ``aktif`` (``ya``/``tidak``).
    """
    from pydantic import ValidationError

    f = CsvFile(data)
    problems: list[RowProblem] = []
    if missing := f.missing(ACTIVITY_COLUMNS):
        raise rejected([missing])
    out: list[ActivityIn] = []
    seen: dict[str, int] = {}
    for line, v, _ in f.rows():
        try:
            minutes = int(v["menit"])
        except ValueError:
            problems.append(RowProblem(line, "menit", "harus bilangan bulat"))
            continue
        aktif = v.get("aktif", "ya").lower() or "ya"
        if aktif not in ("ya", "tidak"):
            problems.append(RowProblem(line, "aktif", "harus 'ya' atau 'tidak'"))
            continue
        try:
            item = ActivityIn(
                code=v["kode"],
                name=v["nama"],
                minutes=minutes,
                allowed_positions=[p.strip() for p in v.get("jabatan", "").split("|") if p.strip()],
                active=aktif == "ya",
            )
        except ValidationError as exc:
            problems.extend(RowProblem(line, str(e["loc"][0]), e["msg"]) for e in exc.errors())
            continue
        if item.code in seen:
            problems.append(RowProblem(line, "kode", f"kode sudah ada di baris {seen[item.code]}"))
            continue
        seen[item.code] = line
        out.append(item)
    if not out and not problems:
        problems.append(RowProblem(1, None, "berkas tidak berisi kegiatan"))
    if problems:
        raise rejected(problems)
    return out


def import_activities(data: bytes, *, actor: str, request_id: str | None) -> ImportSummary:
    rows = parse_activity_csv(data)
    current = {a.code: a for a in Activity.batch_get([(f"ACT#{r.code}", "ACT") for r in rows])}
    created = updated = 0
    with Activity.batch_write() as batch:
        for r in rows:
            old = current.get(r.code)
            item = _activity_item(r)
            if old is not None:
                same = activity_out(old).model_dump(exclude={"version"}) == r.model_dump()
                if same:
                    continue
                updated += 1
                item.version = int(old.version or 0) + 1
            else:
                created += 1
                item.version = 1
            item.updated_at = _now()
            batch.save(item)
    if created or updated:
        audit.append(
            STREAM,
            actor=actor,
            action="activity.import",
            subject="activity#import",
            after={"created": created, "updated": updated, "codes": [r.code for r in rows][:500]},
            request_id=request_id,
        )
    return ImportSummary(
        rows=len(rows), created=created, updated=updated, unchanged=len(rows) - created - updated
    )


# -- activity log ---------------------------------------------------------------------------------
def entry_out(e: Entry) -> EntryOut:
    return EntryOut(
        entry_id=e.entry_id,
        nip=e.nip,
        period=e.period,
        entry_date=date.fromisoformat(e.entry_date),
        activity_code=e.activity_code,
        activity_name=e.activity_name,
        std_minutes=int(e.std_minutes),
        quantity=int(e.quantity),
        minutes=int(e.minutes),
        overtime=bool(e.overtime),
        note=e.note,
        evidence_key=e.evidence_key,
        status=e.status,
        reason=e.reason,
        approver_nip=e.approver_nip,
        decided_by=e.decided_by,
        decided_at=e.decided_at,
        version=int(e.version or 0),
    )


def _employee(nip: str | None) -> DirectoryItem:
    emp = find_employee(nip) if nip else None
    if emp is None:
        raise NotFound("Akun ini tidak terhubung dengan data pegawai.", code="no_employee_record")
    return emp


def _active_activity(code: str, position_code: str | None) -> Activity:
    try:
        act = Activity.get(f"ACT#{code}", "ACT")
    except Activity.DoesNotExist:
        raise BadRequest(f"Kegiatan {code} tidak ada di katalog.", code="unknown_activity") from None
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
    if body.evidence_key and not body.evidence_key.startswith(f"remunerasi/evidence/{emp.nip}/"):
        raise BadRequest("Bukti bukan milik Anda.", code="invalid_evidence")
    period = f"{body.entry_date:%Y-%m}"
    entry_id = f"{body.entry_date:%Y%m%d}-{secrets.token_hex(5)}"
    approver = emp.supervisor_nip or PENDING_NO_SUPERVISOR
    item = Entry(
        log_pk(emp.nip or "", period),
        entry_id,
        gsi1pk=f"PENDING#{approver}",
        gsi1sk=f"{body.entry_date.isoformat()}#{emp.nip}#{entry_id}",
        entry_id=entry_id,
        nip=emp.nip,
        period=period,
        entry_date=body.entry_date.isoformat(),
        opd_code=emp.opd_code or "",
        approver_nip=emp.supervisor_nip,
        activity_code=act.code,
        activity_name=act.name,
        std_minutes=int(act.minutes),
        quantity=body.quantity,
        minutes=int(act.minutes) * body.quantity,
        overtime=body.overtime,
        note=body.note,
        evidence_key=body.evidence_key,
        status="pending",
        created_at=_now(),
    )
    with TransactWrite(connection=audit.connection()) as tx:
        tx.save(item, condition=Entry.pk.does_not_exist())
        not_locked_check(tx, period)
    return entry_out(item)


def _get_entry(nip: str, entry_id: str) -> Entry:
    try:
        return Entry.get(*entry_key(nip, entry_id))
    except Entry.DoesNotExist:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_id": entry_id}) from None


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
        if not patch.evidence_key.startswith(f"remunerasi/evidence/{nip}/"):
            raise BadRequest("Bukti bukan milik Anda.", code="invalid_evidence")
        e.evidence_key = patch.evidence_key
    with TransactWrite(connection=audit.connection()) as tx:
        # VersionAttribute adds "version = N" and increments it; status must still be pending.
        tx.save(e, condition=Entry.status == "pending")
        not_locked_check(tx, e.period)
    return entry_out(e)


def delete_entry(p: Principal, nip: str, entry_id: str, version: int) -> None:
    e = _own_pending(p, nip, entry_id, version)
    with TransactWrite(connection=audit.connection()) as tx:
        tx.delete(e, condition=Entry.status == "pending")
        not_locked_check(tx, e.period)


def _can_read_log(p: Principal, emp: DirectoryItem) -> bool:
    return p.nip == emp.nip or p.region_wide or (p.nip is not None and emp.supervisor_nip == p.nip)


def list_entries(p: Principal, nip: str, period: str, limit: int, cursor: str | None) -> EntryPage:
    emp = find_employee(nip)
    if emp is None or not _can_read_log(p, emp):
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    scope = f"remunerasi:entries:{nip}:{period}"
    res = Entry.query(log_pk(nip, period), limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    items = [entry_out(e) for e in res]
    return EntryPage(items=items, next_cursor=encode_cursor(res.last_evaluated_key, scope=scope))


def _acting_for(p: Principal, on: date) -> set[str]:
    """The supervisors ``p`` stands in for (Plt) on date ``on``."""
    if p.nip is None:
        return set()
    day = on.isoformat()
    return {a.for_nip for a in ActingSupervisor.query(f"PLT#{p.nip}") if a.start <= day <= a.end}


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
        res = Entry.gsi1.query(f"PENDING#{queues[index]}", limit=limit - len(items), last_evaluated_key=lek)
        items += [
            entry_out(Entry.from_raw_data(e.attribute_values) if not isinstance(e, Entry) else e) for e in res
        ]
        if res.last_evaluated_key:
            next_state = {"q": index, "k": res.last_evaluated_key}
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
    keys = [entry_key(r.nip, r.entry_id) for r in body.entries]
    if len(set(keys)) != len(keys):
        raise BadRequest("Kegiatan yang sama disebut dua kali.", code="duplicate_entries")
    found = {(e.pk, e.sk): e for e in Entry.batch_get(keys)}
    missing = [r.entry_id for r, k in zip(body.entries, keys, strict=True) if k not in found]
    if missing:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_ids": missing})
    owners = {e.nip for e in found.values()}
    directory = {d.nip: d for d in DirectoryItem.batch_get([(f"EMP#{n}", "EMP") for n in owners])}
    supervisors = {n: (directory[n].supervisor_nip if n in directory else None) for n in owners}
    frm, to = _TRANSITIONS[body.action]
    entries = [found[k] for k in keys]
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
    return DecisionOut(
        action=body.action, decided=[entry_out(_get_entry(e.nip, e.entry_id)) for e in entries]
    )


def _chunks(entries: list[Entry]) -> Iterable[list[Entry]]:
    """Split so each transaction stays within DynamoDB's 100 actions: entries + one total per
    employee-period + one per OPD-period + lock checks + the audit record."""
    chunk: list[Entry] = []
    for e in entries:
        trial = [*chunk, e]
        actions = (
            len(trial)
            + len({(x.nip, x.period) for x in trial})
            + len({(x.opd_code, x.period) for x in trial})
            + len({x.period for x in trial})
            + 1
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
    for e in chunk:
        if sign:
            per_emp[(e.nip, e.period)][int(e.entry_date[8:10])] += sign * int(e.minutes)
            per_opd[(e.opd_code, e.period)][0] += sign * int(e.minutes)
            per_opd[(e.opd_code, e.period)][1] += sign
    opd_now = {e.nip: e.opd_code for e in chunk}

    def write(tx: TransactWrite) -> None:
        for e in chunk:
            actions: list[Action] = [
                Entry.status.set(to),
                Entry.decided_by.set(actor_of(p)),
                Entry.decided_at.set(decided_at),
            ]
            if to == "pending":  # un-approved: back into the supervisor's queue
                actions.append(Entry.gsi1pk.set(f"PENDING#{e.approver_nip or PENDING_NO_SUPERVISOR}"))
                actions.append(Entry.gsi1sk.set(f"{e.entry_date}#{e.nip}#{e.entry_id}"))
                actions.append(Entry.reason.remove())
            else:
                actions += [Entry.gsi1pk.remove(), Entry.gsi1sk.remove()]
                if reason:
                    actions.append(Entry.reason.set(reason))
            # PynamoDB's VersionAttribute adds "version = N" to the condition and increments it.
            target = Entry(e.pk, e.sk)
            target.version = int(e.version or 0)
            tx.update(target, actions=actions, condition=Entry.status == e.status)
        for (nip, period), days in per_emp.items():
            t_actions: list[Action] = [
                MonthTotal.nip.set(nip),
                MonthTotal.period.set(period),
                MonthTotal.opd_code.set(opd_now[nip]),
                MonthTotal.gsi1pk.set(f"TOTOPD#{period}#{opd_now[nip]}"),
                MonthTotal.gsi1sk.set(nip),
                MonthTotal.approved_minutes.add(sum(days.values())),
            ]
            t_actions += [getattr(MonthTotal, day_attr("d", d)).add(m) for d, m in days.items()]
            tx.update(MonthTotal(*total_key(period, nip)), actions=t_actions)
        for (opd, period), (minutes, count) in per_opd.items():
            tx.update(
                OpdTotal(f"OPDTOT#{period}", opd),
                actions=[
                    OpdTotal.opd_code.set(opd),
                    OpdTotal.period.set(period),
                    OpdTotal.approved_minutes.add(minutes),
                    OpdTotal.approved_entries.add(count),
                ],
            )
        for period in {e.period for e in chunk}:
            not_locked_check(tx, period)

    audit.write_with_audit(
        STREAM,
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
    signed = storage.presign_upload(
        key_prefix=f"remunerasi/evidence/{emp.nip}",
        filename=body.filename,
        content_type=body.content_type,
        max_bytes=EVIDENCE_MAX_BYTES,
        allowed_types=EVIDENCE_TYPES,
        size=body.size,
    )
    return UploadOut(
        url=signed["url"], fields=signed["fields"], key=signed["key"], expires_in=signed["expires_in"]
    )


# -- acting supervisor (Plt) ---------------------------------------------------------------------
def assign_acting(body: ActingIn, *, actor: str, request_id: str | None) -> ActingOut:
    if body.end < body.start:
        raise BadRequest("Tanggal selesai sebelum tanggal mulai.", code="invalid_range")
    if body.acting_nip == body.for_nip:
        raise BadRequest("Plt tidak boleh orang yang sama.", code="invalid_acting")
    for nip in (body.acting_nip, body.for_nip):
        if find_employee(nip) is None:
            raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    item = ActingSupervisor(
        f"PLT#{body.acting_nip}",
        f"{body.for_nip}#{body.start.isoformat()}",
        gsi1pk=f"PLTFOR#{body.for_nip}",
        gsi1sk=body.start.isoformat(),
        acting_nip=body.acting_nip,
        for_nip=body.for_nip,
        start=body.start.isoformat(),
        end=body.end.isoformat(),
        assigned_by=actor,
    )

    def write(tx: TransactWrite) -> None:
        tx.save(item, condition=ActingSupervisor.pk.does_not_exist())

    audit.write_with_audit(
        STREAM,
        write,
        actor=actor,
        action="acting.assign",
        subject=f"employee#{body.for_nip}",
        after=body.model_dump(mode="json"),
        request_id=request_id,
    )
    return ActingOut(
        acting_nip=body.acting_nip, for_nip=body.for_nip, start=body.start, end=body.end, assigned_by=actor
    )


# -- attendance -----------------------------------------------------------------------------------
ATTENDANCE_COLUMNS = ("nip", "tanggal", "masuk", "pulang")
EXCUSES: dict[str, rules.Excuse | None] = {
    "": None,
    "cuti": "cuti",
    "dinas_luar": "dinas_luar",
    "dl": "dinas_luar",
    "sakit": "sakit",
}


def _parse_time(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    return time.fromisoformat(text if len(text) > 5 else text.zfill(5))


AttendanceRowT = tuple[str, date, rules.DayAttendance, time | None, time | None, str | None, int]


def parse_attendance_csv(data: bytes, cfg: RegionConfig) -> list[AttendanceRowT]:
    """Fingerprint export rows (``nip,tanggal,masuk,pulang[,keterangan,surat]``): every working-day
    row classified, or :class:`BadRequest` listing every bad row. Non-working days are skipped."""
    f = CsvFile(data)
    if missing := f.missing(ATTENDANCE_COLUMNS):
        raise rejected([missing])
    cal = calendar(cfg)
    problems: list[RowProblem] = []
    rows: list[AttendanceRowT] = []
    seen: dict[tuple[str, date], int] = {}
    for line, v, _ in f.rows():
        try:
            day = date.fromisoformat(v["tanggal"])
        except ValueError:
            problems.append(RowProblem(line, "tanggal", "tanggal harus YYYY-MM-DD"))
            continue
        try:
            check_in, check_out = _parse_time(v["masuk"]), _parse_time(v["pulang"])
        except ValueError:
            problems.append(RowProblem(line, "masuk", "jam harus HH:MM"))
            continue
        excuse_raw = v.get("keterangan", "").lower()
        if excuse_raw not in EXCUSES:
            problems.append(RowProblem(line, "keterangan", "harus kosong, cuti, dinas_luar atau sakit"))
            continue
        if not (len(v["nip"]) == 18 and v["nip"].isdigit()):
            problems.append(RowProblem(line, "nip", "NIP harus 18 digit angka"))
            continue
        if (v["nip"], day) in seen:
            problems.append(
                RowProblem(line, "tanggal", f"pegawai dan tanggal sama dengan baris {seen[(v['nip'], day)]}")
            )
            continue
        seen[(v["nip"], day)] = line
        if not cal.is_working_day(day):
            continue
        excuse = EXCUSES[excuse_raw]
        try:
            att = rules.classify_day(
                check_in,
                check_out,
                cfg.remunerasi,
                excuse=excuse,
                sick_letter=v.get("surat", "").lower() in ("ya", "y", "1"),
            )
        except ValueError as exc:
            problems.append(RowProblem(line, "pulang", str(exc)))
            continue
        rows.append((v["nip"], day, att, check_in, check_out, excuse, line))
    if problems:
        raise rejected(problems)
    return rows


def import_attendance(data: bytes, *, actor: str, request_id: str | None) -> AttendanceImportOut:
    """Re-importing a day overwrites that day (``aNN``/``cNN`` are set, not added): nothing doubles."""
    cfg = region()
    rows = parse_attendance_csv(data, cfg)
    nips = {r[0] for r in rows}
    known = {d.nip for d in DirectoryItem.batch_get([(f"EMP#{n}", "EMP") for n in nips])}
    unknown = [
        RowProblem(r[6], "nip", f"NIP {r[0]} tidak ada di direktori") for r in rows if r[0] not in known
    ]
    if unknown:
        raise rejected(unknown[:500])
    periods = {f"{r[1]:%Y-%m}" for r in rows}
    for period in sorted(periods):
        _refuse_if_locked(period)
    grouped: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for nip, day, att, *_ in rows:
        bp = int((att.deduction_pct * 100).to_integral_value())
        grouped[(nip, f"{day:%Y-%m}")].append((day.day, bp, "+".join(att.codes) or "H"))
    for (nip, period), days in grouped.items():
        actions: list[Action] = [MonthTotal.nip.set(nip), MonthTotal.period.set(period)]
        for d, bp, codes in days:
            actions += [
                getattr(MonthTotal, day_attr("a", d)).set(bp),
                getattr(MonthTotal, day_attr("c", d)).set(codes),
            ]
        # each employee-month with the lock check, so a lock that lands mid-import is respected
        with TransactWrite(connection=audit.connection()) as tx:
            tx.update(MonthTotal(*total_key(period, nip)), actions=actions)
            not_locked_check(tx, period)
    audit.append(
        STREAM,
        actor=actor,
        action="attendance.import",
        subject="attendance#import",
        after={
            "rows": len(rows),
            "employees": len(nips),
            "periods": sorted(periods),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        request_id=request_id,
    )
    return AttendanceImportOut(rows=len(rows), days=sorted({r[1] for r in rows}), employees=len(nips))


def attendance_month(p: Principal, nip: str, period: str) -> AttendanceMonthOut:
    emp = find_employee(nip)
    if emp is None or not _can_read_log(p, emp):
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    try:
        tot = MonthTotal.get(*total_key(period, nip))
        att = tot.day_attendance()
    except MonthTotal.DoesNotExist:
        att = {}
    first, _ = period_bounds(period)
    days = {
        first.replace(day=d).isoformat(): {"codes": codes, "deduction_bp": bp}
        for d, (bp, codes) in att.items()
    }
    total = Decimal(sum(bp for bp, _ in att.values())) / 100
    return AttendanceMonthOut(nip=nip, period=period, days=days, total_deduction_pct=str(total))


# -- behaviour and sentences ----------------------------------------------------------------------
def rate_behaviour(
    p: Principal, nip: str, period: str, score: int, *, request_id: str | None
) -> BehaviourOut:
    emp = find_employee(nip)
    if emp is None:
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    first, _ = period_bounds(period)
    if not (
        p.nip is not None
        and p.nip != nip  # nobody rates themselves, not even as Plt of their own supervisor
        and (emp.supervisor_nip == p.nip or emp.supervisor_nip in _acting_for(p, first))
    ):
        raise Forbidden("Penilaian perilaku hanya oleh atasan langsung (atau Plt).")
    _refuse_if_locked(period)

    def write(tx: TransactWrite) -> None:
        tx.update(
            MonthTotal(*total_key(period, nip)),
            actions=[
                MonthTotal.nip.set(nip),
                MonthTotal.period.set(period),
                MonthTotal.behaviour.set(score),
                MonthTotal.behaviour_by.set(p.nip or ""),
            ],
        )
        not_locked_check(tx, period)

    audit.write_with_audit(
        STREAM,
        write,
        actor=actor_of(p),
        action="behaviour.rate",
        subject=f"employee#{nip}",
        after={"period": period, "score": score},
        request_id=request_id,
    )
    return BehaviourOut(nip=nip, period=period, score=score, rated_by=p.nip or "")


def _periods(start: str, end: str) -> list[str]:
    from replika.core.calendar import next_period

    out = [start]
    while out[-1] < end:
        out.append(next_period(out[-1]))
    return out


def record_sentence(body: SentenceIn, *, actor: str, request_id: str | None) -> SentenceOut:
    """A disciplinary sentence cuts the whole allowance of every month it covers; overlapping
    sentences: the heaviest cut applies (stored on each month's total)."""
    if body.end_period < body.start_period:
        raise BadRequest("Periode selesai sebelum periode mulai.", code="invalid_range")
    periods = _periods(body.start_period, body.end_period)
    if len(periods) > 24:
        raise BadRequest("Hukuman disiplin paling lama 24 bulan per catatan.", code="invalid_range")
    if find_employee(body.nip) is None:
        raise NotFound(f"Pegawai {body.nip} tidak ditemukan.", details={"nip": body.nip})
    for period in periods:
        _refuse_if_locked(period)
    pct = region().remunerasi.sentence_cut_pct[body.level]
    current = {t.period: t for t in MonthTotal.batch_get([total_key(per, body.nip) for per in periods])}
    sentence_id = secrets.token_hex(6)
    item = SentenceItem(
        f"SENT#{body.nip}",
        f"{body.start_period}#{sentence_id}",
        sentence_id=sentence_id,
        nip=body.nip,
        level=body.level,
        start_period=body.start_period,
        end_period=body.end_period,
        cut_pct=float(pct),
        note=body.note,
        recorded_by=actor,
    )

    def write(tx: TransactWrite) -> None:
        tx.save(item)
        for period in periods:
            old = current.get(period)
            old_value = old.sentence_pct if old is not None else None
            if old_value is not None and Decimal(str(old_value)) >= pct:
                continue
            cond: Condition = (
                MonthTotal.sentence_pct.does_not_exist()
                if old_value is None
                else MonthTotal.sentence_pct == old_value
            )
            tx.update(
                MonthTotal(*total_key(period, body.nip)),
                condition=cond,
                actions=[
                    MonthTotal.nip.set(body.nip),
                    MonthTotal.period.set(period),
                    MonthTotal.sentence_pct.set(float(pct)),
                    MonthTotal.sentence_level.set(body.level),
                ],
            )
            not_locked_check(tx, period)

    audit.write_with_audit(
        STREAM,
        write,
        actor=actor,
        action="sentence.record",
        subject=f"employee#{body.nip}",
        after=body.model_dump(mode="json"),
        request_id=request_id,
    )
    return SentenceOut(
        sentence_id=sentence_id,
        nip=body.nip,
        level=body.level,
        start_period=body.start_period,
        end_period=body.end_period,
        cut_pct=str(pct),
        recorded_by=actor,
    )
