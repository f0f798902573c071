"""Acting supervisors (Plt), attendance import, behaviour ratings and disciplinary sentences."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

from replika.core import audit
from replika.core.auth import Principal
from replika.core.calendar import period_bounds
from replika.core.config import RegionConfig
from replika.core.errors import BadRequest, Forbidden, NotFound
from replika.core.tabular import CsvFile, RowProblem, rejected
from replika.remunerasi import keys, rules
from replika.remunerasi.models import (
    ActingIn,
    ActingOut,
    AttendanceImportOut,
    AttendanceMonthOut,
    BehaviourOut,
    SentenceIn,
    SentenceOut,
)
from replika.remunerasi.service.common import (
    MAX_TX_ACTIONS,
    _acting_for,
    _can_read_log,
    _now,
    _refuse_if_locked,
    actor_of,
    calendar,
    find_employee,
    region,
)
from replika.remunerasi.store import Tx, attendance, employees, people, totals, transaction
from replika.remunerasi.store.runs import not_locked_check


def assign_acting(body: ActingIn, *, actor: str, request_id: str | None) -> ActingOut:
    if body.end < body.start:
        raise BadRequest("Tanggal selesai sebelum tanggal mulai.", code="invalid_range")
    if body.acting_nip == body.for_nip:
        raise BadRequest("Plt tidak boleh orang yang sama.", code="invalid_acting")
    for nip in (body.acting_nip, body.for_nip):
        if find_employee(nip) is None:
            raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    item = people.new_acting(
        acting_nip=body.acting_nip,
        for_nip=body.for_nip,
        start=body.start.isoformat(),
        end=body.end.isoformat(),
        assigned_by=actor,
    )

    def write(tx: Tx) -> None:
        people.assign_in(tx, item)

    audit.write_with_audit(
        keys.AUDIT_ACTING,
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
#: The columns that carry a leave's approval: its reference number, or the approver's NIP and date.
LEAVE_COLUMNS = ("cuti_nomor", "cuti_penyetuju", "cuti_tanggal")
_REFERENCE = re.compile(r"^[0-9A-Za-z./\-]{1,64}$")


def _leave_approval(nip: str, day: date, v: dict[str, str], excuse: str | None) -> tuple[bool, str | None]:
    """``(approved, problem)`` of a row's leave approval columns (see :func:`parse_attendance_csv`)."""
    number, approver, approved_on = (v.get(c, "") for c in LEAVE_COLUMNS)
    if excuse != "cuti":
        if number or approver or approved_on:
            return False, "persetujuan cuti hanya untuk keterangan cuti"
        return False, None
    if number:
        if not _REFERENCE.match(number):
            return False, "nomor cuti: huruf, angka, . / - (paling panjang 64)"
        return True, None
    if not (approver or approved_on):
        return False, None  # leave without its approval: not an excuse (TK when absent)
    if not (len(approver) == 18 and approver.isdigit() and approver.isascii()):
        return False, "penyetuju cuti harus NIP 18 digit angka"
    if approver == nip:
        return False, "cuti tidak dapat disetujui oleh pegawai itu sendiri"
    try:
        date.fromisoformat(approved_on)
    except ValueError:
        return False, "tanggal persetujuan cuti harus YYYY-MM-DD"
    return True, None


def parse_attendance_csv(data: bytes, cfg: RegionConfig) -> list[AttendanceRowT]:
    """Fingerprint export rows (``nip,tanggal,masuk,pulang[,keterangan,surat,cuti_nomor,
    cuti_penyetuju,cuti_tanggal]``): every working-day row classified, or :class:`BadRequest`
    listing every bad row. Non-working days are skipped.

    A leave row (``keterangan=cuti``) is excused only with its approval: a reference number
    (``cuti_nomor``), or the approver's NIP and the approval date (``cuti_penyetuju`` and
    ``cuti_tanggal``, someone other than the employee). Leave without an approval is classified
    from the times (TK with none); approval columns on another row are an error."""
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
        excuse = EXCUSES[excuse_raw]
        leave_approved, leave_problem = _leave_approval(v["nip"], day, v, excuse)
        if leave_problem:
            problems.append(RowProblem(line, "cuti_nomor", leave_problem))
            continue
        if not cal.is_working_day(day):
            continue
        try:
            att = rules.classify_day(
                check_in,
                check_out,
                cfg.remunerasi,
                excuse=excuse,
                sick_letter=v.get("surat", "").lower() in ("ya", "y", "1"),
                leave_approved=leave_approved,
            )
        except ValueError as exc:
            problems.append(RowProblem(line, "pulang", str(exc)))
            continue
        rows.append((v["nip"], day, att, check_in, check_out, excuse, line))
    if problems:
        raise rejected(problems)
    return rows


