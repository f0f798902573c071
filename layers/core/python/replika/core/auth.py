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
    TAPD = "tapd"  # budget team: Sabilulungan
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

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles.intersection(roles))

    def require_any(self, roles: Iterable[Role]) -> None:
        wanted = frozenset(roles)
        if wanted and not self.has_any(wanted):
            raise Forbidden(details={"required_roles": sorted(r.value for r in wanted)})

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


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal:
    if not claims or not claims.get("sub"):
        raise Unauthorized()
    roles: set[Role] = set()
    for group in parse_groups(claims.get("cognito:groups")):
        try:
            roles.add(Role(group))
        except ValueError:
            continue  # a group this system does not know grants nothing
    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        roles=frozenset(roles),
        nip=str(claims["custom:nip"]) if claims.get("custom:nip") else None,
        opd=str(claims["custom:opd"]) if claims.get("custom:opd") else None,
    )
