"""A month of E-RK data for the demo region: catalogue, activity log, approvals and attendance.

The catalogue and the pending entries of today go through the real use cases. The previous
month is loaded the way a region migrating from its old E-RK would load history: the month totals
(approved minutes per day and attendance per day, classified by the same pure rules the import
uses) for every employee, and the day-by-day approved activity log behind them for the OPDs named
in ``log_opds`` (the demo users' OPDs; writing 44,000 log items through the local moto server would
take about a minute). Everything is deterministic (seeded).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from replika.core.calendar import period_bounds, previous_period
from replika.core.config import RegionConfig
from replika.remunerasi import keys, rules, service
from replika.remunerasi.tables import ActivityTotal, Entry, MonthTotal, OpdTotal, day_attr
from replika_infra.demo.seed import SeedEmployee

CATALOGUE = """kode,nama,menit
RAPAT,Rapat koordinasi,60
SURAT,Menyusun konsep surat dinas,30
LAYAN,Melayani permohonan masyarakat,20
VERIF,Memverifikasi berkas,15
LAPOR,Menyusun laporan kegiatan,90
ANGGAR,Menyusun rencana anggaran,120
MONEV,Monitoring dan evaluasi lapangan,180
ARSIP,Mengarsipkan dokumen,10
DATA,Memutakhirkan data,30
SOSIAL,Sosialisasi program,120
"""
ACTIVITIES = {
    "RAPAT": 60,
    "SURAT": 30,
    "LAYAN": 20,
    "VERIF": 15,
    "LAPOR": 90,
    "ANGGAR": 120,
    "MONEV": 180,
    "ARSIP": 10,
    "DATA": 30,
    "SOSIAL": 120,
}
NAMES = {line.split(",")[0]: line.split(",")[1] for line in CATALOGUE.strip().splitlines()[1:]}


@dataclass(frozen=True)
class DemoMonth:
    period: str
    entries: int
    employees: int
    logged_opds: str


def _load(opd_index: int) -> float:
    """OPD workload factor: a few overloaded OPDs, a few idle ones."""
    return [1.25, 1.1, 0.75, 1.0, 0.9][opd_index % 5]


def seed_month(
    config: RegionConfig,
    employees: list[SeedEmployee],
    *,
    log_opds: frozenset[str] = frozenset(),
    seed: int = 2026,
) -> DemoMonth:
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data
    cal = service.calendar(config)
    period = previous_period(cal.period_of(cal.today()))
    first, last = period_bounds(period)
    days = cal.working_days(first, last)
    policy = config.remunerasi
    service.import_activities(CATALOGUE.encode(), actor="demo", request_id=None)
    opd_index = {code: i for i, code in enumerate(sorted({e.opd_code for e in employees}))}
    entries = 0
    opd_minutes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    #: what an approval adds to the activity totals (e-SAKIP's roll-up reads them), logged OPDs only
    activity_minutes: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    with Entry.batch_write() as log, MonthTotal.batch_write() as totals:
        for emp in employees:
            factor = _load(opd_index[emp.opd_code]) * rng.uniform(0.7, 1.25)
            total = MonthTotal(
                *keys.TOTALS.key(period, emp.nip),
                nip=emp.nip,
                period=period,
                opd_code=emp.opd_code,
                gsi1pk=keys.TOTALS.opd_pk(period, emp.opd_code, emp.nip),
                gsi1sk=emp.nip,
                approved_minutes=0,
            )
            for d in days:
                code = rng.choice(list(ACTIVITIES))
                qty = max(1, round(300 * factor / ACTIVITIES[code]))
                minutes = qty * ACTIVITIES[code]
                entry_id = f"{d:%Y%m%d}-{rng.getrandbits(40):010x}"
                if emp.opd_code in log_opds:
                    entries += 1
                    activity_minutes[(emp.opd_code, emp.nip, code)][0] += minutes
                    activity_minutes[(emp.opd_code, emp.nip, code)][1] += 1
                    log.save(
                        Entry(
                            f"LOG#{emp.nip}#{period}",
                            entry_id,
                            entry_id=entry_id,
                            nip=emp.nip,
                            period=period,
                            entry_date=d.isoformat(),
                            opd_code=emp.opd_code,
                            approver_nip=emp.supervisor_nip or None,
                            activity_code=code,
                            activity_name=NAMES[code],
                            std_minutes=ACTIVITIES[code],
                            quantity=qty,
                            minutes=minutes,
                            overtime=False,
                            status="approved",
                            decided_by=emp.supervisor_nip or "BKPSDM",
                            decided_at=f"{d.isoformat()}T09:00:00Z",
                            created_at=f"{d.isoformat()}T01:00:00Z",
                            version=2,
                        )
                    )
                setattr(total, day_attr("d", d.day), minutes)
                total.approved_minutes += minutes
                opd_minutes[emp.opd_code][0] += minutes
                opd_minutes[emp.opd_code][1] += 1
                att = rules.classify_day(*_attendance(rng), policy)
                setattr(total, day_attr("a", d.day), int(att.deduction_pct * 100))
                setattr(total, day_attr("c", d.day), "+".join(att.codes) or "H")
            totals.save(total)
    with OpdTotal.batch_write() as batch:
        for opd, (minutes, count) in opd_minutes.items():
            batch.save(
                OpdTotal(
                    f"OPDTOT#{period}",
                    opd,
                    opd_code=opd,
                    period=period,
                    approved_minutes=minutes,
                    approved_entries=count,
                )
            )
    with ActivityTotal.batch_write() as batch:
        for (opd, nip, code), (minutes, count) in activity_minutes.items():
            batch.save(
                ActivityTotal(
                    *keys.activity_total_key(period, opd, nip, code),
                    nip=nip,
                    opd_code=opd,
                    period=period,
                    activity_code=code,
                    approved_minutes=minutes,
                    approved_entries=count,
                )
            )
    return DemoMonth(
        period=period,
        entries=entries,
        employees=len(employees),
        logged_opds=", ".join(sorted(log_opds)) or "no OPD",
    )


def _attendance(rng: random.Random) -> tuple[time | None, time | None]:
    roll = rng.random()
    if roll < 0.01:
        return None, None  # TK
    arrive = time(7, rng.randint(0, 29)) if roll < 0.85 else time(7 + rng.randint(0, 2), rng.randint(0, 59))
    leave = time(16, rng.randint(0, 45)) if rng.random() < 0.95 else time(15, rng.randint(0, 59))
    return arrive, leave


def today_entries(demo_nip: str, config: RegionConfig) -> int:
    """Two pending entries of today for the demo employee, through the real use case."""
    from replika.core.auth import Principal, Role
    from replika.directory.service import find_employee
    from replika.remunerasi.models import EntryIn

    emp = find_employee(demo_nip)
    if emp is None:
        return 0
    cal = service.calendar(config)
    today: date = cal.today()
    me = Principal("demo", "demo-pegawai", frozenset({Role.PEGAWAI}), nip=demo_nip, opd=emp.opd_code)
    overtime = not cal.is_working_day(today)
    for code, qty in (("RAPAT", 2), ("SURAT", 3)):
        service.create_entry(
            me, EntryIn(entry_date=today, activity_code=code, quantity=qty, overtime=overtime)
        )
    return 2
