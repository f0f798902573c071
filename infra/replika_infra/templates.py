"""Reading ``templates/region.yaml``: the single source of table names, keys and indexes.

``load_template`` parses the CloudFormation YAML (short-form intrinsics such as ``!Sub`` become
their long form, ``{"Fn::Sub": ...}``, as in a JSON template). ``table_specs`` extracts every
``AWS::DynamoDB::Table`` as a :class:`TableSpec`, and ``model_table_spec`` builds the same shape
from a PynamoDB model, so a test can assert that models and template agree::

    assert model_table_spec(DirectoryItem) == table_specs()["DirectoryTable"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Repository root: infra/replika_infra/templates.py -> parents[2].
REPO_ROOT = Path(__file__).resolve().parents[2]
REGION_TEMPLATE = REPO_ROOT / "templates" / "region.yaml"


class _CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that understands CloudFormation's short-form intrinsic functions."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - PyYAML has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}")
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path | str = REGION_TEMPLATE) -> dict[str, Any]:
    """The template as plain data (long-form intrinsics), ready for ``json.dumps``."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a CloudFormation template")
    return data


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
    """The :class:`TableSpec` a PynamoDB ``Model`` class expects (what ``create_table`` would build)."""
    schema: dict[str, Any] = model_cls._get_schema()
    types = {str(a["AttributeName"]): str(a["AttributeType"]) for a in schema["attribute_definitions"]}
    hash_key, range_key = _key_pair(schema["key_schema"])
    indexes: dict[str, tuple[str, str | None]] = {}
    projections: dict[str, str] = {}
    for gsi in schema["global_secondary_indexes"]:
        indexes[str(gsi["index_name"])] = _key_pair(gsi["key_schema"])
        projections[str(gsi["index_name"])] = str(gsi["projection"]["ProjectionType"])
    local: dict[str, tuple[str, str | None]] = {}
    for lsi in schema["local_secondary_indexes"]:
        local[str(lsi["index_name"])] = _key_pair(lsi["key_schema"])
        projections[str(lsi["index_name"])] = str(lsi["projection"]["ProjectionType"])
    ttl = model_cls._ttl_attribute()
    return TableSpec(
        logical_id=logical_id or model_cls.__name__,
        hash_key=hash_key,
        range_key=range_key,
        attribute_types=types,
        indexes=indexes,
        projections=projections,
        local_indexes=local,
        ttl_attribute=str(ttl.attr_name) if ttl is not None else None,
    )
