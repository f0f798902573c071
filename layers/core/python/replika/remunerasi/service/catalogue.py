"""Activity catalogue use cases: put, list, CSV import."""

from __future__ import annotations

from replika.core import audit
from replika.core.errors import Conflict, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.tabular import CsvFile, RowProblem, rejected
from replika.remunerasi import keys
from replika.remunerasi.models import (
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ImportSummary,
)
from replika.remunerasi.service.common import (
    _now,
)
from replika.remunerasi.store import Tx, catalogue
from replika.remunerasi.store.catalogue import Activity


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
    return catalogue.new(
        code=body.code,
        name=body.name,
        minutes=body.minutes,
        allowed_positions=body.allowed_positions,
        active=body.active,
    )


def put_activity(
    body: ActivityIn, *, actor: str, expected_version: int | None, request_id: str | None
) -> ActivityOut:
    """Create an activity (``expected_version`` None: must not exist) or update version N."""
    current = catalogue.get(body.code)
    if current is None and expected_version is not None:
        raise NotFound(f"Kegiatan {body.code} tidak ditemukan.")
    if current is not None and expected_version != current.version:
        raise Conflict("Versi kegiatan berbeda; muat ulang.", details={"version": current.version})
    item = _activity_item(body)
    if current is not None:
        item.version = current.version
    before = activity_out(current).model_dump() if current else None

    def write(tx: Tx) -> None:
        catalogue.save_in(tx, item)

    audit.write_with_audit(
        keys.AUDIT_ACTIVITY,
        write,
        actor=actor,
        action="activity.put",
        subject=f"activity#{body.code}",
        before=before,
        after=body.model_dump(),
        request_id=request_id,
    )
    saved = catalogue.get(body.code)
    if saved is None:  # pragma: no cover - written just above
        raise NotFound(f"Kegiatan {body.code} tidak ditemukan.")
    return activity_out(saved)


def list_activities(limit: int, cursor: str | None) -> ActivityPage:
    scope = "remunerasi:activities"
    found, last = catalogue.page(limit, decode_cursor(cursor, scope=scope))
    return ActivityPage(items=[activity_out(a) for a in found], next_cursor=encode_cursor(last, scope=scope))


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
    current = catalogue.batch_get([r.code for r in rows])
    created = updated = 0
    changed: list[Activity] = []
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
        changed.append(item)
    catalogue.save_all(changed)
    if created or updated:
        audit.append(
            keys.AUDIT_ACTIVITY,
            actor=actor,
            action="activity.import",
            subject="activity#import",
            after={"created": created, "updated": updated, "codes": [r.code for r in rows][:500]},
            request_id=request_id,
        )
    return ImportSummary(
        rows=len(rows), created=created, updated=updated, unchanged=len(rows) - created - updated
    )
