"""One employee's month, from the month-total record to the rules' input.

The payroll run and the employee dashboard both read a month through :func:`month_input` (and
its parts :func:`month_minutes`, :func:`month_attendance_pct`, :func:`month_sentences`), so the
slip and the dashboard's projection cannot disagree about what a stored month means.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from replika.core.calendar import RegionCalendar, parse_period, period_bounds
from replika.core.config import RemunerasiPolicy
from replika.remunerasi.rules.attendance import unrecorded_absences
from replika.remunerasi.rules.minutes import CountableMinutes, MinuteEntry, countable_minutes
from replika.remunerasi.rules.tkd import Sentence, TkdInput


class MonthRecord(Protocol):
    """What the rules read of a month total (``tables.MonthTotal`` is one)."""

    @property
    def sentence_pct(self) -> float | int | Decimal | None: ...

    @property
    def sentence_level(self) -> str | None: ...

    def day_minutes(self) -> dict[int, int]: ...

    def day_attendance(self) -> dict[int, tuple[int, str]]: ...


def month_minutes(
    period: str, record: MonthRecord | None, calendar: RegionCalendar, policy: RemunerasiPolicy
) -> CountableMinutes:
    """Approved and countable minutes of the month from the day minutes ``d01``..``d31``.

    Every minute on a non-working day is assigned overtime (the entry service refuses any other
    entry on such a day). A day that does not exist in ``period`` (``d31`` of November) is bad
    data: ``ValueError``, as are negative minutes."""
    if record is None:
        return countable_minutes((), calendar, policy)
    year, month = parse_period(period)
    _, last = period_bounds(period)
    entries: list[MinuteEntry] = []
    for d, minutes in sorted(record.day_minutes().items()):
        if d > last.day:
            raise ValueError(f"menit tercatat pada tanggal {d} yang tidak ada di periode {period}")
        if minutes:
            entries.append(MinuteEntry(date(year, month, d), minutes, True))
    return countable_minutes(entries, calendar, policy)


def month_absences(
    period: str, record: MonthRecord | None, imported: Collection[int] | None, calendar: RegionCalendar
) -> tuple[date, ...]:
    """The working days of ``period`` imported for the employee's OPD (``imported``: days of the
    month, from the OPD's import marker) on which the month total has no attendance row: each is
    TK (:func:`~replika.remunerasi.rules.attendance.unrecorded_absences`). ``imported=None``
    (no import information) finds none."""
    if not imported:
        return ()
    first, last = period_bounds(period)
    recorded = record.day_attendance() if record is not None else {}
    days = [first + timedelta(days=i) for i in range(last.day)]
    return unrecorded_absences(days, recorded, imported, calendar)


def month_attendance_pct(
    record: MonthRecord | None, *, absences: int = 0, policy: RemunerasiPolicy | None = None
) -> Decimal:
    """The month's attendance deduction so far: the sum of ``a01``..``a31`` basis points, plus
    ``absences`` days of TK without a record at ``policy.absent_pct`` each, in percent (exact)."""
    stored = Decimal(0) if record is None else Decimal(sum(bp for bp, _ in record.day_attendance().values()))
    pct = stored.scaleb(-2)
    if absences:
        if policy is None:
            raise ValueError("policy diperlukan untuk menghitung TK tanpa catatan")
        pct += policy.absent_pct * absences
    return pct


def month_sentences(period: str, record: MonthRecord | None) -> tuple[Sentence, ...]:
    """The heaviest sentence covering the month (stored as ``sentence_pct``) as a whole-month sentence."""
    if record is None or not record.sentence_pct:
        return ()
    first, last = period_bounds(period)
    pct = Decimal(str(record.sentence_pct))
    return (Sentence(record.sentence_level or "putusan", first, last, cut_pct=pct),)


def month_input(
    period: str,
    nip: str,
    *,
    kelas: int | None,
    opd_code: str | None,
    record: MonthRecord | None,
    calendar: RegionCalendar,
    policy: RemunerasiPolicy,
    imported: Collection[int] | None = None,
) -> TkdInput:
    """One employee's :class:`TkdInput` from the directory's kelas/OPD and the month total
    (``None`` = nothing logged and no attendance imported). ``imported``: the days of the month
    whose attendance was imported for the employee's OPD; a working day among them with no row
    for the employee is TK (:func:`month_absences`). ``ValueError`` on data the rules cannot take
    (no kelas, no OPD, a day outside the period, negative minutes)."""
    if kelas is None:
        raise ValueError("kelas jabatan pegawai belum diisi di direktori")
    if not opd_code:
        raise ValueError("OPD pegawai belum diisi di direktori")
    counted = month_minutes(period, record, calendar, policy)
    return TkdInput(
        nip=nip,
        period=period,
        kelas=int(kelas),
        opd_code=opd_code,
        approved_minutes=counted.approved_total,
        countable_minutes=counted.total,
        attendance_deduction_pct=month_attendance_pct(
            record, absences=len(month_absences(period, record, imported, calendar)), policy=policy
        ),
        sentences=month_sentences(period, record),
    )
