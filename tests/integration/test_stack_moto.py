"""The local region stack through moto (in-process ``mock_aws``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import moto
import pytest
import requests

from replika.core.auth import Role
from replika_infra.local.stack import (
    APPS,
    LOCAL_TYPES,
    OUTPUT_ENV,
    Resolver,
    create_region_stack,
    moto_template,
    parameters_for,
    stack_env,
)
from replika_infra.release.templates import load_template, spec_from_properties, table_specs

REGION = "ap-southeast-3"
STACK = "replika-kota-bandung-local"
APP_TABLES = {app: f"{app.capitalize()}Table" for app in APPS}


@pytest.fixture
def aws(fake_aws_env: None) -> Iterator[None]:
    with moto.mock_aws():
        yield


@pytest.fixture
def full_stack(aws: None) -> dict[str, str]:
    return create_region_stack(STACK, parameters_for(set(APPS), "kota-bandung", "local"))


# --------------------------------------------------------------------------- pure helpers


def test_parameters_for() -> None:
    params = parameters_for({"wbs", "remunerasi"}, "kota-mataram", "prod")
    assert params == {
        "RegionSlug": "kota-mataram",
        "Stage": "prod",
        "EnableRemunerasi": "true",
        "EnableSabilulungan": "false",
        "EnablePerizinan": "false",
        "EnableSakip": "false",
        "EnableWbs": "true",
    }
    assert set(params) <= set(load_template()["Parameters"])
    with pytest.raises(ValueError, match="unknown apps"):
        parameters_for({"payroll"}, "kota-bandung", "local")


def test_stack_env_maps_present_outputs_only() -> None:
    env = stack_env({"DirectoryTableName": "t-dir", "UserPoolId": "pool", "LogsBucketName": "x"})
    assert env == {"DIRECTORY_TABLE": "t-dir", "USER_POOL_ID": "pool"}
    assert len(set(OUTPUT_ENV.values())) == len(OUTPUT_ENV)


def test_moto_template_drops_local_types_and_their_outputs() -> None:
    body = moto_template(load_template())
    assert not {r["Type"] for r in body["Resources"].values()} & LOCAL_TYPES
    assert not {"UserPoolId", "UserPoolArn", "UserPoolClientId"} & set(body["Outputs"])
    assert "DirectoryTableName" in body["Outputs"]
    json.dumps(body)  # the body sent to moto is plain JSON


def test_resolver_intrinsics() -> None:
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "local"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
    }
    resolver = Resolver(template=template, parameters={}, pseudo={"AWS::StackName": "s"})
    resolver.physical_ids["Bucket"] = "b-1"
    resolver.attributes["Bucket"] = {"Arn": "arn:aws:s3:::b-1"}
    value = {
        "a": {"Fn::Sub": "${AWS::StackName}-${Stage}-${Bucket}-${Bucket.Arn}-${!Literal}"},
        "b": {"Fn::If": ["IsProd", "yes", {"Ref": "AWS::NoValue"}]},
        "c": {"Fn::Join": [",", ["x", {"Ref": "Bucket"}]]},
        "d": {"Fn::Sub": ["${X}/*", {"X": {"Fn::GetAtt": ["Bucket", "Arn"]}}]},
        "e": [{"Ref": "AWS::NoValue"}, 1],
    }
    assert resolver.resolve(value) == {
        "a": "s-local-b-1-arn:aws:s3:::b-1-${Literal}",
        "c": "x,b-1",
        "d": "arn:aws:s3:::b-1/*",
        "e": [1],
    }


# --------------------------------------------------------------------------- moto


def test_all_apps_create_every_table_with_the_template_keys(full_stack: dict[str, str]) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    specs = table_specs()
    for logical_id, spec in specs.items():
        name = full_stack[f"{logical_id}Name"]
        assert name == f"{STACK}-{logical_id.removesuffix('Table').lower()}"
        table = ddb.describe_table(TableName=name)["Table"]
        live = spec_from_properties(logical_id, table)
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") == "ENABLED":
            live = spec_from_properties(
                logical_id,
                {
                    **table,
                    "TimeToLiveSpecification": {"AttributeName": ttl["AttributeName"], "Enabled": True},
                },
            )
        assert live == spec, logical_id
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["SSEDescription"]["Status"] == "ENABLED"
        assert table["SSEDescription"]["SSEType"] == "KMS"
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert specs["IdempotencyTable"].ttl_attribute == "expiration"


def test_env_has_every_variable_with_all_apps(full_stack: dict[str, str]) -> None:
    assert set(stack_env(full_stack)) == set(OUTPUT_ENV.values())


def test_buckets_queues_topic_and_keys(full_stack: dict[str, str]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for output, key_output in (("DocumentsBucketName", "DataKeyArn"), ("WbsBucketName", "WbsKeyArn")):
        bucket = full_stack[output]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
        # The TLS-only deny is in the template (test_template.py) but not applied on the plain-HTTP
        # local endpoint, where moto would refuse every object write (stack.local_bucket_policy).
        with pytest.raises(s3.exceptions.ClientError):
            s3.get_bucket_policy(Bucket=bucket)
        encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        default = encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]
        assert default.get("KMSMasterKeyID") == full_stack[key_output]
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    documents_logging = s3.get_bucket_logging(Bucket=full_stack["DocumentsBucketName"])
    assert documents_logging["LoggingEnabled"]["TargetBucket"] == full_stack["LogsBucketName"]
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=full_stack["WbsBucketName"])

    sqs = boto3.client("sqs", region_name=REGION)
    attrs = sqs.get_queue_attributes(QueueUrl=full_stack["PayrollQueueUrl"], AttributeNames=["All"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "1800"
    assert json.loads(attrs["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 5
    assert attrs["Attributes"]["QueueArn"] == full_stack["PayrollQueueArn"]

    kms = boto3.client("kms", region_name=REGION)
    for key_output in ("DataKeyArn", "WbsKeyArn"):
        assert kms.get_key_rotation_status(KeyId=full_stack[key_output])["KeyRotationEnabled"] is True
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.get_topic_attributes(TopicArn=full_stack["WbsTopicArn"])["Attributes"]
    assert full_stack["WbsKeyArn"].endswith(topic["KmsMasterKeyId"])


def test_cognito_pool_has_every_group_and_a_client(full_stack: dict[str, str]) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool_id = full_stack["UserPoolId"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Arn"] == full_stack["UserPoolArn"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert {"custom:nip", "custom:opd"} <= {a["Name"] for a in pool["SchemaAttributes"]}
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    # every staff role is a group; the applicant role is the applicants' pool, never a group
    assert groups == {role.value for role in Role if role is not Role.PEMOHON}
    public_id = full_stack["PublicUserPoolId"]
    public = idp.describe_user_pool(UserPoolId=public_id)["UserPool"]
    assert public["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False  # self sign-up
    assert public["AutoVerifiedAttributes"] == ["email"]
    assert not idp.list_groups(UserPoolId=public_id)["Groups"]
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=full_stack["UserPoolClientId"])
    assert "ALLOW_USER_PASSWORD_AUTH" in client["UserPoolClient"]["ExplicitAuthFlows"]
    assert "ClientSecret" not in client["UserPoolClient"]


def test_disabled_app_has_no_resources(aws: None) -> None:
    outputs = create_region_stack(STACK, parameters_for({"remunerasi"}, "kota-mataram", "local"))
    ddb = boto3.client("dynamodb", region_name=REGION)
    names = set(ddb.list_tables()["TableNames"])
    assert f"{STACK}-remunerasi" in names
    for app in ("sabilulungan", "perizinan", "sakip", "wbs"):
        assert f"{STACK}-{app}" not in names
        assert f"{APP_TABLES[app]}Name" not in outputs
    env = stack_env(outputs)
    assert "REMUNERASI_TABLE" in env and "PAYROLL_QUEUE_URL" in env
    assert not {"WBS_TABLE", "WBS_BUCKET", "WBS_KEY_ARN", "WBS_TOPIC_ARN"} & set(env)
    assert {"USER_POOL_ID", "USER_POOL_CLIENT_ID", "DOCUMENTS_BUCKET"} <= set(env)
    assert (
        len(boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]) == 3
    )  # documents, logs, audit heads


def test_create_twice_is_idempotent(aws: None) -> None:
    params = parameters_for({"wbs"}, "kota-bandung", "local")
    first = create_region_stack(STACK, params)
    second = create_region_stack(STACK, params)
    assert first == second
    idp = boto3.client("cognito-idp", region_name=REGION)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"{STACK}-users"]
    assert len(pools) == 1
    assert len(idp.list_user_pool_clients(UserPoolId=first["UserPoolId"])["UserPoolClients"]) == 1
    assert len(boto3.client("cloudformation", region_name=REGION).describe_stacks()["Stacks"]) == 1


def test_moto_issues_rs256_tokens_with_nip_and_groups(full_stack: dict[str, str]) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool_id, client_id = full_stack["UserPoolId"], full_stack["UserPoolClientId"]
    nip, password = "198703152010011002", "Rahasia-Sekali-123"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=nip,
        UserAttributes=[
            {"Name": "email", "Value": "budi@bandung.go.id"},
            {"Name": "custom:nip", "Value": nip},
            {"Name": "custom:opd", "Value": "1.02.01"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=nip, Password=password, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=nip, GroupName="pegawai")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=nip, GroupName="bkpsdm")
    auth = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": nip, "PASSWORD": password},
    )["AuthenticationResult"]

    token = auth["IdToken"]
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    jwks = requests.get(f"{issuer}/.well-known/jwks.json", timeout=5).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=client_id, issuer=issuer)
    assert claims["token_use"] == "id"
    assert claims["custom:nip"] == nip
    assert claims["custom:opd"] == "1.02.01"
    assert set(claims["cognito:groups"]) == {"pegawai", "bkpsdm"}
    access = jwt.decode(auth["AccessToken"], key, algorithms=["RS256"], options={"verify_aud": False})
    assert access["token_use"] == "access"
    assert access["client_id"] == client_id
    assert set(access["cognito:groups"]) == {"pegawai", "bkpsdm"}


SCHEDULE_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: local}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-q"
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: "cron(0 17 * * ? *)"
      ScheduleExpressionTimezone: Asia/Jakarta
      FlexibleTimeWindow: {Mode: "OFF"}
      Target:
        Arn: !GetAtt Queue.Arn
        RoleArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/scheduler"
        Input: !Sub '{"stage": "${Stage}"}'
Outputs:
  QueueUrl:
    Value: !Ref Queue
  ScheduleArn:
    Value: !GetAtt Nightly.Arn
"""


def test_schedules_are_created_locally(aws: None, tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(SCHEDULE_TEMPLATE, encoding="utf-8")
    outputs = create_region_stack("sched", {}, template_path=path)
    assert outputs["QueueUrl"].endswith("/sched-q")
    scheduler = boto3.client("scheduler", region_name=REGION)
    schedule = scheduler.get_schedule(Name="sched-Nightly")
    assert schedule["Arn"] == outputs["ScheduleArn"]
    assert schedule["Target"]["Arn"].endswith(":sched-q")
    assert json.loads(schedule["Target"]["Input"]) == {"stage": "local"}
    assert create_region_stack("sched", {}, template_path=path) == outputs
