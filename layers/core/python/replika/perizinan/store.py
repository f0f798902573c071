"""Repositories of the perizinan table: loads and conditional writes, one aggregate at a time.

Every state change is conditional on the version read (a lost race is a 409 through
:mod:`replika.core.dynamodb`) and written in one transaction with its audit record
(:func:`replika.core.audit.write_with_audit`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.dynamodb import translated
from replika.core.errors import NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.perizinan import keys
from replika.perizinan.tables import PerizinanItem

Write = Callable[[TransactWrite], None]


Rows = tuple[list[PerizinanItem], str | None]


def _page(query: Callable[..., Any], pk: str, scope: str, limit: int, cursor: str | None, **kw: Any) -> Rows:
    """One page of ``query`` (the table's or an index's) on ``pk``, with its signed cursor."""
    with translated():
        res = query(pk, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope), **kw)
        rows = list(res)
    return rows, encode_cursor(res.last_evaluated_key, scope=scope)


def _get(pk: str, sk: str) -> PerizinanItem | None:
    with translated():
        try:
            return PerizinanItem.get(pk, sk, consistent_read=True)
        except PerizinanItem.DoesNotExist:
            return None


def require(item: PerizinanItem | None, what: str) -> PerizinanItem:
    if item is None:
        raise NotFound(f"{what} tidak ditemukan.")
    return item


def save_new(tx: TransactWrite, item: PerizinanItem) -> None:
    tx.save(item, condition=PerizinanItem.pk.does_not_exist())


def save_versioned(tx: TransactWrite, item: PerizinanItem, expected: int) -> None:
    """Write ``item`` (whose ``version`` is ``expected + 1``) if the stored one is ``expected``."""
    tx.save(item, condition=PerizinanItem.version == expected)


def write(
    stream: str,
    fn: Write,
    *,
    actor: str,
    action: str,
    subject: str,
    after: Any = None,
    before: Any = None,
    request_id: str | None = None,
) -> None:
    with translated():
        audit.write_with_audit(
            stream,
            fn,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            request_id=request_id,
        )


# -- catalogue ----------------------------------------------------------------------------------


def current_type(code: str) -> PerizinanItem | None:
    return _get(keys.type_pk(code), keys.CURRENT)


def type_version(code: str, version: int) -> PerizinanItem | None:
    return _get(keys.type_pk(code), keys.version_sk(version))


def type_items(code: str, version: int, body: dict[str, Any], at: str) -> tuple[PerizinanItem, PerizinanItem]:
    frozen = PerizinanItem(
        keys.type_pk(code),
        keys.version_sk(version),
        kind="type_version",
        version=version,
        data=body,
        created_at=at,
    )
    current = PerizinanItem(
        keys.type_pk(code),
        keys.CURRENT,
        kind="type",
        version=version,
        data=body,
        created_at=at,
        gsi1pk=keys.CATALOGUE,
        gsi1sk=code,
    )
    return frozen, current


def list_types(limit: int, cursor: str | None) -> Rows:
    return _page(PerizinanItem.gsi1.query, keys.CATALOGUE, "perizinan:catalogue", limit, cursor)


# -- applications -------------------------------------------------------------------------------


def application(number: str) -> PerizinanItem:
    return require(_get(keys.app_pk(number), keys.APP), "Permohonan")


def find_application(number: str) -> PerizinanItem | None:
    return _get(keys.app_pk(number), keys.APP)


def by_owner(subject: str, limit: int, cursor: str | None) -> Rows:
    scope = f"perizinan:owner:{subject}"
    return _page(
        PerizinanItem.gsi1.query, keys.owner_pk(subject), scope, limit, cursor, scan_index_forward=False
    )


def queue(pk: str, limit: int, cursor: str | None) -> Rows:
    return _page(PerizinanItem.gsi3.query, pk, f"perizinan:queue:{pk}", limit, cursor)


def due_on_or_before(day: str) -> list[PerizinanItem]:
    """Applications whose clock runs and whose total due date is ``day`` or earlier (all shards)."""
    found: list[PerizinanItem] = []
    with translated():
        for shard in range(keys.DUE_SHARDS):
            found.extend(PerizinanItem.gsi2.query(keys.due_pk(shard), PerizinanItem.gsi2sk < f"{day}#~"))
    return found


# -- statistics and surveys ----------------------------------------------------------------------


def add_counters(tx: TransactWrite, year: int, type_code: str, number: str, counters: dict[str, int]) -> None:
    """ADD ``counters`` to the type's aggregate of ``year`` (the shard of ``number``), in ``tx``:
    one item per type, year and shard, each counter a top-level number attribute."""
    item = PerizinanItem(keys.stats_pk(year), keys.stats_sk(type_code, keys.due_shard(number)))
    actions: list[Any] = [PerizinanItem.kind.set("stat"), PerizinanItem.number.set(type_code)]
    actions += [Path([keys.STAT_PREFIX + metric]).add(n) for metric, n in sorted(counters.items())]
    tx.update(item, actions=actions)


def counters_of(year: int) -> dict[str, dict[str, int]]:
    """``type -> metric -> total``: the year's aggregates (at most ``DUE_SHARDS`` items a type,
    whatever the number of applications or of distinct day counts), summed over the shards. Read
    raw: the counters are attributes the model does not declare. Counter items of the earlier
    layout (one per metric) are not aggregates and are not read."""
    prefix = keys.STAT_PREFIX
    out: dict[str, dict[str, int]] = {}
    start = None
    with translated():
        conn = PerizinanItem._get_connection()
        while True:
            page = conn.query(
                keys.stats_pk(year),
                range_key_condition=PerizinanItem.sk.startswith(keys.STATS_AGGREGATE),
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                per = out.setdefault(raw["number"]["S"], {})
                for attr, value in raw.items():
                    if attr.startswith(prefix) and "N" in value:
                        metric = attr[len(prefix) :]
                        per[metric] = per.get(metric, 0) + int(value["N"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return out


def add_feed(tx: TransactWrite, day: str, record: dict[str, Any], version: int) -> None:
    sk = keys.feed_sk(record["date"], record["application"], version)
    tx.save(
        PerizinanItem(keys.feed_pk(day), sk, kind="feed", data=record),
        condition=PerizinanItem.pk.does_not_exist(),
    )


def feed(day: str, limit: int, cursor: str | None) -> Rows:
    return _page(PerizinanItem.query, keys.feed_pk(day), f"perizinan:feed:{day}", limit, cursor)


def survey(number: str) -> PerizinanItem | None:
    return _get(keys.app_pk(number), keys.SURVEY)


def save_survey(tx: TransactWrite, number: str, data: dict[str, Any], at: str) -> None:
    item = PerizinanItem(keys.app_pk(number), keys.SURVEY, kind="survey", data=data, created_at=at)
    tx.save(item, condition=PerizinanItem.pk.does_not_exist())


# -- escalations, the applicant's documents ------------------------------------------------------


def escalations(limit: int, cursor: str | None) -> Rows:
    """Escalated applications, oldest total due date first (gsi2 ``ESCALATED``)."""
    return _page(PerizinanItem.gsi2.query, keys.ESCALATED, "perizinan:escalated", limit, cursor)


def document(subject: str, code: str) -> PerizinanItem | None:
    return _get(keys.profile_pk(subject), keys.document_sk(code))


def document_item(subject: str, code: str, key: str, at: str) -> PerizinanItem:
    return PerizinanItem(
        keys.profile_pk(subject), keys.document_sk(code), kind="document", data={"key": key}, created_at=at
    )


# -- permits, profiles, sequences ---------------------------------------------------------------


def permit(number: str) -> PerizinanItem:
    return require(_get(keys.permit_pk(number), keys.PERMIT), "Izin")


def find_permit(number: str) -> PerizinanItem | None:
    return _get(keys.permit_pk(number), keys.PERMIT)


def permit_by_code(code: str) -> PerizinanItem | None:
    pointer = _get(keys.code_pk(code), keys.PERMIT)
    return None if pointer is None or not pointer.number else find_permit(pointer.number)


def profile(subject: str) -> PerizinanItem | None:
    return _get(keys.profile_pk(subject), keys.PROFILE)


def next_seq(prefix: str, type_code: str, kecamatan: str, day: str) -> int:
    """The next number of a (kind, type, kecamatan, day) sequence: an atomic ADD on its own item."""
    item = PerizinanItem(keys.seq_pk(prefix, type_code, kecamatan, day), "SEQ", kind="seq")
    with translated():
        item.update(actions=[PerizinanItem.tally.add(1), PerizinanItem.kind.set("seq")])
    return int(item.tally or 0)


def receipt(receipt_number: str) -> PerizinanItem | None:
    return _get(keys.receipt_pk(receipt_number), keys.RECEIPT)


def save_receipt(tx: TransactWrite, receipt_number: str, number: str, at: str) -> None:
    """The receipt's claim, in the payment's transaction: fails if any application used it."""
    save_new(
        tx,
        PerizinanItem(
            keys.receipt_pk(receipt_number), keys.RECEIPT, kind="receipt", number=number, created_at=at
        ),
    )
