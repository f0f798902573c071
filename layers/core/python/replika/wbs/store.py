"""WBS repository helpers: item loads, child items (messages, notes) with a per-report counter,
visibility-safe pagination, S3 version deletion. The only module (with ``tables.py``) that builds
WBS storage keys; nothing here decides who may see what (``rules.py``) or answers HTTP.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import storage
from replika.core.runtime import get_settings
from replika.wbs import crypto
from replika.wbs.tables import REPORT, WbsItem, report_pk, stats_pk

GSI1_KEYS = ("gsi1pk", "gsi1sk")
GSI2_KEYS = ("gsi2pk", "gsi2sk")


def now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get(pk: str, sk: str) -> WbsItem | None:
    try:
        return WbsItem.get(pk, sk, consistent_read=True)
    except WbsItem.DoesNotExist:
        return None


def report(report_id: str) -> WbsItem | None:
    return get(report_pk(report_id), REPORT)


def envelope(item: WbsItem) -> crypto.Envelope:
    """The report's envelope, opened once per item object (KMS decrypt + the shred secret)."""
    cached = getattr(item, "_wbs_envelope", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    assert item.data_key is not None and item.report_id is not None
    scheme = int(item.key_scheme) if item.key_scheme is not None else None
    env = crypto.open_envelope(item.report_id, item.data_key, scheme)
    item._wbs_envelope = env  # type: ignore[attr-defined]
    return env


def bucket() -> str:
    name = get_settings().wbs_bucket
    if not name:
        raise RuntimeError("WBS_BUCKET is not set: is WBS enabled in this region's stack?")
    return name


def stats_update(tx: TransactWrite, year: int, category: str, status: str, delta: int) -> None:
    tx.update(
        WbsItem(stats_pk(year), f"{category}#{status}"),
        actions=[WbsItem.tally.add(delta), WbsItem.kind.set("STATS")],
    )


# -- children: messages and notes ---------------------------------------------------------------


def add_child(item: WbsItem, prefix: str, author: str, text: str, at: str) -> tuple[str, str]:
    """Store a message (``MSG#``) or note (``NOTE#``): ``(child id, sort key)``. The sort key is a
    per-report counter, not a time, and author and time travel inside the ciphertext: a restored
    copy shows how many children a report had, not who wrote them or when."""
    item.update(actions=[WbsItem.children.add(1)])
    n = int(item.children or 0)
    child_id = uuid.uuid4().hex[:12]
    field = "message" if prefix == "MSG#" else "note"
    body = json.dumps({"text": text, "author": author, "at": at}, ensure_ascii=False)
    sk = f"{prefix}{n:08d}#{child_id}"
    WbsItem(
        item.pk,
        sk,
        kind=prefix.rstrip("#"),
        report_id=item.report_id,
        content=envelope(item).seal(f"{field}:{child_id}", body),
    ).save(condition=WbsItem.sk.does_not_exist())
    return child_id, sk


def open_child(item: WbsItem, row: WbsItem, field: str) -> tuple[str, dict[str, str]]:
    """``(child id, {"text", "author", "at"})`` of a stored child."""
    child_id = row.sk.rsplit("#", 1)[1]
    assert row.content is not None
    plain = envelope(item).open(f"{field}:{child_id}", row.content)
    try:
        data = json.loads(plain)
    except ValueError:
        data = None
    if not isinstance(data, dict):  # written before author/time moved inside the ciphertext
        data = {"text": plain, "author": row.author or "", "at": row.created_at or ""}
    return child_id, data


# -- pagination that reveals only what the reader may see ----------------------------------------


def item_key(row: WbsItem, index_keys: tuple[str, str] | None) -> dict[str, Any]:
    """The ``ExclusiveStartKey`` that resumes right after ``row`` (table or index order)."""
    key: dict[str, Any] = {"pk": {"S": row.pk}, "sk": {"S": row.sk}}
    for name in index_keys or ():
        key[name] = {"S": getattr(row, name)}
    return key


def visible_page(
    rows: Iterable[WbsItem],
    visible: Callable[[WbsItem], bool],
    limit: int,
    index_keys: tuple[str, str] | None,
) -> tuple[list[WbsItem], dict[str, Any] | None]:
    """Up to ``limit`` visible rows and the key to resume after the last of them — only when one
    more visible row exists. A hidden row never ends a page, never shapes a cursor and never
    changes a count: the reader gets the same answer as if it did not exist."""
    out: list[WbsItem] = []
    for row in rows:
        if not visible(row):
            continue
        if len(out) == limit:
            return out, item_key(out[-1], index_keys)
        out.append(row)
    return out, None


def children(
    item: WbsItem, prefix: str, scope: str, limit: int, cursor: str | None
) -> tuple[list[WbsItem], str | None]:
    """A page of the report's children whose sort key starts with ``prefix`` (``MSG#``, ``NOTE#``,
    ``FILE#``), and the opaque cursor (signed for ``scope``) of the next page."""
    from replika.core.pagination import decode_cursor, encode_cursor

    res = WbsItem.query(
        item.pk,
        WbsItem.sk.startswith(prefix),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    rows = list(res)
    return rows, encode_cursor(res.last_evaluated_key, scope=scope)


# -- S3 ----------------------------------------------------------------------------------------


def delete_all_versions(bucket_name: str, prefix: str, exact: bool = False) -> int:
    """Delete every version and delete marker under ``prefix`` (or of the key ``prefix`` when
    ``exact``); the bucket is versioned."""
    s3 = storage.s3_client()
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket_name, Prefix=prefix):
        objs = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            if not exact or v["Key"] == prefix
        ]
        if objs:
            s3.delete_objects(Bucket=bucket_name, Delete={"Objects": objs, "Quiet": True})  # type: ignore[typeddict-item]
            deleted += len(objs)
    return deleted
