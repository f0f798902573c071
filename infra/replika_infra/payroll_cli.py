"""`replika payroll run --period YYYY-MM`, `replika payroll show --period YYYY-MM` and
`replika payroll migrate-keys --from YYYY-MM --to YYYY-MM` (the one-off move of stored months to
the sharded keys: :mod:`replika.remunerasi.store.legacy`).

Against the running local stack (``make demo`` / ``replika dev``: the environment comes from its
state file, like ``replika import``) ``run`` starts the period's run and then works the payroll
queue in this process until the run is drafted, printing progress and the final run. With
``--aws`` it uses the real AWS environment: it only starts the run (the deployed queue consumer
computes it) and prints the run as started.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from replika_infra.local.dev import use_stack_environment


def _config(args: argparse.Namespace) -> Any:
    from replika.core.config import load_region_config, region_config_path
    from replika.core.runtime import get_settings

    s = get_settings()
    return load_region_config(args.region_config or s.region_config_path or region_config_path(s.region_slug))


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def cmd_run(args: argparse.Namespace) -> int:
    local = use_stack_environment(aws=args.aws)
    from replika.core.errors import AppError
    from replika.remunerasi import payroll

    config = _config(args)
    actor = f"cli:{os.environ.get('USER', 'unknown')}"
    t0 = time.perf_counter()
    try:
        run = payroll.start_run(args.period, actor=actor, config=config, resume=args.resume)
    except AppError as err:
        _print_json(err.body())
        return 1
    print(
        f"{config.name}: payroll {run.period} generation {run.generation} — {run.total} employees "
        f"in {run.chunks} chunks ({run.state})",
        file=sys.stderr,
    )
    if not local:
        print(run.model_dump_json(indent=2))
        return 0

    if run.state == "computing":
        from replika_infra.progress import Counter

        with Counter(f"payroll {run.period} chunks", run.chunks, stream=sys.stderr) as bar:

            def progress(_: int) -> None:
                now = payroll.get_run(args.period)
                bar.update(now.chunks_done, now.chunks, note=f"({now.done} computed, {now.failed} failed)")

            payroll.drain_local_queue(config=config, max_seconds=args.max_seconds, on_progress=progress)
    final = payroll.get_run(args.period)
    print(final.model_dump_json(indent=2))
    print(f"{final.state} after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0 if final.state != "computing" else 1


def cmd_show(args: argparse.Namespace) -> int:
    use_stack_environment(aws=args.aws)
    from replika.core.errors import AppError
    from replika.remunerasi import payroll

    try:
        print(payroll.get_run(args.period).model_dump_json(indent=2))
    except AppError as err:
        _print_json(err.body())
        return 1
    return 0


def _period(text: str) -> str:
    from replika.core.calendar import parse_period

    try:
        parse_period(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r}: a month YYYY-MM") from None
    return text


def _periods(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (both YYYY-MM), inclusive."""
    y, m = (int(x) for x in first.split("-"))
    out: list[str] = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def cmd_migrate_keys(args: argparse.Namespace) -> int:
    use_stack_environment(aws=args.aws)
    from replika.core.errors import AppError
    from replika.remunerasi.store import legacy

    status = 0
    for period in _periods(args.first, args.last):
        try:
            moved = legacy.migrate_period(period)
        except AppError as err:
            _print_json(err.body())
            status = 1
            continue
        print(
            f"{period}: {moved.totals} month totals moved, {moved.totals_merged} merged; "
            f"{moved.results} results moved, {moved.results_superseded} superseded by a later generation"
        )
    return status


def register(sub: Any) -> None:
    p = sub.add_parser("payroll", help="the monthly TKD payroll run")
    psub = p.add_subparsers(dest="payroll_command", required=True)
    r = psub.add_parser("run", help="start a period's run (and, locally, compute it here)")
    r.add_argument("--period", required=True, help="YYYY-MM")
    r.add_argument("--region-config", type=Path, default=None)
    r.add_argument("--resume", action="store_true", help="finish a start that crashed (same generation)")
    r.add_argument("--max-seconds", type=float, default=1800.0, help="stop working the queue after this")
    r.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    r.set_defaults(func=cmd_run)
    s = psub.add_parser("show", help="print a period's run")
    s.add_argument("--period", required=True, help="YYYY-MM")
    s.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    s.set_defaults(func=cmd_show)
    m = psub.add_parser("migrate-keys", help="move stored months to the sharded keys (once, at deploy)")
    m.add_argument("--from", dest="first", type=_period, required=True, help="first month YYYY-MM")
    m.add_argument("--to", dest="last", type=_period, required=True, help="last month YYYY-MM")
    m.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    m.set_defaults(func=cmd_migrate_keys)
