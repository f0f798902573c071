"""Throughput of the TKD formula alone: :func:`replika.remunerasi.rules.compute_tkd` over N synthetic
employees (default 100,000), no I/O. Inputs are built before the clock starts; the best of R runs
(default 3) is reported.

    python benchmarks/payroll_rules.py [--employees 100000] [--runs 3] [--json]

Exit status 1 when the best run is under the floor (5,000 employees/s).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "core" / "python"))

from replika.core.config import RemunerasiPolicy
from replika.remunerasi.rules import OpdTransfer, Sentence, TkdInput, compute_tkd

FLOOR_PER_S = 5_000
PERIOD = "2026-08"
ATTENDANCE = [Decimal(x) for x in ("0", "0", "0", "0.5", "1", "1.25", "1.5", "3", "4.5", "7.25")]


def synthetic(n: int, seed: int = 2026) -> list[TkdInput]:
    """A realistic mix: most employees clean, ~2 % with a sentence, ~1 % transferred mid-month."""
    rnd = random.Random(seed)
    out: list[TkdInput] = []
    for i in range(n):
        approved = rnd.randint(0, 8_000)
        countable = min(approved, rnd.randint(approved // 2, approved) if approved else 0)
        roll = rnd.random()
        sentences = (Sentence("berat", date(2026, 7, 1), date(2026, 12, 31)),) if roll < 0.02 else ()
        transfers = (OpdTransfer(date(2026, 8, 17), "1.02.01"),) if 0.02 <= roll < 0.03 else ()
        out.append(
            TkdInput(
                nip=f"19800101200501{i % 2 + 1}{i % 1000:03d}",
                period=PERIOD,
                kelas=rnd.randint(1, 17),
                opd_code="1.01.01",
                approved_minutes=approved,
                countable_minutes=countable,
                attendance_deduction_pct=rnd.choice(ATTENDANCE),
                sentences=sentences,
                transfers=transfers,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    policy = RemunerasiPolicy()
    inputs = synthetic(args.employees)
    compute_tkd(inputs[0], policy)  # warm the per-policy cache

    timings: list[float] = []
    total_net = 0
    for _ in range(args.runs):
        start = time.perf_counter()
        results = [compute_tkd(x, policy) for x in inputs]
        timings.append(time.perf_counter() - start)
        total_net = sum(r.net for r in results)
    best = min(timings)
    rate = args.employees / best
    report = {
        "employees": args.employees,
        "runs": args.runs,
        "best_seconds": round(best, 4),
        "employees_per_s": round(rate),
        "us_per_employee": round(best / args.employees * 1e6, 2),
        "total_net_rupiah": total_net,
        "floor_per_s": FLOOR_PER_S,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"compute_tkd: {args.employees:,} employees in {best:.3f} s (best of {args.runs}) = "
            f"{rate:,.0f} employees/s ({report['us_per_employee']} µs each); floor {FLOOR_PER_S:,}/s"
        )
    return 0 if rate >= FLOOR_PER_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
