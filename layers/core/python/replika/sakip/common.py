"""What every e-SAKIP use case shares: the region, its clock, who may see and change whose data, and
the planning periods.

Roles (Cognito groups, :class:`~replika.core.auth.Role`):

* ``bappeda`` — the planning agency: maintains the region's levels (vision .. strategic targets),
  may change every level and import the whole cascade, enters the region's realisation, reopens
  closed quarters, links E-RK activities and runs the roll-up; sees everything;
* ``pegawai`` — OPD staff, and the OPD head, scoped by their ``custom:opd`` claim: maintain their
  OPD's levels (OPD targets .. sub-activities), enter its realisation, draft its performance
  agreement; the OPD head (the directory's employee of that OPD with no supervisor inside it)
  confirms the signed agreement; they read the region's levels and their own OPD's;
* ``inspektorat`` — an LKE **evaluator**: proposes answers and verifies or rejects evidence;
* ``inspektorat-kepala`` — the LKE **team lead**: opens evaluations, sets the final answers,
  finalises and publishes; also verifies evidence. Both Inspektorat roles read everything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from replika.core.auth import Principal, Role
from replika.core.calendar import RegionCalendar, calendar_for
from replika.core.config import RegionConfig
from replika.core.errors import Forbidden, NotFound
from replika.core.runtime import current_region
from replika.sakip import keys
from replika.sakip.models import PeriodOut
from replika.sakip.rules.cascade import REGION
from replika.sakip.tables import Period

PLANNERS = (Role.BAPPEDA, Role.PEGAWAI)
ASSESSORS = (Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA)
READERS = (Role.BAPPEDA, Role.PEGAWAI, Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA)
REGION_READERS = frozenset({Role.BAPPEDA, Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA})
PERIOD_YEARS = 5


def region() -> RegionConfig:
    return current_region()


def calendar() -> RegionCalendar:
    return calendar_for(region())


def today() -> date:
    """The region's local date (what windows and reopenings are judged by)."""
    return calendar().today()


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor(p: Principal) -> str:
    return p.actor


def sees_everything(p: Principal) -> bool:
    return p.has_any(REGION_READERS)


def can_read(p: Principal, owner: str) -> bool:
    """The region's levels are read by every reader; an OPD's by its own staff and region readers."""
    return owner == REGION or sees_everything(p) or (p.opd is not None and p.opd == owner)


def require_read(p: Principal, owner: str) -> None:
    if not can_read(p, owner):
        raise Forbidden("Data ini di luar lingkup OPD Anda.", details={"owner": owner})


def can_write(p: Principal, owner: str) -> bool:
    """Bappeda changes every owner's data; OPD staff only their own OPD's."""
    if p.has_any((Role.BAPPEDA,)):
        return True
    return p.has_any((Role.PEGAWAI,)) and owner != REGION and p.opd is not None and p.opd == owner


def require_write(p: Principal, owner: str) -> None:
    if not can_write(p, owner):
        who = "Bappeda" if owner == REGION else f"OPD {owner} atau Bappeda"
        raise Forbidden(f"Hanya {who} yang dapat mengubah data ini.", details={"owner": owner})


# -- planning periods -----------------------------------------------------------------------------
def period_id(start_year: int) -> str:
    return f"{start_year}-{start_year + PERIOD_YEARS - 1}"


def period_years(period: Period) -> list[int]:
    return list(range(int(period.start_year), int(period.end_year) + 1))


def period_out(p: Period) -> PeriodOut:
    return PeriodOut(
        period=p.period,
        start_year=int(p.start_year),
        end_year=int(p.end_year),
        years=period_years(p),
        name=p.name,
    )


def get_period(period: str) -> Period:
    try:
        return Period.get(keys.PERIODS, period, consistent_read=True)  # its active cascade's space
    except Period.DoesNotExist:
        raise NotFound("Periode perencanaan tidak ditemukan.", details={"period": period}) from None


def list_periods() -> list[Period]:
    return list(Period.query(keys.PERIODS))


def period_of_year(year: int) -> Period:
    """The planning period that holds ``year`` (the latest one if two overlap)."""
    found = [p for p in list_periods() if int(p.start_year) <= year <= int(p.end_year)]
    if not found:
        raise NotFound("Tidak ada periode perencanaan untuk tahun ini.", details={"year": year})
    return max(found, key=lambda p: int(p.start_year))
