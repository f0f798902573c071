"""The link no anchor has: individual work (E-RK) -> institutional performance (the cascade).

* Links: an E-RK catalogue activity -> a sub-activity of the period's cascade, for one OPD or for
  every OPD (``*``). The link lives in e-SAKIP's table (e-SAKIP owns it); Bappeda links any,
  an OPD's staff their own OPD's activities to their own sub-activities. Audited (``sakip/erk``).
* Roll-up: per OPD and quarter, the approved minutes of the quarter's months, read through the
  read-only port (:mod:`replika.sakip.erk_port`), summed per linked sub-activity by the pure rule
  (:func:`replika.sakip.rules.erk.roll_up_minutes`) and stored (one item per OPD-quarter, one per
  employee-quarter-OPD). Refreshing rewrites them whole, so it is idempotent. The nightly job
  refreshes the current quarter (and the previous one in a quarter's first month), page after
  page; Bappeda refreshes on demand one OPD, or (no OPD) :data:`OPDS_PER_CALL` OPDs per call with
  a cursor to go on, so no request fans out over the whole region.
* Views: per sub-activity the person-minutes beside its attainment and budget, with the flags
  *work without results* / *results without work*; per employee, which of the region's targets
  their work served (the path from the sub-activity up to the vision).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from replika.core import audit
from replika.core.auth import Principal, Role
from replika.core.errors import Conflict, Forbidden, NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.sakip import common, keys, store, views
from replika.sakip.erk_port import ErkSource, RemunerasiTables
from replika.sakip.models import (
    ErkLinkIn,
    ErkLinkList,
    ErkLinkOut,
    MyWorkOut,
    RefreshOut,
    RollupOut,
    ServedTarget,
    SubActivityWork,
    TargetStep,
)
from replika.sakip.rules.attainment import pct
from replika.sakip.rules.erk import ANY_OPD, MinutesRollUp, flag, roll_up_minutes
from replika.sakip.rules.quarters import quarter_months, quarter_of_month
from replika.sakip.tables import ErkEmployee, ErkLink, ErkRollup, Node

#: The E-RK source; tests may put another :class:`ErkSource` here.
SOURCE: ErkSource = RemunerasiTables()


# -- links ----------------------------------------------------------------------------------------
def _link_out(link: ErkLink, names: dict[str, str]) -> ErkLinkOut:
    return ErkLinkOut(
        **store.fields(link, "period activity activity_name opd sub_activity by at"),
        sub_activity_name=names.get(link.sub_activity),
    )


def _node_names(period: str, codes: set[str]) -> dict[str, str]:
    return {n.code: n.name for n in store.batch_nodes(period, codes)}


def period_links(period: str) -> list[ErkLink]:
    return list(ErkLink.query(keys.link_pk(period), page_size=store.PAGE))


def list_links(p: Principal, period: str) -> ErkLinkList:
    common.get_period(period)
    links = [x for x in period_links(period) if x.opd == ANY_OPD or common.can_read(p, x.opd)]
    names = _node_names(period, {x.sub_activity for x in links})
    return ErkLinkList(items=[_link_out(x, names) for x in links])


def _require_linker(p: Principal, opd: str, sub_owner: str) -> None:
    if p.has_any((Role.BAPPEDA,)):
        return
    if opd == ANY_OPD or p.opd != opd or sub_owner != opd:
        raise Forbidden(
            "OPD menautkan kegiatannya sendiri ke sub kegiatannya sendiri; tautan lain oleh Bappeda.",
            details={"opd": opd},
        )


def put_link(p: Principal, period: str, activity: str, body: ErkLinkIn, request_id: str | None) -> ErkLinkOut:
    common.get_period(period)
    found = SOURCE.activity(activity)
    if found is None:  # a stored thing the path names: 404 like any unknown id
        raise NotFound(f"Kegiatan {activity} tidak ada di katalog E-RK.", code="unknown_activity")
    sub = store.node_or_none(period, body.sub_activity)
    if sub is None:
        raise NotFound(f"Node {body.sub_activity} tidak ada pada periode ini.", code="unknown_sub_activity")
    if sub.level != "sub_activity":  # the body is valid; the stored node is of another level
        raise Conflict("Tautan harus ke sebuah sub kegiatan.", code="not_a_sub_activity")
    _require_linker(p, body.opd, sub.owner)
    link = ErkLink(
        keys.link_pk(period),
        keys.link_sk(activity, body.opd),
        period=period,
        activity=activity,
        opd=body.opd,
        sub_activity=sub.code,
        activity_name=found.name,
        by=common.actor(p),
        at=common.now(),
        gsi1pk=keys.link_sub_pk(period, sub.code),
        gsi1sk=keys.link_sk(activity, body.opd),
    )
    _audited(p, link, "erk.link", request_id)
    return _link_out(link, {sub.code: sub.name})


def delete_link(p: Principal, period: str, activity: str, opd: str, request_id: str | None) -> None:
    try:
        link = ErkLink.get(keys.link_pk(period), keys.link_sk(activity, opd))
    except ErkLink.DoesNotExist:
        raise NotFound("Tautan tidak ditemukan.", details={"activity": activity, "opd": opd}) from None
    sub = store.node_or_none(period, link.sub_activity)
    _require_linker(p, opd, sub.owner if sub is not None else ANY_OPD)
    _audited(p, link, "erk.unlink", request_id)


def _audited(p: Principal, link: ErkLink, action: str, request_id: str | None) -> None:
    """Save (``erk.link``) or delete (``erk.unlink``) a link with its audit record."""
    change = {"sub_activity": link.sub_activity}
    audit.write_with_audit(
        keys.AUDIT_ERK,
        (lambda tx: tx.save(link)) if action == "erk.link" else (lambda tx: tx.delete(link)),
        actor=common.actor(p),
        action=action,
        subject=f"sakip:erk#{link.period}#{link.activity}#{link.opd}",
        before=None if action == "erk.link" else change,
        after=change if action == "erk.link" else None,
        request_id=request_id,
    )


# -- the roll-up ----------------------------------------------------------------------------------
#: OPDs refreshed per call when no OPD is named (a cursor goes on): each is 3 × 9 Queries
OPDS_PER_CALL = 4


def refresh(year: int, quarter: int, opd: str | None = None, cursor: str | None = None) -> RefreshOut:
    """Refresh one OPD's quarter, or (no ``opd``) the next :data:`OPDS_PER_CALL` OPDs with E-RK
    minutes after ``cursor``; ``next_cursor`` names where the next call goes on."""
    period = common.period_of_year(year)
    links = {(x.activity, x.opd): x.sub_activity for x in period_links(period.period)}
    months = [f"{year}-{m:02d}" for m in quarter_months(quarter)]
    scope = f"sakip:erk-refresh:{year}:{quarter}"
    next_cursor = None
    if opd:
        opds = [opd]
    else:
        after = (decode_cursor(cursor, scope=scope) or {}).get("after", "")
        pending = sorted({o for m in months for o in SOURCE.opds_with_minutes(m) if o > after})
        opds = pending[:OPDS_PER_CALL]
        if len(pending) > OPDS_PER_CALL:
            next_cursor = encode_cursor({"after": opds[-1]}, scope=scope)
    totals = RefreshOut(
        year=year,
        quarter=quarter,
        opds=0,
        employees=0,
        entries=0,
        linked_minutes=0,
        unlinked_minutes=0,
        unattributed_minutes=0,
        next_cursor=next_cursor,
    )
    at = common.now()
    for code in opds:
        approved: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        opd_of: dict[str, str] = {}
        entries = unattributed = 0
        for month in months:
            got = SOURCE.activity_minutes(month, code)
            for nip, per_activity in got.minutes.items():
                opd_of[nip] = code
                for activity, minutes in per_activity.items():
                    approved[nip][activity] += minutes
            entries += got.entries
            for worker in SOURCE.workers(month, code):
                opd_of[worker.nip] = code
                explained = sum(got.minutes.get(worker.nip, {}).values())
                unattributed += max(0, worker.approved_minutes - explained)
        result = roll_up_minutes(approved, opd_of, links)
        _save_rollup(year, quarter, code, result, opd_of, entries, unattributed, at)
        totals.opds += 1
        totals.employees += len(opd_of)
        totals.entries += entries
        totals.linked_minutes += result.linked
        totals.unlinked_minutes += result.unlinked
        totals.unattributed_minutes += unattributed
    return totals


def _save_rollup(
    year: int,
    quarter: int,
    code: str,
    result: MinutesRollUp,
    opd_of: dict[str, str],
    entries: int,
    unattributed: int,
    at: str,
) -> None:
    ErkRollup(
        *keys.erk_rollup_key(year, quarter, code),
        year=year,
        quarter=quarter,
        opd=code,
        minutes=result.per_sub,
        unlinked_minutes=result.unlinked,
        unattributed_minutes=unattributed,
        employees=len(opd_of),
        entries=entries,
        refreshed_at=at,
    ).save()
    with ErkEmployee.batch_write() as batch:
        for nip in opd_of:  # every worker of the quarter, so nobody keeps stale minutes
            batch.save(
                ErkEmployee(
                    *keys.erk_employee_key(nip, year, quarter, code),
                    nip=nip,
                    year=year,
                    quarter=quarter,
                    opd=code,
                    minutes=result.per_employee.get(nip, {}),
                    refreshed_at=at,
                )
            )


def quarters_to_refresh(today: date) -> list[tuple[int, int]]:
    """The current quarter, and in a quarter's first month the previous one (late approvals)."""
    q = quarter_of_month(today.month)
    out = [(today.year, q)]
    if today.month == quarter_months(q)[0]:
        out.append((today.year, q - 1) if q > 1 else (today.year - 1, 4))
    return out


