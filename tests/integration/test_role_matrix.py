"""Every route of every app against every role: a role the route does not declare gets 403 before
anything else happens, no token gets 401 on every non-public route, and a declared role is never
refused by the gate (it may still get 400/404/409 from the use case)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from chalice.test import Client

from replika.core.auth import Role
from replika_infra.local.gateway import app_names, load_module
from tests.conftest import auth_header

NIP = "198503152010011001"


def operations() -> list[tuple[str, Any]]:
    return [(name, op) for name in app_names() for op in load_module(name).api.operations]


def concrete(path: str) -> str:
    return re.sub(r"{[^}]+}", lambda m: "2026-11" if m.group(0) == "{period}" else "x", path)


def call(client: Client, op: Any, headers: dict[str, str]) -> Any:
    ct = op.raw_body[0] if op.raw_body else "application/json"
    return client.http.request(
        op.method, concrete(op.path), body=json.dumps({}).encode(), headers={**headers, "Content-Type": ct}
    )


OPS = operations()
IDS = [f"{name}:{op.method} {op.path}" for name, op in OPS]


@pytest.mark.parametrize(("app_name", "op"), OPS, ids=IDS)
def test_role_gate(app_name: str, op: Any, region_stack: dict[str, str]) -> None:
    with Client(load_module(app_name).app) as client:
        if not op.public:
            r = call(client, op, {})
            assert r.status_code == 401, (r.status_code, r.body)
            assert json.loads(r.body)["error"]["code"] == "unauthorized"
        if not op.roles:
            return
        for role in Role:
            r = call(client, op, auth_header(NIP, "32.73.09", role.value))
            if role in op.roles:
                assert (
                    r.status_code != 403
                    or json.loads(r.body)["error"]["code"] != "forbidden"
                    or "required_roles" not in json.loads(r.body)["error"]["details"]
                ), (role, r.body)
            else:
                assert r.status_code == 403, (role, r.status_code, r.body)
                assert json.loads(r.body)["error"]["details"]["required_roles"] == sorted(
                    x.value for x in op.roles
                )
