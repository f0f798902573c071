"""Each app's packaged template: `chalice package` + our post-processing from the app's manifest.

Runs `chalice package` for real (about half a second per app; no network), lints the result with
cfn-lint's Python API, and proves least privilege from the generated IAM: no app's role reaches a
resource another app's manifest declares unless its own manifest declares it with that access.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from replika.core.manifest import (
    ACCESS,
    SHARED,
    AppManifest,
    Resource,
    all_manifests,
    allowed_access,
    isolation_violations,
    manifest_for,
)
from replika_infra.release import httpapi, iam, layer_plan, layers, logs, package
from replika_infra.release.templates import loads

APPS = package.discover_apps()
MANIFESTS = {m.app: m for m in all_manifests()}


def _lint(text: str) -> list[str]:
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

    matches = lint(text, config=ManualArgs(regions=["ap-southeast-3"]))
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches]


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] in package.FUNCTION_TYPES}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, dict[str, Any]]]:
    """app -> (sam.yaml text, parsed template), every app packaged once for the module."""
    out = tmp_path_factory.mktemp("build")
    result = {}
    for app in APPS:
        dest = package.package_app(package.FUNCTIONS_DIR / app, out, "3.12", "arm64")
        assert (dest / "deployment.zip").stat().st_size > 0
        text = (dest / "sam.yaml").read_text(encoding="utf-8")
        result[app] = (text, loads(text))
    return result


def test_every_app_has_a_manifest() -> None:
    assert APPS and set(APPS) <= set(MANIFESTS)
    for app in APPS:
        assert manifest_for(app).app == app


@pytest.mark.parametrize("app", APPS)
def test_packaged_template_is_valid(app: str, packaged: dict[str, tuple[str, dict[str, Any]]]) -> None:
    text, template = packaged[app]
    manifest = MANIFESTS[app]
    assert package.PLACEHOLDER_PREFIX not in text
    params = package.app_parameters(manifest)
    layer_params = [package.layer_param(n) for n in package.layer_names(manifest)]
    # exactly the manifest's parameters and the app's layers: nothing region-wide
    # plus the log retention, and behind an HTTP API, the JWT authorizer's audience
    extra = {logs.LOG_RETENTION_PARAM}
    if httpapi.API_ID in template["Resources"]:
        extra.add(httpapi.AUDIENCE_PARAM)
    assert set(template["Parameters"]) == set(params.values()) | set(layer_params) | extra
    functions = _functions(template)
    assert functions
    for props in (f["Properties"] for f in functions.values()):
        assert props["Layers"] == [{"Ref": p} for p in layer_params]
        assert props["Runtime"] == "python3.12" and props["Architectures"] == ["arm64"]
        variables = props["Environment"]["Variables"]
        assert {k: v for k, v in variables.items() if k in params} == {
            e: {"Ref": p} for e, p in params.items()
        }
        assert not {k for k in variables if k.endswith(("_TABLE", "_BUCKET", "_ARN", "_URL"))} - set(params)
    assert _lint(text) == []


def _grants(template: dict[str, Any]) -> tuple[dict[str, set[str]], list[Any]]:
    """Every Allow statement of every role: template parameter referenced -> actions granted, and
    the statements whose resource references no parameter (literal ARNs, wildcards)."""
    by_param: dict[str, set[str]] = defaultdict(set)
    unbound: list[Any] = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for st in policy["PolicyDocument"]["Statement"]:
                if "Fn::If" in st:  # an optional resource's grant
                    st = st["Fn::If"][1]
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                text = json.dumps(st["Resource"])
                refs = {
                    p for p in template["Parameters"] if f'"Ref": "{p}"' in text or "${" + p + "}" in text
                }
                for p in refs:
                    by_param[p] |= set(actions)
                if not refs:
                    unbound.append(st)
    return by_param, unbound


def test_no_manifest_names_another_apps_resource() -> None:
    """A resource belongs to the one app whose manifest declares it; the shared ones (directory
    read, audit, idempotency, documents, data key, user pool) are used within the shared access."""
    assert isolation_violations() == []


@pytest.mark.parametrize("app", APPS)
def test_no_app_reaches_another_apps_data(app: str, packaged: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """For every resource any app's manifest declares, this app's roles are granted at most what
    the isolation rule allows this app (nothing on another app's own resources), whatever the
    manifests say."""
    _, template = packaged[app]
    granted, unbound = _grants(template)
    # the only grant not bound to one of the app's parameters: its own log groups
    assert unbound == [iam.logs_statement()] * len(unbound), unbound
    for other in MANIFESTS.values():
        for resource in other.resources:
            for env in resource.env_vars:
                access = allowed_access(app, env)
                allowed = (
                    set(iam.actions_for(Resource(resource.kind, resource.env, access))) if access else set()
                )
                p = iam.param_name(env)
                assert granted.get(p, set()) <= allowed, (
                    f"{app} may {sorted(granted[p] - allowed)} on {env} ({other.app}'s)"
                )
                if not access and resource.kind != "param" and env not in SHARED:
                    assert p not in template["Parameters"], f"{app} is given {env} ({other.app}'s)"


@pytest.mark.parametrize("app", APPS)
def test_each_app_gets_exactly_what_its_manifest_declares(
    app: str, packaged: dict[str, tuple[str, dict[str, Any]]]
) -> None:
    granted, _ = _grants(packaged[app][1])
    expected: dict[str, set[str]] = defaultdict(set)
    for r in MANIFESTS[app].resources:
        if iam.actions_for(r):
            expected[iam.param_name(r.arn_env or r.env)] |= set(iam.actions_for(r))
    assert dict(granted) == dict(expected)


def test_least_privilege_by_name(packaged: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """The cases the issue names, spelled out."""
    for app in ("directory", "remunerasi"):
        granted, _ = _grants(packaged[app][1])
        for p in ("WbsKeyArn", "WbsTable", "WbsBucket", "WbsSecretArn", "WbsTopicArn"):
            assert p not in granted and p not in packaged[app][1]["Parameters"], (app, p)
        assert "kms:Decrypt" not in granted.get("WbsKeyArn", set())
    wbs, _ = _grants(packaged["wbs"][1])
    assert "RemunerasiTable" not in wbs and "PayrollQueueArn" not in wbs
    assert "dynamodb:PutItem" not in wbs["DirectoryTable"]  # WBS reads the directory
    assert {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"} <= wbs["WbsKeyArn"]
    remunerasi, _ = _grants(packaged["remunerasi"][1])
    assert {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"} <= remunerasi["PayrollQueueArn"]
    assert "SakipTable" not in remunerasi and "SakipTable" not in wbs
    # e-SAKIP reads e-Remunerasi's table (the E-RK roll-up) by a named grant, and never writes it
    sakip, _ = _grants(packaged["sakip"][1])
    assert "dynamodb:Query" in sakip["RemunerasiTable"]
    assert not {
        a
        for a in sakip["RemunerasiTable"]
        if a.split(":")[1].startswith(("Put", "Update", "Delete", "BatchWrite"))
    }
    assert "dynamodb:PutItem" in sakip["SakipTable"]
    assert "PayrollQueueArn" not in sakip and "WbsKeyArn" not in sakip


def test_no_wildcard_grants(packaged: dict[str, tuple[str, dict[str, Any]]]) -> None:
    for app, (_, template) in packaged.items():
        text = json.dumps([r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"])
        assert '"Resource": "*"' not in text and "arn:*:" not in text, app


def test_manifest_access_words_are_known() -> None:
    for m in MANIFESTS.values():
        for r in m.resources:
            assert r.access <= ACCESS[r.kind]
    with pytest.raises(ValueError, match="access"):
        Resource("table", "X_TABLE", frozenset({"decrypt"}))


def test_manifest_env_contract_is_provided_by_the_region() -> None:
    """Every env var a manifest declares is a data stack output or set by `replika deploy`, and a
    setting the runtime reads."""
    from replika.core.settings import ENV_VARS
    from replika_infra.local.stack import OUTPUT_ENV

    by_deploy = {"REPLIKA_STAGE", "REPLIKA_REGION_SLUG", "CURSOR_SECRET"}
    for m in MANIFESTS.values():
        assert set(m.env_contract()) <= set(OUTPUT_ENV.values()) | by_deploy, m.app
        assert set(m.env_contract()) <= set(ENV_VARS), m.app


def test_layer_extras_come_from_pyproject() -> None:
    common = {layers.dist_name(r) for r in layers.common_requirements()}
    assert not common & layers.RUNTIME_PROVIDED
    for m in MANIFESTS.values():
        extras = {layers.dist_name(r) for r in layers.extra_requirements(m.layer_extras)}
        assert extras == {layers.dist_name(n) for n in m.layer_extras}
        assert not extras & common, f"{m.app}'s extras are in the common layer"
    assert {"cryptography", "pillow", "pypdf"} == set(MANIFESTS["wbs"].layer_extras)
    assert not {"cryptography", "pillow", "fpdf2", "openpyxl"} & common


def test_extras_two_apps_name_ship_once_in_a_layer_of_their_own() -> None:
    """Pillow, fpdf2 (with fontTools) and openpyxl are each in one layer that every app naming them
    gets, not inside each app's extras layer (fpdf2 with Pillow and openpyxl in one layer were
    16.3 MiB on x86_64, over the 15 MiB limit); no function gets more than Lambda's five layers:
    what does not fit, or what only one app would get as a layer, is in the app's own layer."""
    import dataclasses

    assert package.plan()["remunerasi"] == ("pillow", "fpdf2", "openpyxl")
    assert package.layer_names(MANIFESTS["remunerasi"]) == ["core", "common", "pillow", "fpdf2", "openpyxl"]
    assert package.own_extras(MANIFESTS["remunerasi"]) == ()
    # perizinan has room for two shared layers beside its own: cryptography goes into its own layer,
    # and then WBS alone would get a cryptography layer, so WBS's layer has it too
    assert package.layer_names(MANIFESTS["perizinan"]) == ["core", "common", "pillow", "fpdf2", "perizinan"]
    assert package.own_extras(MANIFESTS["perizinan"]) == ("qrcode", "jsonschema", "cryptography")
    assert package.layer_names(MANIFESTS["wbs"]) == ["core", "common", "pillow", "wbs"]
    assert package.own_extras(MANIFESTS["wbs"]) == ("cryptography", "pypdf")
    assert package.layer_names(MANIFESTS["directory"]) == ["core", "common"]
    assert layer_plan.shared_extras() == ("fpdf2", "openpyxl", "pillow")
    for m in MANIFESTS.values():
        assert len(package.layer_names(m)) <= layer_plan.MAX_LAYERS_PER_FUNCTION
    # a later app naming what one other app names makes it shared
    later = dataclasses.replace(MANIFESTS["directory"], app="later", layer_extras=("pypdf",))
    everyone = [*MANIFESTS.values(), later]
    assert layer_plan.shared_extras(everyone) == ("fpdf2", "openpyxl", "pillow", "pypdf")
    assert package.layer_names(later, everyone) == ["core", "common", "pypdf"]
    assert package.layer_names(MANIFESTS["wbs"], everyone) == ["core", "common", "pillow", "pypdf", "wbs"]
    assert package.own_extras(MANIFESTS["wbs"], everyone) == ("cryptography",)
    # an app naming more shared extras than fit gets the most shared ones as layers, the rest in its own
    greedy = dataclasses.replace(
        MANIFESTS["directory"], app="greedy", layer_extras=("openpyxl", "fpdf2", "pillow", "qrcode", "pypdf")
    )
    names = package.layer_names(greedy, [*MANIFESTS.values(), greedy])
    assert names == ["core", "common", "pillow", "fpdf2", "greedy"]
    assert package.own_extras(greedy, [*MANIFESTS.values(), greedy]) == ("openpyxl", "qrcode", "pypdf")


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


