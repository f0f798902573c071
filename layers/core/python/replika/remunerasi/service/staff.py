"""Acting supervisors (Plt), attendance import, behaviour ratings and disciplinary sentences."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import date, time
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
    _acting_for,
    _can_read_log,
    _refuse_if_locked,
    actor_of,
    calendar,
    find_employee,
    region,
)
from replika.remunerasi.store import Tx, employees, people, totals, transaction
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
    known = set(employees.batch_get(sorted(nips)))
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
        # each employee-month with the lock check, so a lock that lands mid-import is respected
        with transaction() as tx:
            totals.set_attendance_in(tx, period, nip, days)
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
        },
        request_id=request_id,
    )
    return AttendanceImportOut(rows=len(rows), days=sorted({r[1] for r in rows}), employees=len(nips))


def attendance_month(p: Principal, nip: str, period: str) -> AttendanceMonthOut:
    emp = find_employee(nip)
    if emp is None or not _can_read_log(p, emp):
        raise NotFound(f"Pegawai {nip} tidak ditemukan.", details={"nip": nip})
    tot = totals.get(period, nip)
    att = tot.day_attendance() if tot is not None else {}
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
