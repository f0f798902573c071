"""Applicants' tokens through the local gateway: the applicants' own pool signs them, the gateway
verifies them against that pool's keys (as API Gateway's authorizer is given both pools), and the
app sees an applicant (role pemohon); a staff-pool route refuses it, and a forged one is 401."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.e2e.http import request

pytestmark = pytest.mark.e2e


def test_an_applicant_token_of_the_public_pool_is_verified(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    base = stack.state.gateway
    token = id_token(stack.state, "pemohon")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["iss"].endswith("/" + stack.state.env["PUBLIC_USER_POOL_ID"])
    # verified, and an applicant: no profile yet is 404 (not 401), staff routes are 403
    status, err = request(f"{base}/sabilulungan/applicants/me", token=token)
    assert status == 404 and err["error"]["code"] == "no_profile"
    status, _ = request(f"{base}/perizinan/me", token=id_token(stack.state, "pemohon-usaha"))
    assert status == 404
    assert request(f"{base}/sabilulungan/dashboard?year=2026", token=token)[0] == 403
    assert request(f"{base}/directory/me", token=token)[0] == 403
    # a staff token still works, and is not an applicant
    assert request(f"{base}/sabilulungan/applicants/me", token=id_token(stack.state, "tapd"))[0] == 403
    # forged: claims edited under the public pool's signature
    head, _payload, sig = token.split(".")
    forged_claims = {**claims, "email": "someone.else@demo.invalid"}
    forged = ".".join(
        [head, base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode(), sig]
    )
    assert request(f"{base}/sabilulungan/applicants/me", token=forged)[0] == 401
