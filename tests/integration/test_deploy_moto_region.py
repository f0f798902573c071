"""The whole region deployed on moto by `replika deploy`'s own path (issue 14 §3).

Data stack (templates/region.yaml), layer stack and one stack per enabled app go through change
sets (create, execute, wait). The app templates are the real packaged ones (`chalice package` +
post-processing), translated from SAM by aws-sam-translator (``.venv-sam``); the layers are tiny
stand-in zips (their content does not matter to the wiring). Generic over ``manifest_apps()``.

moto cannot invoke the functions (that needs Docker): this proves the wiring, the translation and
the parameters, not execution.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from replika.core.manifest import READ_GRANTS, manifest_apps, manifest_for
from replika_infra.local.deploy_moto import deploy_region_on_moto, package_with_standin_layers
from replika_infra.local.stack import stack_env
from replika_infra.release import package
from replika_infra.release.deploy import DeployOptions, Outcome, Result
from replika_infra.release.templates import loads

AWS_REGION = "ap-southeast-3"
BUCKET = "replika-artifacts-test"
APPS = [a for a in manifest_apps() if a in package.discover_apps()]
OPTIONAL = sorted(set(APPS) - set(package.ALWAYS_APPS))
#: The app the partial region leaves out: one no other app reads from (e-SAKIP reads
#: e-Remunerasi's table, so a region without e-Remunerasi has no e-SAKIP either), with the most
#: resources of its own (table, bucket, key, topic, secret).
DISABLED = "wbs"
#: The apps that stay on a REST API (their routes accept tokens of two user pools).
REST_APPS = {"sabilulungan", "perizinan"}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`replika package`'s layout: the real app templates and code, stand-in layers."""
    return package_with_standin_layers(tmp_path_factory.mktemp("build"), APPS)


@pytest.fixture(scope="module")
def moto_env() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        mp.setenv(name, "testing")
    mp.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    with mock_aws():
        yield
    mp.undo()


def _client(service: str) -> Any:
    return boto3.client(service, region_name=AWS_REGION)  # type: ignore[call-overload]


def _deploy(slug: str, enabled: set[str], artifacts: Path) -> list[Result]:
    opts = DeployOptions(
        region_slug=slug,
        enabled_apps=enabled,
        artifacts=artifacts,
        artifact_bucket=BUCKET,
        aws_region=AWS_REGION,
        poll=0.0,
    )
    return deploy_region_on_moto(_client("cloudformation"), _client("s3"), opts, echo=lambda _: None)


# --------------------------------------------------------------------------- what got deployed


@dataclass
class Region:
    slug: str
    enabled: set[str]
    results: dict[str, Result]
    #: stack name -> logical id -> (type, physical id), when the fixture ran
    resources: dict[str, dict[str, tuple[str, str]]]
    functions: dict[str, dict[str, Any]]  # function name -> GetFunction configuration

    @property
    def base(self) -> str:
        return f"replika-{self.slug}"

    def outputs(self, stack: str) -> dict[str, str]:
        return self.results[f"{self.base}-{stack}"].outputs


def _snapshot(slug: str, enabled: set[str], results: list[Result]) -> Region:
    cfn, lam = _client("cloudformation"), _client("lambda")
    resources: dict[str, dict[str, tuple[str, str]]] = {}
    for r in results:
        summaries = cfn.list_stack_resources(StackName=r.stack)["StackResourceSummaries"]
        resources[r.stack] = {
            s["LogicalResourceId"]: (s["ResourceType"], s.get("PhysicalResourceId", "")) for s in summaries
        }
    functions = {}
    for page in lam.get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            if f["FunctionName"].startswith(f"replika-{slug}-"):
                functions[f["FunctionName"]] = lam.get_function(FunctionName=f["FunctionName"])
    return Region(slug, enabled, {r.stack: r for r in results}, resources, functions)


