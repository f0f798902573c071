"""Request and response schemas of the perizinan API (the contract)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from replika.core.pagination import Page, cursor_field
from replika.core.schema import Schema

TYPE_CODE = r"^[A-Z0-9]{2,12}$"
KBLI = r"^[0-9]{5}$"
NIK = r"^[0-9]{16}$"
NIB = r"^[0-9]{13}$"
KECAMATAN = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"
OPD = r"^[0-9]{1,2}(\.[0-9]{1,2}){0,3}$"
MAX_RUPIAH = 10**15
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

Risk = Literal["rendah", "menengah-rendah", "menengah-tinggi", "tinggi"]
Kind = Literal["baru", "perubahan", "perpanjangan", "daftar-ulang"]
StageRole = Literal["dpmptsp", "pegawai"]
#: the stage's place on the path (rules/stages.py): only ``signature`` signs the permit
StageKind = Literal[
    "receive", "document-check", "back-office", "technical", "recommendation", "signature", "review"
]
DOC_CODE = r"^[A-Za-z0-9._-]{1,60}$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# -- catalogue ----------------------------------------------------------------------------------


class StageIn(_In):
    #: the document states the rules the validator checks: a technical stage names its OPD, a site
    #: visit is on a technical stage, a signature is DPMPTSP's
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"required": ["role"], "properties": {"role": {"const": "pegawai"}}},
                    "then": {"required": ["opd"], "properties": {"opd": {"type": "string"}}},
                },
                {  # rules/stages.py: a site visit only on a technical stage
                    "if": {"required": ["site_visit"], "properties": {"site_visit": {"const": True}}},
                    "then": {"required": ["kind"], "properties": {"kind": {"const": "technical"}}},
                },
                {  # only DPMPTSP holds a signature stage
                    "if": {"required": ["kind"], "properties": {"kind": {"const": "signature"}}},
                    "then": {"required": ["role"], "properties": {"role": {"const": "dpmptsp"}}},
                },
            ]
        }
    )

    code: str = Field(pattern=r"^[a-z0-9-]{2,30}$")
    name: str = Field(min_length=2, max_length=100)
    role: StageRole
    opd: str | None = Field(None, pattern=OPD, description="OPD of the technical team (pegawai)")
    sla_days: int = Field(ge=1, le=60, description="working days")
    kind: StageKind = Field("review", description="the stage's place on the path; only signature signs")
    site_visit: bool = Field(False, description="a technical stage that needs a visit report and photos")

    @model_validator(mode="after")
    def _opd_for_pegawai(self) -> StageIn:
        from replika.perizinan.rules.stages import catalogue_problems

        if self.role == "pegawai" and not self.opd:
            raise ValueError("tahap teknis (pegawai) harus menyebut OPD")
        problems = catalogue_problems([self.model_dump()])
        if problems:
            raise ValueError("; ".join(problems))
        return self


class PermitTypeIn(_In):
    code: str = Field(pattern=TYPE_CODE)
    name: str = Field(min_length=3, max_length=150)
    form_schema: dict[str, Any] = Field(
        description="JSON Schema (2020-12) of the form: an object schema",
        json_schema_extra={"required": ["type"], "properties": {"type": {"const": "object"}}},
    )
    documents: list[Annotated[str, Field(pattern=DOC_CODE)]] = Field(default_factory=list, max_length=30)
    stages: list[StageIn] = Field(min_length=1, max_length=10)
    fee: int = Field(0, ge=0, le=MAX_RUPIAH, description="retribusi, rupiah (0 = none)")
    validity_months: int = Field(0, ge=0, le=600, description="0 = no expiry")
    risk: Risk | None = Field(None, description="fixed risk; none = from KBLI and capital")
    allows_report: bool = Field(False, description="small low-risk businesses only report")


class PermitTypeOut(PermitTypeIn):
    model_config = ConfigDict(extra="forbid")
    #: as stored: a version saved before document codes were restricted still reads
    documents: list[str] = Field(default_factory=list)
    version: int
    created_at: str


class CatalogueImport(_In):
    types: list[PermitTypeIn] = Field(min_length=1, max_length=100)


class CatalogueImportOut(Schema):
    versions: dict[str, int]


CataloguePage = Page[PermitTypeOut]


# -- applicants ---------------------------------------------------------------------------------


class ProfileIn(_In):
    name: str = Field(min_length=2, max_length=150)
    nik: str = Field(pattern=NIK)
    nib: str | None = Field(None, pattern=NIB)


class ProfileOut(ProfileIn):
    pass


class BusinessIn(_In):
    name: str = Field(min_length=2, max_length=150)
    kbli: str = Field(pattern=KBLI)
    capital_total: int = Field(ge=0, le=MAX_RUPIAH, description="rupiah, with land and buildings")
    land_buildings_value: int = Field(0, ge=0, le=MAX_RUPIAH)
    kecamatan: str = Field(pattern=KECAMATAN)
    address: str = Field(min_length=5, max_length=300)


class ApplicationIn(_In):
    #: the document states the rule the validator checks: a renewal names the permit it renews,
    #: any other application carries the business data
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["kind"], "properties": {"kind": {"const": "perpanjangan"}}},
            "then": {"required": ["renews"], "properties": {"renews": {"type": "string"}}},
            "else": {"required": ["business"], "properties": {"business": {"not": {"type": "null"}}}},
        }
    )

    type_code: str = Field(pattern=TYPE_CODE)
    kind: Kind = "baru"
    business: BusinessIn | None = Field(None, description="required unless renewing")
    form: dict[str, Any] = Field(default_factory=dict)
    documents: list[str] = Field(default_factory=list, max_length=30)
    renews: str | None = Field(None, min_length=5, max_length=60, description="permit number renewed")

    @model_validator(mode="after")
    def _renewal(self) -> ApplicationIn:
        if self.kind == "perpanjangan" and not self.renews:
            raise ValueError("perpanjangan harus menyebut izin yang diperpanjang (renews)")
        if self.kind != "perpanjangan" and self.business is None:
            raise ValueError("data usaha (business) wajib diisi")
        return self


class UploadIn(_In):
    """One file: its name and declared type and size (the presigned POST enforces both)."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(ge=1, le=MAX_UPLOAD_BYTES, description="bytes (at most 10 MiB)")


