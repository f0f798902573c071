"""Properties moto's CloudFormation ignores, applied after the stack from the same template
properties through the service APIs: DynamoDB PITR and TTL; S3 versioning, Object Lock, public
access block, ownership controls, lifecycle and access logging."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from replika_infra.local.clients import Clients
from replika_infra.local.intrinsics import Resolver


def apply_ignored_properties(
    clients: Clients, resolver: Resolver, physical_id: str, resource: Mapping[str, Any]
) -> None:
    resource_type = resource["Type"]
    if resource_type not in {"AWS::DynamoDB::Table", "AWS::S3::Bucket"}:
        return
    props: dict[str, Any] = resolver.resolve(resource.get("Properties", {}))
    if resource_type == "AWS::DynamoDB::Table":
        _configure_table(clients, physical_id, props)
    else:
        _configure_bucket(clients, physical_id, props)


def _configure_table(clients: Clients, name: str, props: Mapping[str, Any]) -> None:
    ddb = clients("dynamodb")
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr:
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        enabled = current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}
        if enabled != bool(ttl.get("Enabled")):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
            )


def _configure_bucket(clients: Clients, name: str, props: Mapping[str, Any]) -> None:
    s3 = clients("s3")
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    lock = props.get("ObjectLockConfiguration")
    if lock and not _has_object_lock(s3, name):  # moto's CloudFormation creates the bucket without it
        retention = {
            k: (int(v) if k in {"Days", "Years"} else v) for k, v in lock["Rule"]["DefaultRetention"].items()
        }
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}},
        )
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})


def configure_bucket_logging(clients: Clients, name: str, props: Mapping[str, Any]) -> None:
    """After the bucket policies exist: moto checks that the target bucket admits log delivery."""
    logging_config = props.get("LoggingConfiguration")
    if logging_config:
        enabled = {
            "TargetBucket": logging_config["DestinationBucketName"],
            "TargetPrefix": logging_config.get("LogFilePrefix", ""),
        }
        clients("s3").put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": enabled})


_LIFECYCLE_KEYS = {"Id", "Status", "Prefix", "ExpirationInDays", "Transitions"}
_LIFECYCLE_KEYS |= {"NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape (the subset the template uses)."""
    unknown = set(rule) - _LIFECYCLE_KEYS
    if unknown:
        raise ValueError(f"lifecycle rule keys not supported locally: {sorted(unknown)}")
    api: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        api["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        days = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    if "Transitions" in rule:
        api["Transitions"] = [
            {"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
            for t in rule["Transitions"]
        ]
    return api


def _has_object_lock(s3: Any, bucket: str) -> bool:
    """Whether the bucket already has its default retention. Applying it again is not a no-op
    on moto: it refuses a bucket that holds objects, so a second `create_region_stack` (a restart
    of the local stack, or `replika deploy` on moto upgrading a region) would fail."""
    try:
        config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
            return False
        raise
    return bool(config.get("Rule"))
