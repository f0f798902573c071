"""The OSS status feed: one record per status change, written in the change's own transaction (an
outbox: no change without its record, no record without its change), read by the region's OSS
connector a day at a time (``GET /perizinan/feed?day=``, DPMPTSP), or from the table's stream."""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core.pagination import Page
from replika.perizinan import store
from replika.perizinan.models import FeedRecord
from replika.perizinan.rules import feed
from replika.perizinan.service.common import policy, today


def add(tx: TransactWrite, data: dict[str, Any], version: int, at: str, remark: str | None = None) -> None:
    """The record of the change that makes the application ``version``."""
    store.add_feed(tx, today().isoformat(), feed.record(data, at, remark, policy().oss_status_codes), version)


def day(on: str, limit: int, cursor: str | None) -> Page[FeedRecord]:
    rows, nxt = store.feed(on, limit, cursor)
    return Page[FeedRecord](items=[FeedRecord.model_validate(r.data) for r in rows], next_cursor=nxt)
