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


POOL = "arn:aws:cognito-idp:ap-southeast-3:123456789012:userpool/ap-southeast-3_Applicants"


def test_an_applicant_is_whoever_the_applicants_pool_issued_and_nothing_else() -> None:
    claims = {
        "sub": "a-1",
        "email": "yayasan@example.invalid",
        "iss": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_Applicants",
        # whatever else the token claims grants nothing
        "cognito:groups": "admin,bkpsdm",
        "custom:nip": "198503152010011001",
        "custom:opd": "32.73.08",
    }
    p = principal_from_claims(claims, POOL)
    assert p.applicant and p.roles == frozenset({Role.PEMOHON})
    assert (p.nip, p.opd) == (None, None)
    # without the applicants' pool configured, the same issuer is not trusted as an applicant
    assert not principal_from_claims(claims, None).applicant


def test_a_staff_token_never_carries_the_applicant_role() -> None:
    staff = principal_from_claims(
        {
            "sub": "s-1",
            "iss": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_Staff",
            "cognito:groups": "pemohon,pegawai",
        },
        POOL,
    )
    assert not staff.applicant and staff.roles == frozenset({Role.PEGAWAI})