def import_attendance(data: bytes, *, actor: str, request_id: str | None) -> AttendanceImportOut:
    """Re-importing a day overwrites that day (``aNN``/``cNN`` are set, not added): nothing doubles.

    Then every (OPD, working day) the file has a row for is marked imported (the OPD is the
    employee's in the directory): from then on an employee of that OPD with no row that day is TK,
    and the day is no longer "attendance missing" for the OPD. Markers are written after the rows,
    so an import that dies half way leaves days missing (shown, not deducted), never a TK for a
    row that was not written yet."""
    cfg = region()
    rows = parse_attendance_csv(data, cfg)
    nips = {r[0] for r in rows}
    people_by_nip = employees.batch_get(sorted(nips))
    unknown = [
        RowProblem(r[6], "nip", f"NIP {r[0]} tidak ada di direktori")
        for r in rows
        if r[0] not in people_by_nip
    ]
    if unknown:
        raise rejected(unknown[:500])
    periods = {f"{r[1]:%Y-%m}" for r in rows}
    for period in sorted(periods):
        _refuse_if_locked(period)
    grouped: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    marked: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    leave = {"approved": 0, "unapproved": 0}
    for nip, day, att, _in, _out, excuse, _line in rows:
        bp = rules.deduction_bp(att.deduction_pct)
        grouped[(nip, f"{day:%Y-%m}")].append((day.day, bp, "+".join(att.codes) or "H"))
        if opd := people_by_nip[nip].opd_code:
            marked[f"{day:%Y-%m}"][opd].add(day.day)
        if excuse == "cuti":
            leave["approved" if att.codes == ("CUTI",) else "unapproved"] += 1
    for (nip, period), days in grouped.items():
        # each employee-month with the lock check, so a lock that lands mid-import is respected
        with transaction() as tx:
            totals.set_attendance_in(tx, period, nip, days)
            not_locked_check(tx, period)
    now = _now()
    for period, by_opd in sorted(marked.items()):
        opds = sorted(by_opd)
        for i in range(0, len(opds), MAX_TX_ACTIONS - 1):
            with transaction() as tx:
                for opd in opds[i : i + MAX_TX_ACTIONS - 1]:
                    attendance.mark_in(tx, period, opd, by_opd[opd], now)
                not_locked_check(tx, period)
    audit.append(
        keys.AUDIT_ATTENDANCE,
        actor=actor,
        action="attendance.import",
        subject="attendance#import",
        after={
            "rows": len(rows),
            "employees": len(nips),
            "periods": sorted(periods),
            "sha256": hashlib.sha256(data).hexdigest(),
            "leave": leave,
            "imported": {p: {o: sorted(d) for o, d in sorted(m.items())} for p, m in sorted(marked.items())},
        },
        request_id=request_id,
    )
    return AttendanceImportOut(rows=len(rows), days=sorted({r[1] for r in rows}), employees=len(nips))


def attendance_month(p: Principal, nip: str, period: str) -> AttendanceMonthOut:
    emp = find_employee(nip)
    if emp is None or not _can_read_log(p, emp):
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    cfg = region()
    cal = calendar(cfg)
    tot = totals.get(period, nip)
    att = tot.day_attendance() if tot is not None else {}
    imported = attendance.imported_one(period, emp.opd_code) if emp.opd_code else frozenset()
    first, last = period_bounds(period)
    days: dict[str, dict[str, str | int]] = {
        first.replace(day=d).isoformat(): {"codes": codes, "deduction_bp": bp}
        for d, (bp, codes) in sorted(att.items())
    }
    absences = rules.month_absences(period, tot, imported, cal)
    absent_bp = rules.deduction_bp(cfg.remunerasi.absent_pct)
    for d in absences:  # imported for the OPD, no row for this employee: TK
        days[d.isoformat()] = {"codes": rules.ABSENT_CODE, "deduction_bp": absent_bp, "source": "no_record"}
    days = dict(sorted(days.items()))
    total_bp = sum(int(day["deduction_bp"]) for day in days.values())
    period_days = [first + timedelta(days=i) for i in range(last.day)]
    missing = rules.missing_attendance_days(period_days, imported, cal, cal.today()) if emp.opd_code else ()
    return AttendanceMonthOut(
        nip=nip,
        period=period,
        days=days,
        total_deduction_pct=str(Decimal(total_bp) / 100),
        missing_days=list(missing),
    )


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

    def write(tx: Tx) -> None:
        totals.set_behaviour_in(tx, period, nip, score, p.nip or "")
        not_locked_check(tx, period)

    audit.write_with_audit(
        keys.AUDIT_BEHAVIOUR,
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
    current = totals.of_periods(body.nip, periods)
    sentence_id = secrets.token_hex(6)
    item = people.new_sentence(
        sentence_id=sentence_id,
        nip=body.nip,
        level=body.level,
        start_period=body.start_period,
        end_period=body.end_period,
        cut_pct=float(pct),
        note=body.note,
        recorded_by=actor,
    )

    def write(tx: Tx) -> None:
        people.record_in(tx, item)
        for period in periods:
            old = current.get(period)
            old_value = old.sentence_pct if old is not None else None
            if old_value is not None and Decimal(str(old_value)) >= pct:
                continue
            totals.set_sentence_in(tx, period, body.nip, pct=float(pct), level=body.level, old_pct=old_value)
            not_locked_check(tx, period)

    audit.write_with_audit(
        keys.AUDIT_SENTENCE,
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
