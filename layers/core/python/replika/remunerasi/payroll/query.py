"""Reading the payroll run and its results (responses in :mod:`replika.remunerasi.models`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from replika.core.auth import Principal
from replika.core.calendar import parse_period
from replika.core.errors import NotFound, ValidationFailed
from replika.core.pagination import decode_cursor, encode_cursor
from replika.remunerasi import rules
from replika.remunerasi.models import (
    FailureOut,
    HistoryOut,
    MissingAttendanceOut,
    ResultOut,
    ResultPage,
    RunOut,
)
from replika.remunerasi.store import results as results_store
from replika.remunerasi.store import runs
from replika.remunerasi.tables import PayrollResult, PayrollRun

__all__ = ["check_period", "get_result", "get_run", "list_results", "result_out", "run_out"]


def check_period(period: str) -> None:
    try:
        parse_period(period)
    except (ValueError, TypeError):
        raise ValidationFailed(
            "Periode harus berformat YYYY-MM (misalnya 2026-08).",
            details={"fields": [{"field": "period", "reason": "format YYYY-MM"}]},
        ) from None


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _opt(value: Any) -> int | None:
    return None if value is None else int(value)


def _allowed(state: str, principal: Principal) -> list[str]:
    if state == runs.COMPUTING:
        return []
    out: list[str] = []
    for role in sorted(r.value for r in principal.roles):
        out.extend(a.value for a in rules.allowed_actions(state, role) if a.value not in out)
    return out


def _plain_map(raw: Any) -> dict[str, Any] | None:
    """A raw ``MapAttribute`` (or a dict) as a plain dict."""
    if raw is None:
        return None
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw)


def run_out(
    run: PayrollRun,
    principal: Principal | None = None,
    gaps: Mapping[str, Sequence[date]] | None = None,
    *,
    live: bool = True,
) -> RunOut:
    """The run as an API response; ``gaps``: the period's missing attendance days by OPD, when the
    caller read them. While computing, the counts are summed from the chunk items (no item counts
    during the run); ``live=False`` shows the stored ones (a fresh generation: 0)."""
    missing = [MissingAttendanceOut(opd_code=o, days=list(d)) for o, d in sorted((gaps or {}).items()) if d]
    done, failed, chunks_done = _int(run.done), _int(run.failed), _int(run.chunks_done)
    failures: list[Any] = list(run.failures or [])
    if live and run.state == runs.COMPUTING:
        p = runs.progress(run.period, _int(run.generation), _int(run.chunks))
        done, failed, chunks_done, failures = p.done, p.failed, p.chunks_done, p.failures[:200]
    return RunOut(
        period=run.period,
        state=run.state,
        generation=_int(run.generation),
        total=_int(run.total),
        done=done,
        failed=failed,
        chunks=_int(run.chunks),
        chunks_done=chunks_done,
        failures=[FailureOut(nip=str(f["nip"]), reason=str(f["reason"])) for f in failures],
        history=[HistoryOut.model_validate(h) for h in run.history or []],
        started_at=run.started_at,
        updated_at=run.updated_at,
        outputs=_plain_map(run.outputs),
        allowed_actions=None if principal is None else _allowed(run.state, principal),
        attendance_missing=missing,
        attendance_missing_days=sum(len(m.days) for m in missing),
    )


# ResultOut's whole-rupiah/minute fields (stored as numbers, each may be absent on a failed result)
_RESULT_INTS = (
    "kelas",
    "base",
    "approved_minutes",
    "countable_minutes",
    "kinerja",
    "disiplin",
    "sentence_cut",
    "gross",
    "bpjs_employer",
    "bpjs_employee",
    "net",
)


def result_out(item: PayrollResult) -> ResultOut:
    same = {name: getattr(item, name) for name in ResultOut.model_fields}
    return ResultOut.model_validate(
        same
        | {name: _opt(same[name]) for name in _RESULT_INTS}
        | {name: _dec(same[name]) for name in results_store.DECIMAL_TEXT}
        | {
            "generation": int(item.generation),
            "status": results_store.OK if item.status == results_store.OK else results_store.FAILED,
        }
    )


def get_run(period: str, principal: Principal | None = None) -> RunOut:
    """The run of ``period`` (404 when none); ``allowed_actions`` when ``principal`` is given."""
    from replika.core.runtime import current_region
    from replika.remunerasi.service.attendance_gaps import missing_attendance

    check_period(period)
    return run_out(runs.require(period), principal, gaps=missing_attendance(period, current_region()))


def list_results(
    period: str, opd: str | None = None, limit: int = 50, cursor: str | None = None
) -> ResultPage:
    """Results of the run's current generation, by NIP: Query ``RES#<period>``, or per OPD the
    gsi1 ``RESOPD#<period>#<opd>``. Cursors are bound to the period, OPD and generation, so a
    cursor taken before a recompute is refused rather than mixing two generations."""
    check_period(period)
    if not 1 <= limit <= 100:
        raise ValidationFailed(
            "limit harus 1..100.", details={"fields": [{"field": "limit", "reason": "1..100"}]}
        )
    gen = int(runs.require(period).generation)
    scope = f"remunerasi:payroll:results:{period}:{opd or '*'}:{gen}"
    items, last = results_store.page(period, opd, gen, limit, decode_cursor(cursor, scope=scope))
    return ResultPage(items=[result_out(r) for r in items], next_cursor=encode_cursor(last, scope=scope))


def get_result(period: str, nip: str) -> ResultOut:
    check_period(period)
    item = results_store.get(period, nip)
    if item is None:
        raise NotFound(
            f"Hasil penggajian {nip} periode {period} tidak ditemukan.",
            details={"period": period, "nip": nip},
        )
    return result_out(item)
