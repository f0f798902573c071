"""API contract of the LKE evaluation (pydantic models)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field

from replika.core.schema import Schema

SUBJECT = r"^(pemda|[0-9A-Za-z][0-9A-Za-z.-]{0,29})$"
CRITERION = r"^[A-Za-z0-9.]{1,12}$"
LINK_ID = r"^[0-9a-f]{12}$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AnswerIn(_In):
    answer: str = Field(min_length=1, max_length=4, description="on the criterion's scale: Y/T or A/B/C/D")
    note: str | None = Field(None, max_length=1000)
    version: int = Field(ge=0, description="the criterion's version; 0 before its first answer")


class EvidenceLinkIn(_In):
    url: str = Field(min_length=10, max_length=500, pattern=r"^https://[!-~]+$", description="an https URL")
    label: str = Field(min_length=3, max_length=200)


class ReviewIn(_In):
    decision: Literal["verified", "rejected"]
    note: str | None = Field(None, max_length=1000)
    version: int = Field(ge=1)


class VersionIn(_In):
    version: int = Field(ge=1)


class ReviewStep(Schema):
    status: Literal["pending", "verified", "rejected"]
    by: str
    at: str
    note: str | None


class EvidenceLinkOut(Schema):
    id: str
    url: str
    label: str
    by: str
    at: str
    status: Literal["pending", "verified", "rejected"]
    history: list[ReviewStep]


class ProposalOut(Schema):
    answer: str
    note: str | None
    by: str
    at: str
    evidence: list[dict[str, str]] = Field(description="the criterion's links and their status then")


class CriterionOut(Schema):
    id: str
    component: str
    sub: str
    text: str
    scale: str
    weight: Decimal = Field(description="points of 100 (4 decimals)")
    proposed: str | None
    proposed_note: str | None
    proposed_by: str | None
    final: str | None
    final_note: str | None
    final_by: str | None
    evidence: list[EvidenceLinkOut]
    proposals: list[ProposalOut] = Field(description="every evaluator proposal, oldest first (assessors)")
    version: int


class SubScore(Schema):
    sub: str
    weight: Decimal
    score: Decimal


class ComponentScore(Schema):
    code: str
    name: str
    weight: Decimal
    score: Decimal
    subs: list[SubScore]


class Lift(Schema):
    criterion: str
    current: str | None
    best: str
    gain: Decimal


class GapOut(Schema):
    grade: str
    next_grade: str | None
    needed: Decimal = Field(description="points to the next grade's lowest score")
    path: list[str] = Field(description="the fewest criteria, largest lifts first, that reach it")
    lifts: list[Lift] = Field(description="the ten criteria that would lift the score most")


class EvaluationOut(Schema):
    year: int
    subject: str
    status: Literal["open", "final", "published"]
    withheld: bool = Field(
        description="answers and scores withheld: the evaluated party before publication sees its "
        "criteria and evidence only"
    )
    score: Decimal | None = Field(description="from the team lead's final answers")
    grade: str | None
    proposed_score: Decimal | None = Field(description="from the evaluators' proposals")
    proposed_grade: str | None
    answered: int | None
    criteria_count: int
    components: list[ComponentScore]
    gap: GapOut | None
    criteria: list[CriterionOut]
    finalised_at: str | None
    published_at: str | None
    version: int


class EvaluationSummary(Schema):
    year: int
    subject: str
    status: Literal["open", "final", "published"]
    score: Decimal | None
    grade: str | None


class EvaluationList(Schema):
    items: list[EvaluationSummary]
