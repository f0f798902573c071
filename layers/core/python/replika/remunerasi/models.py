"""API contract of e-Remunerasi (pydantic request / response models).

Request models, then the responses of the activity log, the payroll run, its outputs and the
dashboards.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from replika.core.pagination import Page, PageQuery
from replika.core.schema import Schema, UploadIn
from replika.core.schema import UploadOut as UploadOut  # the shared presigned-upload answer

PERIOD = r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])$"  # year 0001..9999
NIP = r"^[0-9]{18}$"


def periods_from(first: str) -> str:
    """The pattern of the periods (``YYYY-MM``) from ``first`` on: the document states a region's
    go-live month with it (a run before it is refused). Periods are fixed-width, so a later one is
    one that agrees with ``first`` up to a digit and is greater there."""
    year, month = first.split("-")
    later_years = [
        year[:i] + f"[{int(year[i]) + 1}-9]" + "[0-9]" * (3 - i) for i in range(4) if year[i] != "9"
    ]
    months = "|".join(f"{m:02d}" for m in range(int(month), 13))
    alternatives = [f"({'|'.join(later_years)})-(0[1-9]|1[0-2])"] if later_years else []
    alternatives.append(f"{year}-({months})")
    return "^(" + "|".join(alternatives) + ")$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- activity catalogue ---------------------------------------------------------------------------
class ActivityIn(_In):
    code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")
    name: str = Field(min_length=3, max_length=200)
    minutes: int = Field(gt=0, le=480, description="waktu efektif per satuan, menit")
    allowed_positions: list[str] = Field(default_factory=list, max_length=500)
    active: bool = True


class ActivityOut(Schema):
    code: str
    name: str
    minutes: int
    allowed_positions: list[str]
    active: bool
    version: int


class ActivityPage(Page[ActivityOut]):
    pass


class ImportSummary(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int


# -- activity log ---------------------------------------------------------------------------------
class EntryIn(_In):
    entry_date: date
    activity_code: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=50)
    note: str | None = Field(None, max_length=500)
    overtime: bool = Field(False, description="lembur yang ditugaskan (hari libur)")
    evidence_key: str | None = Field(None, max_length=300)


class EntryPatch(_In):
    version: int = Field(ge=1)
    quantity: int | None = Field(None, ge=1, le=50)
    note: str | None = Field(None, max_length=500)
    evidence_key: str | None = Field(None, max_length=300)


class EntryOut(Schema):
    entry_id: str
    nip: str
    period: str
    entry_date: date
    activity_code: str
    activity_name: str
    std_minutes: int
    quantity: int
    minutes: int
    overtime: bool
    note: str | None
    evidence_key: str | None
    status: Literal["pending", "approved", "rejected"]
    reason: str | None
    approver_nip: str | None
    decided_by: str | None
    decided_at: str | None
    version: int


class EntryPage(Page[EntryOut]):
    pass


class EntryQuery(PageQuery):
    period: str = Field(pattern=PERIOD)


class PendingQuery(PageQuery):
    pass


class EntryRef(_In):
    nip: str = Field(pattern=NIP)
    entry_id: str = Field(min_length=1, max_length=60)
    version: int = Field(ge=1)


class DecisionIn(_In):
    """A rejection carries its reason (not blank): the document says so (``anyOf``)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "anyOf": [
                {"properties": {"action": {"enum": ["approve", "unapprove"]}}},
                {
                    "properties": {
                        "action": {"const": "reject"},
                        "reason": {"type": "string", "pattern": "\\S"},
                    },
                    "required": ["reason"],
                },
            ]
        },
    )

    action: Literal["approve", "reject", "unapprove"]
    entries: list[EntryRef] = Field(min_length=1, max_length=100)
    reason: str | None = Field(None, max_length=500)

    @field_validator("reason")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v or None


class DecisionOut(Schema):
    action: str
    decided: list[EntryOut]


class EvidenceUploadIn(UploadIn):
    pass


