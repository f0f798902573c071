"""The cost levers that live in templates (issue 13): log retention on every packaged function,
the evidence lifecycle, and the Cognito tier the region needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replika_infra.release import logs, package
from replika_infra.release.templates import loads
from tests.unit.test_app_templates import SYNTHETIC, SYNTHETIC_MANIFEST, _lint

REGION = loads(
    (Path(__file__).resolve().parents[2] / "templates" / "region.yaml").read_text(encoding="utf-8")
)
RESOURCES: dict[str, Any] = REGION["Resources"]


def test_every_packaged_function_logs_into_a_group_with_a_retention() -> None:
    out = package.postprocess_template(json.loads(json.dumps(SYNTHETIC)), SYNTHETIC_MANIFEST)
    res = out["Resources"]
    functions = [k for k, r in res.items() if r["Type"] in package.FUNCTION_TYPES]
    assert functions
    for fn in functions:
        group = res[fn]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert res[group]["Type"] == "AWS::Logs::LogGroup"
        assert res[group]["Properties"]["RetentionInDays"] == {"Ref": logs.LOG_RETENTION_PARAM}
    param = out["Parameters"][logs.LOG_RETENTION_PARAM]
    assert param["Default"] == 90 and 90 in param["AllowedValues"]
    assert _lint(json.dumps(out)) == []


def test_evidence_moves_to_glacier_instant_retrieval_and_nothing_else_changes() -> None:
    rules = RESOURCES["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (archive,) = [r for r in rules if r.get("Transitions")]
    assert archive["Prefix"] == "remunerasi/evidence/"
    assert archive["Transitions"] == [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": {"Ref": "EvidenceArchiveDays"}}
    ]
    assert "ExpirationInDays" not in archive  # archived, never deleted by the rule
    assert REGION["Parameters"]["EvidenceArchiveDays"]["Default"] == 30
    # the locked bucket keeps its compliance-mode retention and its rules
    heads = RESOURCES["AuditHeadsBucket"]["Properties"]
    assert heads["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert all("Transitions" not in r for r in heads["LifecycleConfiguration"]["Rules"])


#: Properties that need the Essentials (or Plus) tier.
ESSENTIALS_ONLY = {
    "UserPoolAddOns",
    "WebAuthnRelyingPartyID",
    "WebAuthnUserVerification",
    "EmailAuthenticationMessage",
}


def test_user_pools_are_lite_and_use_no_essentials_feature() -> None:
    pools = {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::Cognito::UserPool"}
    assert set(pools) == {"UserPool", "PublicUserPool"}
    for props in pools.values():
        assert props["UserPoolTier"] == "LITE"
        assert not ESSENTIALS_ONLY & set(props)
        assert set(props.get("EnabledMfas", [])) <= {"SOFTWARE_TOKEN_MFA", "SMS_MFA"}  # not EMAIL_OTP
        lambdas = props.get("LambdaConfig", {})
        assert lambdas.get("PreTokenGenerationConfig", {}).get("LambdaVersion", "V1_0") == "V1_0"
    for r in RESOURCES.values():
        assert r["Type"] not in {"AWS::Cognito::ManagedLoginBranding", "AWS::Cognito::UserPoolDomain"}
