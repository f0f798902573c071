"""Directory app (`/directory`): OPDs, employees, `/me`, and the HR-export import for BKPSDM.

Thin adapter: parse, check role, call :mod:`replika.directory.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from replika.core.auth import Role
from replika.core.http import Api, Ctx
from replika.core.lazy import lazy_module
from replika.core.pagination import PageQuery
from replika.directory import models, service

if TYPE_CHECKING:
    from replika.directory import audit_checks
else:  # loaded by the first request that needs it (cold start)
    audit_checks = lazy_module("replika.directory.audit_checks")

api = Api.for_app("directory", title="replika directory")
app = api.app
ADMINS = (Role.ADMIN, Role.BKPSDM)
IMPORT_EXAMPLE = (
    "nip,nama,opd_kode,opd_nama,unit_kode,unit_nama,jabatan_kode,jabatan_nama,kelas_jabatan,atasan_nip\n"
    "199711112019052555,Nining Hidayat,32.73.01,Sekretariat Daerah,32.73.01.00,Pimpinan,"
    "32.73.01.J01,Kepala Sekretariat Daerah,15,\n"
)


@api.route("/opds")
def list_opds(ctx: Ctx, query: PageQuery) -> models.OpdPage:
    """Daftar OPD"""
    return service.list_opds(query.limit, query.cursor)


@api.route("/opds/{code}")
def get_opd(ctx: Ctx, code: str) -> models.OpdDetail:
    """Satu OPD dengan unitnya"""
    return service.get_opd(code)


@api.route("/employees")
def list_employees(ctx: Ctx, query: models.EmployeeQuery) -> models.EmployeePage:
    """Daftar pegawai (per OPD)"""
    return service.list_employees(ctx.user, query.opd, query.limit, query.cursor)


@api.route("/employees/{nip}")
def get_employee(ctx: Ctx, nip: str) -> models.EmployeeOut:
    """Satu pegawai"""
    return service.get_employee(ctx.user, nip)


@api.route("/employees/{nip}/reports")
def direct_reports(ctx: Ctx, nip: str, query: PageQuery) -> models.EmployeePage:
    """Bawahan langsung"""
    return service.direct_reports(ctx.user, nip, query.limit, query.cursor)


@api.route("/me", errors=(404,))
def me(ctx: Ctx) -> models.EmployeeOut:
    """Data pegawai milik akun ini"""
    return service.me(ctx.user)


@api.route(
    "/import", "POST", roles=ADMINS, raw_body=("text/csv",), idempotent=True, raw_example=IMPORT_EXAMPLE
)
def import_directory(ctx: Ctx, query: models.ImportQuery) -> models.ImportResult:
    """Impor ekspor SIMPEG (CSV): semua baris sah atau tidak ada yang disimpan"""
    return service.import_directory(
        ctx.raw_body, actor=ctx.user.actor, dry_run=query.dry_run, request_id=ctx.request_id
    )


# --- tamper evidence of the region's audit log ---------------------------------------------------
AUDITORS = (Role.INSPEKTORAT_KEPALA, Role.INSPEKTORAT, Role.ADMIN)


@api.route("/audit/verify", roles=AUDITORS)
def audit_verify(ctx: Ctx, query: models.AuditVerifyQuery) -> models.AuditVerifyOut:
    """Periksa rantai log audit per hari terhadap kepala rantai yang diterbitkan"""
    return audit_checks.verify(query.since, query.until, query.stream)


@api.route("/public/audit/heads/{day}", public=True)
def audit_heads(ctx: Ctx, day: str) -> models.AuditHeadsOut:
    """Kepala rantai log audit yang diterbitkan untuk satu hari (UTC), terkunci Object Lock"""
    return audit_checks.published_heads(day)


@app.schedule("cron(15 0 * * ? *)", name="publish_audit_heads")
def publish_audit_heads(event: Any) -> dict[str, Any]:
    """00:15 UTC: publish yesterday's chain heads to the Object Lock bucket."""
    return audit_checks.publish_yesterday()
