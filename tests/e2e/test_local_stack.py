"""The local stack as `make demo` runs it: moto server, template-made stack, real Cognito tokens
verified by the gateway, the seeded demo region, over real HTTP on loopback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.http import request

pytestmark = pytest.mark.e2e


def call(
    url: str,
    token: str | None = None,
    method: str = "GET",
    data: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    return request(url, method=method, token=token, data=data, content_type=content_type)


def test_lists_demo_opds_and_employees_with_a_real_token(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    token = id_token(stack.state, "bkpsdm")
    base = stack.state.gateway
    opds: list[dict[str, Any]] = []
    cursor = None
    while True:
        status, page = call(
            f"{base}/directory/opds?limit=100" + (f"&cursor={cursor}" if cursor else ""), token
        )
        assert status == 200, page
        opds += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(opds) == 40
    status, page = call(f"{base}/directory/employees?limit=25", token)
    assert status == 200 and len(page["items"]) == 25 and page["next_cursor"]


def test_me_is_the_users_own_record(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    status, me = call(f"{stack.state.gateway}/directory/me", id_token(stack.state, "pegawai"))
    assert status == 200
    assert me["nip"] == stack.state.users["pegawai"]["nip"]


def test_missing_and_forged_tokens_are_401(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    base = stack.state.gateway
    assert call(f"{base}/directory/opds")[0] == 401
    token = id_token(stack.state, "admin")
    head, payload, sig = token.split(".")
    # Claim to be BKPSDM by editing the payload: the signature no longer matches.
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["bkpsdm"]
    forged = ".".join(
        [head, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), sig]
    )
    status, err = call(f"{base}/directory/opds", forged)
    assert status == 401 and err["error"]["code"] == "unauthorized"


def test_wrong_role_is_403(stack: Any) -> None:
    from replika_infra.local.dev import id_token

    status, err = call(
        f"{stack.state.gateway}/directory/import",
        id_token(stack.state, "pegawai"),
        "POST",
        b"nip\n",
        "text/csv",
    )
    assert status == 403 and err["error"]["code"] == "forbidden"


def test_openapi_served_and_valid(stack: Any) -> None:
    from openapi_spec_validator import validate

    status, spec = call(f"{stack.state.gateway}/directory/openapi.json")
    assert status == 200
    validate(spec)


def test_unknown_app_is_404(stack: Any) -> None:
    assert call(f"{stack.state.gateway}/nothing/here")[0] == 404
