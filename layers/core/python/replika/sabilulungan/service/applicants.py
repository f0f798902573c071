"""Applicant organisations: the profile of the signed-in account (keyed by its Cognito subject)."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.auth import Principal
from replika.core.errors import Conflict, NotFound
from replika.sabilulungan import store
from replika.sabilulungan.models import ProfileIn, ProfileOut
from replika.sabilulungan.service import proposals


def get_profile(principal: Principal) -> ProfileOut:
    found = store.get_profile(principal.subject)
    if found is None:
        raise NotFound("Profil lembaga belum diisi.", code="no_profile")
    data, version = found
    return ProfileOut.model_validate({**data, "version": version})


def put_profile(principal: Principal, body: ProfileIn, request_id: str | None) -> ProfileOut:
    found = store.get_profile(principal.subject)
    current = found[1] if found else None
    if body.version != current:
        raise Conflict(
            "Profil telah berubah; muat ulang lalu simpan lagi.",
            code="version_mismatch",
            details={"expected": current, "got": body.version},
        )
    data = body.model_dump(mode="json", exclude={"version"})
    data["email"] = principal.email or principal.username
    version = (current or 0) + 1

    def write(tx: TransactWrite) -> None:
        store.save_profile(tx, principal.subject, data, version, current)

    audit.write_with_audit(
        "sabilulungan/applicants",
        write,
        actor=principal.actor,
        action="sabilulungan.profile_saved",
        subject=f"sabilulungan-applicant#{principal.subject}",
        after={"name": body.name, "version": version},  # no bank account or NPWP in the audit
        request_id=request_id,
    )
    proposals.refresh_match_keys(principal, data, request_id)  # the identity changed: match keys too
    return ProfileOut.model_validate({**data, "version": version})
