"""Staff views: duplicate matches, queues, the dashboard, the auditors' export, and the 11 January
job that marks overdue LPJs and tells the technical OPDs through SNS."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from replika.core import audit, runtime, storage
from replika.core.auth import Principal, Role
from replika.core.errors import Forbidden
from replika.core.observability import get_logger
from replika.core.runtime import require
from replika.core.tabular import safe_cell
from replika.sabilulungan import store
from replika.sabilulungan.models import (
    BudgetOut,
    DashboardOut,
    MatchesOut,
    MatchOut,
    OverdueOut,
    ProposalPage,
    ProposalSummary,
    QueueQuery,
    ReminderOut,
)
from replika.sabilulungan.rules import lpj
from replika.sabilulungan.rules.flow import ALLOCATED, Action, Actor, State, step_actor, transition
from replika.sabilulungan.rules.matcher import (
    Candidate,
    Match,
    blocking_grants,
    find_matches,
    identity_digests,
)
from replika.sabilulungan.service import common
from replika.sabilulungan.store import ProposalDoc

_log = get_logger("sabilulungan")

#: states whose earlier grant counts for "not every year, not twice" (DNC: already allocated)
COUNTED = frozenset(s.value for s in ALLOCATED)


def _candidate(data: dict[str, Any]) -> Candidate:
    return Candidate(
        ref=data["ref"],
        name=data["name"],
        address=data["address"],
        digests=identity_digests(dict(data["digests"]), dict(data.get("digest_history") or {})),
        year=int(data["year"]),
        number=data.get("number"),
        state=data["state"],
        amount=int(data.get("amount") or 0),
        opd=data.get("opd", ""),
    )


def _subject(doc: ProposalDoc) -> Candidate:
    return Candidate(
        ref=doc.id,
        name=doc.match_name,
        address=doc.match_address,
        digests=identity_digests(doc.digests, doc.digest_history),
        year=doc.year,
        number=doc.number,
        state=doc.state,
    )


def candidates(doc: ProposalDoc) -> tuple[list[Candidate], bool]:
    """The other proposals of the blocked years before and after ``doc``'s budget year and of the
    year itself, every OPD; at most ``store.MATCH_CAP`` a year (the flag: some were left unread)."""
    span = max(common.policy().blocked_consecutive_years, 1)
    found: list[Candidate] = []
    truncated = False
    for year in range(doc.year - span, doc.year + span + 1):
        entries, cut = store.match_candidates(year)
        found += [_candidate(d) for d in entries if d["ref"] != doc.id]
        truncated = truncated or cut
    if truncated:
        _log.warning(
            "sabilulungan matcher candidates capped", extra={"year": doc.year, "cap": store.MATCH_CAP}
        )
    return found, truncated


def matches_of(doc: ProposalDoc, *, exact_only: bool = False) -> list[Match]:
    """Other proposals of the same recipient (:func:`candidates`). ``exact_only``: identifiers
    only (the eligibility check)."""
    pol = common.policy()
    others, _ = candidates(doc)
    found = find_matches(_subject(doc), others, pol.name_threshold, pol.address_threshold)
    return [m for m in found if set(m.reasons) - {"name_address"}] if exact_only else found


def blocking_matches(doc: ProposalDoc) -> list[Match]:
    pol = common.policy()
    return blocking_grants(matches_of(doc), doc.year, pol.blocked_consecutive_years, COUNTED)


def matches(principal: Principal, proposal_id: str) -> MatchesOut:
    doc = store.get_proposal(proposal_id)
    common.require_visible(principal, doc)
    pol = common.policy()
    others, truncated = candidates(doc)
    found = find_matches(_subject(doc), others, pol.name_threshold, pol.address_threshold)
    blocking = {m.other.ref for m in blocking_grants(found, doc.year, pol.blocked_consecutive_years, COUNTED)}
    return MatchesOut(
        matches=[
            MatchOut(
                proposal_id=m.other.ref,
                number=m.other.number,
                year=m.other.year,
                state=m.other.state,
                opd=m.other.opd,
                amount=m.other.amount,
                reasons=list(m.reasons),
                name_score=str(m.name_score),
                address_score=str(m.address_score),
                blocks_approval=m.other.ref in blocking,
            )
            for m in found
        ],
        blocked=bool(blocking),
        truncated=truncated,
    )


def _summary(doc: ProposalDoc) -> ProposalSummary:
    return ProposalSummary.model_validate(doc.model_dump(include=set(ProposalSummary.model_fields)))


def queue(principal: Principal, query: QueueQuery) -> ProposalPage:
    """The proposals waiting for the caller's step. OPD steps are per OPD: a pegawai sees their own
    OPD's queue (TU staff the administrative check); region-wide roles may name an OPD."""
    state = State(query.state)
    actor = step_actor(state)
    opd = None
    if actor is Actor.OPD:
        opd = query.opd if principal.has_any(common.REGION_WIDE) and query.opd else principal.opd
        if not opd:
            raise Forbidden("Antrean OPD teknis: sebutkan OPD.", code="opd_required")
    allowed = (
        principal.has_any(common.REGION_WIDE)
        or (actor is Actor.OPD and principal.opd == opd)
        or (actor is Actor.TU and principal.opd == common.policy().tu_opd)
        or (actor is Actor.OWNER and principal.has_any({Role.PEGAWAI}))
    )
    if not allowed:
        raise Forbidden("Antrean ini bukan untuk peran Anda.", code="not_your_queue")
    docs, nxt = store.queue(state.value, opd, query.limit, query.cursor)
    if actor is Actor.OWNER and not principal.has_any(common.REGION_WIDE):
        # the recipients' steps (LPJ due / overdue) are region-wide queues: an OPD sees only the
        # proposals it entered (individual bansos) or is the technical OPD of, never the others'
        # recipients (a page may then hold fewer items; the cursor still goes on)
        mine = common.owner_of(principal)
        docs = [d for d in docs if d.owner == mine or d.opd == principal.opd]
    return ProposalPage(items=[_summary(d) for d in docs], next_cursor=nxt)


