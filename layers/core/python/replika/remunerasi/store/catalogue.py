"""The activity catalogue: one item per activity (``ACT#<code>`` | ``ACT``), listed through gsi1
``ACTS`` by code. Versioned (``VersionAttribute``): a save is conditional on the version read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from replika.core.table import get_or_none
from replika.remunerasi import keys
from replika.remunerasi.store import Tx
from replika.remunerasi.tables import Activity

__all__ = ["Activity", "batch_get", "get", "new", "page", "save_all", "save_in"]

BATCH_GET = 100


def new(*, code: str, name: str, minutes: int, allowed_positions: Iterable[str], active: bool) -> Activity:
    return Activity(
        *keys.activity_key(code),
        gsi1pk=keys.ACTIVITIES,
        gsi1sk=code,
        code=code,
        name=name,
        minutes=minutes,
        allowed_positions=sorted(set(allowed_positions)),
        active=active,
    )


def get(code: str) -> Activity | None:
    return get_or_none(Activity, *keys.activity_key(code))


def batch_get(codes: Sequence[str]) -> dict[str, Activity]:
    """Activities by code (absent ones are left out; at most 100 per BatchGetItem)."""
    unique = list(dict.fromkeys(codes))
    out: dict[str, Activity] = {}
    for i in range(0, len(unique), BATCH_GET):
        batch = [keys.activity_key(c) for c in unique[i : i + BATCH_GET]]
        out.update({a.code: a for a in Activity.batch_get(batch)})
    return out


def page(limit: int, last_key: dict[str, Any] | None) -> tuple[list[Activity], dict[str, Any] | None]:
    """One page of the catalogue by code (Query gsi1 ``ACTS``)."""
    res = Activity.gsi1.query(keys.ACTIVITIES, limit=limit, last_evaluated_key=last_key)
    items = [i if isinstance(i, Activity) else Activity.from_raw_data(i.attribute_values) for i in res]
    return items, res.last_evaluated_key


def save_in(tx: Tx, item: Activity) -> None:
    """Create (version 1) or replace the version read (``VersionAttribute`` condition)."""
    tx.save(item)


def save_all(items: Iterable[Activity]) -> None:
    """Unconditional batch write (the CSV import, which compared with what it read first)."""
    with Activity.batch_write() as batch:
        for item in items:
            batch.save(item)
