"""The CloudFormation model of HTTP APIs on moto (replika_infra.local.moto_apigwv2): without it,
moto's CloudFormation makes no ``AWS::ApiGatewayV2::*`` resource at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from replika_infra.local import moto_apigwv2, moto_cfn

REGION = "ap-southeast-3"
ISSUER = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_abc"
URI = "arn:aws:apigateway:ap-southeast-3:lambda:path/2015-03-31/functions/arn:aws:lambda:fn/invocations"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        moto_cfn.install()
        moto_apigwv2.install()
        yield


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def _operation(secured: bool) -> dict[str, Any]:
    return {
        "responses": {},
        "security": [{"CognitoUsers": []}] if secured else [{"NONE": []}],
        "x-amazon-apigateway-integration": {
            "httpMethod": "POST",
            "payloadFormatVersion": "1.0",
            "type": "aws_proxy",
            "uri": URI,
        },
    }


def _template(paths: dict[str, Any]) -> str:
    """What aws-sam-translator makes of an ``AWS::Serverless::HttpApi`` (an OpenAPI body), and an
    API built from separate Authorizer, Integration and Route resources."""
    body = {
        "openapi": "3.0.1",
        "info": {"title": {"Ref": "AWS::StackName"}, "version": "1.0"},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "CognitoUsers": {
                    "type": "oauth2",
                    "x-amazon-apigateway-authorizer": {
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {"audience": ["client-1"], "issuer": ISSUER},
                        "type": "jwt",
                    },
                }
            }
        },
    }
    resources = {
        "HttpAPI": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": body, "FailOnWarnings": True}},
        "HttpAPIapiStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "HttpAPI"}, "StageName": "api", "AutoDeploy": True},
        },
        "Plain": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "plain", "ProtocolType": "HTTP"}},
        "PlainAuth": {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": {"Ref": "Plain"},
                "AuthorizerType": "JWT",
                "Name": "Jwt",
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-2"]},
            },
        },
        "PlainIntegration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Plain"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": URI,
                "PayloadFormatVersion": "1.0",
            },
        },
        "PlainRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Plain"},
                "RouteKey": "GET /x",
                "AuthorizationType": "JWT",
                "AuthorizerId": {"Ref": "PlainAuth"},
                "Target": {"Fn::Sub": "integrations/${PlainIntegration}"},
            },
        },
    }
    outputs = {
        "HttpApiId": {"Value": {"Ref": "HttpAPI"}},
        "Endpoint": {"Value": {"Fn::GetAtt": ["HttpAPI", "ApiEndpoint"]}},
        "PlainId": {"Value": {"Fn::GetAtt": ["Plain", "ApiId"]}},
    }
    return json.dumps({"Resources": resources, "Outputs": outputs})


def _outputs(cfn: Any) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName="apis")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def _routes(api_id: str) -> dict[str, dict[str, Any]]:
    return {r["RouteKey"]: r for r in _client("apigatewayv2").get_routes(ApiId=api_id)["Items"]}


def test_an_openapi_body_becomes_routes_with_their_jwt_authorizer(aws: None) -> None:
    cfn, v2 = _client("cloudformation"), _client("apigatewayv2")
    cfn.create_stack(
        StackName="apis",
        TemplateBody=_template({"/me": {"get": _operation(True)}, "/": {"get": _operation(False)}}),
    )
    out = _outputs(cfn)
    api_id = out["HttpApiId"]
    api = v2.get_api(ApiId=api_id)
    assert api["Name"] == "apis" and api["ProtocolType"] == "HTTP" and out["Endpoint"] == api["ApiEndpoint"]
    routes = _routes(api_id)
    assert set(routes) == {"GET /me", "GET /"}
    assert routes["GET /"]["AuthorizationType"] == "NONE" and "AuthorizerId" not in routes["GET /"]
    me = routes["GET /me"]
    assert me["AuthorizationType"] == "JWT"
    authorizer = v2.get_authorizer(ApiId=api_id, AuthorizerId=me["AuthorizerId"])
    assert authorizer["Name"] == "CognitoUsers" and authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["client-1"]}
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    integration = v2.get_integration(ApiId=api_id, IntegrationId=me["Target"].removeprefix("integrations/"))
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["IntegrationUri"] == URI
    assert integration["PayloadFormatVersion"] == "1.0"
    assert [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]] == ["api"]

    # the separate resources
    plain = out["PlainId"]
    (route,) = _routes(plain).values()
    assert route["RouteKey"] == "GET /x" and route["AuthorizationType"] == "JWT"
    authorizer = v2.get_authorizer(ApiId=plain, AuthorizerId=route["AuthorizerId"])
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["client-2"]}
    integration = v2.get_integration(ApiId=plain, IntegrationId=route["Target"].removeprefix("integrations/"))
    assert integration["PayloadFormatVersion"] == "1.0"


def test_an_update_reimports_the_body_under_the_same_api(aws: None) -> None:
    cfn, v2 = _client("cloudformation"), _client("apigatewayv2")
    cfn.create_stack(StackName="apis", TemplateBody=_template({"/me": {"get": _operation(True)}}))
    api_id = _outputs(cfn)["HttpApiId"]
    cfn.update_stack(
        StackName="apis",
        TemplateBody=_template({"/me": {"get": _operation(True)}, "/me/photo": {"put": _operation(True)}}),
    )
    assert _outputs(cfn)["HttpApiId"] == api_id
    assert set(_routes(api_id)) == {"GET /me", "PUT /me/photo"}
    assert [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]] == ["api"]


def test_a_route_naming_an_unknown_scheme_is_refused_not_made_public(aws: None) -> None:
    api = _client("apigatewayv2").create_api(Name="x", ProtocolType="HTTP")
    from moto.apigatewayv2.models import apigatewayv2_backends

    model = apigatewayv2_backends["123456789012"][REGION].get_api(api["ApiId"])
    misspelled = _operation(True) | {"security": [{"CognitoUser": []}]}
    body = json.loads(_template({"/me": {"get": misspelled}}))["Resources"]["HttpAPI"]["Properties"]["Body"]
    with pytest.raises(ValueError, match="CognitoUser"):
        moto_apigwv2.import_openapi(model, body)
