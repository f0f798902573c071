"""Repositories of Sabilulungan: load and conditional writes, nothing else (no rules, no HTTP).

A proposal is one item (``PROPOSAL#id``/``META``) holding a :class:`ProposalDoc`; every write of
it also rewrites its derived items in the same transaction: the public projection
(``NUMBER#n``/``PUBLIC``, nothing personal) and the matcher entry (``MATCH#year``). Writes are
conditional on the version read (``version = :v``, or not existing when created).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import Field, model_validator
from pynamodb.transactions import TransactWrite

from replika.core.errors import NotFound
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.schema import Schema
from replika.sabilulungan import keys
from replika.sabilulungan.rules.flow import FINAL, GRANTED, State
from replika.sabilulungan.tables import SabItem


class Stage(Schema):
    state: str
    at: str


class SiteVisit(Schema):
    """The technical OPD's site visit (berita acara kunjungan lapangan): staff only, never public."""

    number: str | None = None  # the berita acara's number
    visited_on: date | None = None
    officer: str | None = None  # who recorded it (the audit's actor format)
    report_key: str | None = None  # the signed berita acara (PDF/scan) in S3
    photos: list[str] = Field(default_factory=list)  # S3 keys of the photos


class ProposalDoc(Schema):
    """The stored proposal. ``private`` holds what only staff and the owner see (an individual's
    address); a NIK is never here, only its digest in ``digests``."""

    id: str
    number: str | None = None
    kind: str
    year: int
    opd: str  # the technical OPD: the applicant's suggestion until the head of region assigns it
    suggested_opd: str | None = None
    opd_assigned: bool = False  # assigned at the head of region's disposition (see _assigned_before)
    owner: str  # "sub:<cognito sub>" (organisation) or "opd:<code>" (individual bansos)
    contact: str | None = None  # the applicant's e-mail (notifications), never published
    state: str = State.DRAFT.value
    returned_from: str | None = None
    title: str
    purpose: str
    activity_plan: str
    applicant_name: str
    public_name: str  # organisation name, or an individual's initials
    kelurahan: str
    kecamatan: str
    private: dict[str, Any] = Field(default_factory=dict)
    digests: dict[str, str] = Field(default_factory=dict)
    #: digests of identities the proposal carried before (profile changes): still matched
    digest_history: dict[str, list[str]] = Field(default_factory=dict)
    match_name: str = ""
    match_address: str = ""
    rab: list[dict[str, Any]]
    requested: int
    recommended: int | None = None
    set_amount: int | None = None
    set_reason: str | None = None
    approved: int | None = None
    disbursed: int | None = None
    sp2d_number: str | None = None
    sp2d_date: date | None = None
    disbursed_at: str | None = None
    lpj_due: date | None = None
    documents: dict[str, str] = Field(default_factory=dict)  # code -> S3 key
    nphd_key: str | None = None
    nphd_number: str | None = None
    nphd_signed_key: str | None = None
    lpj_key: str | None = None
    revisions: list[dict[str, Any]] = Field(default_factory=list)  # no, reason, by, at, rab, rab_total
    rab_original: list[dict[str, Any]] | None = None  # the RAB as submitted, once revised
    site_visit: SiteVisit = Field(default_factory=SiteVisit)
    #: separation of duties: step (``rules.duties.Duty``) -> the persons who acted at it
    acted: dict[str, list[str]] = Field(default_factory=dict)
    evaluation: dict[str, Any] | None = None
    override_reason: str | None = None
    last_note: str | None = None
    stages: list[Stage] = Field(default_factory=list)
    created_at: str
    changed_at: str
    version: int = 0

    @model_validator(mode="before")
    @classmethod
    def _assigned_before(cls, data: Any) -> Any:
        """A proposal stored before the disposition assigned the OPD (no ``opd_assigned``) that
        went past the disposition keeps its OPD as assigned."""
        if isinstance(data, dict) and "opd_assigned" not in data:
            states = [s.get("state") if isinstance(s, dict) else s.state for s in data.get("stages") or []]
            return {**data, "opd_assigned": State.PERTIMBANGAN.value in states}
        return data


def lpj_status(state: str) -> str:
    return {
        State.DISBURSED.value: "belum-jatuh-tempo",
        State.LPJ_SUBMITTED.value: "diserahkan",
        State.LPJ_OVERDUE.value: "terlambat",
        State.COMPLETED.value: "diterima",
    }.get(state, "-")


def public_view(doc: ProposalDoc) -> dict[str, Any]:
    """What the public may see of a proposal: no NIK, bank account or personal address."""
    return {
        "number": doc.number,
        "kind": doc.kind,
        "year": doc.year,
        "stage": doc.state,
        "stages": [s.model_dump() for s in doc.stages],
        "recipient": {
            "proposal_number": doc.number,
            "name": doc.public_name,
            "kelurahan": doc.kelurahan,
            "kecamatan": doc.kecamatan,
            "type": doc.kind,
            "purpose": doc.purpose,
            "amount_approved": doc.approved or 0,
            "amount_disbursed": doc.disbursed or 0,
            "lpj_status": lpj_status(doc.state),
        },
    }


