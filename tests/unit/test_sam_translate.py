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


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 §3 finding: `replika package --api http` (the default) gives routes without "
    "a token `Auth: {Authorizer: NONE}` on an HttpApi with no DefaultAuthorizer, which the SAM "
    "transform refuses; real CloudFormation would fail the same way on deploy",
)
def test_the_http_api_template_passes_the_sam_transform(tmp_path: Path) -> None:
    from replika_infra.release import package
    from replika_infra.release.deploy import with_code_location
    from replika_infra.release.templates import loads

    dest = package.package_app(package.FUNCTIONS_DIR / "directory", tmp_path, api="http")
    template = with_code_location(loads((dest / "sam.yaml").read_text(encoding="utf-8")), "b", "k")
    out = sam.translate(template, REGION)
    assert any(r["Type"] == "AWS::ApiGatewayV2::Api" for r in out["Resources"].values())
