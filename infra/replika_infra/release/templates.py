"""Reading ``templates/region.yaml``: the single source of table names, keys and indexes.

``load_template`` parses the CloudFormation YAML (short-form intrinsics such as ``!Sub`` become
their long form, ``{"Fn::Sub": ...}``, as in a JSON template). ``table_specs`` extracts every
``AWS::DynamoDB::Table`` as a :class:`TableSpec`, and ``model_table_spec`` builds the same shape
from a PynamoDB model, so a test can assert that models and template agree::

    assert model_table_spec(DirectoryItem) == table_specs()["DirectoryTable"]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Repository root: infra/replika_infra/release/templates.py -> parents[3].
REPO_ROOT = Path(__file__).resolve().parents[3]
REGION_TEMPLATE = REPO_ROOT / "templates" / "region.yaml"


def loads(text: str, source: str = "<template>") -> dict[str, Any]:
    """CloudFormation YAML or JSON text as plain data, intrinsics in long form (``!Ref X`` ->
    ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``).

    The one template loader of the project: cfn-lint's decoder (the same one `make templates`
    lints with), turned into plain dicts and lists."""
    from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

    data = json.loads(json.dumps(cfn_yaml.loads(text)))
    if not isinstance(data, dict):
        raise ValueError(f"{source}: not a CloudFormation template")
    return data


def load_template(path: Path | str = REGION_TEMPLATE) -> dict[str, Any]:
    """The template file as plain data (long-form intrinsics), ready for ``json.dumps``."""
    return loads(Path(path).read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True)
class TableSpec:
    """Key schema of one DynamoDB table; equal specs mean compatible storage contracts.

    ``attribute_types`` holds the key attributes only (table and index keys), as DynamoDB's
    AttributeDefinitions do. ``indexes`` maps a global secondary index name to its (hash, range)
    key names. ``logical_id`` is informative and not compared.
    """

    logical_id: str = field(compare=False)
    hash_key: str
    range_key: str | None = None
    attribute_types: dict[str, str] = field(default_factory=dict)
    indexes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    projections: dict[str, str] = field(default_factory=dict)
    local_indexes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    ttl_attribute: str | None = None


def _key_pair(key_schema: list[Mapping[str, Any]]) -> tuple[str, str | None]:
    hash_key = next(str(k["AttributeName"]) for k in key_schema if k["KeyType"] == "HASH")
    range_key = next((str(k["AttributeName"]) for k in key_schema if k["KeyType"] == "RANGE"), None)
    return hash_key, range_key


def spec_from_properties(logical_id: str, properties: Mapping[str, Any]) -> TableSpec:
    """A :class:`TableSpec` from the ``Properties`` of an ``AWS::DynamoDB::Table`` resource."""
    hash_key, range_key = _key_pair(properties["KeySchema"])
    types = {str(a["AttributeName"]): str(a["AttributeType"]) for a in properties["AttributeDefinitions"]}
    indexes: dict[str, tuple[str, str | None]] = {}
    projections: dict[str, str] = {}
    for gsi in properties.get("GlobalSecondaryIndexes", []):
        indexes[str(gsi["IndexName"])] = _key_pair(gsi["KeySchema"])
        projections[str(gsi["IndexName"])] = str(gsi.get("Projection", {}).get("ProjectionType", "ALL"))
    local: dict[str, tuple[str, str | None]] = {}
    for lsi in properties.get("LocalSecondaryIndexes", []):
        local[str(lsi["IndexName"])] = _key_pair(lsi["KeySchema"])
        projections[str(lsi["IndexName"])] = str(lsi.get("Projection", {}).get("ProjectionType", "ALL"))
    ttl = properties.get("TimeToLiveSpecification") or {}
    ttl_attribute = str(ttl["AttributeName"]) if ttl.get("Enabled") is True else None
    return TableSpec(
        logical_id=logical_id,
        hash_key=hash_key,
        range_key=range_key,
        attribute_types=types,
        indexes=indexes,
        projections=projections,
        local_indexes=local,
        ttl_attribute=ttl_attribute,
    )


def table_specs(template_path: Path | str = REGION_TEMPLATE) -> dict[str, TableSpec]:
    """Every ``AWS::DynamoDB::Table`` of the template, by logical id."""
    resources: dict[str, Any] = load_template(template_path).get("Resources", {})
    return {
        logical_id: spec_from_properties(logical_id, resource["Properties"])
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }


def model_table_spec(model_cls: type[Any], logical_id: str | None = None) -> TableSpec:
    """The :class:`TableSpec` a PynamoDB ``Model`` class expects (what ``create_table`` would build):
    its schema, in the template's property names, read by :func:`spec_from_properties`."""
    schema: dict[str, Any] = model_cls._get_schema()

    def indexes(kind: str) -> list[dict[str, Any]]:
        return [
            {"IndexName": i["index_name"], "KeySchema": i["key_schema"], "Projection": i["projection"]}
            for i in schema[kind]
        ]

    properties: dict[str, Any] = {
        "KeySchema": schema["key_schema"],
        "AttributeDefinitions": schema["attribute_definitions"],
        "GlobalSecondaryIndexes": indexes("global_secondary_indexes"),
        "LocalSecondaryIndexes": indexes("local_secondary_indexes"),
    }
    ttl = model_cls._ttl_attribute()
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    return spec_from_properties(logical_id or model_cls.__name__, properties)
