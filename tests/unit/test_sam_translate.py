"""aws-sam-translator from its own environment (.venv-sam), JSON in and JSON out, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replika_infra.release import sam

REGION = "ap-southeast-3"


def _function(**events: Any) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"QueueArn": {"Type": "String"}},
        "Resources": {
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": {"Bucket": "artifacts", "Key": "app.zip"},
                    "Handler": "app.worker",
                    "Runtime": "python3.12",
                    "Role": "arn:aws:iam::123456789012:role/worker",
                    "Events": events,
                },
            }
        },
    }


def test_a_sam_function_becomes_plain_cloudformation() -> None:
    template = _function(
        Queue={"Type": "SQS", "Properties": {"Queue": {"Ref": "QueueArn"}, "BatchSize": 1}},
        Nightly={"Type": "Schedule", "Properties": {"Schedule": "cron(0 17 * * ? *)"}},
    )
    out = sam.translate(template, REGION)
    types = {r["Type"] for r in out["Resources"].values()}
    assert "Transform" not in out
    assert {"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Events::Rule"} <= types
    assert out["Resources"]["Worker"]["Properties"]["Code"] == {"S3Bucket": "artifacts", "S3Key": "app.zip"}
    assert template["Transform"] == "AWS::Serverless-2016-10-31"  # the input is not changed
    assert sam.translate(template, REGION) == out  # cached, and a fresh copy each time


def test_a_plain_template_is_passed_through() -> None:
    plain = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert sam.translate(plain, REGION) is plain


def test_an_invalid_template_is_an_error_with_the_translators_reason() -> None:
    template = _function(Bad={"Type": "SQS", "Properties": {}})  # an SQS event needs its Queue
    with pytest.raises(sam.TranslateError, match="Queue"):
        sam.translate(template, REGION)


def test_a_missing_translator_environment_says_how_to_make_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(sam.PYTHON_ENV, str(tmp_path / "no-python"))
    with pytest.raises(sam.TranslateError, match=r"make \.venv-sam/\.installed"):
        sam.translate(_function(), "ap-southeast-1")


def test_the_http_api_template_passes_the_sam_transform(tmp_path: Path) -> None:
    """`replika package --api http` (the default): the SAM transform accepts the public routes'
    ``Authorizer: NONE`` (the API's DefaultAuthorizer is the Cognito JWT authorizer) and makes one
    OpenAPI route per Chalice route, JWT or NONE as Chalice declares, payload format 1.0."""
    from replika_infra.release import package
    from replika_infra.release.deploy import with_code_location
    from replika_infra.release.templates import loads

    dest = package.package_app(package.FUNCTIONS_DIR / "directory", tmp_path, api="http")
    sam_template = loads((dest / "sam.yaml").read_text(encoding="utf-8"))
    events = sam_template["Resources"]["APIHandler"]["Properties"]["Events"]
    wanted = {
        (e["Properties"]["Method"], e["Properties"]["Path"], e["Properties"]["Auth"]["Authorizer"])
        for e in events.values()
        if e["Type"] == "HttpApi"
    }
    out = sam.translate(with_code_location(sam_template, "b", "k"), REGION)
    resources = out["Resources"]
    by_type: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append(logical_id)
    assert len(by_type["AWS::ApiGatewayV2::Api"]) == 1 and len(by_type["AWS::ApiGatewayV2::Stage"]) == 1
    assert "AWS::ApiGateway::RestApi" not in by_type
    api = resources[by_type["AWS::ApiGatewayV2::Api"][0]]["Properties"]
    stage = resources[by_type["AWS::ApiGatewayV2::Stage"][0]]["Properties"]
    assert stage["StageName"] == "api" and stage["ApiId"] == {"Ref": "HttpAPI"}
    body = api["Body"]
    scheme = body["components"]["securitySchemes"]["CognitoUsers"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "jwt" and scheme["identitySource"] == "$request.header.Authorization"
    assert scheme["jwtConfiguration"]["audience"] == [{"Ref": "UserPoolClientId"}]
    issuer, values = scheme["jwtConfiguration"]["issuer"]["Fn::Sub"]
    assert issuer == "https://cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}"
    assert values["PoolId"] == {"Fn::Select": [1, {"Fn::Split": ["userpool/", {"Ref": "UserPoolArn"}]}]}
    got = set()
    for path, operations in body["paths"].items():
        for method, op in operations.items():
            (requirement,) = op["security"]
            (name,) = requirement
            got.add((method.upper(), path, name))
            integration = op["x-amazon-apigateway-integration"]
            assert integration["type"] == "aws_proxy" and integration["payloadFormatVersion"] == "1.0"
            assert "${APIHandler.Arn}" in integration["uri"]["Fn::Sub"]
    assert got == wanted  # one route per Chalice route, with Chalice's auth
    assert {n for _, _, n in got} == {"CognitoUsers", "NONE"}
    invoked_by_api = [
        lid
        for lid in by_type["AWS::Lambda::Permission"]
        if resources[lid]["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert len(invoked_by_api) == len(wanted)  # SAM: one invoke permission per route
