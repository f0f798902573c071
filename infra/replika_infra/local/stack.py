"""The local region stack: ``templates/region.yaml`` run through moto.

Works in-process under ``moto.mock_aws()`` and against a moto server (``endpoint_url`` or
``AWS_ENDPOINT_URL``). The stack is created by moto's CloudFormation from the template itself, so
table names, keys and indexes are those of production. moto's CloudFormation does not model every
resource type, nor every property of the types it does model; both gaps are closed here from the
SAME template properties through the service APIs:

- resource types in :data:`LOCAL_TYPES` (Cognito pool / groups / client, bucket policies,
  EventBridge Scheduler schedules, SES identities) are removed from the body sent to moto and
  created here;
- properties moto's CloudFormation ignores are applied afterwards (:mod:`.ignored`): DynamoDB
  PITR and TTL, and S3 versioning, public access block, lifecycle, ownership controls and access
  logging;
- a few properties moto reads in the service API's shape rather than CloudFormation's (KMS key
  policy and tags, DynamoDB SSESpecification) are reshaped in the body sent to moto
  (:func:`moto_template`); the resources are the same.

Everything is find-or-create, so :func:`create_region_stack` is idempotent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from replika_infra.local.clients import Clients, default_session
from replika_infra.local.ignored import apply_ignored_properties, configure_bucket_logging
from replika_infra.local.intrinsics import SUB_VAR, Resolver
from replika_infra.local.local_types import email_identity, region_parameters
from replika_infra.release.templates import REGION_TEMPLATE, load_template

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

APPS: tuple[str, ...] = ("remunerasi", "sabilulungan", "perizinan", "sakip", "wbs")

#: Resource types moto 5.2.5's CloudFormation creates. Anything else must be in LOCAL_TYPES.
MOTO_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Events::Rule",
        "AWS::Events::EventBus",
    }
)

#: Resource types moto's CloudFormation skips (with a warning); created here through the APIs.
LOCAL_TYPES = frozenset(
    {
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolClient",
        "AWS::S3::BucketPolicy",
        "AWS::Scheduler::Schedule",
        "AWS::SecretsManager::Secret",
        "AWS::SES::EmailIdentity",
    }
)

#: Stack output -> environment variable read by the functions (replika.core.settings).
OUTPUT_ENV: dict[str, str] = {
    "DirectoryTableName": "DIRECTORY_TABLE",
    "AuditTableName": "AUDIT_TABLE",
    "IdempotencyTableName": "IDEMPOTENCY_TABLE",
    "RemunerasiTableName": "REMUNERASI_TABLE",
    "SabilulunganTableName": "SABILULUNGAN_TABLE",
    "PerizinanTableName": "PERIZINAN_TABLE",
    "SakipTableName": "SAKIP_TABLE",
    "WbsTableName": "WBS_TABLE",
    "DocumentsBucketName": "DOCUMENTS_BUCKET",
    "AuditHeadsBucketName": "AUDIT_HEADS_BUCKET",
    "WbsBucketName": "WBS_BUCKET",
    "DataKeyArn": "DATA_KEY_ARN",
    "WbsKeyArn": "WBS_KEY_ARN",
    "PermitSigningKeyArn": "PERMIT_SIGNING_KEY_ARN",
    "UserPoolId": "USER_POOL_ID",
    "UserPoolArn": "USER_POOL_ARN",
    "UserPoolClientId": "USER_POOL_CLIENT_ID",
    "PublicUserPoolId": "PUBLIC_USER_POOL_ID",
    "PublicUserPoolArn": "PUBLIC_USER_POOL_ARN",
    "PublicUserPoolClientId": "PUBLIC_USER_POOL_CLIENT_ID",
    "PayrollQueueUrl": "PAYROLL_QUEUE_URL",
    "PayrollQueueArn": "PAYROLL_QUEUE_ARN",
    "WbsTopicArn": "WBS_TOPIC_ARN",
    "WbsSecretArn": "WBS_SECRET_ARN",
    "SabilulunganTopicArn": "SABILULUNGAN_TOPIC_ARN",
    "SabilulunganSecretArn": "SABILULUNGAN_SECRET_ARN",
    "SabilulunganSender": "SABILULUNGAN_SENDER",
    "EventsQueueUrl": "EVENTS_QUEUE_URL",
}

_READY = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}


def parameters_for(enabled_apps: Iterable[str], region_slug: str, stage: str) -> dict[str, str]:
    """Template parameters for a region: every app switch explicit, ``"true"``/``"false"``."""
    enabled = set(enabled_apps)
    unknown = enabled - set(APPS)
    if unknown:
        raise ValueError(f"unknown apps: {sorted(unknown)}; known: {list(APPS)}")
    params = {"RegionSlug": region_slug, "Stage": stage}
    for app in APPS:
        params[f"Enable{app.capitalize()}"] = "true" if app in enabled else "false"
    return params | region_parameters(region_slug, enabled)


def stack_env(outputs: Mapping[str, str]) -> dict[str, str]:
    """Environment variables for the functions, from the stack outputs present."""
    return {env: outputs[name] for name, env in OUTPUT_ENV.items() if outputs.get(name)}


# --------------------------------------------------------------------------- references


def references(value: Any) -> set[str]:
    """Logical ids (and parameter names) a template fragment refers to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, args in value.items():
            if key == "Ref" and isinstance(args, str):
                found.add(args)
            elif key == "Fn::GetAtt":
                found.add(args[0] if isinstance(args, list) else str(args).split(".", 1)[0])
            elif key == "Fn::Sub":
                text = args if isinstance(args, str) else args[0]
                found |= {m.group(1).split(".", 1)[0] for m in SUB_VAR.finditer(text)}
                if isinstance(args, list):
                    found |= references(args[1])
            else:
                found |= references(args)
    return found


