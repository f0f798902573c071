"""Who may apply (region policy, Permendagri 32/2011): an organisation must be a legal body,
domiciled in the region, registered at least ``min_years_registered`` years before the proposal's
submission (region-local date), and have no overdue LPJ. Individual bansos recipients (entered by
an OPD) are only checked for an overdue LPJ. Returns every reason, not just the first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from replika.core.config import SabilulunganPolicy
from replika.core.errors import Conflict


@dataclass(frozen=True)
class Applicant:
    legal_body_number: str | None
    region_code: str | None  # Kemendagri code of the kabupaten/kota of the address, e.g. "32.73"
    registered_on: date | None  # date of the legal body's registration
    has_overdue_lpj: bool


def full_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (29 February counts its anniversary on 1 March)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def reasons(
    applicant: Applicant, *, policy: SabilulunganPolicy, region_kode: str, today: date, individual: bool
) -> list[str]:
    found: list[str] = []
    if not individual:
        if policy.require_legal_body and not applicant.legal_body_number:
            found.append("not_legal_body")
        if policy.require_domicile and applicant.region_code != region_kode:
            found.append("not_domiciled")
        if policy.min_years_registered and (
            applicant.registered_on is None
            or full_years(applicant.registered_on, today) < policy.min_years_registered
        ):
            found.append("registered_too_recently")
    if applicant.has_overdue_lpj:
        found.append("overdue_lpj")
    return found


MESSAGES = {
    "not_legal_body": "Pemohon hibah harus berbadan hukum (nomor badan hukum wajib).",
    "not_domiciled": "Pemohon harus berkedudukan di wilayah daerah ini.",
    "registered_too_recently": "Badan hukum belum terdaftar cukup lama sesuai kebijakan daerah.",
    "overdue_lpj": "Pemohon masih memiliki LPJ yang terlambat; laporkan dulu.",
}


def require_eligible(applicant: Applicant, **kw: object) -> None:
    found = reasons(applicant, **kw)  # type: ignore[arg-type]
    if found:
        raise Conflict(
            "Pemohon belum memenuhi syarat: " + " ".join(MESSAGES[r] for r in found),
            code="not_eligible",
            details={"reasons": found},
        )
