"""Month totals: one item per employee and month (``TOT#<period>#<ss>`` | ``<nip>``, spread over
:data:`keys.SHARDS` partition keys by NIP) and one per OPD and month (``OPDTOT#<period>`` |
``<opd>``). Writes are parts of the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.remunerasi import keys
from replika.remunerasi.tables import MonthTotal, OpdTotal, day_attr

__all__ = [
    "MonthTotal",
    "OpdTotal",
    "add_minutes_in",
    "add_opd_minutes_in",
    "batch_get",
    "get",
    "of_period",
    "opd_minutes",
    "set_attendance_in",
    "set_behaviour_in",
    "set_sentence_in",
]

BATCH_GET = 100
QUERY_PAGE = 1000


def get(period: str, nip: str, *, consistent: bool = False) -> MonthTotal | None:
    try:
        return MonthTotal.get(*keys.total_key(period, nip), consistent_read=consistent)
    except MonthTotal.DoesNotExist:
        return None


def batch_get(period: str, nips: Sequence[str]) -> dict[str, MonthTotal]:
    """Month totals of ``period`` by NIP, ``BATCH_GET`` keys per BatchGetItem."""
    out: dict[str, MonthTotal] = {}
    unique = list(dict.fromkeys(nips))
    for i in range(0, len(unique), BATCH_GET):
        for item in MonthTotal.batch_get([keys.total_key(period, n) for n in unique[i : i + BATCH_GET]]):
            out[item.sk] = item
    return out


def of_periods(nip: str, periods: Sequence[str]) -> dict[str, MonthTotal]:
    """``nip``'s month totals by period."""
    return {t.period: t for t in MonthTotal.batch_get([keys.total_key(p, nip) for p in periods])}


def of_period(period: str) -> Iterator[MonthTotal]:
    """Every month total of ``period`` (a Query per shard ``TOT#<period>#<ss>``, only OPD and
    minutes read)."""
    for pk in keys.total_pks(period):
        yield from MonthTotal.query(
            pk,
            attributes_to_get=["pk", "sk", "opd_code", "approved_minutes"],
            page_size=QUERY_PAGE,
        )


def opd_minutes(period: str) -> dict[str, int]:
    """Approved minutes per OPD (Query ``OPDTOT#<period>``)."""
    return {
        o.opd_code or o.sk: int(o.approved_minutes or 0)
        for o in OpdTotal.query(keys.opd_total_pk(period), page_size=QUERY_PAGE)
    }


def _base(nip: str, period: str) -> list[Action]:
    return [MonthTotal.nip.set(nip), MonthTotal.period.set(period)]


def add_minutes_in(tx: TransactWrite, period: str, nip: str, opd: str, days: Mapping[int, int]) -> None:
    """Add approved minutes per day (negative: un-approved) to ``nip``'s month total."""
    actions = [
        *_base(nip, period),
        MonthTotal.opd_code.set(opd),
        MonthTotal.gsi1pk.set(keys.total_opd_pk(period, opd, nip)),
        MonthTotal.gsi1sk.set(nip),
        MonthTotal.approved_minutes.add(sum(days.values())),
    ]
    actions += [getattr(MonthTotal, day_attr("d", d)).add(m) for d, m in days.items()]
    tx.update(MonthTotal(*keys.total_key(period, nip)), actions=actions)


def add_opd_minutes_in(tx: TransactWrite, period: str, opd: str, minutes: int, entries: int) -> None:
    tx.update(
        OpdTotal(*keys.opd_total_key(period, opd)),
        actions=[
            OpdTotal.opd_code.set(opd),
            OpdTotal.period.set(period),
            OpdTotal.approved_minutes.add(minutes),
            OpdTotal.approved_entries.add(entries),
        ],
    )


def set_attendance_in(tx: TransactWrite, period: str, nip: str, days: Sequence[tuple[int, int, str]]) -> None:
    """Set (not add) each day's attendance: ``(day, deduction basis points, codes)``."""
    actions = _base(nip, period)
    for d, bp, codes in days:
        actions += [
            getattr(MonthTotal, day_attr("a", d)).set(bp),
            getattr(MonthTotal, day_attr("c", d)).set(codes),
        ]
    tx.update(MonthTotal(*keys.total_key(period, nip)), actions=actions)


def set_behaviour_in(tx: TransactWrite, period: str, nip: str, score: int, by: str) -> None:
    actions = [*_base(nip, period), MonthTotal.behaviour.set(score), MonthTotal.behaviour_by.set(by)]
    tx.update(MonthTotal(*keys.total_key(period, nip)), actions=actions)


def set_sentence_in(
    tx: TransactWrite, period: str, nip: str, *, pct: float, level: str, old_pct: Any | None
) -> None:
    """Store the month's sentence, conditional on the value read (``old_pct``)."""
    cond: Condition = (
        MonthTotal.sentence_pct.does_not_exist() if old_pct is None else MonthTotal.sentence_pct == old_pct
    )
    tx.update(
        MonthTotal(*keys.total_key(period, nip)),
        condition=cond,
        actions=[
            *_base(nip, period),
            MonthTotal.sentence_pct.set(pct),
            MonthTotal.sentence_level.set(level),
        ],
    )