def moto_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template without :data:`LOCAL_TYPES` resources and the outputs that refer to them."""
    body = copy.deepcopy(dict(template))
    resources: dict[str, Any] = body.get("Resources", {})
    unknown = {r["Type"] for r in resources.values()} - MOTO_TYPES - LOCAL_TYPES
    if unknown:
        raise ValueError(f"no local provisioning for resource types: {sorted(unknown)}")
    local = {lid for lid, r in resources.items() if r["Type"] in LOCAL_TYPES}
    for logical_id in local:
        del resources[logical_id]
    for logical_id, resource in resources.items():
        if references(resource.get("Properties", {})) & local:
            raise ValueError(f"{logical_id} refers to a resource moto cannot create")
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in local]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
        if resource["Type"] == "AWS::KMS::Key":
            _adapt_kms_key_for_moto(resource.get("Properties", {}))
        if resource["Type"] == "AWS::DynamoDB::Table":
            _adapt_table_for_moto(resource.get("Properties", {}))
    outputs: dict[str, Any] = body.get("Outputs", {})
    for name in [n for n, o in outputs.items() if references(o) & local]:
        del outputs[name]
    return body


def _adapt_kms_key_for_moto(props: dict[str, Any]) -> None:
    """Work around two moto 5.2.5 gaps in ``AWS::KMS::Key`` (the key itself is unchanged).

    moto stores a ``KeyPolicy`` object as is and later ``json.loads`` it (DescribeKey fails), and
    it reads ``Tags`` in the KMS API's shape (TagKey/TagValue) instead of CloudFormation's.
    """
    if isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = {"Fn::ToJsonString": props["KeyPolicy"]}
    if "Tags" in props:
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]


def _adapt_table_for_moto(props: dict[str, Any]) -> None:
    """moto 5.2.5 reads ``SSESpecification`` in the DynamoDB API's shape (``Enabled``)."""
    sse = props.get("SSESpecification")
    if isinstance(sse, dict) and "SSEEnabled" in sse:
        props["SSESpecification"] = {
            "Enabled": sse["SSEEnabled"],
            **{k: v for k, v in sse.items() if k != "SSEEnabled"},
        }


# --------------------------------------------------------------------------- the stack


