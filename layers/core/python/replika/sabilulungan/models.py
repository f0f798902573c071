"""Sabilulungan's API contract (pydantic). Bodies are strict (``extra="forbid"``); query models
ignore unknown parameters. Identifiers are ASCII digits only (``[0-9]``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from replika.core.pagination import cursor_field
from replika.core.schema import Schema

Nik = Annotated[str, Field(pattern=r"^[0-9]{16}$")]
Rupiah = Annotated[int, Field(ge=0, le=1_000_000_000_000)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Kind = Literal["hibah", "bansos"]
OPD_PATTERN = r"^[0-9]{1,2}(\.[0-9]{1,2}){1,3}$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Query(Schema):
    model_config = ConfigDict(extra="ignore")


# -- applicant profile ----------------------------------------------------------------------------


class Address(_In):
    street: Text
    kelurahan: Annotated[str, Field(min_length=2, max_length=80)]
    kecamatan: Annotated[str, Field(min_length=2, max_length=80)]
    region_code: Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]{2}$")]  # kabupaten/kota, "32.73"


class Officer(_In):
    position: Annotated[str, Field(min_length=2, max_length=80)]
    name: Annotated[str, Field(min_length=2, max_length=120)]


class BankAccount(_In):
    bank: Annotated[str, Field(min_length=2, max_length=80)]
    number: Annotated[str, Field(pattern=r"^[0-9]{6,20}$")]
    holder: Annotated[str, Field(min_length=2, max_length=120)]


class ProfileIn(_In):
    name: Annotated[str, Field(min_length=3, max_length=160)]
    legal_body_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9./-]{4,60}$")] | None = None
    registered_on: date | None = None
    npwp: Annotated[str, Field(pattern=r"^[0-9.-]{15,20}$")] | None = None
    address: Address
    management: Annotated[list[Officer], Field(min_length=1, max_length=20)]
    bank_account: BankAccount
    version: int | None = Field(None, ge=0, description="the version read; omit when creating")


class ProfileOut(Schema):
    name: str
    legal_body_number: str | None
    registered_on: date | None
    npwp: str | None
    address: Address
    management: list[Officer]
    bank_account: BankAccount
    version: int


# -- proposals ------------------------------------------------------------------------------------


class RabLineIn(_In):
    description: Text
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit: Annotated[str, Field(min_length=1, max_length=30)]
    unit_price: Rupiah


class RabLineOut(RabLineIn):
    total: int


class IndividualIn(_In):
    """An individual bansos recipient, entered by the responsible OPD. The NIK is kept only as a
    keyed digest; the address is never published (only initials and kelurahan)."""

    nik: Nik
    name: Annotated[str, Field(min_length=3, max_length=120)]
    address: Address


class ProposalIn(_In):
    kind: Kind = "hibah"
    year: Year
    opd: Annotated[str, Field(pattern=OPD_PATTERN, description="technical OPD suggested")]
    title: Annotated[str, Field(min_length=5, max_length=200)]
    purpose: LongText
    activity_plan: LongText
    rab: Annotated[list[RabLineIn], Field(min_length=1, max_length=200)]
    requested: Rupiah
    individual: IndividualIn | None = Field(None, description="bansos for an individual (OPD only)")


class ProposalEdit(ProposalIn):
    version: int = Field(ge=1)


class DocumentOut(Schema):
    code: str
    required: bool
    uploaded: bool


class StageOut(Schema):
    state: str
    at: str


class RevisionOut(Schema):
    no: int
    reason: str
    rab_total: int
    at: str


class ProposalSummary(Schema):
    """A proposal in a list (queues, "mine"); :class:`ProposalOut` is the whole of it."""

    id: str
    number: str | None
    kind: Kind
    year: int
    opd: str  # the technical OPD (the applicant's suggestion until assigned at disposition)
    state: str
    title: str
    applicant_name: str
    requested: int
    changed_at: str


class ProposalOut(ProposalSummary):
    suggested_opd: str | None
    opd_assigned: bool
    returned_from: str | None
    purpose: str
    activity_plan: str
    rab: list[RabLineOut]
    rab_total: int
    recommended: int | None
    set_amount: int | None
    approved: int | None
    disbursed: int | None
    sp2d_number: str | None
    lpj_due: date | None
    last_note: str | None
    documents: list[DocumentOut]
    revisions: list[RevisionOut]
    evaluation: EvaluationChecklist | None
    override_reason: str | None
    stages: list[StageOut]
    version: int


class ProposalPage(Schema):
    items: list[ProposalSummary]
    next_cursor: str | None = None


class PageIn(_Query):
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = cursor_field()


class QueueQuery(PageIn):
    state: Literal[
        "submitted",
        "disposition",
        "pertimbangan",
        "evaluation",
        "setting",
        "dnc",
        "approved",
        "nphd_signed",
        "lpj_submitted",
        "disbursed",
        "lpj_overdue",
    ]
    opd: Annotated[str, Field(pattern=OPD_PATTERN)] | None = None


class UploadIn(_In):
    code: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,60}$")]
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: Annotated[int, Field(ge=1, le=20 * 1024 * 1024)]


class UploadOut(Schema):
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int


class DownloadOut(Schema):
    url: str
    number: str | None = None


class VersionIn(_In):
    version: int = Field(ge=1)


class TransitionIn(_In):
    action: Literal[
        "forward",
        "consider",
        "return",
        "reject",
        "resubmit",
        "verify_lpj",
        "return_lpj",
        "withdraw",
        "cancel",
    ]
    version: int = Field(ge=1)
    reason: Annotated[str, Field(max_length=2000)] = ""


class RabRevisionIn(_In):
    reason: Annotated[str, Field(min_length=5, max_length=1000)]
    rab: Annotated[list[RabLineIn], Field(min_length=1, max_length=200)]


class EvaluationChecklist(_In):
    """Bandung's SKPD evaluation checklist."""

    prices_match_ssh: bool  # prices checked line by line against the SSH (corrections: RAB revisions)
    organisation_verified: bool  # real, address matches: backed by the uploaded site-visit record
    no_grant_previous_year: bool  # may not contradict the matcher (re-run at the evaluation)
    ktp_verified: bool
    legal_entity: bool


