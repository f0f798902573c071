"""Each app's packaged template: `chalice package` + our post-processing, checked by cfn-lint.

Runs `chalice package` for real (about half a second per app; no network) and lints the result
with cfn-lint's Python API, so a bad route, authorizer or layer wiring fails `make test`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from replika_infra import package

APPS = package.discover_apps()


def _lint(text: str) -> list[str]:
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

    matches = lint(text, config=ManualArgs(regions=["ap-southeast-3"]))
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches]


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] in package.FUNCTION_TYPES}


@pytest.mark.parametrize("app", APPS or ["directory"])
def test_packaged_template_is_valid(app: str, tmp_path: Path) -> None:
    if not (package.FUNCTIONS_DIR / app / "app.py").exists():
        pytest.skip(f"functions/{app} does not exist yet")
    params = package.env_parameters()
    out = package.package_app(
        package.FUNCTIONS_DIR / app, tmp_path, params, package.optional_env_vars(), "3.12", "arm64"
    )
    text = (out / "sam.yaml").read_text(encoding="utf-8")
    assert package.PLACEHOLDER_PREFIX not in text
    assert (out / "deployment.zip").stat().st_size > 0

    template = yaml.safe_load(text)
    declared = set(template["Parameters"])
    assert {package.CORE_LAYER_PARAM, package.DEPS_LAYER_PARAM} | set(params.values()) <= declared
    functions = _functions(template)
    assert functions
    for props in (f["Properties"] for f in functions.values()):
        assert props["Layers"][:2] == [{"Ref": "CoreLayerArn"}, {"Ref": "DepsLayerArn"}]
        assert props["Runtime"] == "python3.12" and props["Architectures"] == ["arm64"]
        assert props["Environment"]["Variables"]["DIRECTORY_TABLE"] == {"Ref": "DirectoryTable"}
    assert _lint(text) == []


SYNTHETIC: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "APIHandler": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.11",
                "Handler": "app.app",
                "CodeUri": "./deployment.zip",
                "Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": "x"}},
                "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
            },
        },
        "DefaultRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
            },
        },
        "RestAPI": {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "StageName": "api",
                "DefinitionBody": {
                    "swagger": "2.0",
                    "info": {"title": "x", "version": "1"},
                    "paths": {},
                    "securityDefinitions": {
                        "pool": {
                            "x-amazon-apigateway-authorizer": {
                                "type": "cognito_user_pools",
                                "providerARNs": [package.placeholder("USER_POOL_ARN")],
                            },
                            "x-note": "pool " + package.placeholder("USER_POOL_ID") + " ${keep}",
                        }
                    },
                },
            },
        },
    },
}


def test_postprocess_without_chalice() -> None:
    params = {
        "DIRECTORY_TABLE": "DirectoryTable",
        "USER_POOL_ARN": "UserPoolArn",
        "USER_POOL_ID": "UserPoolId",
        "DATA_KEY_ARN": "DataKeyArn",
    }
    optional = frozenset({"USER_POOL_ARN", "USER_POOL_ID", "DATA_KEY_ARN"})
    out = package.postprocess_template(json.loads(json.dumps(SYNTHETIC)), params, optional, "3.12", "x86_64")
    pool = out["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["securityDefinitions"]["pool"]
    assert pool["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Ref": "UserPoolArn"}]
    assert pool["x-note"] == {"Fn::Sub": "pool ${UserPoolId} ${!keep}"}
    # Referenced outside the env vars (the authorizer): required even though the setting is optional.
    assert "Default" not in out["Parameters"]["UserPoolArn"]
    assert "Default" not in out["Parameters"]["UserPoolId"]
    assert out["Parameters"]["DataKeyArn"]["Default"] == ""
    assert "HasDataKeyArn" in out["Conditions"]
    fn = out["Resources"]["APIHandler"]["Properties"]
    assert fn["Runtime"] == "python3.12"
    assert fn["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "x",
        "DIRECTORY_TABLE": {"Ref": "DirectoryTable"},
        "USER_POOL_ARN": {"Ref": "UserPoolArn"},
        "USER_POOL_ID": {"Ref": "UserPoolId"},
        "DATA_KEY_ARN": {"Ref": "DataKeyArn"},
    }
    policy = out["Resources"]["DefaultRole"]["Properties"]["Policies"][0]
    assert policy["PolicyName"] == "RegionDataAccess"
    assert _lint(yaml.safe_dump(out)) == []


def test_core_layer_zip_is_deterministic(tmp_path: Path) -> None:
    a = package.build_core_layer(tmp_path / "a")
    b = package.build_core_layer(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    names = zipfile.ZipFile(a).namelist()
    assert names == sorted(names) and all(n.startswith("python/replika/") for n in names)
    # the deployed region's config travels with the code (one stack per region)
    assert "python/replika/region.toml" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_functions_may_use_every_region_resource_they_are_given(tmp_path: Path) -> None:
    """KMS keys, the WBS secret and topic and the payroll queue are granted (when set), each on
    its own ARN only."""
    out = package.package_app(
        package.FUNCTIONS_DIR / "wbs",
        tmp_path,
        package.env_parameters(),
        package.optional_env_vars(),
        "3.12",
        "x86_64",
    )
    template = yaml.safe_load((out / "sam.yaml").read_text())
    text = json.dumps(template)
    for action in (
        "secretsmanager:GetSecretValue",
        "sns:Publish",
        "sqs:SendMessage",
        "s3:ListBucketVersions",
    ):
        assert action in text, action
    assert {"HasWbsKeyArn", "HasWbsSecretArn", "HasWbsTopicArn"} <= set(template["Conditions"])
