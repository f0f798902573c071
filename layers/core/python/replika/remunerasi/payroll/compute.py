"""One employee's payroll result from the directory item and the month total (rules, no writes)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from replika.core.calendar import RegionCalendar, calendar_for, to_utc_iso, utc_now
from replika.core.config import RegionConfig
from replika.directory.tables import DirectoryItem
from replika.remunerasi import rules
from replika.remunerasi.store import attendance, employees, totals
from replika.remunerasi.store import results as results_store
from replika.remunerasi.tables import PayrollResult

__all__ = ["compute_chunk", "result_item", "tkd_input"]


def now() -> str:
    return to_utc_iso(utc_now())


def tkd_input(
    period: str,
    nip: str,
    emp: DirectoryItem,
    total: rules.MonthRecord | None,
    calendar: RegionCalendar,
    config: RegionConfig,
    imported: Collection[int] | None = None,
) -> rules.TkdInput:
    """One employee's rules input: :func:`rules.month_input` with the directory's kelas and OPD
    (``imported``: the days imported for that OPD; a working one without a row is TK).
    Raises ``ValueError`` on data the rules cannot take."""
    return rules.month_input(
        period,
        nip,
        kelas=None if emp.kelas is None else int(emp.kelas),
        opd_code=emp.opd_code,
        record=total,
        calendar=calendar,
        policy=config.remunerasi,
        imported=imported,
    )


def result_item(
    period: str,
    nip: str,
    generation: int,
    emp: DirectoryItem | None,
    total: rules.MonthRecord | None,
    config: RegionConfig,
    at: str,
    imported: Collection[int] | None = None,
) -> PayrollResult:
    if emp is None:
        return results_store.failed_item(
            period, nip, generation, "Pegawai tidak ada (lagi) di direktori.", at
        )
    try:
        r = rules.compute_tkd(
            tkd_input(period, nip, emp, total, calendar_for(config), config, imported), config.remunerasi
        )
    except ValueError as exc:
        return results_store.failed_item(
            period,
            nip,
            generation,
            str(exc),
            at,
            name=emp.name,
            position_name=emp.position_name,
            opd=emp.opd_code,
            kelas=None if emp.kelas is None else int(emp.kelas),
        )
    return results_store.ok_item(r, generation, at, name=emp.name, position_name=emp.position_name)


def compute_chunk(
    period: str, generation: int, nips: Sequence[str], config: RegionConfig
) -> list[PayrollResult]:
    """The results of one chunk: three batch reads (directory, month totals -- read as
    :class:`.totals.MonthView`, no model per employee --, the attendance import markers of the
    chunk's OPDs), then the rules."""
    people = employees.batch_get(nips, employees.PAYROLL_ATTRIBUTES)
    month = totals.batch_get_views(period, nips)
    marks = attendance.imported_of(period, sorted({p.opd_code or "" for p in people.values()}))
    at = now()
    return [
        result_item(period, nip, generation, emp, month.get(nip), config, at, marks.get(emp.opd_code or ""))
        if (emp := people.get(nip)) is not None
        else result_item(period, nip, generation, None, month.get(nip), config, at)
        for nip in nips
    ]