# -- acting supervisor ----------------------------------------------------------------------------
class ActingIn(_In):
    #: rules between fields that JSON Schema cannot state, stated for readers and the contract
    #: stage (``replika.core.openapi.CROSS_FIELD_RULES``): refused with 400 otherwise
    model_config = ConfigDict(
        json_schema_extra={"x-distinct": [["acting_nip", "for_nip"]], "x-not-before": [["end", "start"]]}
    )

    acting_nip: str = Field(pattern=NIP)
    for_nip: str = Field(pattern=NIP, description="atasan definitif yang digantikan")
    start: date
    end: date


class ActingOut(Schema):
    acting_nip: str
    for_nip: str
    start: date
    end: date
    assigned_by: str


# -- attendance, behaviour, sentences -------------------------------------------------------------
class AttendanceRow(Schema):
    nip: str
    day: date
    check_in: time | None
    check_out: time | None
    excuse: str | None
    codes: list[str]
    deduction_pct: str


class AttendanceImportOut(Schema):
    rows: int
    days: list[date]
    employees: int


class AttendanceMonthOut(Schema):
    """An employee's attendance of a month: per day its codes and deduction in basis points; a day
    imported for the employee's OPD without a row for them is ``TK`` with ``"source":
    "no_record"``. ``missing_days``: working days so far with no import for the OPD at all (not
    deducted; BKPSDM acknowledges them before verifying the run)."""

    nip: str
    period: str
    days: dict[str, dict[str, str | int]]
    total_deduction_pct: str
    missing_days: list[date] = Field(default_factory=list)


class BehaviourIn(_In):
    score: int = Field(ge=0, le=100)


class BehaviourOut(Schema):
    nip: str
    period: str
    score: int
    rated_by: str


class SentenceIn(_In):
    nip: str = Field(pattern=NIP)
    level: Literal["ringan", "sedang", "berat"]
    start_period: str = Field(pattern=PERIOD)
    end_period: str = Field(pattern=PERIOD)
    note: str | None = Field(None, max_length=500)


class SentenceOut(Schema):
    sentence_id: str
    nip: str
    level: str
    start_period: str
    end_period: str
    cut_pct: str
    recorded_by: str


class PeriodQuery(Schema):
    period: str = Field(pattern=PERIOD)


class ActivityUpdate(ActivityIn):
    #: the code in the body is the code in the path (400 code_mismatch otherwise)
    model_config = ConfigDict(json_schema_extra={"x-same-as-path": ["code"]})

    version: int = Field(ge=1)


class DeleteQuery(Schema):
    version: int = Field(ge=1)


class ResultQuery(PageQuery):
    opd: str | None = Field(None, max_length=40)


class SheetQuery(Schema):
    opd: str | None = Field(None, max_length=40)


# -- payroll run ----------------------------------------------------------------------------------
class FailureOut(Schema):
    model_config = ConfigDict(frozen=True)

    nip: str
    reason: str


class HistoryOut(Schema):
    """One state change of the run (who, when, from -> to, in which generation)."""

    model_config = ConfigDict(frozen=True)

    at: str
    actor: str
    action: str
    from_state: str | None = None
    to_state: str
    generation: int
    reason: str | None = None


class MissingAttendanceOut(Schema):
    """An OPD's working days with no attendance import at all ("attendance missing")."""

    opd_code: str
    days: list[date]


class MissingAcknowledgementIn(_In):
    reason: str = Field(min_length=10, max_length=500)
    missing_days: int = Field(ge=1, le=100_000)


class RunActionIn(_In):
    """Optional body of a run action. ``verify`` of a run with missing attendance days needs
    ``acknowledge_missing``: the reason, and the number of (OPD, day) pairs acknowledged (the
    run's ``attendance_missing_days``, so a change since BKPSDM looked is a 409)."""

    acknowledge_missing: MissingAcknowledgementIn | None = None


