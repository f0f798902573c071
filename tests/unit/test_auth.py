"""Cognito claims -> Principal, in both shapes API Gateway and the local gateway produce."""

from __future__ import annotations

import pytest

from replika.core.auth import Principal, Role, parse_groups, principal_from_claims
from replika.core.errors import Forbidden, Unauthorized


@pytest.mark.parametrize(
    "raw",
    [["bkpsdm", "pegawai"], '["bkpsdm", "pegawai"]', "[bkpsdm pegawai]", "bkpsdm,pegawai", "bkpsdm pegawai"],
)
def test_group_shapes(raw: object) -> None:
    assert parse_groups(raw) == ["bkpsdm", "pegawai"]


def test_principal_from_claims() -> None:
    p = principal_from_claims(
        {
            "sub": "u-1",
            "cognito:username": "demo",
            "cognito:groups": "pegawai,unknown-group",
            "custom:nip": "198503152010011001",
            "custom:opd": "32.73.08",
        }
    )
    assert p.roles == frozenset({Role.PEGAWAI})  # unknown groups grant nothing
    assert (p.nip, p.opd) == ("198503152010011001", "32.73.08")


def test_no_claims_is_401() -> None:
    with pytest.raises(Unauthorized):
        principal_from_claims({})


def test_scope_checks() -> None:
    staff = Principal("s", "s", frozenset({Role.PEGAWAI}), nip="1", opd="A")
    hr = Principal("h", "h", frozenset({Role.BKPSDM}), opd="B")
    assert staff.can_see_opd("A") and not staff.can_see_opd("B")
    assert hr.can_see_opd("A")  # BKPSDM is region-wide
    with pytest.raises(Forbidden):
        staff.require_opd("B")
    with pytest.raises(Forbidden):
        staff.require_any([Role.BKPSDM, Role.ADMIN])