SYNTHETIC_MANIFEST = AppManifest(
    app="synthetic",
    resources=(
        Resource("table", "DIRECTORY_TABLE", frozenset({"read"})),
        Resource("user_pool", "USER_POOL_ARN", frozenset({"authorize"}), optional=True),
        Resource("param", "USER_POOL_ID", optional=True),
        Resource("key", "DATA_KEY_ARN", frozenset({"decrypt"}), optional=True),
    ),
)


def test_postprocess_without_chalice() -> None:
    out = package.postprocess_template(
        json.loads(json.dumps(SYNTHETIC)), SYNTHETIC_MANIFEST, "3.12", "x86_64"
    )
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
    assert fn["Layers"] == [{"Ref": "CoreLayerArn"}, {"Ref": "CommonLayerArn"}]
    assert fn["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "x",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "DIRECTORY_TABLE": {"Ref": "DirectoryTable"},
        "USER_POOL_ARN": {"Ref": "UserPoolArn"},
        "USER_POOL_ID": {"Ref": "UserPoolId"},
        "DATA_KEY_ARN": {"Ref": "DataKeyArn"},
    }
    policy = out["Resources"]["DefaultRole"]["Properties"]["Policies"][0]
    assert policy["PolicyName"] == iam.POLICY_NAME
    statements = policy["PolicyDocument"]["Statement"]
    assert statements[0]["Action"] == sorted(iam.ACTIONS["table"]["read"])
    assert statements[1]["Fn::If"][0] == "HasDataKeyArn"  # optional: granted only when set
    assert _lint(json.dumps(out)) == []