# -- proposals ----------------------------------------------------------------------------------


def _proposal_item(doc: ProposalDoc) -> SabItem:
    from replika.sabilulungan.rules.flow import step_actor

    waiting = step_actor(State(doc.state))
    opd_scoped = waiting is not None and waiting.value == "opd"
    item = SabItem(
        keys.proposal_pk(doc.id),
        keys.META,
        kind="proposal",
        data=doc.model_dump(mode="json"),
        state=doc.state,
        year=doc.year,
        version=doc.version,
        gsi2pk=keys.owner_pk(doc.owner),
        gsi2sk=f"{doc.created_at}#{doc.id}",
    )
    if doc.state not in {State.DRAFT.value, State.RETURNED.value, *(s.value for s in FINAL)}:
        item.gsi1pk = keys.queue_pk(doc.state, doc.opd if opd_scoped else None)
        item.gsi1sk = f"{doc.changed_at}#{doc.id}"
    return item


def _public_item(doc: ProposalDoc) -> SabItem:
    item = SabItem(keys.number_pk(str(doc.number)), keys.PUBLIC, kind="public", data=public_view(doc))
    if doc.state in {s.value for s in GRANTED}:
        item.gsi1pk = keys.recipients_pk(doc.year)
        item.gsi1sk = str(doc.number)
    return item


def _match_item(doc: ProposalDoc) -> SabItem:
    data = {
        "ref": doc.id,
        "name": doc.match_name,
        "address": doc.match_address,
        "digests": doc.digests,
        "digest_history": doc.digest_history,
        "year": doc.year,
        "number": doc.number,
        "state": doc.state,
        "amount": doc.approved or doc.set_amount or doc.requested,
        "opd": doc.opd,
        "kind": doc.kind,
        "owner": doc.owner,
        "disbursed_at": doc.disbursed_at,
        "lpj_due": doc.lpj_due.isoformat() if doc.lpj_due else None,
        "disbursed": doc.disbursed or 0,
        "applicant_name": doc.applicant_name,
    }
    return SabItem(keys.match_pk(doc.year), doc.id, kind="match", data=data, state=doc.state, year=doc.year)


def get_proposal(proposal_id: str) -> ProposalDoc:
    if not keys.ID_RE.match(proposal_id):
        raise NotFound("Usulan tidak ditemukan.")
    try:
        item = SabItem.get(keys.proposal_pk(proposal_id), keys.META, consistent_read=True)
    except SabItem.DoesNotExist:
        raise NotFound("Usulan tidak ditemukan.") from None
    return ProposalDoc.model_validate(item.data)


def save_proposal(tx: TransactWrite, doc: ProposalDoc, expected_version: int | None) -> None:
    """Add the proposal (at ``doc.version``) and its derived items to ``tx``; the proposal's write
    is conditional on ``expected_version`` (``None``: it must not exist yet)."""
    item = _proposal_item(doc)
    if expected_version is None:
        tx.save(item, condition=SabItem.pk.does_not_exist())
    else:
        tx.save(item, condition=SabItem.version == expected_version)
    if doc.number:
        tx.save(_public_item(doc))
        tx.save(_match_item(doc))


def _page(results: Any, scope: str) -> tuple[list[SabItem], str | None]:
    items = list(results)
    return items, encode_cursor(results.last_evaluated_key, scope=scope)