class DocumentUploadIn(UploadIn):
    code: str = Field(pattern=DOC_CODE, description="the catalogue's document code, e.g. ktp")


class VisitPhotoIn(UploadIn):
    kind: Literal["foto", "berita-acara"] = "foto"


class UploadOut(Schema):
    """POST ``fields`` then ``file`` as multipart/form-data to ``url`` before ``expires_in``."""

    url: str
    fields: dict[str, str]
    key: str
    expires_in: int


class VisitIn(_In):
    """The technical team's site-visit report (berita acara kunjungan lapangan)."""

    date: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    officers: list[Annotated[str, Field(min_length=3, max_length=150)]] = Field(min_length=1, max_length=10)
    findings: str = Field(min_length=5, max_length=4000)
    recommendation: str = Field(min_length=3, max_length=2000)


class VisitPhotoOut(Schema):
    kind: str
    at: str


class VisitOut(Schema):
    stage: str
    date: str | None = None
    officers: list[str] = Field(default_factory=list)
    findings: str | None = None
    recommendation: str | None = None
    by: str | None = None
    at: str | None = None
    photos: list[VisitPhotoOut] = Field(default_factory=list)


class FileLink(Schema):
    code: str
    url: str


class FilesOut(Schema):
    """Presigned GET links (valid ``expires_in`` seconds) for staff reviewing the application."""

    documents: list[FileLink]
    visit_photos: list[FileLink]
    expires_in: int


class ResubmitIn(_In):
    form: dict[str, Any] | None = None
    documents: list[str] | None = Field(None, max_length=30)


class StageOut(Schema):
    code: str
    name: str
    role: str
    sla_days: int
    kind: str = "review"
    site_visit: bool = False
    due: str | None = None
    done_at: str | None = None


class ApplicationOut(Schema):
    number: str
    type_code: str
    type_version: int
    kind: str
    status: str
    risk: str
    report_only: bool
    business: dict[str, Any]
    stage: StageOut | None = None
    stages: list[StageOut]
    total_due: str | None = None
    escalated: bool = False
    fiktif_positif: bool = False
    fee: int
    payment: dict[str, Any] | None = None
    permit_number: str | None = None
    renews: str | None = None
    reason: str | None = None
    documents: list[str] = Field(default_factory=list, description="the required documents attached")
    #: staff only (never the applicant's view, never a public page): the site-visit reports
    visits: list[VisitOut] | None = None
    created_at: str
    changed_at: str
    version: int


ApplicationPage = Page[ApplicationOut]


class ActionIn(_In):
    action: Literal["advance", "return", "reject"]
    reason: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=2000, description="e.g. the site visit report")
    #: ignored (kept so older clients still validate): the signer is the region's official or a
    #: listed Plt, taken from the policy by the caller's NIP
    official_name: str | None = Field(
        None, min_length=3, max_length=150, description="diabaikan: penandatangan dari kebijakan daerah"
    )
    plt: bool = Field(False, description="diabaikan: status Plt dari kebijakan daerah")


