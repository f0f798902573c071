"""A packaged HTTP API route's event (payload format 1.0, JWT authorizer) served by the app,
in-process: the routing, the path parameters and the claims land where Chalice reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replika_infra.demo import seed
from replika_infra.local.gateway import load_app
from replika_infra.release import package
from replika_infra.release.templates import loads

PEOPLE = seed.demo_employees(n_opd=2, n_employees=12)
STAFF = next(e for e in PEOPLE if e.supervisor_nip)


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    dest = package.package_app(
        package.FUNCTIONS_DIR / "directory", tmp_path_factory.mktemp("http"), "3.12", "arm64", api="http"
    )
    events = loads((dest / "sam.yaml").read_text(encoding="utf-8"))["Resources"]["APIHandler"]["Properties"][
        "Events"
    ]
    return {(e["Properties"]["Method"], e["Properties"]["Path"]): e["Properties"] for e in events.values()}


class _Context:
    aws_request_id = "req-http-1"
    function_name = "replika-directory-APIHandler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:replika-directory-APIHandler"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def http_api_event(
    route: dict[str, Any], path: str, params: dict[str, str], claims: dict[str, str] | None
) -> dict[str, Any]:
    """What API Gateway (HTTP API, payload 1.0, JWT authorizer) sends: claims as strings,
    Cognito groups as "[a b]"."""
    assert route["PayloadFormatVersion"] == "1.0"
    headers = {"accept": "application/json", "host": "abc123.execute-api.ap-southeast-3.amazonaws.com"}
    if claims is not None:
        headers["authorization"] = "Bearer eyJ.x.y"
    return {
        "version": "1.0",
        "resource": route["Path"],
        "path": f"/api{path}",
        "httpMethod": route["Method"],
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "authorizer": {"claims": claims, "scopes": None},
            "domainName": "abc123.execute-api.ap-southeast-3.amazonaws.com",
            "domainPrefix": "abc123",
            "extendedRequestId": "ext-1",
            "httpMethod": route["Method"],
            "identity": {"sourceIp": "203.0.113.9", "userAgent": "test"},
            "path": f"/api{path}",
            "protocol": "HTTP/1.1",
            "requestId": "req-http-1",
            "requestTime": "02/Dec/2026:09:00:00 +0000",
            "requestTimeEpoch": 1795942800000,
            "resourceId": None,
            "resourcePath": route["Path"],
            "stage": "api",
        },
        "pathParameters": params or None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }


def jwt_claims(nip: str, opd: str, *groups: str) -> dict[str, str]:
    return {
        "sub": f"sub-{nip}",
        "cognito:username": f"u{nip}",
        "cognito:groups": "[" + " ".join(groups) + "]",
        "custom:nip": nip,
        "custom:opd": opd,
        "token_use": "id",
        "aud": "client-1",
        "iss": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_test",
    }


@pytest.fixture
def app(region_stack: dict[str, str]) -> Any:
    from replika.directory import service

    service.import_directory(seed.to_csv(PEOPLE), actor="test")
    return load_app("directory")


def test_a_path_parameter_route_with_jwt_claims(app: Any, routes: dict[Any, dict[str, Any]]) -> None:
    route = routes[("GET", "/employees/{nip}")]
    assert route["Auth"]["Authorizer"] == "CognitoUsers"
    claims = jwt_claims(STAFF.nip, STAFF.opd_code, "pegawai")
    out = app(
        http_api_event(
            route, f"/employees/{STAFF.supervisor_nip}", {"nip": str(STAFF.supervisor_nip)}, claims
        ),
        _Context(),
    )
    assert out["statusCode"] == 200, out
    assert json.loads(out["body"])["nip"] == STAFF.supervisor_nip


def test_the_claims_decide_the_caller(app: Any, routes: dict[Any, dict[str, Any]]) -> None:
    route = routes[("GET", "/me")]
    out = app(http_api_event(route, "/me", {}, jwt_claims(STAFF.nip, STAFF.opd_code, "pegawai")), _Context())
    assert out["statusCode"] == 200, out
    assert json.loads(out["body"])["nip"] == STAFF.nip
    hr = app(
        http_api_event(
            routes[("POST", "/import")], "/import", {}, jwt_claims(STAFF.nip, STAFF.opd_code, "pegawai")
        ),
        _Context(),
    )
    assert hr["statusCode"] == 403, hr  # the groups string "[pegawai]" is read as the role pegawai


def test_a_public_route_needs_no_claims(app: Any, routes: dict[Any, dict[str, Any]]) -> None:
    route = routes[("GET", "/openapi.json")]
    assert route["Auth"]["Authorizer"] == "NONE"
    out = app(http_api_event(route, "/openapi.json", {}, None), _Context())
    assert out["statusCode"] == 200 and json.loads(out["body"])["openapi"].startswith("3.")
    # a protected route reached without claims is refused by the app too, never served
    out = app(http_api_event(routes[("GET", "/me")], "/me", {}, None), _Context())
    assert out["statusCode"] == 401
