"""An app's IAM policy, generated from its manifest (``replika/<app>/manifest.py``).

One statement per resource, on that resource's ARN only, with only the actions its access words
need. Nothing is granted that the manifest does not name: a function cannot reach another app's
table, bucket, key, secret, queue or topic (``tests/unit/test_app_templates.py`` proves it for
every app against every other app's manifest).
"""

from __future__ import annotations

from typing import Any

from replika.core.manifest import AppManifest, Resource

#: access word -> IAM actions, per kind of resource.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "table": {
        "read": (
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ),
        "write": (
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ),
    },
    "bucket": {
        "read": ("s3:GetObject", "s3:GetObjectVersion"),
        "write": ("s3:PutObject",),
        "delete": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
        "list": ("s3:ListBucket", "s3:ListBucketVersions"),  # on the bucket, not its objects
    },
    "key": {
        "decrypt": ("kms:Decrypt",),
        "encrypt": ("kms:Encrypt",),
        "generate": ("kms:GenerateDataKey",),
        "sign": ("kms:Sign",),  # an asymmetric signing key (permits)
        "verify": ("kms:GetPublicKey",),  # verification is local, with the published public key
    },
    "secret": {"get": ("secretsmanager:GetSecretValue",)},
    "queue": {
        "send": ("sqs:SendMessage", "sqs:GetQueueAttributes"),
        "consume": (
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
        ),
    },
    "topic": {"publish": ("sns:Publish",)},
    "email_identity": {"send": ("ses:SendEmail",)},  # from this one verified identity only
    "user_pool": {"authorize": ()},
    "param": {},
}
BUCKET_LEVEL = frozenset({"s3:ListBucket", "s3:ListBucketVersions"})
POLICY_NAME = "AppDataAccess"


def param_name(env_var: str) -> str:
    """``DIRECTORY_TABLE`` -> ``DirectoryTable``; ``USER_POOL_ARN`` -> ``UserPoolArn``."""
    return "".join(part.capitalize() for part in env_var.lower().split("_"))


def has_condition(env_var: str) -> str:
    return f"Has{param_name(env_var)}"


def actions_for(resource: Resource) -> list[str]:
    found: list[str] = []
    for word in sorted(resource.access):
        for action in ACTIONS[resource.kind][word]:
            if action not in found:
                found.append(action)
    return sorted(found)


def _sub(arn: str) -> dict[str, str]:
    return {"Fn::Sub": arn}


def _statements(resource: Resource) -> list[dict[str, Any]]:
    actions = actions_for(resource)
    if not actions:
        return []
    p = param_name(resource.env)
    sid = p
    if resource.kind == "table":
        arn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${" + p + "}"
        return [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": [_sub(arn), _sub(arn + "/index/*")],
            }
        ]
    if resource.kind == "bucket":
        bucket = "arn:${AWS::Partition}:s3:::${" + p + "}"
        out = []
        objects = [a for a in actions if a not in BUCKET_LEVEL]
        listing = [a for a in actions if a in BUCKET_LEVEL]
        if objects:
            out.append(
                {
                    "Sid": sid + "Objects",
                    "Effect": "Allow",
                    "Action": objects,
                    "Resource": _sub(bucket + "/*"),
                }
            )
        if listing:
            out.append(
                {"Sid": sid + "Listing", "Effect": "Allow", "Action": listing, "Resource": _sub(bucket)}
            )
        return out
    if resource.kind == "email_identity":
        arn = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${" + p + "}"
        return [{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": _sub(arn)}]
    arn_param = param_name(resource.arn_env or resource.env)
    return [{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": {"Ref": arn_param}}]


def policy_statements(manifest: AppManifest) -> list[Any]:
    """The statements of the app's data-access policy (an optional resource's under its condition)."""
    statements: list[Any] = []
    for resource in manifest.resources:
        for statement in _statements(resource):
            if resource.optional:
                statement = {"Fn::If": [has_condition(resource.env), statement, {"Ref": "AWS::NoValue"}]}
            statements.append(statement)
    return statements


def data_access_policy(manifest: AppManifest) -> dict[str, Any] | None:
    statements = policy_statements(manifest)
    if not statements:
        return None
    return {
        "PolicyName": POLICY_NAME,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


def logs_statement() -> dict[str, Any]:
    """Chalice grants ``logs:*`` actions on ``arn:*:logs:*:*:*``: scoped to this account's and
    region's Lambda log groups."""
    return {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": _sub(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"
        ),
    }


def _is_wildcard(resource: Any) -> bool:
    items = resource if isinstance(resource, list) else [resource]
    return any(isinstance(r, str) and (r == "*" or r.startswith("arn:*:")) for r in items)


def tighten_chalice_policies(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chalice's ``DefaultRolePolicy`` grants logs on every log group and, for an SQS handler, the
    consumer actions on every queue (``*``). Logs are scoped; wildcard SQS grants are dropped (the
    manifest's ``consume`` access grants them on the app's own queue)."""
    result = []
    for policy in policies:
        doc = policy.get("PolicyDocument", {})
        kept = []
        for st in doc.get("Statement", []):
            actions = st.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if not _is_wildcard(st.get("Resource")):
                kept.append(st)
            elif all(a.startswith("logs:") for a in actions):
                kept.append(logs_statement())
            elif all(a.startswith("sqs:") for a in actions):
                continue
            else:
                raise ValueError(f"chalice granted {actions} on {st.get('Resource')}: not scoped by replika")
        if kept:
            result.append({**policy, "PolicyDocument": {**doc, "Statement": kept}})
    return result
