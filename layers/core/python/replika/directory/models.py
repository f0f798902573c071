"""API contract of the directory (pydantic request / response models)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from replika.core.pagination import Page, PageQuery


class OpdOut(BaseModel):
    code: str
    name: str


class UnitOut(BaseModel):
    code: str
    name: str
    opd_code: str


class EmployeeOut(BaseModel):
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
    opd: str | None = Field(None, max_length=40, description="kode OPD")


class ImportQuery(BaseModel):
    dry_run: bool = False


class ImportProblem(BaseModel):
    line: int
    column: str | None
    reason: str


class ImportResult(BaseModel):
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
