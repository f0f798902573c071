"""The change-set plan printer of `replika deploy` (pure functions)."""

from __future__ import annotations

from replika_infra.release.deploy import (
    Change,
    changes_from_description,
    format_no_changes,
    format_plan,
    is_no_changes,
)

PAGE = {
    "Status": "CREATE_COMPLETE",
    "Changes": [
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "DirectoryTable",
                "ResourceType": "AWS::DynamoDB::Table",
                "Replacement": "True",
            },
        },
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Add",
                "LogicalResourceId": "SakipTable",
                "ResourceType": "AWS::DynamoDB::Table",
            },
        },
    ],
}
PAGE_2 = {
    "Changes": [
        {
            "ResourceChange": {
                "Action": "Remove",
                "LogicalResourceId": "WbsTopic",
                "ResourceType": "AWS::SNS::Topic",
            }
        }
    ]
}


def test_changes_from_pages() -> None:
    assert changes_from_description([PAGE, PAGE_2]) == [
        Change("Modify", "DirectoryTable", "AWS::DynamoDB::Table", "True"),
        Change("Add", "SakipTable", "AWS::DynamoDB::Table", ""),
        Change("Remove", "WbsTopic", "AWS::SNS::Topic", ""),
    ]


def test_plan_is_a_table_sorted_by_action() -> None:
    plan = format_plan("replika-x-data", "UPDATE", changes_from_description([PAGE, PAGE_2]))
    assert plan.splitlines() == [
        "replika-x-data: update, 3 changes",
        "  action  logical id      type                  replacement",
        "  Add     SakipTable      AWS::DynamoDB::Table  -",
        "  Modify  DirectoryTable  AWS::DynamoDB::Table  True",
        "  Remove  WbsTopic        AWS::SNS::Topic       -",
    ]


def test_plan_headers() -> None:
    one = [Change("Add", "T", "AWS::SQS::Queue")]
    assert format_plan("s", "CREATE", one).splitlines()[0] == "s: create, 1 change"
    assert format_plan("s", "UPDATE", []) == "s: update, 0 changes (parameters or outputs only)"
    assert format_no_changes("s") == "s: no changes"


def test_no_changes_reasons() -> None:
    reason = "The submitted information didn't contain changes. Submit different information."
    assert is_no_changes("FAILED", reason)
    assert not is_no_changes("FAILED", "Template format error")
    assert not is_no_changes("CREATE_COMPLETE", reason)
