"""WBS API contract (pydantic). Nothing here carries the reporter's identity: there is none."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from replika.core.audit import AuditEntry
from replika.core.pagination import Page, cursor_field
from replika.core.schema import Schema
from replika.wbs.rules import ForwardTarget, Status

NIP = Field(pattern=r"^[0-9]{18}$")


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- reporter ----------------------------------------------------------------------------------


class ReportedPerson(_In):
    name: str = Field(min_length=2, max_length=200, description="Nama terlapor")
    nip: str | None = Field(None, pattern=r"^[0-9]{18}$", description="NIP terlapor, jika diketahui")
    opd: str | None = Field(None, min_length=1, max_length=64, description="Kode OPD terlapor")


class ReportIn(_In):
    """5W+1H of a report (SE MenPANRB 08/2012)."""

    category: str = Field(min_length=2, max_length=64)
    what: str = Field(min_length=10, max_length=5000, description="Apa yang terjadi")
    who: ReportedPerson
    where: str = Field(min_length=2, max_length=1000)
    when: str = Field(min_length=2, max_length=200, description="Kapan (tanggal/periode, bebas)")
    how: str = Field(min_length=2, max_length=5000, description="Bagaimana terjadinya")


class ReportCreated(Schema):
    receipt: str = Field(description="Kode resi 16 angka: hanya ditampilkan sekali ini")
    token: str = Field(description="Token sesi pelapor (header X-Wbs-Token), berlaku 15 menit")
    expires_in: int
    notice: str


class ReceiptIn(_In):
    receipt: str = Field(min_length=16, max_length=40)
    pow_challenge: str | None = Field(
        None, max_length=256, description="Tantangan dari 429 atau /reporter/challenge (saat diminta)"
    )
    pow_nonce: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[0-9A-Za-z]{1,64}$",
        description="sha256(tantangan:nonce) diawali b bit nol",
    )


class ChallengeOut(Schema):
    challenge: str
    bits: int = Field(description="Bit nol di awal sha256(challenge + ':' + nonce)")
    expires_in: int


class SessionOut(Schema):
    token: str
    expires_in: int


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=5000)


class MessageOut(Schema):
    id: str
    author: Literal["reporter", "inspektorat"]
    text: str
    at: str


class MessagePage(Page[MessageOut]):
    pass


class EvidenceIn(_In):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(ge=1)


class EvidenceOut(Schema):
    file_id: str
    filename: str
    content_type: str
    size: int | None = None
    status: Literal["pending", "ready"]
    sha256: str | None = None


class EvidencePage(Page[EvidenceOut]):
    pass


class EvidenceUpload(Schema):
    file_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int
    next_step: str


class ReporterView(Schema):
    """Times are days (``YYYY-MM-DD``): nothing the reporter sees moves at the second staff act."""

    status: Status
    category: str
    created_at: str
    changed_at: str
    forwarded_to: ForwardTarget | None = None
    forwarded_at: str | None = None
    rejection_reason: str | None = None


class PageIn(_In):
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = cursor_field()


# -- inspektorat -------------------------------------------------------------------------------


class ReportQuery(PageIn):
    status: Status = Status.RECEIVED
    category: str | None = Field(None, max_length=64)
    year: int | None = Field(None, ge=2000, le=2100)


class ReportSummary(Schema):
    id: str
    status: Status
    category: str
    year: int
    created_at: str
    changed_at: str
    assignee_nip: str | None = None


class ReportPage(Page[ReportSummary]):
    pass


class ReportContent(Schema):
    what: str
    who: ReportedPerson
    where: str
    when: str
    how: str


class ReportDetail(ReportSummary):
    content: ReportContent
    forwarded_to: ForwardTarget | None = None
    forwarded_at: str | None = None
    rejection_reason: str | None = None
    version: int


class AssignIn(_In):
    handler_nip: str = Field(pattern=r"^[0-9]{18}$")


class TransitionIn(_In):
    to: Status
    reason: str | None = Field(None, max_length=2000)
    forwarded_to: ForwardTarget | None = None
    forwarded_at: date | None = None
    expected_version: int | None = Field(None, ge=1, description="Versi yang dilihat; lain -> 409")


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=5000)


class NoteOut(Schema):
    id: str
    author_nip: str
    text: str
    at: str


class NotePage(Page[NoteOut]):
    pass


class DownloadOut(Schema):
    url: str
    expires_in: int
    filename: str


class AuditPage(Page[AuditEntry]):
    pass


class PurgeableStatus(StrEnum):
    """The statuses retention purges (``rules.TERMINAL``): the only ones ``/retention/due`` lists."""

    CLOSED = Status.CLOSED.value
    REJECTED = Status.REJECTED.value


class DueQuery(PageIn):
    days_ahead: int = Field(30, ge=0, le=366)
    status: PurgeableStatus = PurgeableStatus.CLOSED


class DueItem(Schema):
    id: str
    status: Status
    changed_at: str
    purge_after: str


class DuePage(Page[DueItem]):
    pass


class PurgeResult(Schema):
    reports: int
    files: int


# -- public ------------------------------------------------------------------------------------


class StatsQuery(_In):
    year: int = Field(ge=2000, le=2100)


class StatsCount(Schema):
    category: str
    status: Status
    count: int


class StatsOut(Schema):
    year: int
    total: int
    counts: list[StatsCount]