def mine(principal: Principal, limit: int, cursor: str | None) -> ProposalPage:
    docs, nxt = store.owned(common.owner_of(principal), limit, cursor)
    return ProposalPage(items=[_summary(d) for d in docs], next_cursor=nxt)


def budget_out(year: int) -> BudgetOut:
    item = store.budget(year)
    if item is None:
        return BudgetOut(
            year=year, ceiling=None, allocated=0, disbursed=0, recipients_paid=0, recipients_reported=0
        )
    return BudgetOut(
        year=year,
        ceiling=int(item.ceiling) if item.ceiling is not None else None,
        allocated=int(item.allocated or 0),
        disbursed=int(item.disbursed or 0),
        recipients_paid=int(item.recipients_paid or 0),
        recipients_reported=int(item.recipients_reported or 0),
    )


def set_ceiling(principal: Principal, year: int, ceiling: int, request_id: str | None) -> BudgetOut:
    """TAPD sets the year's ceiling: the conditional update (never below what is allocated) and
    its audit record in one transaction, so neither is written without the other."""
    from pynamodb.exceptions import TransactWriteError

    from replika.sabilulungan.rules.amounts import check_new_ceiling

    before = budget_out(year)
    check_new_ceiling(year, ceiling, before.allocated)
    try:
        audit.write_with_audit(
            "sabilulungan/budget",
            lambda tx: store.set_ceiling(tx, year, ceiling),
            actor=principal.actor,
            action="sabilulungan.ceiling_set",
            subject=f"sabilulungan-budget#{year}",
            before=before.model_dump(),
            after={"ceiling": ceiling},
            request_id=request_id,
        )
    except TransactWriteError:
        check_new_ceiling(year, ceiling, budget_out(year).allocated)  # the clear 409
        raise
    return budget_out(year)


def dashboard(year: int) -> DashboardOut:
    by_state: Counter[str] = Counter()
    by_opd: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    overdue = []
    for d in store.match_entries(year):
        by_state[d["state"]] += 1
        if d["state"] in COUNTED:
            by_opd[d["opd"]] += int(d["amount"])
            by_kind[d["kind"]] += int(d["amount"])
        if d["state"] == State.LPJ_OVERDUE.value:
            overdue.append(str(d["number"]))
    return DashboardOut(
        year=year,
        budget=budget_out(year),
        by_state=dict(by_state),
        amounts_by_opd=dict(by_opd),
        amounts_by_kind=dict(by_kind),
        overdue_lpj=sorted(overdue),
    )


