"""Structural properties of templates/region.yaml, and the model <-> template spec machinery."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from replika.core.auth import Role
from replika_infra.local.stack import APPS, OUTPUT_ENV
from replika_infra.release.templates import (
    REGION_TEMPLATE,
    TableSpec,
    load_template,
    model_table_spec,
    spec_from_properties,
    table_specs,
)

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
APP_TABLES = {f"{app.capitalize()}Table": f"Has{app.capitalize()}" for app in APPS}
CORE_TABLES = {"DirectoryTable", "AuditTable", "IdempotencyTable"}


def of_type(resource_type: str) -> dict[str, Any]:
    return {lid: r for lid, r in RESOURCES.items() if r["Type"] == resource_type}


def test_template_path_is_the_repository_file() -> None:
    assert REGION_TEMPLATE.is_file()
    assert REGION_TEMPLATE.parent.name == "templates"


def test_short_form_intrinsics_become_long_form() -> None:
    directory = RESOURCES["DirectoryTable"]["Properties"]
    assert directory["TableName"] == {"Fn::Sub": "${AWS::StackName}-directory"}
    assert directory["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "DataKey"}
    assert TEMPLATE["Outputs"]["DataKeyArn"]["Value"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_every_table_is_retained_on_demand_recoverable_and_encrypted() -> None:
    tables = of_type("AWS::DynamoDB::Table")
    assert set(tables) == CORE_TABLES | set(APP_TABLES)
    for logical_id, table in tables.items():
        props = table["Properties"]
        assert table["DeletionPolicy"] == "Retain", logical_id
        assert table["UpdateReplacePolicy"] == "Retain", logical_id
        assert props["BillingMode"] == "PAY_PER_REQUEST", logical_id
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id
        sse = props["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS", logical_id
        assert sse["KMSMasterKeyId"] in ({"Ref": "DataKey"}, {"Ref": "WbsKey"}), logical_id
        suffix = logical_id.removesuffix("Table").lower()
        assert props["TableName"] == {"Fn::Sub": f"${{AWS::StackName}}-{suffix}"}


def test_app_tables_have_their_condition_and_core_tables_none() -> None:
    for logical_id, condition in APP_TABLES.items():
        assert RESOURCES[logical_id]["Condition"] == condition
        assert condition in TEMPLATE["Conditions"]
        assert f"Enable{logical_id.removesuffix('Table')}" in TEMPLATE["Parameters"]
    for logical_id in CORE_TABLES:
        assert "Condition" not in RESOURCES[logical_id]


def test_wbs_data_uses_the_wbs_key() -> None:
    assert RESOURCES["WbsTable"]["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "WbsKey"}
    sse = RESOURCES["WbsBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["WbsKey", "Arn"]}
    assert RESOURCES["WbsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "WbsKey"}
    for logical_id in ("WbsKey", "WbsKeyAlias", "WbsBucket", "WbsBucketPolicy", "WbsTopic"):
        assert RESOURCES[logical_id]["Condition"] == "HasWbs"
    # Reporter anonymity: no access logs on the WBS bucket.
    assert "LoggingConfiguration" not in RESOURCES["WbsBucket"]["Properties"]


def test_keys_rotate_and_are_retained() -> None:
    for logical_id, key in of_type("AWS::KMS::Key").items():
        # KMS rotates only symmetric keys; the asymmetric permit signing key is replaced by hand
        # (its public half is published, and old permits keep verifying against the old key)
        if key["Properties"].get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT":
            assert key["Properties"]["EnableKeyRotation"] is True, logical_id
        else:
            assert key["Properties"]["KeyUsage"] == "SIGN_VERIFY", logical_id
        assert key["DeletionPolicy"] == "Retain", logical_id


def test_buckets_are_retained_versioned_private_and_tls_only() -> None:
    buckets = of_type("AWS::S3::Bucket")
    assert {"DocumentsBucket", "WbsBucket"} <= set(buckets)
    policies = {p["Properties"]["Bucket"]["Ref"]: p for p in of_type("AWS::S3::BucketPolicy").values()}
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert bucket["DeletionPolicy"] == "Retain", logical_id
        assert bucket["UpdateReplacePolicy"] == "Retain", logical_id
        assert props["VersioningConfiguration"]["Status"] == "Enabled", logical_id
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}, logical_id
        assert len(props["PublicAccessBlockConfiguration"]) == 4, logical_id
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        rules = props["LifecycleConfiguration"]["Rules"]
        assert any("AbortIncompleteMultipartUpload" in r for r in rules), logical_id
        assert any("NoncurrentVersionExpiration" in r for r in rules), logical_id
        statements = policies[logical_id]["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), logical_id
        assert policies[logical_id].get("Condition") == bucket.get("Condition"), logical_id


def test_documents_are_encrypted_with_the_data_key() -> None:
    props = RESOURCES["DocumentsBucket"]["Properties"]
    default = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ]
    assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}}


def test_every_role_is_a_cognito_group() -> None:
    """Every staff role is a group of the staff pool; the applicant role is a pool of its own."""
    groups = {g["Properties"]["GroupName"] for g in of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {role.value for role in Role if role is not Role.PEMOHON}
    for group in of_type("AWS::Cognito::UserPoolGroup").values():
        assert group["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_user_pool_and_client() -> None:
    pool = RESOURCES["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    custom = {a["Name"]: a for a in pool["Schema"]}
    assert custom["nip"]["StringAttributeConstraints"] == {"MinLength": "18", "MaxLength": "18"}
    assert custom["opd"]["AttributeDataType"] == "String"
    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert {"custom:nip", "custom:opd"} <= set(client["ReadAttributes"])
    assert not {"custom:nip", "custom:opd"} & set(client["WriteAttributes"])


def test_payroll_queue_redrives_to_a_dlq() -> None:
    queue = RESOURCES["PayrollQueue"]
    assert queue["Condition"] == "HasRemunerasi"
    props = queue["Properties"]
    assert props["VisibilityTimeout"] == 6 * 300
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["PayrollDlq", "Arn"]}
    assert RESOURCES["PayrollDlq"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for queue_props in (r["Properties"] for r in of_type("AWS::SQS::Queue").values()):
        assert queue_props["KmsMasterKeyId"] == {"Ref": "DataKey"}


def test_outputs_cover_the_environment_contract() -> None:
    outputs: dict[str, Any] = TEMPLATE["Outputs"]
    assert set(OUTPUT_ENV) <= set(outputs)
    for name, output in outputs.items():
        refs = _referenced_resources(output["Value"])
        conditions = {RESOURCES[r].get("Condition") for r in refs} - {None}
        assert conditions <= {output.get("Condition")}, name


def _referenced_resources(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]} & set(RESOURCES)
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
    return set()


def test_table_specs_read_keys_indexes_and_ttl() -> None:
    specs = table_specs()
    assert set(specs) == CORE_TABLES | set(APP_TABLES)
    directory = specs["DirectoryTable"]
    assert (directory.hash_key, directory.range_key) == ("pk", "sk")
    assert directory.indexes == {
        "by_kind": ("kind", "pk"),
        "by_opd": ("opd_code", "pk"),
        "by_supervisor": ("supervisor_nip", "pk"),
    }
    audit = specs["AuditTable"]
    assert audit.attribute_types == {"stream": "S", "seq": "N", "subject": "S", "at": "S"}
    assert audit.indexes == {"by_subject": ("subject", "at")}
    idempotency = specs["IdempotencyTable"]
    assert (idempotency.hash_key, idempotency.range_key) == ("id", None)
    assert idempotency.ttl_attribute == "expiration"
    for logical_id in APP_TABLES:
        expected = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk")}
        if logical_id == "PerizinanTable":  # staff queues by stage due date
            expected["gsi3"] = ("gsi3pk", "gsi3sk")
        assert specs[logical_id].indexes == expected
        assert set(specs[logical_id].projections.values()) == {"ALL"}


# --------------------------------------------------------------------------- model <-> spec


class _ByOwner(GlobalSecondaryIndex["_Sample"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created = NumberAttribute(range_key=True)


class _ByStatus(GlobalSecondaryIndex["_Sample"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_status"
        projection = KeysOnlyProjection()

    status = UnicodeAttribute(hash_key=True)


class _Sample(Model):
    class Meta:
        table_name = "sample"
        region = "ap-southeast-3"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner = UnicodeAttribute()
    created = NumberAttribute()
    status = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    expires = TTLAttribute(attr_name="expires_at", null=True)
    by_owner = _ByOwner()
    by_status = _ByStatus()


SAMPLE_PROPERTIES: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "owner", "AttributeType": "S"},
        {"AttributeName": "created", "AttributeType": "N"},
        {"AttributeName": "status", "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by_owner",
            "KeySchema": [
                {"AttributeName": "owner", "KeyType": "HASH"},
                {"AttributeName": "created", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "by_status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ],
    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
}


def test_model_spec_equals_spec_from_properties() -> None:
    model_spec = model_table_spec(_Sample, "SampleTable")
    assert model_spec == spec_from_properties("SampleTable", SAMPLE_PROPERTIES)
    assert model_spec.attribute_types["created"] == "N"
    assert model_spec.indexes["by_status"] == ("status", None)
    assert model_spec.ttl_attribute == "expires_at"


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["KeySchema"].pop(),  # no range key
        lambda p: p["AttributeDefinitions"][3].update(AttributeType="S"),  # created typed S
        lambda p: p["GlobalSecondaryIndexes"].pop(),  # index missing
        lambda p: p["GlobalSecondaryIndexes"][1].update(Projection={"ProjectionType": "ALL"}),
        lambda p: p.pop("TimeToLiveSpecification"),
    ],
)
def test_model_spec_detects_drift(change: Any) -> None:
    import copy

    props = copy.deepcopy(SAMPLE_PROPERTIES)
    change(props)
    assert model_table_spec(_Sample) != spec_from_properties("SampleTable", props)


def test_logical_id_is_not_compared() -> None:
    spec = spec_from_properties("A", SAMPLE_PROPERTIES)
    assert spec == TableSpec(**{**spec.__dict__, "logical_id": "B"})


def test_directory_model_matches_template() -> None:
    tables = pytest.importorskip("replika.directory.tables")
    assert model_table_spec(tables.DirectoryItem) == table_specs()["DirectoryTable"]
