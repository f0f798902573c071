"""Use cases around the audit log's tamper evidence: the Inspektorat's verification, the public
daily chain heads, and the scheduled publication (see :mod:`replika.core.audit_verify`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from replika.core import audit_verify, runtime
from replika.core.errors import BadRequest, NotFound
from replika.core.runtime import require
from replika.directory.models import (
    DAY_PATTERN,
    AuditDayOut,
    AuditHeadsOut,
    AuditVerifyOut,
    ChainHeadOut,
    ChainProblemOut,
)

MAX_DAYS = 31


def _bucket() -> str:
    return require(runtime.current().settings.audit_heads_bucket, "AUDIT_HEADS_BUCKET")


def _s3() -> Any:
    return runtime.current().client("s3")


def _today() -> date:
    return datetime.now(UTC).date()


def verify(since: date, until: date | None, stream: str | None) -> AuditVerifyOut:
    """Verify each day's chains, and compare them with the heads published for that day."""
    last = until or since
    if last < since:
        raise BadRequest("`until` sebelum `since`.", code="invalid_range")
    if (last - since).days >= MAX_DAYS:
        raise BadRequest(f"Paling banyak {MAX_DAYS} hari sekali periksa.", code="range_too_long")
    if since > _today():
        raise BadRequest("Tanggal di masa depan.", code="invalid_range")
    out: list[AuditDayOut] = []
    for day in audit_verify.days(since.isoformat(), min(last, _today()).isoformat()):
        published = audit_verify.read_published(day, _bucket(), _s3())
        report = audit_verify.verify_day(day, stream=stream, published=published)
        out.append(
            AuditDayOut(
                day=day,
                chains=report.chains,
                records=report.records,
                published=report.published,
                ok=report.ok,
                problems=[
                    ChainProblemOut(chain=p.chain, reason=p.reason, seq=p.seq) for p in report.problems
                ],
            )
        )
    return AuditVerifyOut(ok=all(d.ok for d in out), days=out)


def published_heads(day: str) -> AuditHeadsOut:
    """The heads published for ``day`` (the first version written: later ones cannot replace it)."""
    try:
        if not re.fullmatch(DAY_PATTERN, day):
            raise ValueError(day)
        date.fromisoformat(day)
    except ValueError:
        raise NotFound("Tanggal tidak dikenal (YYYY-MM-DD).", code="day_not_found") from None
    document = audit_verify.read_published(day, _bucket(), _s3())
    if document is None:
        raise NotFound("Belum ada kepala rantai yang diterbitkan untuk tanggal ini.", code="not_published")
    return AuditHeadsOut(
        day=document["day"],
        digest=document["digest"],
        chains={k: ChainHeadOut(**v) for k, v in document["chains"].items()},
    )


def publish_yesterday(now: datetime | None = None) -> dict[str, Any]:
    """The daily job: publish yesterday's (UTC) heads unless they already are."""
    day = ((now or datetime.now(UTC)).date() - timedelta(days=1)).isoformat()
    if audit_verify.read_published(day, _bucket(), _s3()) is not None:
        return {"day": day, "published": False, "reason": "already published"}
    document = audit_verify.publish_heads(day, _bucket(), _s3())
    return {"day": day, "published": True, "chains": len(document["chains"]), "digest": document["digest"]}
