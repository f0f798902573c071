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