def test_the_functions_tell_pydantic_there_are_no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """What every function's environment gets (:data:`package.FUNCTION_ENV`) is a value pydantic
    honours: no entry-point scan at the first model build (a cold start's)."""
    from pydantic.plugin import _loader

    def scan(**_: Any) -> Any:
        raise AssertionError("pydantic scanned the installed distributions for plugins")

    monkeypatch.setattr(_loader, "entry_points", scan)
    monkeypatch.setattr(_loader, "_plugins", None)
    for name, value in package.FUNCTION_ENV.items():
        monkeypatch.setenv(name, value)
    assert list(_loader.get_plugins()) == []


def test_a_setting_outside_the_manifest_fails_the_package() -> None:
    template = json.loads(
        json.dumps(SYNTHETIC).replace("USER_POOL_ID", "WBS_TABLE").replace("user-pool-id", "wbs-table")
    )
    with pytest.raises(package.PackageError, match="does not declare"):
        package.postprocess_template(template, SYNTHETIC_MANIFEST)


def test_core_layer_zip_is_deterministic(tmp_path: Path) -> None:
    a = package.build_core_layer(tmp_path / "a")
    b = package.build_core_layer(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    names = zipfile.ZipFile(a).namelist()
    assert names == sorted(names) and all(n.startswith("python/replika/") for n in names)
    # the deployed region's config travels with the code (one stack per region)
    assert "python/replika/region.toml" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_core_layer_bytecode_is_deterministic(tmp_path: Path) -> None:
    try:
        layers.target_python("3.12")
    except layers.LayerError as exc:
        pytest.skip(str(exc))
    a = package.build_core_layer(tmp_path / "a", python="3.12")
    b = package.build_core_layer(tmp_path / "b", python="3.12")
    assert a.read_bytes() == b.read_bytes()
    names = set(zipfile.ZipFile(a).namelist())
    assert "python/replika/core/__pycache__/manifest.cpython-312.pyc" in names
    assert "python/replika/core/manifest.py" in names  # sources stay, for tracebacks


def test_a_named_read_grant_lets_only_its_readers_read() -> None:
    """READ_GRANTS: e-SAKIP may read e-Remunerasi's table, never write it; no other app may name it."""
    from replika.core.manifest import READ_GRANTS

    assert READ_GRANTS["REMUNERASI_TABLE"] == ("remunerasi", frozenset({"sakip"}))
    assert allowed_access("sakip", "REMUNERASI_TABLE") == frozenset({"read"})
    assert allowed_access("remunerasi", "REMUNERASI_TABLE") == frozenset({"read", "write"})
    assert allowed_access("wbs", "REMUNERASI_TABLE") == frozenset()
    table = Resource("table", "REMUNERASI_TABLE", frozenset({"read"}))
    writer = AppManifest("sakip", (Resource("table", "REMUNERASI_TABLE", frozenset({"read", "write"})),))
    stranger = AppManifest("wbs", (table,))
    owner = MANIFESTS["remunerasi"]
    assert isolation_violations([owner, MANIFESTS["sakip"]]) == []
    assert isolation_violations([owner, writer]) == [
        "sakip declares ['write'] on REMUNERASI_TABLE: it may only read"
    ]
    assert isolation_violations([owner, stranger]) == [
        "REMUNERASI_TABLE belongs to remunerasi: wbs may not name it"
    ]
    assert allowed_access("sakip", "REMUNERASI_TABLE", [owner, writer]) == frozenset({"read"})


def test_sqs_consumers_have_a_maximum_concurrency(packaged: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """Chalice sets no maximum concurrency on an SQS event source: the post-processing does, from
    the function's reserved concurrency (the payroll worker: 100), and every SQS event has one."""
    seen = 0
    for _app, (_text, template) in packaged.items():
        for fn in _functions(template).values():
            props = fn["Properties"]
            for event in (props.get("Events") or {}).values():
                if event["Type"] != "SQS":
                    continue
                seen += 1
                limit = event["Properties"]["ScalingConfig"]["MaximumConcurrency"]
                assert 2 <= limit <= props.get("ReservedConcurrentExecutions", 1000)
    worker = _functions(packaged["remunerasi"][1])["PayrollWorker"]["Properties"]
    sqs = next(e for e in worker["Events"].values() if e["Type"] == "SQS")
    assert sqs["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 100}
    assert worker["ReservedConcurrentExecutions"] == 100
    assert seen >= 1
