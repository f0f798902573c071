"""Shared pieces of the perizinan use cases: time, calendar, policy, items and views."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from replika.core import runtime
from replika.core.auth import Principal
from replika.core.calendar import RegionCalendar, calendar_for, to_utc_iso, utc_now
from replika.core.config import PerizinanPolicy
from replika.perizinan import keys
from replika.perizinan.models import ApplicationOut, StageOut, VisitOut, VisitPhotoOut
from replika.perizinan.rules.workflow import CLOCK_RUNS, Status
from replika.perizinan.tables import PerizinanItem

_B32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud and typed from paper


def policy() -> PerizinanPolicy:
    return runtime.current().region.perizinan


def calendar() -> RegionCalendar:
    return calendar_for(runtime.current().region)


def now() -> datetime:
    return utc_now()


def now_iso() -> str:
    return to_utc_iso(now())


def today() -> date:
    return calendar().local_date(now())


def random_code(n: int) -> str:
    return "".join(secrets.choice(_B32) for _ in range(n))


def stream(aggregate: str) -> str:
    return f"perizinan/{aggregate}"


def save_applicant_item(
    item: PerizinanItem, principal: Principal, action: str, after: Any, request_id: str | None
) -> None:
    """Save an item of the applicant's own (profile, document library) with its audit record;
    personal data: the audit says what changed, never the value."""
    from replika.perizinan import store

    store.write(
        stream("applicant"),
        lambda tx: tx.save(item),
        actor=principal.actor,
        action=action,
        subject=f"perizinan-applicant#{principal.subject}",
        after=after,
        request_id=request_id,
    )


def app_item(data: dict[str, Any], version: int) -> PerizinanItem:
    """The application item with its index keys, derived from its state: the owner's list always;
    the due-date index while the clock runs (the escalation queue once escalated); the queue of
    the current stage's role while in review."""
    status = Status(data["status"])
    number = data["number"]
    item = PerizinanItem(
        keys.app_pk(number),
        keys.APP,
        kind="application",
        version=version,
        status=status.value,
        number=number,
        owner=data["owner"],
        created_at=data["created_at"],
        changed_at=data["changed_at"],
        data=data,
        gsi1pk=keys.owner_pk(data["owner"]),
        gsi1sk=keys.dated_sk(data["created_at"], number),
    )
    if status in CLOCK_RUNS and data.get("total_due"):
        # the clock's index while it runs; once escalated, the head of DPMPTSP's queue instead
        item.gsi2pk = keys.ESCALATED if data.get("escalated") else keys.due_pk(keys.due_shard(number))
        item.gsi2sk = keys.dated_sk(data["total_due"], number)
    stage = current_stage(data)
    if status is Status.IN_REVIEW and stage is not None:
        item.gsi3pk = keys.queue_pk(stage["role"], stage.get("opd") if stage["role"] == "pegawai" else None)
        item.gsi3sk = keys.dated_sk(stage["due"], number)
    return item


def current_stage(data: dict[str, Any]) -> dict[str, Any] | None:
    if data["status"] != Status.IN_REVIEW.value:
        return None
    stages: list[dict[str, Any]] = data.get("stages") or []
    i = int(data.get("stage_index", 0))
    return stages[i] if 0 <= i < len(stages) else None


def _stage_out(s: dict[str, Any]) -> StageOut:
    return StageOut(
        code=s["code"],
        name=s["name"],
        role=s["role"],
        sla_days=s["sla_days"],
        kind=s.get("kind") or "review",
        site_visit=bool(s.get("site_visit")),
        due=s.get("due"),
        done_at=s.get("done_at"),
    )


def visits_view(data: dict[str, Any]) -> list[VisitOut]:
    """The site-visit reports of an application (staff only), in stage order."""
    out = []
    for stage in data.get("stages") or []:
        visit = (data.get("visits") or {}).get(stage["code"])
        if visit is None:
            continue
        report = visit.get("report") or {}
        out.append(
            VisitOut(
                stage=stage["code"],
                date=report.get("date"),
                officers=list(report.get("officers") or []),
                findings=report.get("findings"),
                recommendation=report.get("recommendation"),
                by=report.get("by"),
                at=report.get("at"),
                photos=[VisitPhotoOut(kind=p["kind"], at=p["at"]) for p in visit.get("photos") or []],
            )
        )
    return out


def applicant_payment(payment: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the applicant sees of a payment: the receipt, whether it was waived, the date; not
    the cashier (``by``) nor the internal waiver note."""
    if payment is None:
        return None
    return {
        "receipt_number": payment.get("receipt_number"),
        "waived": payment.get("receipt_number") is None,
        "date": str(payment.get("at") or "")[:10] or None,
    }


def application_view(item: PerizinanItem, *, applicant: bool = False) -> ApplicationOut:
    """The application; for its applicant (``applicant``) the payment without the staff details."""
    data: dict[str, Any] = item.data or {}
    stage = current_stage(data)
    return ApplicationOut(
        number=data["number"],
        type_code=data["type_code"],
        type_version=data["type_version"],
        kind=data["kind"],
        status=data["status"],
        risk=data["risk"],
        report_only=data["report_only"],
        business={k: v for k, v in (data.get("business") or {}).items()},
        stage=_stage_out(stage) if stage else None,
        stages=[_stage_out(s) for s in data.get("stages") or []],
        total_due=data.get("total_due") if data["status"] == Status.IN_REVIEW.value else None,
        escalated=bool(data.get("escalated")),
        fiktif_positif=bool(data.get("fiktif_positif")),
        fee=int(data.get("fee") or 0),
        payment=applicant_payment(data.get("payment")) if applicant else data.get("payment"),
        permit_number=data.get("permit_number"),
        renews=data.get("renews"),
        reason=data.get("reason"),
        documents=sorted(data.get("document_keys") or {}),
        visits=None if applicant else visits_view(data),
        created_at=data["created_at"],
        changed_at=data["changed_at"],
        version=int(item.version or 0),
    )