def nightly() -> list[RefreshOut]:
    """Every OPD of the quarters to refresh, page after page (a schedule, not a request path)."""
    done = []
    for year, quarter in quarters_to_refresh(common.today()):
        cursor: str | None = None
        while True:
            try:
                page = refresh(year, quarter, cursor=cursor)
            except NotFound:  # no planning period for that year yet
                break
            done.append(page)
            cursor = page.next_cursor
            if cursor is None:
                break
    return done


def rollup(p: Principal, year: int, quarter: int, opd: str | None) -> RollupOut:
    """Person-minutes per sub-activity beside its attainment and budget (year to date through
    ``quarter``), for one OPD or, for Bappeda and the Inspektorat, the region."""
    if opd is None and not common.sees_everything(p):
        opd = p.opd
        if opd is None:
            raise Forbidden("Sebutkan OPD.")
    if opd is not None:
        common.require_read(p, opd)
    period = common.period_of_year(year)
    if opd is not None:
        try:
            rows = [ErkRollup.get(*keys.erk_rollup_key(year, quarter, opd))]
        except ErkRollup.DoesNotExist:
            rows = []
    else:
        rows = list(ErkRollup.query(keys.erk_rollup_pk(year, quarter)))
    minutes: dict[str, int] = defaultdict(int)
    for r in rows:
        for code, m in (r.minutes or {}).items():
            minutes[code] += int(m)
    subs = {n.code: n for n in store.level_nodes(period.period, "sub_activity", opd)}
    subs.update({n.code: n for n in store.batch_nodes(period.period, [c for c in minutes if c not in subs])})
    quarters = (
        store.batch_quarters(period.period, year, subs)
        if opd is not None
        else store.year_quarters(period.period, year)
    )
    nodes = list(subs.values())
    results = views.evaluate_nodes(nodes, quarters, year, quarter)
    items = []
    for n in sorted(nodes, key=lambda n: (-minutes.get(n.code, 0), n.code)):
        got = results[n.code]
        m = minutes.get(n.code, 0)
        items.append(
            SubActivityWork(
                code=n.code,
                name=n.name,
                owner=n.owner,
                minutes=m,
                person_hours=(Decimal(m) / 60).quantize(Decimal("0.01")),
                attainment=pct(got.attainment),
                absorption=pct(got.absorption),
                efficiency=pct(got.efficiency),
                flag=flag(m, got.attainment),
            )
        )
    return RollupOut(
        year=year,
        quarter=quarter,
        period=period.period,
        refreshed_at=max((r.refreshed_at for r in rows), default=None),
        minutes=sum(minutes.values()),
        unlinked_minutes=sum(int(r.unlinked_minutes or 0) for r in rows),
        unattributed_minutes=sum(int(r.unattributed_minutes or 0) for r in rows),
        items=items,
    )


