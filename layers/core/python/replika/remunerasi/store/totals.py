"""Month totals: one item per employee and month (``TOT#<period>#<ss>`` | ``<nip>``, spread over
:data:`keys.SHARDS` partition keys by NIP) and one per OPD and month (``OPDTOT#<period>`` |
``<opd>``). Writes are parts of the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from replika.core.table import get_or_none
from replika.remunerasi import keys
from replika.remunerasi.tables import DAYS, ActivityTotal, MonthTotal, OpdTotal, day_attr

__all__ = [
    "ActivityTotal",
    "MonthTotal",
    "MonthView",
    "OpdTotal",
    "activity_totals",
    "add_activity_minutes_in",
    "add_minutes_in",
    "add_opd_minutes_in",
    "batch_get",
    "batch_get_views",
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
    return get_or_none(MonthTotal, *keys.TOTALS.key(period, nip), consistent=consistent)


def batch_get(period: str, nips: Sequence[str]) -> dict[str, MonthTotal]:
    """Month totals of ``period`` by NIP, ``BATCH_GET`` keys per BatchGetItem."""
    out: dict[str, MonthTotal] = {}
    unique = list(dict.fromkeys(nips))
    for i in range(0, len(unique), BATCH_GET):
        for item in MonthTotal.batch_get([keys.TOTALS.key(period, n) for n in unique[i : i + BATCH_GET]]):
            out[item.sk] = item
    return out


#: ``d01`` -> ("d", 1), …: the day attributes a month total may hold.
_DAY_ATTRS = {day_attr(p, d): (p, d) for d in DAYS for p in "dac"}


def _number(value: Mapping[str, Any]) -> Any:
    """A NumberAttribute's value from its wire form (as PynamoDB reads it: ``json.loads``)."""
    return None if "N" not in value else json.loads(value["N"])


class MonthView:
    """A month total as the payroll run reads it (a ``rules.MonthRecord``), built straight from the
    stored item: only the attributes present are converted, no model object per employee."""

    __slots__ = ("_attendance", "_codes", "_minutes", "sentence_level", "sentence_pct")

    def __init__(self, raw: Mapping[str, Mapping[str, Any]]) -> None:
        self.sentence_pct: Any = _number(raw["sentence_pct"]) if "sentence_pct" in raw else None
        level = raw.get("sentence_level")
        self.sentence_level: str | None = None if level is None else level.get("S")
        self._minutes: dict[int, Any] = {}
        self._attendance: dict[int, Any] = {}
        self._codes: dict[int, str] = {}
        for name, value in raw.items():
            day = _DAY_ATTRS.get(name)
            if day is None:
                continue
            kind, d = day
            if kind == "c":
                if "S" in value:
                    self._codes[d] = value["S"]
            elif (number := _number(value)) is not None:
                (self._minutes if kind == "d" else self._attendance)[d] = number

    def day_minutes(self) -> dict[int, int]:
        """As :meth:`MonthTotal.day_minutes`."""
        return {d: int(self._minutes[d]) for d in sorted(self._minutes)}

    def day_attendance(self) -> dict[int, tuple[int, str]]:
        """As :meth:`MonthTotal.day_attendance`."""
        return {d: (int(self._attendance[d]), self._codes.get(d) or "") for d in sorted(self._attendance)}


def batch_get_views(period: str, nips: Sequence[str]) -> dict[str, MonthView]:
    """:func:`batch_get` for the payroll run: the month totals of ``period`` by NIP as
    :class:`MonthView` (one BatchGetItem per ``BATCH_GET`` keys, unprocessed keys asked again)."""
    out: dict[str, MonthView] = {}
    unique = list(dict.fromkeys(nips))
    connection = MonthTotal._get_connection()
    table = MonthTotal.Meta.table_name
    for i in range(0, len(unique), BATCH_GET):
        request: list[Any] = [
            {"pk": {"S": pk}, "sk": {"S": sk}}
            for pk, sk in (keys.TOTALS.key(period, n) for n in unique[i : i + BATCH_GET])
        ]
        while request:
            data = connection.batch_get_item(request)
            for raw in data.get("Responses", {}).get(table, []):
                out[raw["sk"]["S"]] = MonthView(raw)
            request = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys") or []
    return out


def of_periods(nip: str, periods: Sequence[str]) -> dict[str, MonthTotal]:
    """``nip``'s month totals by period."""
    return {t.period: t for t in MonthTotal.batch_get([keys.TOTALS.key(p, nip) for p in periods])}


def of_period(period: str) -> Iterator[MonthTotal]:
    """Every month total of ``period`` (a Query per shard ``TOT#<period>#<ss>``, only OPD and
    minutes read)."""
    for pk in keys.TOTALS.pks(period):
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
        MonthTotal.gsi1pk.set(keys.TOTALS.opd_pk(period, opd, nip)),
        MonthTotal.gsi1sk.set(nip),
        MonthTotal.approved_minutes.add(sum(days.values())),
    ]
    actions += [getattr(MonthTotal, day_attr("d", d)).add(m) for d, m in days.items()]
    tx.update(MonthTotal(*keys.TOTALS.key(period, nip)), actions=actions)


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


def add_activity_minutes_in(
    tx: TransactWrite, period: str, opd: str, nip: str, activity: str, minutes: int, entries: int
) -> None:
    """Add approved minutes and entries (negative: un-approved) of one employee and activity."""
    tx.update(
        ActivityTotal(*keys.activity_total_key(period, opd, nip, activity)),
        actions=[
            ActivityTotal.nip.set(nip),
            ActivityTotal.opd_code.set(opd),
            ActivityTotal.period.set(period),
            ActivityTotal.activity_code.set(activity),
            ActivityTotal.approved_minutes.add(minutes),
            ActivityTotal.approved_entries.add(entries),
        ],
    )


def activity_totals(period: str, opd: str) -> Iterator[ActivityTotal]:
    """An OPD's approved minutes per employee and activity in ``period`` (one Query, paged)."""
    yield from ActivityTotal.query(keys.activity_total_pk(period, opd), page_size=QUERY_PAGE)


def set_attendance_in(tx: TransactWrite, period: str, nip: str, days: Sequence[tuple[int, int, str]]) -> None:
    """Set (not add) each day's attendance: ``(day, deduction basis points, codes)``."""
    actions = _base(nip, period)
    for d, bp, codes in days:
        actions += [
            getattr(MonthTotal, day_attr("a", d)).set(bp),
            getattr(MonthTotal, day_attr("c", d)).set(codes),
        ]
    tx.update(MonthTotal(*keys.TOTALS.key(period, nip)), actions=actions)


def set_behaviour_in(tx: TransactWrite, period: str, nip: str, score: int, by: str) -> None:
    actions = [*_base(nip, period), MonthTotal.behaviour.set(score), MonthTotal.behaviour_by.set(by)]
    tx.update(MonthTotal(*keys.TOTALS.key(period, nip)), actions=actions)


def set_sentence_in(
    tx: TransactWrite, period: str, nip: str, *, pct: float, level: str, old_pct: Any | None
) -> None:
    """Store the month's sentence, conditional on the value read (``old_pct``)."""
    cond: Condition = (
        MonthTotal.sentence_pct.does_not_exist() if old_pct is None else MonthTotal.sentence_pct == old_pct
    )
    tx.update(
        MonthTotal(*keys.TOTALS.key(period, nip)),
        condition=cond,
        actions=[
            *_base(nip, period),
            MonthTotal.sentence_pct.set(pct),
            MonthTotal.sentence_level.set(level),
        ],
    )