class RecommendationIn(_In):
    version: int = Field(ge=1)
    amount: Rupiah
    checklist: EvaluationChecklist
    rab_revisions: Annotated[list[RabRevisionIn], Field(max_length=20)] = Field(default_factory=list)
    note: Annotated[str, Field(max_length=2000)] = ""


class DispositionIn(_In):
    """The head of region's disposition: it assigns the technical OPD (the applicant only
    suggested one)."""

    version: int = Field(ge=1)
    opd: Annotated[str, Field(pattern=OPD_PATTERN, description="the technical OPD assigned")]
    note: Annotated[str, Field(max_length=2000)] = ""


class SiteVisitIn(_In):
    """The site visit's berita acara: its number and date (the file and photos are uploaded)."""

    version: int = Field(ge=1)
    number: Annotated[str, Field(pattern=r"^[A-Za-z0-9./ -]{3,60}$")]
    visited_on: date


class FileOut(Schema):
    key: str
    url: str  # a 5-minute download link


class SiteVisitOut(Schema):
    number: str | None
    visited_on: date | None
    officer: str | None
    report: FileOut | None
    photos: list[FileOut]


class RevisionDetail(RevisionOut):
    by: str | None
    rab: list[RabLineOut]


class EvaluationOut(Schema):
    """Staff only: the evaluation's record (never on public pages)."""

    checklist: EvaluationChecklist | None
    blocking_at_evaluation: list[str] | None  # what the matcher found when it was re-run
    site_visit: SiteVisitOut
    rab_submitted: list[RabLineOut]
    revisions: list[RevisionDetail]


class AmountIn(_In):
    version: int = Field(ge=1)
    amount: Rupiah
    reason: Annotated[str, Field(max_length=2000)] = ""


class ApprovalIn(_In):
    version: int = Field(ge=1)
    override_reason: Annotated[str, Field(max_length=2000)] = ""


class DisbursementIn(_In):
    version: int = Field(ge=1)
    sp2d_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9./-]{3,60}$")]
    sp2d_date: date
    amount: Rupiah


class BudgetIn(_In):
    ceiling: Rupiah


class BudgetOut(Schema):
    year: int
    ceiling: int | None
    allocated: int
    disbursed: int
    recipients_paid: int
    recipients_reported: int


class MatchOut(Schema):
    proposal_id: str
    number: str | None
    year: int
    state: str
    opd: str
    amount: int
    reasons: list[str]
    name_score: str
    address_score: str
    blocks_approval: bool


class MatchesOut(Schema):
    matches: list[MatchOut]
    blocked: bool
    truncated: bool = False  # a budget year held more candidates than the matcher reads (cap)


class YearQuery(_Query):
    year: Year


class DashboardOut(Schema):
    year: int
    budget: BudgetOut
    by_state: dict[str, int]
    amounts_by_opd: dict[str, int]
    amounts_by_kind: dict[str, int]
    overdue_lpj: list[str]


class OverdueOut(Schema):
    marked: list[str]


class ReminderOut(Schema):
    reminded: list[str]


# -- public -----------------------------------------------------------------------------------


class PublicProposal(Schema):
    number: str
    kind: Kind
    year: int
    stage: str
    stages: list[StageOut]


class PublicRecipient(Schema):
    proposal_number: str
    name: str  # organisation name, or an individual's initials
    kelurahan: str
    kecamatan: str
    type: Kind
    purpose: str
    amount_approved: int
    amount_disbursed: int
    lpj_status: str


class RecipientPage(Schema):
    items: list[PublicRecipient]
    next_cursor: str | None = None


class RecipientQuery(_Query):
    year: Year
    format: Literal["json", "csv"] = "json"
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = cursor_field()


class SummaryRow(Schema):
    year: int
    budget_ceiling: int | None
    realised: int
    recipients_paid: int
    recipients_reported: int


class SummaryOut(Schema):
    years: list[SummaryRow]


ProposalOut.model_rebuild()  # its evaluation field refers to EvaluationChecklist, declared below it
