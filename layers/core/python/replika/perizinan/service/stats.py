"""Public statistics per permit type and year, and the applicant's satisfaction survey (SKM).

The counters are added in the same transaction as the change they count (submission, first
decision, issue), so the figures never disagree with the applications; they are keyed by the
year the application was submitted. Rules: :mod:`replika.perizinan.rules.stats`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core.auth import Principal
from replika.core.errors import Conflict, NotFound
from replika.perizinan import store
from replika.perizinan.models import StatsOut, SurveyIn, SurveyOut, TypeStatsOut
from replika.perizinan.rules import sla
from replika.perizinan.rules.stats import (
    SKM_ELEMENTS,
    decision_counters,
    median_of_histogram,
    share_pct,
    skm_grade,
    skm_index,
)
from replika.perizinan.rules.workflow import Status
from replika.perizinan.service.common import calendar, now_iso, stream

Data = dict[str, Any]
OPEN = frozenset({Status.IN_REVIEW.value, Status.RETURNED.value})
DECIDED = frozenset({Status.APPROVED.value, Status.ISSUED.value, Status.REJECTED.value})
SURVEYED = frozenset({Status.ISSUED.value, Status.REGISTERED.value})


def _year(data: Data) -> int:
    return int(str(data["submitted_on"])[:4])


def on_submit(data: Data) -> dict[str, int]:
    """A new application; a report-only one is decided (and registered) on the day."""
    out = {"applications": 1}
    if data["status"] == Status.REGISTERED.value:
        out |= decision_counters(days=0, total_sla=None, issued=True, fiktif_positif=False)
    return out


def on_change(before: str | None, data: Data, issued_now: bool) -> dict[str, int]:
    """Counters of a status change: the first decision (with its working days), and the issue."""
    if before in OPEN and data["status"] in DECIDED:
        days = sla.working_days_taken(
            calendar(),
            date.fromisoformat(data["submitted_on"]),
            date.fromisoformat(data.get("decided_on") or data["submitted_on"]),
            int(data.get("paused_days") or 0),
        )
        return decision_counters(
            days=days,
            total_sla=int(data.get("total_sla") or 0),
            issued=issued_now,
            fiktif_positif=bool(data.get("fiktif_positif")),
        )
    return {"issued": 1} if issued_now else {}


def add(tx: TransactWrite, data: Data, counters: dict[str, int]) -> None:
    if counters:
        store.add_counters(tx, _year(data), data["type_code"], data["number"], counters)


def public_stats(year: int) -> StatsOut:
    out = []
    for code, c in sorted(store.counters_of(year).items()):
        histogram = {int(k.split("#")[1]): v for k, v in c.items() if k.startswith("days#")}
        n = c.get("skm_responses", 0)
        index = skm_index([c.get(f"skm#{e}", 0) for e in SKM_ELEMENTS], n)
        median = median_of_histogram(histogram)
        current = store.current_type(code)
        out.append(
            TypeStatsOut(
                type_code=code,
                type_name=(current.data or {}).get("name") if current is not None else None,
                applications=c.get("applications", 0),
                decided=c.get("decided", 0),
                issued=c.get("issued", 0),
                median_working_days=None if median is None else str(median),
                within_sla_pct=None
                if (s := share_pct(c.get("within_sla", 0), c.get("decided", 0))) is None
                else str(s),
                fiktif_positif=c.get("fiktif_positif", 0),
                skm_responses=n,
                skm_index=None if index is None else str(index),
                skm_grade=skm_grade(index),
            )
        )
    return StatsOut(year=year, types=out)


def answer_survey(number: str, body: SurveyIn, principal: Principal, request_id: str | None) -> SurveyOut:
    """The applicant's SKM answers, once per application, after the permit (or registration) is
    issued. The audit keeps that an answer was given, not the answers."""
    item = store.find_application(number)
    data: Data = dict(item.data or {}) if item is not None else {}
    if item is None or not principal.applicant or data.get("owner") != principal.subject:
        raise NotFound("Permohonan tidak ditemukan.")
    if data["status"] not in SURVEYED:
        raise Conflict("Survei kepuasan diisi setelah izin terbit.", code="not_issued")
    if store.survey(number) is not None:
        raise Conflict("Survei untuk permohonan ini sudah diisi.", code="survey_answered")
    at = now_iso()
    counters = {"skm_responses": 1} | {f"skm#{e}": a for e, a in zip(SKM_ELEMENTS, body.answers, strict=True)}

    def write(tx: TransactWrite) -> None:
        store.save_survey(tx, number, {"answers": body.answers}, at)
        add(tx, data, counters)

    store.write(
        stream(f"application/{data['type_code']}"),
        write,
        actor=principal.actor,
        action="application.survey",
        subject=f"perizinan-application#{number}",
        after={"survey": True},
        request_id=request_id,
    )
    return SurveyOut(number=number, answers=body.answers, at=at)


def my_survey(number: str, principal: Principal) -> SurveyOut:
    item = store.find_application(number)
    found = store.survey(number)
    if item is None or found is None or (item.data or {}).get("owner") != principal.subject:
        raise NotFound("Survei tidak ditemukan.")
    return SurveyOut(number=number, answers=list((found.data or {})["answers"]), at=str(found.created_at))
