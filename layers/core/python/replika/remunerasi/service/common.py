"""Shared by the e-Remunerasi use cases: the region, the caller, the period lock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from replika.core.auth import Principal
from replika.core.calendar import RegionCalendar, calendar_for
from replika.core.config import RegionConfig
from replika.core.errors import Conflict, NotFound
from replika.core.runtime import current_region
from replika.remunerasi import keys
from replika.remunerasi.store import employees, people
from replika.remunerasi.store.employees import DirectoryItem
from replika.remunerasi.store.runs import is_locked

MAX_TX_ACTIONS = 100
EVIDENCE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
PENDING_NO_SUPERVISOR = keys.NO_SUPERVISOR  # entries of officials without a supervisor


# -- region ---------------------------------------------------------------------------------------
def region() -> RegionConfig:
    return current_region()


def calendar(cfg: RegionConfig | None = None) -> RegionCalendar:
    return calendar_for(cfg or region())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_of(p: Principal) -> str:
    """The one actor format of audit records and decisions (:attr:`Principal.actor`)."""
    return p.actor


# -- keys -----------------------------------------------------------------------------------------
ENTRY_ID = re.compile(r"^\d{8}-[0-9a-f]{10}$")


def entry_key(nip: str, entry_id: str) -> tuple[str, str]:
    """An entry id starts with its date (``YYYYMMDD-…``), so the id alone locates it."""
    try:
        if not (ENTRY_ID.match(entry_id) and len(nip) == 18 and nip.isdigit()):
            raise ValueError(entry_id)
        d = datetime.strptime(entry_id[:8], "%Y%m%d").date()
    except ValueError:
        raise NotFound("Kegiatan tidak ditemukan.", details={"entry_id": entry_id[:40]}) from None
    return keys.log_pk(nip, f"{d:%Y-%m}"), entry_id


def _refuse_if_locked(period: str) -> None:
    if is_locked(period):
        raise Conflict(f"Periode {period} sudah dikunci.", code="period_locked", details={"period": period})


def find_employee(nip: str) -> DirectoryItem | None:
    """The directory item of ``nip`` (``None`` when unknown or malformed)."""
    return employees.get(nip)


def _employee(nip: str | None) -> DirectoryItem:
    emp = employees.get(nip) if nip else None
    if emp is None:
        raise NotFound("Akun ini tidak terhubung dengan data pegawai.", code="no_employee_record")
    return emp


def _can_read_log(p: Principal, emp: DirectoryItem) -> bool:
    return p.nip == emp.nip or p.region_wide or (p.nip is not None and emp.supervisor_nip == p.nip)


def _acting_for(p: Principal, on: date) -> set[str]:
    """The supervisors ``p`` stands in for (Plt) on date ``on``."""
    if p.nip is None:
        return set()
    return people.acting_for(p.nip, on.isoformat())
