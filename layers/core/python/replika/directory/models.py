"""API contract of the directory (pydantic request / response models)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from replika.core.pagination import Page, PageQuery
from replika.core.schema import Schema


class OpdOut(Schema):
    code: str
    name: str


class UnitOut(Schema):
    code: str
    name: str
    opd_code: str


class EmployeeOut(Schema):
    nip: str = Field(pattern=r"^[0-9]{18}$")
    name: str
    opd_code: str
    unit_code: str | None = None
    unit_name: str | None = None
    position_code: str | None = None
    position_name: str | None = None
    kelas: int | None = Field(None, ge=1, le=17)
    supervisor_nip: str | None = None
    active: bool = True


class OpdDetail(OpdOut):
    units: list[UnitOut]


class OpdPage(Page[OpdOut]):
    pass


class EmployeePage(Page[EmployeeOut]):
    pass


class EmployeeQuery(PageQuery):
    opd: str | None = Field(None, min_length=1, max_length=40, description="kode OPD")


class ImportQuery(Schema):
    dry_run: bool = False


class ImportProblem(Schema):
    line: int
    column: str | None
    reason: str


class ImportResult(Schema):
    dry_run: bool
    sha256: str
    rows: int
    opds: int
    units: int
    positions: int
    employees: int
    created: int
    updated: int
    unchanged: int


# --- tamper evidence of the audit log (replika.core.audit_verify) --------------------------------

AUDIT_STREAM_PATTERN = r"^[a-z][a-z0-9_./-]{0,79}$"
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class AuditVerifyQuery(Schema):
    # Valid only relative to today and to each other (not in the future, at most 31 days, until
    # not before since): a schema cannot say so, hence "x-opaque" (the example is a valid value).
    since: date = Field(
        description="first UTC day to verify (YYYY-MM-DD), not in the future",
        json_schema_extra={"x-opaque": True, "examples": ["2026-01-01"]},
    )
    until: date | None = Field(
        None,
        description="last UTC day (default: since); at most 31 days after since",
        json_schema_extra={"x-opaque": True},
    )
    stream: str | None = Field(None, pattern=AUDIT_STREAM_PATTERN, description="only this stream")


class ChainProblemOut(Schema):
    chain: str
    reason: str = Field(
        description="hash_mismatch | broken_link | gap | truncated | rewritten | missing_chain | "
        "digest_mismatch | republished"
    )
    seq: int | None = None


class AuditDayOut(Schema):
    day: str
    chains: int
    records: int
    published: bool = Field(description="the day's heads were found in the Object Lock bucket")
    ok: bool
    problems: list[ChainProblemOut]


class AuditVerifyOut(Schema):
    ok: bool
    days: list[AuditDayOut]


class ChainHeadOut(Schema):
    count: int
    hash: str | None


class AuditHeadsOut(Schema):
    day: str
    digest: str
    chains: dict[str, ChainHeadOut]