def my_work(p: Principal, year: int) -> MyWorkOut:
    """Which of the region's targets the caller's approved work served in ``year``."""
    if p.nip is None:
        raise Forbidden("Token tidak memuat NIP.")
    period = common.period_of_year(year)
    per_sub: dict[str, int] = defaultdict(int)
    quarters: dict[str, set[int]] = defaultdict(set)
    for item in ErkEmployee.query(keys.erk_employee_pk(p.nip), ErkEmployee.sk.startswith(f"{year}#")):
        for code, m in (item.minutes or {}).items():
            per_sub[code] += int(m)
            quarters[code].add(int(item.quarter))
    known: dict[str, Node] = {}
    served = []
    for code in sorted(per_sub, key=lambda c: (-per_sub[c], c)):
        node = store.node_or_none(period.period, code)
        if node is None:
            continue
        path = store.ancestors(period.period, node, known)
        known.update({n.code: n for n in path})
        served.append(
            ServedTarget(
                sub_activity=code,
                name=node.name,
                minutes=per_sub[code],
                quarters=sorted(quarters[code]),
                path=[TargetStep(level=n.level, code=n.code, name=n.name) for n in path],
            )
        )
    return MyWorkOut(nip=p.nip, year=year, minutes=sum(per_sub.values()), served=served)
