"""The change-set plan printer of `replika deploy` (pure functions)."""

from __future__ import annotations

from replika_infra.release.deploy import (
    Change,
    changes_from_description,
    format_no_changes,
    format_plan,
    is_no_changes,
    missing_dependencies,
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


def test_app_parameters_come_from_the_template_the_manifest_shaped() -> None:
    """Only the parameters the app template declares (its manifest's) are passed; the data stack's
    other outputs (another app's table or key) are not."""
    import pytest

    from replika_infra.release.deploy import DeployError, app_parameters

    template = {
        "Parameters": {
            "CoreLayerArn": {"Type": "String"},
            "CommonLayerArn": {"Type": "String"},
            "DirectoryTable": {"Type": "String"},
            "CursorSecret": {"Type": "String", "NoEcho": True},
        }
    }
    env = {"DIRECTORY_TABLE": "t-dir", "WBS_KEY_ARN": "arn:aws:kms:x:1:key/wbs", "WBS_TABLE": "t-wbs"}
    layers = {"CoreLayerArn": "arn:core", "CommonLayerArn": "arn:common", "WbsLayerArn": "arn:wbs"}
    params = app_parameters(template, env, layers, existing_stack=True)
    assert params == [
        {"ParameterKey": "CommonLayerArn", "ParameterValue": "arn:common"},
        {"ParameterKey": "CoreLayerArn", "ParameterValue": "arn:core"},
        {"ParameterKey": "CursorSecret", "UsePreviousValue": True},
        {"ParameterKey": "DirectoryTable", "ParameterValue": "t-dir"},
    ]
    with pytest.raises(DeployError, match="DirectoryTable"):
        app_parameters(template, {}, layers, existing_stack=False)


def test_an_app_that_reads_another_apps_table_needs_that_app() -> None:
    # e-SAKIP rolls E-RK minutes up from e-Remunerasi's table (replika.core.manifest.READ_GRANTS):
    # without e-Remunerasi, its stack would lack a parameter after the data stack was changed.
    assert missing_dependencies({"sakip", "wbs"}) == [
        "sakip reads remunerasi's REMUNERASI_TABLE: enable remunerasi too"
    ]
    assert missing_dependencies({"sakip", "remunerasi"}) == []
    assert missing_dependencies({"remunerasi"}) == []
