"""Identity: Cognito claims -> :class:`Principal`, and role / OPD-scope checks.

Roles are Cognito groups. Custom attributes carry the employee's NIP (``custom:nip``) and OPD
(``custom:opd``). API Gateway's Cognito authorizer hands the claims to Lambda with groups as a
string (``"a,b"`` or ``"[a b]"``); the local gateway hands a JSON list. Both parse the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from replika.core.errors import Forbidden, Unauthorized


class Role(StrEnum):
    ADMIN = "admin"  # region administrator (Diskominfo): configuration, users
    BKPSDM = "bkpsdm"  # civil-service agency: directory, activity catalogue, payroll review
    BPKAD = "bpkad"  # finance agency: approves and locks payroll
    PEGAWAI = "pegawai"  # any civil servant (ASN)
    INSPEKTORAT_KEPALA = "inspektorat-kepala"  # head of internal audit: assigns WBS reports
    INSPEKTORAT = "inspektorat"  # internal-audit handler
    BAPPEDA = "bappeda"  # planning agency: e-SAKIP
    DPMPTSP = "dpmptsp"  # licensing office: Hayu
    TAPD = "tapd"  # budget team: Sabilulungan (also sits as its Tim Pertimbangan)
    KEPALA_DAERAH = "kepala-daerah"  # head of region (or delegate): grant disposition and approval
    # An applicant from the public (organisation, business, citizen). Never a Cognito group: only a
    # token of the applicants' pool carries it (principal_from_claims), and it carries nothing else.
    PEMOHON = "pemohon"
    # WBS escalation desks (the region config names one): reports the head of Inspektorat may not
    # see (about the head or the Inspektorat itself) go there.
    SEKDA = "sekda"  # regional secretary (Sekretaris Daerah)
    APIP_PROVINSI = "apip-provinsi"  # provincial APIP (Inspektorat Provinsi) liaison


#: Roles whose scope is the whole region rather than their own OPD.
REGION_WIDE = frozenset({Role.ADMIN, Role.BKPSDM, Role.BPKAD})


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    nip: str | None = None
    opd: str | None = None
    applicant: bool = False  # signed in through the applicants' pool (self sign-up)
    #: the applicant's verified e-mail (claim ``email``; the pool's username is then the sub)
    email: str | None = None

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles.intersection(roles))

    def require_any(self, roles: Iterable[Role]) -> None:
        wanted = frozenset(roles)
        if wanted and not self.has_any(wanted):
            raise Forbidden(details={"required_roles": sorted(r.value for r in wanted)})

    @property
    def actor(self) -> str:
        """The one actor format of the audit log: ``sub:<subject>|nip:<nip or ->|<roles>``."""
        roles = ",".join(sorted(r.value for r in self.roles))
        return f"sub:{self.subject}|nip:{self.nip or '-'}|{roles}"

    @property
    def region_wide(self) -> bool:
        return self.has_any(REGION_WIDE)

    def can_see_opd(self, opd_code: str | None) -> bool:
        return self.region_wide or (self.opd is not None and self.opd == opd_code)

    def require_opd(self, opd_code: str | None) -> None:
        if not self.can_see_opd(opd_code):
            raise Forbidden("Data ini di luar lingkup OPD Anda.", details={"opd": opd_code})


def parse_groups(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple | set | frozenset):
        return [str(g).strip() for g in raw if str(g).strip()]
    text = str(raw).strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
            if isinstance(value, list):
                return [str(g).strip() for g in value if str(g).strip()]
        except ValueError:
            pass
        text = text.strip("[]")
    parts = text.replace(",", " ").split()
    return [p for p in parts if p]


def pool_id_of(arn_or_id: str | None) -> str | None:
    """``arn:aws:cognito-idp:<region>:<account>:userpool/<id>`` -> ``<id>`` (an id stays an id)."""
    if not arn_or_id:
        return None
    return arn_or_id.rsplit("/", 1)[-1]


def is_applicant_token(claims: Mapping[str, Any], public_pool: str | None) -> bool:
    """Issued by the applicants' pool (the issuer names the pool; API Gateway checked it)."""
    pool = pool_id_of(public_pool)
    return bool(pool) and str(claims.get("iss") or "").rstrip("/").endswith("/" + str(pool))


def principal_from_claims(claims: Mapping[str, Any] | None, public_pool: str | None = None) -> Principal:
    """The caller. A token of the applicants' pool (``public_pool``, its ARN or id) is an applicant
    with the one role ``pemohon``, whatever else it claims; a staff token's roles are its known
    groups, never ``pemohon``."""
    if not claims or not claims.get("sub"):
        raise Unauthorized()
    if is_applicant_token(claims, public_pool):
        return Principal(
            subject=str(claims["sub"]),
            username=str(claims.get("cognito:username") or claims.get("email") or claims["sub"]),
            roles=frozenset({Role.PEMOHON}),
            applicant=True,
            email=str(claims["email"]) if claims.get("email") else None,
        )
    roles: set[Role] = set()
    for group in parse_groups(claims.get("cognito:groups")):
        try:
            role = Role(group)
        except ValueError:
            continue  # a group this system does not know grants nothing
        if role is not Role.PEMOHON:
            roles.add(role)
    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        roles=frozenset(roles),
        nip=str(claims["custom:nip"]) if claims.get("custom:nip") else None,
        opd=str(claims["custom:opd"]) if claims.get("custom:opd") else None,
    )
