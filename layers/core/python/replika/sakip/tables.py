"""Storage contract of e-SAKIP: one DynamoDB table (``SakipTable`` in region.yaml).

Every entity is a subclass of :class:`SakipItem` (keys ``pk``/``sk``, indexes ``gsi1``/``gsi2``);
the key formats are :mod:`replika.sakip.keys`. Decimal values (targets, realisations, weights)
are stored as decimal strings inside JSON attributes, never as binary floats.

Access patterns (no request path scans):
- the period's active key space ``<s>`` (its ``space``, set by an XLSX import's switch): GetItem
  ``PERIODS`` / ``<p>``; every node key below is in that space;
- one node: GetItem ``CASCADE#<s>`` / ``N#<code>``; the whole cascade of a period (export, the
  region's tree): Query ``CASCADE#<s>`` (a demo cascade of 600 nodes is a few pages);
- an import's staged revisions: Query ``IMPORT#<p>#<import>``;
- a node's children: Query gsi1 ``KIDS#<s>#<parent>``;
- every node of a level (strategic targets, OPD targets for the ranking), or of one OPD at a
  level: Query gsi2 ``LVL#<s>#<level>`` (``begins_with <owner>#``);
- a node's revisions: Query ``NREV#<p>#<code>`` (newest first);
- realisation: a node's quarters Query ``REAL#<p>#<year>`` ``begins_with <code>#``; one OPD's
  year Query gsi1 ``REALOPD#<p>#<year>#<owner>``; the region's year Query ``REAL#<p>#<year>``;
- reopenings of a quarter: Query ``REOPEN#<year>#Q<q>``; one OPD's: GetItem;
- agreements of a year: Query ``PK#<year>``; one: GetItem;
- an LKE with its criteria: Query ``LKE#<year>#<subject>`` (``begins_with C#``); its proposals
  (every one kept): ``begins_with P#`` (of a criterion: ``P#<criterion>#``); a subject's history Query gsi1
  ``LKESUBJ#<subject>``; a year's evaluations Query gsi2 ``LKEYEAR#<year>``;
- E-RK links of a period: Query ``ERKLINK#<p>``; the links of one sub-activity: Query gsi1;
- E-RK roll-ups of a quarter: Query ``ERKMIN#<year>#Q<q>`` (one item per OPD); an employee's:
  Query ``ERKEMP#<nip>``.

How far it scales: writes come from planners and OPD staff (tens per minute in a submission
window), far below DynamoDB's 1,000 WCU/s per partition; the busiest partition is a year's
realisation (``REAL#<p>#<year>``), about 2,500 nodes × 4 quarters in a region of 40 OPDs. Reads
of a whole cascade or a region's year happen on report routes and the nightly roll-up, not on
every request. Concurrent edits of one item are conditional on its ``version`` (a lost race is
a 409).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.audit import JSONValueAttribute
from replika.core.runtime import register_table
from replika.core.tables import OverloadedItem, all_index, table_meta


class SakipItem(OverloadedItem):
    Meta = table_meta("SAKIP_TABLE", "replika-sakip")
    gsi1: GlobalSecondaryIndex[SakipItem] = all_index("gsi1pk", "gsi1sk")
    gsi2: GlobalSecondaryIndex[SakipItem] = all_index("gsi2pk", "gsi2sk")


class Period(SakipItem):
    period = UnicodeAttribute()  # "2025-2029"
    start_year = NumberAttribute()
    end_year = NumberAttribute()
    name = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # the key space of the active cascade (``<p>@<import>`` once an XLSX import switched it; absent:
    # ``<p>``), the import holding the period (with its lease) and the one whose revisions are
    # still being recorded after its switch (:mod:`replika.sakip.cascade_import`)
    space = UnicodeAttribute(null=True)
    importing = UnicodeAttribute(null=True)
    importing_file = UnicodeAttribute(null=True)  # digest of the file (a rerun may take over)
    importing_until = UnicodeAttribute(null=True)
    finishing = UnicodeAttribute(null=True)


class Node(SakipItem):
    period = UnicodeAttribute()
    code = UnicodeAttribute()
    level = UnicodeAttribute()
    parent = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    owner = UnicodeAttribute()  # an OPD code, or "pemda" for the region's levels
    weight = UnicodeAttribute(null=True)  # decimal string, relative to the siblings
    order = NumberAttribute(default=0)
    indicators = (
        JSONValueAttribute()
    )  # [{id, name, unit, polarity, aggregation, source, baseline, targets, weight}]
    pagu = JSONValueAttribute(null=True)  # {"2026": 1500000000, ...}
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    version = VersionAttribute()


class NodeRevision(SakipItem):
    period = UnicodeAttribute()
    code = UnicodeAttribute()
    version = NumberAttribute()
    action = UnicodeAttribute()  # create | update | delete
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    revision_years = JSONValueAttribute(null=True)  # the years whose signed agreement it revises
    before = JSONValueAttribute(null=True)
    after = JSONValueAttribute(null=True)


class Realisation(SakipItem):
    period = UnicodeAttribute()
    year = NumberAttribute()
    quarter = NumberAttribute()
    code = UnicodeAttribute()
    owner = UnicodeAttribute()
    values = JSONValueAttribute()  # {indicator id: {"value": "12.5", "note": str | None}}
    budget_realised = NumberAttribute(null=True)  # rupiah spent in this quarter
    evidence = JSONValueAttribute(null=True)  # [{key, name, content_type, by, at}]
    late = BooleanAttribute(default=False)  # written while the quarter was reopened
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    version = VersionAttribute()


class Reopening(SakipItem):
    year = NumberAttribute()
    quarter = NumberAttribute()
    owner = UnicodeAttribute()
    until = UnicodeAttribute()  # local date, inclusive
    reason = UnicodeAttribute()
    by = UnicodeAttribute()
    at = UnicodeAttribute()


class Agreement(SakipItem):
    year = NumberAttribute()
    owner = UnicodeAttribute()
    period = UnicodeAttribute()
    number = UnicodeAttribute()  # the document's verifiable number
    status = UnicodeAttribute()  # draft | signed
    snapshot = JSONValueAttribute()  # what was agreed: targets, indicators, programmes and ceilings
    digest = UnicodeAttribute()  # sha256 of the snapshot's canonical JSON, printed on the PDF
    pdf_key = UnicodeAttribute(null=True)
    signed_key = UnicodeAttribute(null=True)
    signed_by = UnicodeAttribute(null=True)
    signed_at = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    version = VersionAttribute()


class Evaluation(SakipItem):
    year = NumberAttribute()
    subject = UnicodeAttribute()
    status = UnicodeAttribute()  # open | final | published
    sheet = JSONValueAttribute()  # the LKE sheet as it was when the evaluation opened
    score = UnicodeAttribute(null=True)  # two decimals, set when final
    grade = UnicodeAttribute(null=True)
    opened_by = UnicodeAttribute()
    opened_at = UnicodeAttribute()
    finalised_by = UnicodeAttribute(null=True)
    finalised_at = UnicodeAttribute(null=True)
    published_at = UnicodeAttribute(null=True)
    version = VersionAttribute()


class CriterionAnswer(SakipItem):
    year = NumberAttribute()
    subject = UnicodeAttribute()
    criterion = UnicodeAttribute()
    proposed = UnicodeAttribute(null=True)  # the evaluator's answer
    proposed_note = UnicodeAttribute(null=True)
    proposed_by = UnicodeAttribute(null=True)
    proposed_at = UnicodeAttribute(null=True)
    final = UnicodeAttribute(null=True)  # the team lead's answer
    final_note = UnicodeAttribute(null=True)
    final_by = UnicodeAttribute(null=True)
    final_at = UnicodeAttribute(null=True)
    evidence = JSONValueAttribute(null=True)  # [{id, url, label, by, at, status, history: [...]}]
    version = VersionAttribute()


class Proposal(SakipItem):
    """One evaluator's proposal on a criterion, kept for good (``P#<criterion>#<version>``)."""

    year = NumberAttribute()
    subject = UnicodeAttribute()
    criterion = UnicodeAttribute()
    answer = UnicodeAttribute()
    evidence = JSONValueAttribute(null=True)  # [{id, status}] of the criterion's links at that time
    note = UnicodeAttribute(null=True)
    by = UnicodeAttribute()
    at = UnicodeAttribute()


