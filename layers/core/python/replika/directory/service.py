"""Directory use cases: import the HR export, read and list organisation records."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from replika.core import audit
from replika.core.auth import Principal
from replika.core.errors import Forbidden, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.tabular import CsvFile, rejected
from replika.directory import rules
from replika.directory.keys import EMP, EMP_PREFIX, OPD, POS, UNIT, emp_key, nip_of, opd_key, pos_key, unit_sk
from replika.directory.lookup import find_employee as find_employee  # re-exported: the use cases' callers
from replika.directory.models import (
    EmployeeOut,
    EmployeePage,
    ImportResult,
    OpdDetail,
    OpdOut,
    OpdPage,
    UnitOut,
)
from replika.directory.tables import DirectoryItem

AUDIT_STREAM = "directory"
BATCH_GET = 100


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- mapping ------------------------------------------------------------------------------------
def _items_from_file(f: rules.DirectoryFile) -> list[DirectoryItem]:
    items: list[DirectoryItem] = []
    for o in f.opds.values():
        items.append(DirectoryItem(opd_key(o.code), OPD, kind=OPD, code=o.code, name=o.name))
    for u in f.units.values():
        items.append(
            DirectoryItem(
                opd_key(u.opd_code),
                unit_sk(u.code),
                kind=UNIT,
                code=u.code,
                name=u.name,
                opd_code=u.opd_code,
            )
        )
    for p in f.positions.values():
        items.append(
            DirectoryItem(
                pos_key(p.code), POS, kind=POS, code=p.code, name=p.name, kelas=p.kelas, opd_code=p.opd_code
            )
        )
    unit_names = {(u.opd_code, u.code): u.name for u in f.units.values()}
    for e in f.employees.values():
        items.append(
            DirectoryItem(
                emp_key(e.nip),
                EMP,
                kind=EMP,
                nip=e.nip,
                name=e.name,
                opd_code=e.opd_code,
                unit_code=e.unit_code,
                unit_name=unit_names.get((e.opd_code, e.unit_code)),
                position_code=e.position_code,
                position_name=e.position_name,
                kelas=e.kelas,
                supervisor_nip=e.supervisor_nip,
                active=True,
            )
        )
    return items


def employee_out(item: DirectoryItem) -> EmployeeOut:
    return EmployeeOut(
        nip=item.nip or nip_of(item.pk),
        name=item.name,
        opd_code=item.opd_code or "",
        unit_code=item.unit_code,
        unit_name=item.unit_name,
        position_code=item.position_code,
        position_name=item.position_name,
        kelas=int(item.kelas) if item.kelas is not None else None,
        supervisor_nip=item.supervisor_nip,
        active=bool(item.active),
    )


# -- storage helpers ----------------------------------------------------------------------------
def _batch_get(keys: list[tuple[str, str]]) -> dict[tuple[str, str], DirectoryItem]:
    found: dict[tuple[str, str], DirectoryItem] = {}
    for i in range(0, len(keys), BATCH_GET):
        for item in DirectoryItem.batch_get(keys[i : i + BATCH_GET]):
            found[(item.pk, item.sk)] = item
    return found


def existing_nips(nips: Iterable[str]) -> frozenset[str]:
    keys = [(emp_key(n), EMP) for n in set(nips)]
    return frozenset(nip_of(k[0]) for k in _batch_get(keys))


# -- import -------------------------------------------------------------------------------------
def import_directory(
    data: bytes,
    *,
    actor: str,
    dry_run: bool = False,
    request_id: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import an HR export: all rows valid or nothing written; the same file twice changes nothing.

    Rows update in place (an employee who moved OPD moves: the by_opd index follows the item).
    Employees absent from the file are left as they are: a partial export is safe.
    ``on_progress(written, to_write)`` is told after each batch of 25 items (the CLI's bar).
    """
    sha = hashlib.sha256(data).hexdigest()
    # Supervisors outside the file must already be in the directory: look up only those.
    try:
        first_pass = rules.parse_directory_csv(data, known_nips=_all_supervisors_known(data))
    except rules.DirectoryFileError as exc:
        raise rejected(exc.problems) from None
    wanted = _items_from_file(first_pass)
    current = _batch_get([(i.pk, i.sk) for i in wanted])
    created = [i for i in wanted if (i.pk, i.sk) not in current]
    updated = [i for i in wanted if (i.pk, i.sk) in current and current[(i.pk, i.sk)].fields() != i.fields()]
    result = ImportResult(
        dry_run=dry_run,
        sha256=sha,
        rows=len(first_pass.employees),
        opds=len(first_pass.opds),
        units=len(first_pass.units),
        positions=len(first_pass.positions),
        employees=len(first_pass.employees),
        created=len(created),
        updated=len(updated),
        unchanged=len(wanted) - len(created) - len(updated),
    )
    if dry_run or not (created or updated):
        return result
    now = _now()
    changed = created + updated
    with DirectoryItem.batch_write() as batch:
        for written, item in enumerate(changed, start=1):
            item.updated_at = now
            batch.save(item)
            if on_progress is not None and (written % 25 == 0 or written == len(changed)):
                on_progress(written, len(changed))
    moved = [
        {"nip": i.nip, "from": current[(i.pk, i.sk)].opd_code, "to": i.opd_code}
        for i in updated
        if i.kind == EMP and current[(i.pk, i.sk)].opd_code != i.opd_code
    ]
    audit.append(
        AUDIT_STREAM,
        actor=actor,
        action="directory.import",
        subject=f"import#{sha[:16]}",
        before=None,
        after={
            "sha256": sha,
            "created": result.created,
            "updated": result.updated,
            "changed_keys": [i.pk for i in (created + updated)][:500],
            "moved_opd": moved[:500],
        },
        request_id=request_id,
    )
    return result


