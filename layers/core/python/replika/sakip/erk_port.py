"""A small read-only port onto e-Remunerasi's data: the activity catalogue and its month totals.
e-SAKIP never writes there, and never reads the E-RK entry log.

The person-minutes roll-up needs approved minutes *per catalogue activity*. e-Remunerasi keeps them
in its month totals: the transaction that approves (or un-approves) entries adds their minutes to
the OPD's ``ActivityTotal`` of the employee and activity (``ACTTOT#<period>#<opd>`` |
``<nip>#<activity>``), beside the employee's and the OPD's month totals. (An event e-SAKIP consumed
would need its own idempotent consumer and replay for history; a total written in the decision's
own transaction is exact by construction.) So the port reads, by key only:

* the catalogue: GetItem ``ACT#<code>`` / Query gsi1 ``ACTS`` (to link and to name activities);
* the OPDs with approved minutes in a month: Query ``OPDTOT#<period>`` (one item per OPD);
* an OPD's approved minutes per employee and activity in a month: Query ``ACTTOT#<period>#<opd>``;
* an OPD's employees with approved minutes in a month: Query gsi1 ``TOTOPD#<period>#<opd>#<o>``
  (the month totals, one Query per OPD shard ``<o>``), with each total's ``approved_minutes``: the
  minutes no activity total explains (history loaded as totals only) are *unattributed*.

A quarter's roll-up of one OPD is 3 × (1 + 8) Queries whatever its size (plus pages); the log is
never read. Assumptions, documented because e-Remunerasi owns these names: the models
``Activity``, ``ActivityTotal``, ``MonthTotal`` and ``OpdTotal`` of
:mod:`replika.remunerasi.tables` and the key builders of :mod:`replika.remunerasi.keys`. The
integration test writes through e-Remunerasi's own use cases and reads through this port, so a
change there fails here. Access: ``REMUNERASI_TABLE`` read only, by the named grant of
:data:`replika.core.manifest.READ_GRANTS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from replika.remunerasi import keys as rk
from replika.remunerasi.store import totals
from replika.remunerasi.tables import Activity, MonthTotal, OpdTotal

PAGE = 500


@dataclass(frozen=True)
class CatalogueActivity:
    code: str
    name: str
    minutes: int
    active: bool


@dataclass(frozen=True)
class WorkerMonth:
    nip: str
    opd: str
    approved_minutes: int


@dataclass(frozen=True)
class OpdMonth:
    """An OPD's approved minutes of a month per employee and activity, and its approved entries."""

    minutes: dict[str, dict[str, int]]
    entries: int


class ErkSource(Protocol):
    def activity(self, code: str) -> CatalogueActivity | None: ...

    def catalogue(self) -> list[CatalogueActivity]: ...

    def opds_with_minutes(self, period: str) -> list[str]: ...

    def workers(self, period: str, opd: str) -> list[WorkerMonth]: ...

    def activity_minutes(self, period: str, opd: str) -> OpdMonth: ...


def _activity(a: Activity) -> CatalogueActivity:
    return CatalogueActivity(code=a.code, name=a.name, minutes=int(a.minutes), active=bool(a.active))


class RemunerasiTables:
    """:class:`ErkSource` over e-Remunerasi's table (reads only)."""

    def activity(self, code: str) -> CatalogueActivity | None:
        try:
            return _activity(Activity.get(*rk.activity_key(code)))
        except Activity.DoesNotExist:
            return None

    def catalogue(self) -> list[CatalogueActivity]:
        return [_activity(a) for a in Activity.query(rk.ACTIVITIES, index_name="gsi1", page_size=PAGE)]

    def opds_with_minutes(self, period: str) -> list[str]:
        return sorted(
            t.opd_code
            for t in OpdTotal.query(rk.opd_total_pk(period), page_size=PAGE)
            if int(t.approved_minutes or 0) > 0
        )

    def workers(self, period: str, opd: str) -> list[WorkerMonth]:
        totals = [
            t
            for pk in rk.total_opd_pks(period, opd)
            for t in MonthTotal.query(
                pk,
                index_name="gsi1",
                attributes_to_get=["pk", "sk", "nip", "opd_code", "approved_minutes"],
                page_size=PAGE,
            )
        ]
        return [
            WorkerMonth(nip=t.nip, opd=t.opd_code or opd, approved_minutes=int(t.approved_minutes or 0))
            for t in sorted(totals, key=lambda t: t.nip)
            if int(t.approved_minutes or 0) > 0
        ]

    def activity_minutes(self, period: str, opd: str) -> OpdMonth:
        minutes: dict[str, dict[str, int]] = defaultdict(dict)
        entries = 0
        for t in totals.activity_totals(period, opd):
            if int(t.approved_minutes or 0) > 0:  # an un-approved activity leaves a 0 behind
                minutes[t.nip][t.activity_code] = int(t.approved_minutes)
            entries += int(t.approved_entries or 0)
        return OpdMonth(minutes=dict(minutes), entries=entries)
