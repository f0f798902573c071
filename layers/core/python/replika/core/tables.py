"""What the table models of every app share, so that each app's ``tables.py`` declares only what
differs (its table, its entities' attributes and which indexes it has).

- :func:`table_meta`: a model's PynamoDB ``Meta`` (its table name from the runtime's env var, its
  region);
- :func:`all_index`: a global secondary index keyed by two string attributes that projects every
  attribute (every index of ``templates/region.yaml``); PynamoDB names it after the model attribute
  it is assigned to;
- :class:`OverloadedItem`: the single-table base (``pk``/``sk`` and the overloaded key pairs of
  indexes ``gsi1`` and ``gsi2``) of the apps whose entities share one table.

The models still have to agree with the template: ``tests/unit/test_models_match_template.py``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from replika.core.runtime import env_or
from replika.core.table import Model

__all__ = ["OverloadedItem", "all_index", "table_meta"]

_M = TypeVar("_M", bound=Model)


def table_meta(env_var: str, default: str) -> Any:
    """The ``Meta`` of a table model: the table named by ``env_var`` (the runtime binds it, see
    :func:`replika.core.runtime.register_table`), in the deployment's region."""

    class Meta:
        table_name = env_or(env_var, default)
        region = env_or("AWS_DEFAULT_REGION", "ap-southeast-3")

    return Meta


def all_index(hash_key: str, range_key: str) -> GlobalSecondaryIndex[_M]:
    """A global secondary index on the string attributes ``hash_key`` and ``range_key`` that
    projects every attribute; its name is the model attribute it is assigned to."""
    meta = type("Meta", (), {"projection": AllProjection()})
    keys = {hash_key: UnicodeAttribute(hash_key=True), range_key: UnicodeAttribute(range_key=True)}
    index: type[GlobalSecondaryIndex[_M]] = type(
        f"Index_{hash_key}_{range_key}", (GlobalSecondaryIndex,), {"Meta": meta, **keys}
    )
    return index()


class OverloadedItem(Model):
    """Keys of a single-table design: ``pk``/``sk``, and the key pairs of ``gsi1`` and ``gsi2``
    (sparse: an item sets them only for the access patterns it takes part in). A subclass gives
    the ``Meta`` and the index objects (an index belongs to one model)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