def _all_supervisors_known(data: bytes) -> frozenset[str]:
    """NIPs named as supervisors in the file that already exist in the directory."""
    sups = {values.get("atasan_nip", "") for _, values, _ in CsvFile(data).rows()}
    sups.discard("")
    return existing_nips(s for s in sups if len(s) == rules.NIP_LENGTH and s.isdigit())


# -- reads --------------------------------------------------------------------------------------
def _page(results: Any, scope: str) -> tuple[list[DirectoryItem], str | None]:
    items = list(results)
    return items, encode_cursor(results.last_evaluated_key, scope=scope)


def list_opds(limit: int, cursor: str | None) -> OpdPage:
    scope = "directory:opds"
    res = DirectoryItem.by_kind.query(OPD, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    items, nxt = _page(res, scope)
    return OpdPage(items=[OpdOut(code=i.code or "", name=i.name) for i in items], next_cursor=nxt)


def get_opd(code: str) -> OpdDetail:
    rows = list(DirectoryItem.query(opd_key(code)))
    head = next((r for r in rows if r.sk == OPD), None)
    if head is None:
        raise NotFound(f"OPD {code} tidak ditemukan.", details={"opd": code})
    units = [UnitOut(code=r.code or "", name=r.name, opd_code=code) for r in rows if r.kind == UNIT]
    return OpdDetail(code=code, name=head.name, units=units)


def list_employees(principal: Principal, opd: str | None, limit: int, cursor: str | None) -> EmployeePage:
    if opd is None and not principal.region_wide:
        opd = principal.opd
        if opd is None:
            raise Forbidden("Daftar pegawai seluruh daerah hanya untuk BKPSDM/BPKAD/admin.")
    if opd is not None:
        principal.require_opd(opd)
        scope = f"directory:employees:{opd}"
        res = DirectoryItem.by_opd.query(
            opd,
            DirectoryItem.pk.startswith(EMP_PREFIX),
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, scope=scope),
        )
    else:
        scope = "directory:employees"
        res = DirectoryItem.by_kind.query(
            EMP, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)
        )
    items, nxt = _page(res, scope)
    return EmployeePage(items=[employee_out(i) for i in items], next_cursor=nxt)


def get_employee(principal: Principal, nip: str) -> EmployeeOut:
    item = find_employee(nip)
    # Same answer for "absent" and "not yours": an outsider learns nothing about who exists.
    visible = item is not None and (
        principal.nip == nip
        or principal.can_see_opd(item.opd_code)
        or (principal.nip is not None and item.supervisor_nip == principal.nip)
    )
    if item is None or not visible:
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    return employee_out(item)


def me(principal: Principal) -> EmployeeOut:
    if principal.nip is None:
        raise NotFound("Akun ini tidak terhubung dengan NIP pegawai.", code="no_employee_record")
    item = find_employee(principal.nip)
    if item is None:
        raise NotFound("Data pegawai untuk akun ini belum ada di direktori.", code="no_employee_record")
    return employee_out(item)


def direct_reports(principal: Principal, nip: str, limit: int, cursor: str | None) -> EmployeePage:
    if principal.nip != nip and not principal.region_wide:
        raise Forbidden("Hanya atasan yang bersangkutan atau BKPSDM yang dapat melihat bawahan.")
    scope = f"directory:reports:{nip}"
    res = DirectoryItem.by_supervisor.query(
        nip, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)
    )
    items, nxt = _page(res, scope)
    return EmployeePage(items=[employee_out(i) for i in items], next_cursor=nxt)


def iter_employees() -> Iterator[DirectoryItem]:
    """Every employee, for batch jobs (payroll): a paginated query, not a scan."""
    yield from DirectoryItem.by_kind.query(EMP)