class ErkLink(SakipItem):
    period = UnicodeAttribute()
    activity = UnicodeAttribute()
    opd = UnicodeAttribute()  # an OPD code, or "*" for every OPD without a link of its own
    sub_activity = UnicodeAttribute()
    activity_name = UnicodeAttribute(null=True)
    by = UnicodeAttribute()
    at = UnicodeAttribute()


class ErkRollup(SakipItem):
    year = NumberAttribute()
    quarter = NumberAttribute()
    opd = UnicodeAttribute()
    minutes = JSONValueAttribute()  # {sub-activity code: approved minutes}
    unlinked_minutes = NumberAttribute(default=0)  # approved minutes of activities with no link
    unattributed_minutes = NumberAttribute(default=0)  # month totals with no log entries behind them
    employees = NumberAttribute(default=0)
    entries = NumberAttribute(default=0)
    refreshed_at = UnicodeAttribute()


class ErkEmployee(SakipItem):
    nip = UnicodeAttribute()
    year = NumberAttribute()
    quarter = NumberAttribute()
    opd = UnicodeAttribute()
    minutes = JSONValueAttribute()  # {sub-activity code: approved minutes}
    refreshed_at = UnicodeAttribute()


MODELS: tuple[type[SakipItem], ...] = (
    SakipItem,
    Period,
    Node,
    NodeRevision,
    Realisation,
    Reopening,
    Agreement,
    Evaluation,
    CriterionAnswer,
    Proposal,
    ErkLink,
    ErkRollup,
    ErkEmployee,
)
for _model in MODELS:
    register_table(_model, "SAKIP_TABLE")