@pytest.fixture(scope="module")
def full(moto_env: None, build: Path) -> Region:
    """Every app enabled."""
    enabled = set(OPTIONAL)
    results = _deploy("kota-penuh", enabled, build)
    assert [r.outcome for r in results] == [Outcome.APPLIED] * (2 + len(APPS))
    return _snapshot("kota-penuh", enabled, results)


def _sam(build: Path, app: str) -> dict[str, Any]:
    return loads((build / app / "sam.yaml").read_text(encoding="utf-8"))


def _physical(region: Region, app: str, logical_id: str) -> str:
    return region.resources[f"{region.base}-{app}"][logical_id][1]


def _enabled_apps(region: Region) -> list[str]:
    return [a for a in APPS if a in region.enabled or a in package.ALWAYS_APPS]


def _check_functions(region: Region, build: Path) -> None:
    env = stack_env(region.outputs("data"))
    layer_outputs = region.outputs("layers")
    iam = _client("iam")
    for app in _enabled_apps(region):
        manifest = manifest_for(app)
        sam = _sam(build, app)
        expected_layers = [layer_outputs[package.layer_param(n)] for n in package.layer_names(manifest)]
        roles = {lid for lid, r in sam["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
        functions = [lid for lid, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
        assert functions, app
        for logical_id in functions:
            name = _physical(region, app, logical_id)
            config = region.functions[name]["Configuration"]
            assert [layer["Arn"] for layer in config["Layers"]] == expected_layers, (app, logical_id)
            assert config["Runtime"] == "python3.12" and config["Architectures"] == ["arm64"]
            variables = config["Environment"]["Variables"]
            for var in manifest.env_contract():
                resource = manifest.resource(var)
                if var in env:
                    assert variables[var] == env[var], (app, logical_id, var)
                elif resource is None or not resource.optional:
                    assert variables.get(var), (app, logical_id, var)
            assert variables["REPLIKA_STAGE"] == "prod" and variables["REPLIKA_REGION_SLUG"] == region.slug
            role_ref = sam["Resources"][logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
            assert role_ref in roles
            role = iam.get_role(RoleName=_physical(region, app, role_ref))["Role"]
            assert config["Role"] == role["Arn"]
            declared = {p["PolicyName"] for p in sam["Resources"][role_ref]["Properties"]["Policies"]}
            assert set(iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]) == declared
            tags = region.functions[name].get("Tags", {})
            assert tags.get("replika:region") is None or tags["replika:region"] == region.slug
            assert any(k == "aws-chalice" for k in tags), (app, logical_id, tags)


def _api_methods(api_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    apigw = _client("apigateway")
    found = {}
    for resource in apigw.get_resources(restApiId=api_id, limit=500)["items"]:
        for verb in resource.get("resourceMethods", {}):
            found[(resource["path"], verb)] = apigw.get_method(
                restApiId=api_id, resourceId=resource["id"], httpMethod=verb
            )
    return found


def _check_apis(region: Region, build: Path) -> None:
    apigw = _client("apigateway")
    env = stack_env(region.outputs("data"))
    for app in _enabled_apps(region):
        sam = _sam(build, app)
        for logical_id, resource in sam["Resources"].items():
            if resource["Type"] != "AWS::Serverless::Api":
                continue
            props = resource["Properties"]
            api_id = _physical(region, app, logical_id)
            body = props["DefinitionBody"]
            authorizers = {a["name"]: a for a in apigw.get_authorizers(restApiId=api_id)["items"]}
            for name, scheme in body.get("securityDefinitions", {}).items():
                spec = scheme["x-amazon-apigateway-authorizer"]
                assert spec["type"] == "cognito_user_pools"
                assert authorizers[name]["type"] == "COGNITO_USER_POOLS"
                providers = authorizers[name]["providerARNs"]
                assert authorizers[name]["identitySource"] == f"method.request.header.{scheme['name']}"
                by_param = {package.param_name(k): v for k, v in env.items()}
                assert providers == [by_param[ref["Ref"]] for ref in spec["providerARNs"]], app
                assert set(providers) <= {env["USER_POOL_ARN"], env.get("PUBLIC_USER_POOL_ARN")}
            methods = _api_methods(api_id)
            handler_arn = region.functions[_physical(region, app, "APIHandler")]["Configuration"][
                "FunctionArn"
            ]
            expected = {(path, verb.upper()) for path, ops in body["paths"].items() for verb in ops}
            assert expected <= set(methods), (app, sorted(expected - set(methods))[:5])
            for (path, verb), method in methods.items():
                operation = body["paths"][path][verb.lower()]
                integration = method["methodIntegration"]
                assert integration["type"] == "AWS_PROXY" and handler_arn in integration["uri"], (app, path)
                if operation.get("security"):
                    assert method["authorizationType"] == "COGNITO_USER_POOLS", (app, path, verb)
                    name = next(iter(operation["security"][0]))
                    assert method["authorizerId"] == authorizers[name]["id"]
                else:
                    assert method["authorizationType"] == "NONE", (app, path, verb)
            stage = apigw.get_stage(restApiId=api_id, stageName=props["StageName"])
            assert stage["deploymentId"] and stage.get("tracingEnabled") is True
            assert app in region.outputs(app)["EndpointURL"] or api_id in region.outputs(app)["EndpointURL"]


def _check_http_apis(region: Region, build: Path) -> set[str]:
    """Every Chalice route of an HTTP-API app is a route of the deployed API (JWT or NONE as
    declared) on a payload-1.0 Lambda proxy integration to the app's handler; the JWT authorizer
    trusts the staff pool (issuer) and the app client (audience). The apps on an HTTP API."""
    v2 = _client("apigatewayv2")
    env = stack_env(region.outputs("data"))
    pool_id = env["USER_POOL_ARN"].split("userpool/", 1)[1]
    on_http = set()
    for app in _enabled_apps(region):
        sam = _sam(build, app)
        apis = [lid for lid, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::HttpApi"]
        if not apis:
            continue
        on_http.add(app)
        (logical_id,) = apis
        api_id = _physical(region, app, logical_id)
        declared = {
            (f"{e['Properties']['Method']} {e['Properties']['Path']}", e["Properties"]["Auth"]["Authorizer"])
            for e in sam["Resources"]["APIHandler"]["Properties"]["Events"].values()
            if e["Type"] == "HttpApi"
        }
        routes = v2.get_routes(ApiId=api_id)["Items"]
        (authorizer_id,) = {r["AuthorizerId"] for r in routes if r["AuthorizationType"] == "JWT"}
        authorizer = v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
        assert authorizer["AuthorizerType"] == "JWT" and authorizer["Name"] == "CognitoUsers"
        assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
        jwt = authorizer["JwtConfiguration"]
        assert jwt["Issuer"] == f"https://cognito-idp.{AWS_REGION}.amazonaws.com/{pool_id}", app
        assert jwt["Audience"] == [env["USER_POOL_CLIENT_ID"]], app
        integrations = {i["IntegrationId"]: i for i in v2.get_integrations(ApiId=api_id)["Items"]}
        handler_arn = region.functions[_physical(region, app, "APIHandler")]["Configuration"]["FunctionArn"]
        got = set()
        for route in routes:
            auth = route["AuthorizationType"]
            assert auth in ("JWT", "NONE"), (app, route["RouteKey"])
            if auth == "JWT":
                assert route["AuthorizerId"] == authorizer["AuthorizerId"], (app, route["RouteKey"])
            got.add((route["RouteKey"], "CognitoUsers" if auth == "JWT" else "NONE"))
            integration = integrations[route["Target"].removeprefix("integrations/")]
            assert integration["IntegrationType"] == "AWS_PROXY", (app, route["RouteKey"])
            assert integration["PayloadFormatVersion"] == "1.0", (app, route["RouteKey"])
            assert handler_arn in integration["IntegrationUri"], (app, route["RouteKey"])
        assert got == declared, (app, sorted(got ^ declared)[:5])
        assert {a for _, a in got} == {"CognitoUsers", "NONE"}, app
        (stage,) = v2.get_stages(ApiId=api_id)["Items"]
        assert stage["StageName"] == sam["Resources"][logical_id]["Properties"]["StageName"]
        assert api_id in region.outputs(app)["EndpointURL"]
    return on_http


def _events(build: Path, app: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, resource in _sam(build, app)["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == kind:
                    found.append((logical_id, event["Properties"]))
    return found


def _check_events(region: Region, build: Path) -> tuple[int, int]:
    events, lam = _client("events"), _client("lambda")
    rules = {r["Name"]: r for r in events.list_rules()["Rules"]}
    env = stack_env(region.outputs("data"))
    schedules = mappings = 0
    for app in _enabled_apps(region):
        for logical_id, props in _events(build, app, "Schedule"):
            arn = region.functions[_physical(region, app, logical_id)]["Configuration"]["FunctionArn"]
            matching = [
                name
                for name, rule in rules.items()
                if rule.get("ScheduleExpression") == props["Schedule"]
                and any(t["Arn"] == arn for t in events.list_targets_by_rule(Rule=name)["Targets"])
            ]
            assert matching, (app, logical_id, props["Schedule"])
            schedules += 1
        for logical_id, props in _events(build, app, "SQS"):
            name = _physical(region, app, logical_id)
            param = props["Queue"]["Ref"]  # e.g. PayrollQueueArn, from the data stack
            queue_arn = next(v for k, v in env.items() if package.param_name(k) == param)
            found = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
            assert [m["EventSourceArn"] for m in found] == [queue_arn], (app, logical_id)
            assert found[0]["BatchSize"] == props["BatchSize"]
            mappings += 1
    return schedules, mappings


# One test per deployed region (not one per aspect): pytest-xdist may hand a module's tests to
# both workers, and each would then package and deploy the region again.


def test_the_whole_region_is_wired(full: Region, build: Path) -> None:
    """Functions with their layers, env and role; every API method with the Cognito authorizer;
    the schedules and the queue consumers; and a second deploy is "no changes"."""
    _check_functions(full, build)
    _check_apis(full, build)
    on_http = _check_http_apis(full, build)
    # `replika package`'s default: an HTTP API, but for the apps whose routes take two user pools
    on_rest = {
        a for a in APPS if "AWS::Serverless::Api" in {r["Type"] for r in _sam(build, a)["Resources"].values()}
    }
    assert on_rest == REST_APPS and on_http and not on_http & on_rest
    schedules, mappings = _check_events(full, build)
    assert schedules >= 1 and mappings >= 1  # e.g. the monthly payroll and the payroll worker

    results = _deploy(full.slug, full.enabled, build)
    assert {r.stack: r.outcome for r in results} == dict.fromkeys(full.results, Outcome.NO_CHANGES)


# --------------------------------------------------------------------------- one app off, then on


@pytest.fixture(scope="module")
def partial(moto_env: None, build: Path) -> Region:
    enabled = set(OPTIONAL) - {DISABLED}
    results = _deploy("kota-kecil", enabled, build)
    return _snapshot("kota-kecil", enabled, results)


def _only_used_by(app: str, enabled: set[str]) -> set[str]:
    """Env vars (data stack outputs) of ``app``'s manifest that no enabled app's manifest uses."""
    others = {
        e
        for a in APPS
        if a != app and (a in enabled or a in package.ALWAYS_APPS)
        for e in manifest_for(a).env_contract()
    }
    return set(manifest_for(app).env_contract()) - others


def test_a_region_without_an_app_then_an_upgrade_by_change_set_that_adds_it(
    partial: Region, build: Path, tmp_path: Path
) -> None:
    _check_without_the_disabled_app(partial, build)
    _upgrade_keeps_every_table_and_bucket(partial, build, tmp_path)


def _check_without_the_disabled_app(partial: Region, build: Path) -> None:
    assert DISABLED in OPTIONAL
    assert all(DISABLED not in {owner} for owner, _ in READ_GRANTS.values())
    assert set(partial.results) == {
        f"{partial.base}-{s}" for s in ["data", "layers", *_enabled_apps(partial)]
    }
    assert not [f for f in partial.functions if f.startswith(f"{partial.base}-{DISABLED}-")]
    env = stack_env(partial.outputs("data"))
    absent = _only_used_by(DISABLED, partial.enabled)
    assert absent and not absent & set(env), sorted(absent & set(env))
    tables = _client("dynamodb").list_tables()["TableNames"]
    assert f"{partial.base}-data-{DISABLED}" not in tables
    assert f"{partial.base}-data-directory" in tables
    # and the apps that are on are wired as in the full region
    _check_functions(partial, build)
    _check_apis(partial, build)
    _check_http_apis(partial, build)


def _upgrade_keeps_every_table_and_bucket(partial: Region, build: Path, tmp_path: Path) -> None:
    data = f"{partial.base}-data"
    kept = {
        lid: physical
        for lid, (kind, physical) in partial.resources[data].items()
        if kind in ("AWS::DynamoDB::Table", "AWS::S3::Bucket")
    }
    ddb, s3 = _client("dynamodb"), _client("s3")
    for lid, physical in kept.items():
        if partial.resources[data][lid][0] == "AWS::DynamoDB::Table":
            table = ddb.describe_table(TableName=physical)["Table"]
            types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
            item = {
                k["AttributeName"]: {"N": "1"} if types[k["AttributeName"]] == "N" else {"S": f"kept-{lid}"}
                for k in table["KeySchema"]
            }
            ddb.put_item(TableName=physical, Item=item)
        else:
            s3.put_object(Bucket=physical, Key="kept.txt", Body=b"kept", ContentMD5=_md5(b"kept"))

    # The next release: new code for every app and a new core layer, and the disabled app on.
    upgrade = tmp_path / "build"
    shutil.copytree(build, upgrade)
    with zipfile.ZipFile(upgrade / "layers" / "core.zip", "a") as zf:
        zf.writestr("python/replika_standin_release.py", "RELEASE = 2\n")
    for app in APPS:
        with zipfile.ZipFile(upgrade / app / "deployment.zip", "a") as zf:
            zf.writestr("RELEASE", "2\n")
    results = _deploy(partial.slug, set(OPTIONAL), upgrade)
    outcomes = {r.stack: r.outcome for r in results}
    assert outcomes.pop(f"{partial.base}-{DISABLED}") is Outcome.APPLIED
    assert set(outcomes.values()) == {Outcome.APPLIED}, outcomes
    after = _snapshot(partial.slug, set(OPTIONAL), results)

    for lid, physical in kept.items():
        assert after.resources[data][lid][1] == physical, lid
        if partial.resources[data][lid][0] == "AWS::DynamoDB::Table":
            assert ddb.scan(TableName=physical)["Count"] == 1, lid
        else:
            assert s3.get_object(Bucket=physical, Key="kept.txt")["Body"].read() == b"kept", lid
    new_tables = set(after.resources[data]) - set(partial.resources[data])
    assert f"{DISABLED.capitalize()}Table" in new_tables
    for name, before in partial.functions.items():
        now, then = after.functions[name]["Configuration"], before["Configuration"]
        assert now["CodeSha256"] != then["CodeSha256"], name
        assert now["Layers"][0]["Arn"] != then["Layers"][0]["Arn"], name  # the new core layer version
    _check_functions(after, upgrade)
    _check_events(after, upgrade)

    again = _deploy(partial.slug, set(OPTIONAL), upgrade)
    assert {r.outcome for r in again} == {Outcome.NO_CHANGES}


def _md5(body: bytes) -> str:
    import base64
    import hashlib

    return base64.b64encode(hashlib.md5(body).digest()).decode()