class RunOut(Schema):
    """A period's payroll run. ``done``/``failed`` count employees of the current ``generation``;
    ``failures`` lists at most 200 of them (every failed result is in :func:`list_results`)."""

    period: str
    state: str
    generation: int
    total: int
    done: int
    failed: int
    chunks: int
    chunks_done: int
    failures: list[FailureOut] = Field(default_factory=list)
    history: list[HistoryOut] = Field(default_factory=list)
    started_at: str | None = None
    updated_at: str | None = None
    outputs: dict[str, Any] | None = None
    allowed_actions: list[str] | None = Field(
        None, description="Actions the caller may take now (only when the caller is known)."
    )
    attendance_missing: list[MissingAttendanceOut] = Field(
        default_factory=list,
        description="Per OPD, working days of the period with no attendance import (not deducted).",
    )
    attendance_missing_days: int = Field(0, description="How many (OPD, day) pairs are missing.")


class ResultOut(Schema):
    """One employee's result (a :class:`~replika.remunerasi.tables.PayrollResult`). Amounts are
    whole rupiah; percentages and the kinerja ratio are exact decimals (strings in JSON)."""

    period: str
    nip: str
    generation: int
    status: Literal["ok", "failed"]
    reason: str | None = None
    name: str | None = None
    position_name: str | None = None
    opd_code: str | None = None
    kelas: int | None = None
    base: int | None = None
    approved_minutes: int | None = None
    countable_minutes: int | None = None
    kinerja_ratio: Decimal | None = None
    kinerja: int | None = None
    attendance_deduction_pct: Decimal | None = None
    disiplin: int | None = None
    sentence_cut_pct: Decimal | None = None
    sentence_cut: int | None = None
    gross: int | None = None
    bpjs_employer: int | None = None
    bpjs_employee: int | None = None
    net: int | None = None
    computed_at: str | None = None


class ResultPage(Page[ResultOut]):
    pass


# -- payroll outputs ------------------------------------------------------------------------------
class LinkOut(Schema):
    """A presigned download: GET ``url`` within ``expires_in`` seconds."""

    url: str
    expires_in: int
    filename: str
    generation: int


class OutputsOut(Schema):
    """The sheets recorded on a run (``files``: ``"region"`` and ``"opd:<code>"`` -> S3 key)."""

    period: str
    generation: int
    generated_at: str | None
    files: dict[str, str]


# -- dashboards -----------------------------------------------------------------------------------
class OpdLoadOut(Schema):
    opd_code: str
    opd_name: str | None
    employees: int
    employees_with_minutes: int
    total_minutes: int
    average_minutes: Decimal
    under_target: int
    under_target_pct: Decimal
    load_ratio: Decimal
    rank: int
    attendance_missing: list[date] = Field(
        default_factory=list,
        description="Working days so far with no attendance import for this OPD (not deducted).",
    )


class OpdDashboardOut(Schema):
    """OPDs ordered by ``rank`` (most loaded first). ``region_*`` are over the OPDs listed."""

    period: str
    target_minutes: int
    opds: list[OpdLoadOut]
    region_employees: int
    region_total_minutes: int
    region_average_minutes: Decimal
    region_under_target: int


class DayOut(Schema):
    day: date
    working_day: bool
    approved_minutes: int
    countable_minutes: int


class ProjectionOut(Schema):
    """The month's TKD if the rest of the month goes like the part so far."""

    method: str
    approved_minutes: int
    countable_minutes: int
    kelas: int
    base: int
    kinerja_ratio: Decimal
    kinerja: int
    disiplin: int
    sentence_cut: int
    gross: int
    bpjs_employer: int
    bpjs_employee: int
    net: int


class EmployeeDashboardOut(Schema):
    nip: str
    name: str | None
    opd_code: str | None
    period: str
    today: date
    approved_minutes: int
    countable_minutes: int
    target_minutes: int
    progress_pct: Decimal
    working_days_total: int
    working_days_elapsed: int
    working_days_remaining: int
    attendance_deduction_pct: Decimal
    sentence_cut_pct: Decimal
    projection: ProjectionOut | None
    projection_note: str
    days: list[DayOut]
