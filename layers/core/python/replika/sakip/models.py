"""API contract of e-SAKIP (pydantic request / response models): periods, the cascade, realisation,
attainment, performance agreements, reports, the E-RK link and the public summary. The LKE's
models are :mod:`replika.sakip.lke_models`.

Numbers that are not money (targets, realisations, attainment) travel as decimal strings in
responses (``"98.50"``) and are accepted as JSON integers or decimal strings with at most 4 places
(:mod:`replika.sakip.wire`): exact, never binary floats.
Money is whole rupiah (``int``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from replika.core.pagination import Page, PageQuery, cursor_field
from replika.core.schema import Schema
from replika.core.schema import UploadIn as UploadIn
from replika.core.schema import UploadOut as UploadOut  # the shared presigned-upload answer
from replika.sakip.rules.attainment import Aggregation, Polarity
from replika.sakip.rules.cascade import Level, parent_level, structure_problems
from replika.sakip.rules.quarters import QuarterState
from replika.sakip.wire import NODE_SHAPE, NonNegative, Num, Weight, text

PERIOD = r"^20[0-9]{2}-20[0-9]{2}$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"
OWNER = r"^(pemda|[0-9A-Za-z][0-9A-Za-z.-]{0,29})$"
OPD = r"^[0-9A-Za-z][0-9A-Za-z.-]{0,29}$"
INDICATOR = r"^[A-Za-z0-9._-]{1,20}$"
ACTIVITY = r"^[A-Za-z0-9._-]{1,40}$"
YEAR_MIN, YEAR_MAX = 2000, 2100

Rupiah = Annotated[int, Field(ge=0, le=10**15)]
#: the keys of a per-year map are years YYYY (the validators check; the document says so)
YEAR_KEYS: dict[str, Any] = {"propertyNames": {"pattern": "^[0-9]{4}$"}}
#: what a realisation's evidence may be (``realisation.EVIDENCE_TYPES``; 415 otherwise)
EVIDENCE_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Quarter = Annotated[int, Field(ge=1, le=4)]


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- planning periods -----------------------------------------------------------------------------
class PeriodIn(_In):
    start_year: Year = Field(description="first year of the five-year plan (RPJMD)")
    name: str = text(3, 200, description="e.g. RPJMD 2025-2029")


class PeriodOut(Schema):
    period: str
    start_year: int
    end_year: int
    years: list[int]
    name: str


class PeriodList(Schema):
    items: list[PeriodOut]


# -- the cascade ----------------------------------------------------------------------------------
class IndicatorIn(_In):
    id: str = Field(pattern=INDICATOR)
    name: str = text(3, 300)
    unit: str = text(1, 40)
    polarity: Polarity = "higher"
    aggregation: Aggregation = Field("last", description="how quarters add up to the year")
    source: str | None = Field(None, max_length=200, description="sumber data")
    baseline: Num | None = Field(None, description="kondisi awal")
    targets: dict[str, NonNegative] = Field(
        description="target per year of the period: {'2026': 80}", json_schema_extra=YEAR_KEYS
    )
    weight: Weight | None = Field(None, description="relative to the node's other indicators (equal if none)")

    @field_validator("targets")
    @classmethod
    def _years(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        for key in v:
            if not (key.isascii() and key.isdigit() and len(key) == 4):
                raise ValueError("kunci target harus tahun YYYY")
        return v


#: an indicator's id is unique within its node (``x-unique-by``: a rule no JSON Schema states)
UNIQUE_INDICATORS: dict[str, Any] = {"x-unique-by": {"indicators": "id"}}


class _NodeFields(_In):
    model_config = ConfigDict(json_schema_extra=UNIQUE_INDICATORS)

    name: str = text(3, 500)
    parent: str | None = Field(None, pattern=CODE)
    weight: Weight | None = Field(None, description="relative to its siblings (equal if none)")
    order: int = Field(0, ge=0, le=999_999)
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=20)
    pagu: dict[str, Rupiah] | None = Field(
        None, description="budget ceiling per year (programme and below)", json_schema_extra=YEAR_KEYS
    )

    @model_validator(mode="after")
    def _unique_indicators(self) -> _NodeFields:
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("id indikator harus unik dalam satu node")
        for key in self.pagu or {}:
            if not (key.isascii() and key.isdigit() and len(key) == 4):
                raise ValueError("kunci pagu harus tahun YYYY")
        return self


class NodeIn(_NodeFields):
    model_config = ConfigDict(json_schema_extra={**UNIQUE_INDICATORS, **NODE_SHAPE})

    code: str = Field(pattern=CODE)
    level: Level
    owner: str = Field(pattern=OWNER, description="OPD code, or 'pemda' for the region's levels")

    @model_validator(mode="after")
    def _level_rules(self) -> NodeIn:
        """The rules of the level alone (the document's ``anyOf``): a stand-in parent of the right
        level and OPD leaves out what only the stored parent can tell (409 then)."""
        above = parent_level(self.level)
        parent = None if self.parent is None else {"level": above, "owner": self.owner}
        problems = structure_problems(
            level=self.level,
            owner=self.owner,
            parent=parent,
            indicators=len(self.indicators),
            has_pagu=bool(self.pagu),
        )
        if problems:
            raise ValueError("; ".join(message for _, message in problems))
        return self


class NodeUpdate(_NodeFields):
    version: int = Field(ge=1)
    reason: str | None = text(5, 500, default=None, description="required after a signed PK")


class IndicatorOut(Schema):
    id: str
    name: str
    unit: str
    polarity: Polarity
    aggregation: Aggregation
    source: str | None
    baseline: Decimal | None
    targets: dict[str, Decimal]
    weight: Decimal | None


class NodeOut(Schema):
    period: str
    code: str
    level: Level
    parent: str | None
    name: str
    owner: str
    weight: Decimal | None
    order: int
    indicators: list[IndicatorOut]
    pagu: dict[str, int] | None
    version: int
    updated_at: str
    updated_by: str


class NodePage(Page[NodeOut]):
    pass


class NodeQuery(PageQuery):
    level: Level | None = None
    owner: str | None = Field(None, pattern=OWNER)
    parent: str | None = Field(None, pattern=CODE)


class DeleteQuery(Schema):
    version: int = Field(ge=1)
    reason: str | None = Field(None, min_length=5, max_length=500)


class RevisionOut(Schema):
    version: int
    action: str
    at: str
    actor: str
    reason: str | None
    revision_years: list[int]
    before: Any = None
    after: Any = None


class RevisionPage(Page[RevisionOut]):
    pass


class ExportQuery(Schema):
    opd: str | None = Field(None, pattern=OPD)


class ImportQuery(Schema):
    dry_run: bool = False
    reason: str | None = Field(None, min_length=5, max_length=500, description="for revisions after a PK")


class ImportSummary(Schema):
    rows: int
    nodes: int
    created: int
    updated: int
    unchanged: int
    revisions: int = Field(description="changes to nodes whose signed agreement they revise")
    dry_run: bool


# -- realisation ----------------------------------------------------------------------------------
class ValueIn(_In):
    value: Num
    note: str | None = Field(None, max_length=500)


class EvidenceFileIn(_In):
    key: str = Field(min_length=10, max_length=300)
    name: str = Field(min_length=1, max_length=200)


class RealisationIn(_In):
    version: int | None = Field(None, ge=1, description="absent for the quarter's first entry")
    values: dict[str, ValueIn] = Field(default_factory=dict, max_length=20)
    budget_realised: Rupiah | None = Field(None, description="rupiah spent in this quarter")
    evidence: list[EvidenceFileIn] = Field(default_factory=list, max_length=20)


class ValueOut(Schema):
    value: Decimal
    note: str | None


class EvidenceFileOut(Schema):
    key: str
    name: str
    by: str
    at: str


class QuarterOut(Schema):
    quarter: int
    state: QuarterState
    values: dict[str, ValueOut]
    budget_realised: int | None
    evidence: list[EvidenceFileOut]
    late: bool
    version: int | None
    updated_at: str | None
    updated_by: str | None


class IndicatorYearOut(Schema):
    id: str
    name: str
    unit: str
    polarity: Polarity
    aggregation: Aggregation
    target: Decimal | None
    realisation: Decimal | None = Field(description="the year's value by the indicator's rule (4 decimals)")
    attainment: Decimal | None


class NodeResultOut(Schema):
    code: str
    level: Level
    name: str
    owner: str
    parent: str | None
    weight: Decimal | None
    attainment: Decimal | None = Field(description="rolled up from the children, else its own")
    own_attainment: Decimal | None
    coverage: Decimal = Field(description="share of the weight below that was measured, percent")
    pagu: int | None
    realised: int | None
    absorption: Decimal | None = Field(description="realised / pagu, percent")
    efficiency: Decimal | None = Field(description="attainment − absorption, percentage points")
    indicators: list[IndicatorYearOut]


class NodeRealisationOut(Schema):
    period: str
    year: int
    node: NodeResultOut
    quarters: list[QuarterOut]


class EvidenceUploadIn(UploadIn):
    content_type: str = Field(max_length=100, json_schema_extra={"enum": list(EVIDENCE_CONTENT_TYPES)})


class SignedUploadIn(UploadIn):
    content_type: str = Field(max_length=100, json_schema_extra={"enum": ["application/pdf"]})


class ReopenIn(_In):
    owner: str = Field(pattern=OWNER)
    until: date = Field(description="local date, inclusive")
    reason: str = Field(min_length=5, max_length=500)


class ReopeningOut(Schema):
    year: int
    quarter: int
    owner: str
    until: date
    reason: str
    by: str
    at: str


class ReopeningList(Schema):
    items: list[ReopeningOut]


class QuarterStatus(Schema):
    quarter: int
    opens: date
    closes: date
    state: QuarterState
    reopened_until: date | None


class QuartersOut(Schema):
    year: int
    owner: str
    today: date
    quarters: list[QuarterStatus]


class OwnerQuery(Schema):
    owner: str | None = Field(None, pattern=OWNER)


# -- attainment -----------------------------------------------------------------------------------
class YearQuery(Schema):
    quarter: Quarter | None = Field(None, description="year to date through this quarter")


class OpdAttainmentOut(Schema):
    period: str
    year: int
    through_quarter: int
    opd: str
    opd_name: str | None
    iku_attainment: Decimal | None = Field(description="mean of the OPD targets' own indicators")
    attainment: Decimal | None
    nodes: list[NodeResultOut]


class OpdRank(Schema):
    rank: int
    opd: str
    opd_name: str | None
    iku_attainment: Decimal | None
    attainment: Decimal | None
    absorption: Decimal | None
    efficiency: Decimal | None


class RegionAttainmentOut(Schema):
    period: str
    year: int
    through_quarter: int
    iku_attainment: Decimal | None = Field(description="mean of the strategic targets' indicators")
    attainment: Decimal | None
    upper: list[NodeResultOut] = Field(description="vision, missions, goals and strategic targets")
    ranking: list[OpdRank]


# -- performance agreement (PK) -------------------------------------------------------------------
class AgreedIndicator(Schema):
    id: str
    name: str
    unit: str
    target: Decimal | None


class AgreedTarget(Schema):
    code: str
    name: str
    indicators: list[AgreedIndicator]


class AgreedProgramme(Schema):
    code: str
    name: str
    pagu: int | None


class AgreementSnapshot(Schema):
    year: int
    period: str
    owner: str
    owner_name: str
    head_nip: str | None
    head_name: str | None
    targets: list[AgreedTarget]
    programmes: list[AgreedProgramme]
    total_pagu: int


class AgreementOut(Schema):
    year: int
    owner: str
    number: str
    status: Literal["draft", "signed"]
    digest: str
    snapshot: AgreementSnapshot
    signed_at: str | None
    signed_by: str | None
    created_at: str
    created_by: str
    version: int


class AgreementList(Schema):
    items: list[AgreementOut]


class SignIn(_In):
    key: str = Field(min_length=10, max_length=300, description="the uploaded signed scan (PDF)")
    version: int = Field(ge=1)


class LinkOut(Schema):
    """A presigned download: GET ``url`` within ``expires_in`` seconds."""

    url: str
    expires_in: int
    filename: str


# -- reports --------------------------------------------------------------------------------------
class ReportQuery(Schema):
    opd: str | None = Field(None, pattern=OPD, description="one OPD's LKjIP; the region's without")
    format: Literal["xlsx", "pdf"] = "xlsx"


# -- the E-RK link --------------------------------------------------------------------------------
class ErkLinkIn(_In):
    sub_activity: str = Field(pattern=CODE)
    opd: str = Field("*", pattern=r"^(\*|[0-9A-Za-z][0-9A-Za-z.-]{0,29})$", description="'*': every OPD")


class ErkLinkOut(Schema):
    period: str
    activity: str
    activity_name: str | None
    opd: str
    sub_activity: str
    sub_activity_name: str | None
    by: str
    at: str


class ErkLinkList(Schema):
    items: list[ErkLinkOut]


class ErkLinkDelete(Schema):
    opd: str = Field("*", pattern=r"^(\*|[0-9A-Za-z][0-9A-Za-z.-]{0,29})$")


class RefreshIn(_In):
    opd: str | None = Field(None, pattern=OPD, description="one OPD; without: the next OPDs with E-RK totals")
    cursor: str | None = cursor_field()


class RefreshOut(Schema):
    year: int
    quarter: int
    opds: int
    employees: int
    entries: int
    linked_minutes: int
    unlinked_minutes: int
    unattributed_minutes: int
    next_cursor: str | None = Field(None, description="without an OPD: send it back for the next OPDs")


class RollupQuery(Schema):
    opd: str | None = Field(None, pattern=OPD)


class SubActivityWork(Schema):
    code: str
    name: str
    owner: str
    minutes: int = Field(description="approved E-RK minutes of linked activities (person-minutes)")
    person_hours: Decimal
    attainment: Decimal | None
    absorption: Decimal | None
    efficiency: Decimal | None
    flag: Literal["work_without_results", "results_without_work"] | None


class RollupOut(Schema):
    year: int
    quarter: int
    period: str
    refreshed_at: str | None
    minutes: int
    unlinked_minutes: int
    unattributed_minutes: int
    items: list[SubActivityWork]


class TargetStep(Schema):
    level: Level
    code: str
    name: str


class ServedTarget(Schema):
    sub_activity: str
    name: str
    minutes: int
    quarters: list[int]
    path: list[TargetStep] = Field(description="from the sub-activity up to the region's vision")


class MyWorkQuery(Schema):
    year: Year


class MyWorkOut(Schema):
    nip: str
    year: int
    minutes: int
    served: list[ServedTarget]


# -- public ---------------------------------------------------------------------------------------
class SummaryQuery(Schema):
    year: Year


class PublicIndicator(Schema):
    name: str
    unit: str
    target: Decimal | None
    realisation: Decimal | None
    attainment: Decimal | None


class PublicTarget(Schema):
    code: str
    name: str
    attainment: Decimal | None
    indicators: list[PublicIndicator]


class PublicGrade(Schema):
    year: int
    score: Decimal
    grade: str


class PublicSummaryOut(Schema):
    region: str
    year: int
    period: str | None
    iku_attainment: Decimal | None
    iku: list[PublicTarget]
    lke: PublicGrade | None = Field(description="the region's LKE of this year, once published")
    lke_history: list[PublicGrade] = Field(description="published LKE grades up to this year")
