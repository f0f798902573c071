"""A small read-only port onto e-Remunerasi's data: the activity catalogue, the month totals and the
approved entries behind them. e-SAKIP never writes there.

Why it reads e-Remunerasi's table (and not an event): the approved-minutes roll-up needs the minutes
*per catalogue activity*, and e-Remunerasi publishes no decision event today; its month totals hold
an employee's approved minutes per day, not per activity. So the port reads, by key only:

* the catalogue: GetItem ``ACT#<code>`` / Query gsi1 ``ACTS`` (to link and to name activities);
* the OPDs with approved minutes in a month: Query ``OPDTOT#<period>`` (one item per OPD);
* an OPD's employees with approved minutes in a month: Query gsi1 ``TOTOPD#<period>#<opd>#<o>``
  (the month totals, one Query per OPD shard ``<o>``), with each total's ``approved_minutes``;
* the approved entries of one employee-month: Query ``LOG#<nip>#<period>``, status ``approved``
  (the access pattern e-Remunerasi documents for an employee's entries) — never a Scan of the log.

A quarter's roll-up of an OPD of 50 employees is 3 + 150 small Queries (the nightly job and
Bappeda's refresh, not a request path). Approved minutes of a month total with no entries behind
them (history loaded as totals only) are reported as *unattributed*.

Assumptions, documented because e-Remunerasi owns these names: the models ``Activity``, ``Entry``,
``MonthTotal`` and ``OpdTotal`` of :mod:`replika.remunerasi.tables` (their public names stay there)
and the key builders of :mod:`replika.remunerasi.keys`; the entry statuses (``approved``) and the
month totals' ``approved_minutes``. The integration test writes through e-Remunerasi's own use
cases and reads through this port, so a change there fails here. Access: ``REMUNERASI_TABLE``
read only, by the named grant of :data:`replika.core.manifest.READ_GRANTS`. When e-Remunerasi
publishes an approved-minutes event, an event-fed implementation of :class:`ErkSource` can
replace this one without touching the rule (:func:`replika.sakip.rules.erk.roll_up_minutes`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from replika.remunerasi import keys as rk
from replika.remunerasi.tables import Activity, Entry, MonthTotal, OpdTotal

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
class EmployeeMonth:
    """One employee's approved entries of a month, summed per activity."""

    minutes: dict[str, int]
    entries: int


class ErkSource(Protocol):
    def activity(self, code: str) -> CatalogueActivity | None: ...

    def catalogue(self) -> list[CatalogueActivity]: ...

    def opds_with_minutes(self, period: str) -> list[str]: ...

    def workers(self, period: str, opd: str) -> list[WorkerMonth]: ...

    def approved(self, nip: str, period: str) -> EmployeeMonth: ...


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

    def approved(self, nip: str, period: str) -> EmployeeMonth:
        minutes: dict[str, int] = defaultdict(int)
        count = 0
        for e in Entry.query(
            rk.log_pk(nip, period), filter_condition=Entry.status == "approved", page_size=PAGE
        ):
            minutes[e.activity_code] += int(e.minutes)
            count += 1
        return EmployeeMonth(minutes=dict(minutes), entries=count)