class PaymentIn(_In):
    """Exactly one of a receipt or a waiver reason: the document says so (``oneOf``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["receipt_number"],
                    "properties": {"receipt_number": {"type": "string"}, "waiver_reason": {"type": "null"}},
                },
                {
                    "required": ["waiver_reason"],
                    "properties": {"waiver_reason": {"type": "string"}, "receipt_number": {"type": "null"}},
                },
            ]
        },
    )

    receipt_number: str | None = Field(None, pattern=r"^[A-Za-z0-9./-]{3,40}$")
    waiver_reason: str | None = Field(None, min_length=5, max_length=500)

    @model_validator(mode="after")
    def _one(self) -> PaymentIn:
        if (self.receipt_number is None) == (self.waiver_reason is None):
            raise ValueError("isi salah satu: receipt_number atau waiver_reason")
        return self


class RevokeIn(_In):
    reason: str = Field(min_length=5, max_length=1000)


class MineQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = cursor_field()


class QueueQuery(MineQuery):
    role: StageRole | None = None


class QueueItem(Schema):
    number: str
    type_code: str
    stage: str
    role: str
    due: str
    overdue: bool
    escalated: bool


QueuePage = Page[QueueItem]


class PermitOut(Schema):
    number: str
    application: str
    type_code: str
    status: str
    valid_from: str
    valid_until: str | None
    verify_code: str
    qr: str
    official_name: str
    official_nip: str
    official_plt: bool
    fiktif_positif: bool
    revoked_reason: str | None = None


class DownloadOut(Schema):
    url: str
    expires_in: int


class SlaRunOut(Schema):
    checked: int
    granted: list[str]
    escalated: list[str]
    #: applications whose step failed this run (e.g. a KMS error): retried by the next run
    failed: list[str] = Field(default_factory=list)


class EscalationItem(Schema):
    number: str
    type_code: str
    stage: str | None
    role: str | None
    stage_due: str | None
    total_due: str
    overdue_days: int = Field(description="working days past the total due date")
    escalated_on: str | None


EscalationPage = Page[EscalationItem]


class EscalationIn(_In):
    """The head of DPMPTSP on an escalated application: grant (sign now), reject (with a reason)
    or reassign (the current stage gets ``days`` more working days; the clock runs again)."""

    action: Literal["grant", "reject", "reassign"]
    reason: str | None = Field(None, max_length=1000)
    days: int = Field(3, ge=1, le=30)


# -- public -------------------------------------------------------------------------------------


class VerifyOut(Schema):
    status: Literal["valid", "expired", "revoked"]
    type_code: str
    type_name: str
    valid_from: str
    valid_until: str | None
    signature_valid: bool


class KeyOut(Schema):
    algorithm: str
    pem: str
    #: the only URL prefix a genuine permit QR code starts with (the offline verifier checks it)
    verify_url_base: str
    #: the region's time zone: an offline verifier decides expiry by the region's date
    timezone: str


class TrackOut(Schema):
    number: str
    status: str
    stage: str | None
    role: str | None
    due: str | None


# -- statistics and the satisfaction survey (SKM) -------------------------------------------------


class SurveyIn(_In):
    """The nine SKM service elements (PermenPANRB 14/2017), in order, each 1 (tidak baik) to 4
    (sangat baik): persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan,
    sarana. Anonymous in the statistics: only the sums are published."""

    answers: list[Annotated[int, Field(ge=1, le=4)]] = Field(min_length=9, max_length=9)


class SurveyOut(Schema):
    number: str
    answers: list[int]
    at: str


class TypeStatsOut(Schema):
    type_code: str
    type_name: str | None
    applications: int
    decided: int
    issued: int
    median_working_days: str | None = Field(description="working days to decision (decimal string)")
    within_sla_pct: str | None
    fiktif_positif: int
    skm_responses: int
    skm_index: str | None = Field(description="IKM 25..100 (PermenPANRB 14/2017)")
    skm_grade: str | None


class StatsQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    year: int = Field(ge=2000, le=2100)


class StatsOut(Schema):
    year: int
    types: list[TypeStatsOut]


# -- the OSS status feed ------------------------------------------------------------------------


class FeedRecord(Schema):
    nib: str | None
    oss_id: str | None
    permit_code: str
    permit_number: str | None
    application: str
    status: str
    status_code: str
    status_name: str
    date: str
    remark: str | None


FeedPage = Page[FeedRecord]


class FeedQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    day: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    limit: int = Field(100, ge=1, le=500)
    cursor: str | None = cursor_field()