def create_region_stack(
    stack_name: str,
    parameters: Mapping[str, str],
    *,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    template_path: Path | str = REGION_TEMPLATE,
) -> dict[str, str]:
    """Create (or find) the region stack and return its outputs, output name -> value."""
    clients = Clients(session or default_session(), endpoint_url)
    template = load_template(template_path)
    cfn: CloudFormationClient = clients("cloudformation")

    stack = _describe_stack(cfn, stack_name)
    if stack is None:
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(moto_template(template)),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        cfn.get_waiter("stack_create_complete").wait(
            StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        stack = _describe_stack(cfn, stack_name)
    if stack is None or stack["StackStatus"] not in _READY:
        status = None if stack is None else stack["StackStatus"]
        raise RuntimeError(f"stack {stack_name} is not usable: {status}")

    # The stack's own parameter values win: a second call may pass different ones.
    actual = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    arn_parts = stack["StackId"].split(":")
    resolver = Resolver(
        template=template,
        parameters={**parameters, **actual},
        pseudo={
            "AWS::StackName": stack_name,
            "AWS::StackId": stack["StackId"],
            "AWS::Region": arn_parts[3],
            "AWS::AccountId": arn_parts[4],
            "AWS::Partition": arn_parts[1],
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    resources: dict[str, Any] = template.get("Resources", {})
    types = {lid: str(r["Type"]) for lid, r in resources.items()}
    resolver.get_att = lambda lid, attr: _moto_attribute(clients, types[lid], resolver.ref(lid), attr)
    for summary in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]:
        if summary.get("PhysicalResourceId"):
            resolver.physical_ids[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]

    def wanted(resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or resolver.condition(condition)

    for logical_id, resource in resources.items():
        if wanted(resource) and logical_id in resolver.physical_ids:
            apply_ignored_properties(clients, resolver, resolver.physical_ids[logical_id], resource)

    _create_local_resources(
        clients,
        resolver,
        {lid: r for lid, r in resources.items() if r["Type"] in LOCAL_TYPES and wanted(r)},
    )
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::S3::Bucket" and wanted(resource):
            props = resolver.resolve(resource.get("Properties", {}))
            configure_bucket_logging(clients, resolver.physical_ids[logical_id], props)

    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", []) if "OutputValue" in o}
    for name, output in template.get("Outputs", {}).items():
        if name in outputs or not wanted(output):
            continue
        outputs[name] = str(resolver.resolve(output["Value"]))
    return outputs


def _describe_stack(cfn: CloudFormationClient, stack_name: str) -> Any:
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _moto_attribute(clients: Clients, resource_type: str, physical_id: str, attribute: str) -> str:
    """``Fn::GetAtt`` of a resource moto created, read back through its service API."""
    if resource_type == "AWS::S3::Bucket":
        if attribute == "Arn":
            return f"arn:aws:s3:::{physical_id}"
        if attribute == "DomainName":
            return f"{physical_id}.s3.amazonaws.com"
    if resource_type == "AWS::KMS::Key" and attribute in {"Arn", "KeyId"}:
        return str(clients("kms").describe_key(KeyId=physical_id)["KeyMetadata"][attribute])
    if resource_type == "AWS::SQS::Queue":
        if attribute == "QueueUrl":
            return physical_id
        attrs = clients("sqs").get_queue_attributes(QueueUrl=physical_id, AttributeNames=["QueueArn"])
        if attribute == "Arn":
            return str(attrs["Attributes"]["QueueArn"])
        if attribute == "QueueName":
            return str(attrs["Attributes"]["QueueArn"]).rsplit(":", 1)[1]
    if resource_type == "AWS::SNS::Topic" and attribute in {"TopicArn", "TopicName"}:
        return physical_id if attribute == "TopicArn" else physical_id.rsplit(":", 1)[1]
    if resource_type == "AWS::DynamoDB::Table":
        table = clients("dynamodb").describe_table(TableName=physical_id)["Table"]
        if attribute == "Arn":
            return str(table["TableArn"])
        if attribute == "StreamArn":
            return str(table["LatestStreamArn"])
    raise KeyError(f"Fn::GetAtt {attribute} of {resource_type} is not supported locally")


# --------------------------------------------------------------------------- types moto skips


def _create_local_resources(
    clients: Clients, resolver: Resolver, resources: Mapping[str, Mapping[str, Any]]
) -> None:
    pending = dict(resources)
    while pending:
        ready = [
            lid
            for lid, resource in pending.items()
            if not (references(resource.get("Properties", {})) & set(pending))
        ]
        if not ready:
            raise ValueError(f"circular references among {sorted(pending)}")
        for logical_id in ready:
            resource = pending.pop(logical_id)
            props: dict[str, Any] = resolver.resolve(resource.get("Properties", {}))
            creator = _CREATORS[str(resource["Type"])]
            physical_id, attributes = creator(clients, logical_id, props, resolver)
            resolver.physical_ids[logical_id] = physical_id
            resolver.attributes[logical_id] = attributes


_Creator = Callable[[Clients, str, dict[str, Any], Resolver], tuple[str, dict[str, str]]]

# CloudFormation property -> CreateUserPool parameter, where the names differ.
_USER_POOL_RENAMES = {"UserPoolName": "PoolName"}
# CloudFormation-only properties handled after CreateUserPool.
_USER_POOL_AFTER = {"EnabledMfas"}


def _user_pool(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    idp = clients("cognito-idp")
    name = props.get("UserPoolName") or f"{resolver.pseudo['AWS::StackName']}-{logical_id}"
    pool_id = _find_user_pool(idp, name)
    if pool_id is None:
        kwargs = {
            _USER_POOL_RENAMES.get(k, k): v
            for k, v in props.items()
            if k not in _USER_POOL_AFTER and k != "UserPoolName"
        }
        pool_id = str(idp.create_user_pool(PoolName=name, **kwargs)["UserPool"]["Id"])
        if props.get("EnabledMfas") and props.get("MfaConfiguration", "OFF") != "OFF":
            idp.set_user_pool_mfa_config(
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in props["EnabledMfas"]},
                MfaConfiguration=props["MfaConfiguration"],
            )
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    arn = str(pool["Arn"])
    region = resolver.pseudo["AWS::Region"]
    provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
    return pool_id, {
        "Arn": arn,
        "UserPoolId": pool_id,
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
    }


def _find_user_pool(idp: Any, name: str) -> str | None:
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    return None


def _user_pool_group(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    idp = clients("cognito-idp")
    try:
        idp.get_group(UserPoolId=props["UserPoolId"], GroupName=props["GroupName"])
    except idp.exceptions.ResourceNotFoundException:
        idp.create_group(**props)
    return str(props["GroupName"]), {}


def _user_pool_client(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    idp = clients("cognito-idp")
    pool_id = props["UserPoolId"]
    name = props.get("ClientName") or logical_id
    for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60):
        for client in page["UserPoolClients"]:
            if client["ClientName"] == name:
                return str(client["ClientId"]), {"ClientId": str(client["ClientId"]), "Name": name}
    created = idp.create_user_pool_client(**{**props, "ClientName": name})["UserPoolClient"]
    return str(created["ClientId"]), {"ClientId": str(created["ClientId"]), "Name": name}


def _bucket_policy(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    document = local_bucket_policy(props["PolicyDocument"])
    if document["Statement"]:
        clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
    return str(props["Bucket"]), {}


def local_bucket_policy(document: dict[str, Any]) -> dict[str, Any]:
    """The template's bucket policy minus its TLS-only statements.

    The local endpoint is plain HTTP on loopback, and moto evaluates ``aws:SecureTransport`` as
    false for every request (in-process too), so the TLS-only deny would refuse every object
    write. Production keeps the statement; ``tests/unit/test_template.py`` checks it is there.
    """
    statements = [
        st
        for st in document.get("Statement", [])
        if "aws:SecureTransport" not in json.dumps(st.get("Condition", {}))
    ]
    return {**document, "Statement": statements}


def _schedule(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    scheduler = clients("scheduler")
    name = props.get("Name") or f"{resolver.pseudo['AWS::StackName']}-{logical_id}"[:64]
    group = props.get("GroupName", "default")
    try:
        found = scheduler.get_schedule(Name=name, GroupName=group)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        scheduler.create_schedule(**{**props, "Name": name})
        found = scheduler.get_schedule(Name=name, GroupName=group)
    return name, {"Arn": str(found["Arn"])}


def _secret(
    clients: Clients, logical_id: str, props: dict[str, Any], resolver: Resolver
) -> tuple[str, dict[str, str]]:
    """``AWS::SecretsManager::Secret`` with ``GenerateSecretString`` (length, exclusions); Ref: ARN."""
    sm = clients("secretsmanager")
    name = props.get("Name") or f"{resolver.pseudo['AWS::StackName']}-{logical_id}"
    try:
        arn = str(sm.describe_secret(SecretId=name)["ARN"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        generate = props.get("GenerateSecretString") or {}
        value = (
            props.get("SecretString")
            or sm.get_random_password(
                PasswordLength=int(generate.get("PasswordLength", 32)),
                ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
            )["RandomPassword"]
        )
        kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
        for key in ("Description", "KmsKeyId", "Tags"):
            if props.get(key):
                kwargs[key] = props[key]
        arn = str(sm.create_secret(**kwargs)["ARN"])
    return arn, {"Id": arn}


_CREATORS: dict[str, _Creator] = {
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SES::EmailIdentity": email_identity,
}
assert set(_CREATORS) == LOCAL_TYPES
