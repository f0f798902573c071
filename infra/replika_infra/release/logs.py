"""Every packaged function logs into a log group of its own template, with a retention.

Without one, Lambda creates ``/aws/lambda/<function>`` on first use and keeps every line for
ever (CloudWatch storage grows each month). :func:`add_log_groups` gives each function an
``AWS::Logs::LogGroup`` (``/aws/lambda/<stack>-<logical id>``, within the functions' logs grant
``log-group:/aws/lambda/*``) with ``RetentionInDays`` from the ``LogRetentionDays`` parameter
(default 90 days), and points the function at it with ``LoggingConfig.LogGroup``. A new name, not
Lambda's default one: a stack deployed before this change already has the default group, and
CloudFormation cannot create a resource that exists.
"""

from __future__ import annotations

from typing import Any

LOG_RETENTION_PARAM = "LogRetentionDays"
DEFAULT_RETENTION_DAYS = 90
#: The values CloudWatch Logs accepts for ``RetentionInDays``.
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
LOG_GROUP_SKIPS = {
    "CKV_AWS_158": "Logs carry no personal data (structured, ids only: ARCHITECTURE.md) and are "
    "encrypted at rest by CloudWatch Logs; a customer key would need a key policy for the logs "
    "service principal in every region stack for no gain in who can read them.",
}


def log_group_id(function_id: str) -> str:
    return f"{function_id}LogGroup"


def add_log_groups(template: dict[str, Any], function_types: frozenset[str]) -> list[str]:
    """Add the retention parameter and one log group per function; returns the groups' ids."""
    resources: dict[str, Any] = template.setdefault("Resources", {})
    template.setdefault("Parameters", {})[LOG_RETENTION_PARAM] = {
        "Type": "Number",
        "Default": DEFAULT_RETENTION_DAYS,
        "AllowedValues": list(RETENTION_DAYS),
        "Description": "Days CloudWatch Logs keeps each function's log lines",
    }
    added = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") not in function_types:
            continue
        group = log_group_id(logical_id)
        resources[group] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{logical_id}"},
                "RetentionInDays": {"Ref": LOG_RETENTION_PARAM},
            },
            "Metadata": {"checkov": {"skip": [{"id": k, "comment": v} for k, v in LOG_GROUP_SKIPS.items()]}},
        }
        resource.setdefault("Properties", {})["LoggingConfig"] = {"LogGroup": {"Ref": group}}
        added.append(group)
    return added
