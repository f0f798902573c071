"""`replika package --api http`: each Chalice route its own HTTP API route, payload 1.0, a Cognito
JWT authorizer, nothing left of the REST API (replika_infra.release.httpapi)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replika_infra.release import httpapi, package
from replika_infra.release.templates import loads
from tests.unit.test_app_templates import _lint


def _package(app: str, out: Path, api: str) -> dict[str, Any]:
    dest = package.package_app(package.FUNCTIONS_DIR / app, out / api, "3.12", "arm64", api=api)
    return loads((dest / "sam.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    out = tmp_path_factory.mktemp("httpapi")
    return _package("directory", out, "rest"), _package("directory", out, "http")


def test_every_rest_route_is_one_http_api_route_with_payload_1_0(
    directory: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    rest, http = directory
    swagger = rest["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    wanted = {
        (m.upper(), p, "CognitoUsers" if spec.get("security") else "NONE")
        for p, ms in swagger.items()
        for m, spec in ms.items()
    }
    events = http["Resources"]["APIHandler"]["Properties"]["Events"]
    got = {
        (e["Properties"]["Method"], e["Properties"]["Path"], e["Properties"]["Auth"]["Authorizer"])
        for e in events.values()
    }
    assert got == wanted
    assert ("GET", "/openapi.json", "NONE") in got and ("GET", "/me", "CognitoUsers") in got
    for e in events.values():
        assert e["Type"] == "HttpApi"
        assert e["Properties"]["PayloadFormatVersion"] == "1.0"
        assert e["Properties"]["ApiId"] == {"Ref": "HttpAPI"}
        assert "+}" not in e["Properties"]["Path"] and e["Properties"]["Path"] != "$default"


def test_the_jwt_authorizer_trusts_the_pool_and_the_app_client(
    directory: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, http = directory
    api = http["Resources"]["HttpAPI"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    assert api["Properties"]["StageName"] == "api"  # same base path as the REST stage
    jwt = api["Properties"]["Auth"]["Authorizers"]["CognitoUsers"]["JwtConfiguration"]
    # SAM refuses a route's ``Authorizer: NONE`` unless the API has a default authorizer
    assert api["Properties"]["Auth"]["DefaultAuthorizer"] == "CognitoUsers"
    assert jwt["audience"] == [{"Ref": "UserPoolClientId"}]
    template, values = jwt["issuer"]["Fn::Sub"]
    assert template == "https://cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}"
    assert values["PoolId"] == {"Fn::Select": [1, {"Fn::Split": ["userpool/", {"Ref": "UserPoolArn"}]}]}
    text = json.dumps(http)
    assert "RestAPI" not in text and "AWS::Serverless::Api" not in text
    assert not [r for r in http["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert "UserPoolClientId" in http["Parameters"]
    assert _lint(json.dumps(http)) == []


def test_the_cognito_issuer_comes_out_of_the_arn() -> None:
    arn = "arn:aws:cognito-idp:ap-southeast-3:123456789012:userpool/ap-southeast-3_AbC"
    sub = httpapi.issuer(arn)["Fn::Sub"]
    pool_id = arn.split(sub[1]["PoolId"]["Fn::Select"][1]["Fn::Split"][0])[1]
    assert sub[0].replace("${AWS::Region}", "ap-southeast-3").replace("${PoolId}", pool_id) == (
        "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_AbC"
    )


def test_two_user_pools_stay_on_rest() -> None:
    template = {
        "Resources": {
            "RestAPI": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "DefinitionBody": {
                        "paths": {},
                        "securityDefinitions": {
                            "u": {
                                "x-amazon-apigateway-authorizer": {
                                    "type": "cognito_user_pools",
                                    "providerARNs": [{"Ref": "UserPoolArn"}, {"Ref": "PublicUserPoolArn"}],
                                }
                            }
                        },
                    }
                },
            }
        }
    }
    with pytest.raises(httpapi.HttpApiError, match="2 user pools"):
        httpapi.to_http_api(template)


def test_a_catch_all_route_is_refused() -> None:
    body = {
        "paths": {"/{proxy+}": {"get": {}}},
        "securityDefinitions": {
            "u": {"x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn"]}}
        },
    }
    template = {
        "Resources": {"RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": body}}}
    }
    with pytest.raises(httpapi.HttpApiError, match="catch-all"):
        httpapi.to_http_api(template)