def queue(
    state: str, opd: str | None, limit: int, cursor: str | None
) -> tuple[list[ProposalDoc], str | None]:
    pk = keys.queue_pk(state, opd)
    scope = f"sabilulungan:queue:{pk}"
    results = SabItem.gsi1.query(pk, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    items, nxt = _page(results, scope)
    return [ProposalDoc.model_validate(i.data) for i in items], nxt


def owned(owner: str, limit: int, cursor: str | None) -> tuple[list[ProposalDoc], str | None]:
    pk = keys.owner_pk(owner)
    scope = f"sabilulungan:owned:{pk}"
    results = SabItem.gsi2.query(
        pk, limit=limit, scan_index_forward=False, last_evaluated_key=decode_cursor(cursor, scope=scope)
    )
    items, nxt = _page(results, scope)
    return [ProposalDoc.model_validate(i.data) for i in items], nxt


def owned_all(owner: str) -> Iterator[ProposalDoc]:
    for item in SabItem.gsi2.query(keys.owner_pk(owner)):
        yield ProposalDoc.model_validate(item.data)


# -- derived / public -----------------------------------------------------------------------------


def public_proposal(number: str) -> dict[str, Any]:
    if not keys.NUMBER_RE.match(number):
        raise NotFound("Nomor usulan tidak ditemukan.")
    try:
        item = SabItem.get(keys.number_pk(number), keys.PUBLIC)
    except SabItem.DoesNotExist:
        raise NotFound("Nomor usulan tidak ditemukan.") from None
    return dict(item.data)


def recipients(year: int, limit: int | None, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    scope = f"sabilulungan:recipients:{year}"
    results = SabItem.gsi1.query(
        keys.recipients_pk(year), limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)
    )
    items = [dict(i.data["recipient"]) for i in results]
    return items, encode_cursor(results.last_evaluated_key, scope=scope) if limit else None


def match_entries(year: int) -> Iterator[dict[str, Any]]:
    """Every matcher entry of a budget year (the yearly jobs, dashboard and export: all of it)."""
    for item in SabItem.query(keys.match_pk(year)):
        yield dict(item.data)


#: The matcher's reads: pages of ``MATCH_PAGE`` items, at most ``MATCH_CAP`` candidates per budget
#: year (a region's proposals of a year: Bandung has a few thousand). Past the cap the matcher says
#: ``truncated`` (the staff's matches view shows it; a warning is logged).
MATCH_PAGE = 200
MATCH_CAP = 5000


def match_candidates(
    year: int, cap: int | None = None, page: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``cap`` (:data:`MATCH_CAP`) matcher entries of ``year``, read with ``Limit=page``
    (:data:`MATCH_PAGE`) page by page; the flag says whether entries were left unread."""
    cap = MATCH_CAP if cap is None else cap
    page = MATCH_PAGE if page is None else page
    found: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    while True:
        results = SabItem.query(
            keys.match_pk(year), limit=min(page, cap - len(found)), last_evaluated_key=last
        )
        found.extend(dict(i.data) for i in results)
        last = results.last_evaluated_key
        if last is None:
            return found, False
        if len(found) >= cap:
            return found, True


# -- applicants -----------------------------------------------------------------------------------


def get_profile(subject: str) -> tuple[dict[str, Any], int] | None:
    try:
        item = SabItem.get(keys.applicant_pk(subject), keys.PROFILE, consistent_read=True)
    except SabItem.DoesNotExist:
        return None
    return dict(item.data), int(item.version or 0)


def save_profile(
    tx: TransactWrite, subject: str, data: dict[str, Any], version: int, expected: int | None
) -> None:
    item = SabItem(keys.applicant_pk(subject), keys.PROFILE, kind="applicant", data=data, version=version)
    if expected is None:
        tx.save(item, condition=SabItem.pk.does_not_exist())
    else:
        tx.save(item, condition=SabItem.version == expected)


# -- budget years and counters --------------------------------------------------------------------


def budget(year: int) -> SabItem | None:
    try:
        return SabItem.get(keys.BUDGET, keys.budget_sk(year), consistent_read=True)
    except SabItem.DoesNotExist:
        return None


def budgets() -> list[SabItem]:
    return list(SabItem.query(keys.BUDGET))


def set_ceiling(tx: TransactWrite, year: int, ceiling: int) -> None:
    """Create the year's budget item or change its ceiling, never below what is allocated (in the
    caller's transaction, with its audit record)."""
    tx.update(
        SabItem(keys.BUDGET, keys.budget_sk(year)),
        actions=[
            SabItem.kind.set("budget"),
            SabItem.year.set(year),
            SabItem.ceiling.set(ceiling),
            SabItem.allocated.set(SabItem.allocated | 0),
            SabItem.disbursed.set(SabItem.disbursed | 0),
            SabItem.recipients_paid.set(SabItem.recipients_paid | 0),
            SabItem.recipients_reported.set(SabItem.recipients_reported | 0),
        ],
        condition=SabItem.allocated.does_not_exist() | (SabItem.allocated <= ceiling),
    )


def allocate(tx: TransactWrite, year: int, ceiling: int, amount: int) -> None:
    """``ADD allocated :amount`` only if the ceiling is still the one read and the sum stays within
    it: two TAPD decisions racing for the last rupiah cannot both win (one transaction fails)."""
    tx.update(
        SabItem(keys.BUDGET, keys.budget_sk(year)),
        actions=[SabItem.allocated.add(amount)],
        condition=(SabItem.ceiling == ceiling) & (SabItem.allocated <= ceiling - amount),
    )


def add_to_budget(tx: TransactWrite, year: int, **deltas: int) -> None:
    """Unconditional ``ADD`` of counters (released allocation, disbursed, recipients)."""
    attrs = {
        "allocated": SabItem.allocated,
        "disbursed": SabItem.disbursed,
        "recipients_paid": SabItem.recipients_paid,
        "recipients_reported": SabItem.recipients_reported,
    }
    tx.update(
        SabItem(keys.BUDGET, keys.budget_sk(year)),
        actions=[attrs[k].add(v) for k, v in deltas.items()],
        condition=SabItem.pk.exists(),
    )


def next_number(kind: str, year: int) -> int:
    """The next sequence of a (kind, year): an atomic ``ADD`` (no read-modify-write race). A number
    taken by a submission whose transaction then fails stays unused (a gap, never a duplicate)."""
    item = SabItem(keys.COUNTER, keys.counter_sk(kind, year))
    item.update(actions=[SabItem.seq.add(1), SabItem.kind.set("counter")])
    return int(item.seq or 0)