def export_xlsx(year: int) -> str:
    """The year's proposals for auditors (BPK/Inspektorat) as XLSX; returns a 5-minute link."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"Sabilulungan {year}")
    ws.append(["nomor", "jenis", "opd", "status", "pemohon", "nilai", "dicairkan", "dicairkan_pada"])
    for d in sorted(store.match_entries(year), key=lambda x: str(x.get("number"))):
        ws.append(
            [
                safe_cell(v)
                for v in (
                    d.get("number"),
                    d.get("kind"),
                    d.get("opd"),
                    d["state"],
                    d.get("applicant_name"),
                    int(d.get("amount") or 0),
                    int(d.get("disbursed") or 0),
                    d.get("disbursed_at"),
                )
            ]
        )
    import io

    buf = io.BytesIO()
    wb.save(buf)
    key = f"sabilulungan/exports/{year}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.xlsx"
    storage.put_bytes(
        key, buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return storage.presign_download(key, filename=f"sabilulungan-{year}.xlsx")


def _due(entry: dict[str, Any], tz: str, month_day: str) -> date:
    """The LPJ due date of a match entry: the one set at disbursement (from the SP2D date), or for
    entries written before it was kept there, from the time the disbursement was recorded."""
    if entry.get("lpj_due"):
        return date.fromisoformat(str(entry["lpj_due"]))
    at = datetime.fromisoformat(str(entry["disbursed_at"]).replace("Z", "+00:00"))
    return lpj.due_date(at, tz, month_day)


def _due_entries(now: datetime, is_due: Callable[[date, datetime, str], bool]) -> Iterator[ProposalDoc]:
    """The disbursed proposals (LPJ not submitted) of the last four budget years whose LPJ deadline
    ``is_due`` at ``now`` (region time)."""
    reg = common.region()
    local_year = now.astimezone(ZoneInfo(reg.timezone)).year
    for year in range(local_year - 3, local_year + 1):
        for d in list(store.match_entries(year)):
            if d["state"] != State.DISBURSED.value or not d.get("disbursed_at"):
                continue
            if is_due(_due(d, reg.timezone, reg.sabilulungan.lpj_due_month_day), now, reg.timezone):
                yield store.get_proposal(d["ref"])


def remind_lpj_due(now: datetime | None = None) -> ReminderOut:
    """E-mail each recipient whose LPJ falls due within the next two weeks (region date) and who has
    not submitted it: the schedule runs on 3 January, a week before the 10 January deadline."""
    reminded = []
    for doc in _due_entries(now or datetime.now(UTC), lpj.remind_on):
        common.notify(doc, "lpj_due", f"LPJ paling lambat {doc.lpj_due}; unggah melalui Sabilulungan.")
        reminded.append(str(doc.number))
    return ReminderOut(reminded=sorted(reminded))


def mark_overdue(now: datetime | None = None, request_id: str | None = None) -> OverdueOut:
    """Mark every disbursed proposal whose LPJ deadline has passed (region time) ``lpj_overdue``,
    e-mail the recipient and publish one SNS message per technical OPD (numbers only). Runs on
    11 January; idempotent, so running it again (or later) marks only what is still unmarked."""
    marked: dict[str, list[str]] = defaultdict(list)
    for doc in _due_entries(now or datetime.now(UTC), lpj.is_past_due):
        step = transition(State(doc.state), Actor.SYSTEM, Action.MARK_OVERDUE)
        before = doc.model_copy(deep=True)
        doc.state = step.after.value
        doc.stages = [*doc.stages, store.Stage(state=doc.state, at=common.now_iso())]
        common.commit(
            doc,
            before,
            actor="system:sabilulungan-lpj-overdue",
            action="lpj_overdue",
            request_id=request_id,
        )
        common.notify(doc, "lpj_overdue", f"LPJ jatuh tempo {doc.lpj_due} belum diterima.")
        marked[doc.opd].append(str(doc.number))
    if marked:
        topic = require(runtime.current().settings.sabilulungan_topic_arn, "SABILULUNGAN_TOPIC_ARN")
        sns = runtime.current().client("sns")
        for opd, numbers in sorted(marked.items()):
            sns.publish(
                TopicArn=topic,
                Subject="LPJ hibah/bansos terlambat",
                Message=json.dumps({"opd": opd, "overdue": sorted(numbers)}),
                MessageAttributes={"opd": {"DataType": "String", "StringValue": opd}},
            )
    return OverdueOut(marked=sorted(n for ns in marked.values() for n in ns))
