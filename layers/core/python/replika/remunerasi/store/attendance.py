"""Attendance import markers: which days of a period were imported for which OPD
(``ATTIMP#<period>`` | ``<opd>``, the days as a number set). The days themselves (deduction and
codes per employee) live on the month totals (:mod:`.totals`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from replika.remunerasi import keys
from replika.remunerasi.store import Tx
from replika.remunerasi.tables import AttendanceImport

__all__ = ["AttendanceImport", "imported", "imported_of", "imported_one", "mark_in"]

BATCH_GET = 100


def mark_in(tx: Tx, period: str, opd: str, days: Collection[int], at: str) -> None:
    """Add ``days`` to ``opd``'s imported days of ``period`` (a set union: idempotent)."""
    if not days:
        return
    tx.update(
        AttendanceImport(*keys.attendance_import_key(period, opd)),
        actions=[
            AttendanceImport.opd_code.set(opd),
            AttendanceImport.period.set(period),
            AttendanceImport.days.add(set(days)),
            AttendanceImport.updated_at.set(at),
        ],
    )


def imported_one(period: str, opd: str) -> frozenset[int]:
    """The days of ``period`` imported for ``opd`` (GetItem)."""
    try:
        return AttendanceImport.get(*keys.attendance_import_key(period, opd)).day_set()
    except AttendanceImport.DoesNotExist:
        return frozenset()


def imported_of(period: str, opds: Sequence[str]) -> dict[str, frozenset[int]]:
    """Imported days by OPD for ``opds`` (BatchGetItem; an OPD never imported maps to nothing)."""
    unique = [o for o in dict.fromkeys(opds) if o]
    out: dict[str, frozenset[int]] = {o: frozenset() for o in unique}
    for i in range(0, len(unique), BATCH_GET):
        batch = [keys.attendance_import_key(period, o) for o in unique[i : i + BATCH_GET]]
        for item in AttendanceImport.batch_get(batch):
            out[item.sk] = item.day_set()
    return out


def imported(period: str) -> dict[str, frozenset[int]]:
    """Imported days of every OPD that has any in ``period`` (Query ``ATTIMP#<period>``)."""
    return {m.sk: m.day_set() for m in AttendanceImport.query(keys.attendance_import_pk(period))}
