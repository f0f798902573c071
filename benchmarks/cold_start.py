"""Cold start of each app: fresh-process import time of its handler module, and what it ships.

For every ``functions/<app>/app.py`` this spawns ``python -c`` N times (default 7) with the
sys.path a Lambda function has (the core layer's ``python/`` dir, then the app dir; the deps come
from this interpreter's site-packages, standing in for the deps layer), placeholder env vars for
the region's resources, and measures ``import app`` with ``time.perf_counter``. Interpreter
start-up is not counted: Lambda's own init is not ours to trim.

Shipped size = the app's own files + the core layer + the deps layer: the zips in ``build/`` when
``replika package`` made them, otherwise the app dir and ``layers/core/python`` zipped in memory
(the deps layer is then unknown and left out: say so).

    python benchmarks/cold_start.py [--runs 7] [--json] [--app directory] [--build build]

Exit status 1 when the directory app's median import time is over the budget (300 ms).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
CORE = ROOT / "layers" / "core" / "python"
BUDGET_MS = {"directory": 300.0}
SKIP_DIRS = {"__pycache__", ".chalice", ".mypy_cache", ".pytest_cache"}

PLACEHOLDER_ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "REPLIKA_STAGE": "prod",
    "REPLIKA_REGION_SLUG": "kota-bandung",
    "DIRECTORY_TABLE": "bench-directory",
    "AUDIT_TABLE": "bench-audit",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "DOCUMENTS_BUCKET": "bench-documents",
    "USER_POOL_ID": "ap-southeast-3_bench",
    "USER_POOL_ARN": "arn:aws:cognito-idp:ap-southeast-3:000000000000:userpool/ap-southeast-3_bench",
    "USER_POOL_CLIENT_ID": "bench",
    "CURSOR_SECRET": "bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Replika",
    "PYTHONDONTWRITEBYTECODE": "1",
}

# Runs in the child: put the layer and the app first on sys.path, then time the import only.
CHILD = """
import sys, time
sys.path[:0] = [{core!r}, {app!r}]
t = time.perf_counter()
import app
print(time.perf_counter() - t)
"""


def import_seconds(app_dir: Path, env: dict[str, str]) -> float:
    code = CHILD.format(core=str(CORE), app=str(app_dir))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=app_dir, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"import of {app_dir.name}/app.py failed:\n{proc.stderr.strip()[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def zipped_size(base: Path, prefix: str = "") -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith(".pyc"):
                    continue
                path = Path(dirpath) / name
                zf.write(path, prefix + path.relative_to(base).as_posix())
    return len(buf.getvalue())


def shipped(app: str, build: Path) -> tuple[dict[str, int | None], str]:
    """Sizes in bytes of (app, core, deps) and where they came from."""
    code, core, deps = (
        build / app / "deployment.zip",
        build / "layers" / "core.zip",
        build / "layers" / "deps.zip",
    )
    if code.exists() and core.exists() and deps.exists():
        return {"app": code.stat().st_size, "core": core.stat().st_size, "deps": deps.stat().st_size}, "build"
    sizes: dict[str, int | None] = {
        "app": zipped_size(FUNCTIONS / app),
        "core": zipped_size(CORE / "replika", "python/replika/"),
        "deps": deps.stat().st_size if deps.exists() else None,
    }
    return sizes, "in-memory zip"


def measure(app: str, runs: int, build: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update(PLACEHOLDER_ENV)
    times_ms = [import_seconds(FUNCTIONS / app, env) * 1000 for _ in range(runs)]
    sizes, source = shipped(app, build)
    total = sum(v for v in sizes.values() if v is not None)
    median = statistics.median(times_ms)
    budget = BUDGET_MS.get(app)
    return {
        "app": app,
        "runs": runs,
        "median_ms": round(median, 1),
        "min_ms": round(min(times_ms), 1),
        "max_ms": round(max(times_ms), 1),
        "shipped_kib": round(total / 1024, 1),
        "shipped_bytes": sizes,
        "size_source": source,
        "budget_ms": budget,
        "pass": None if budget is None else median <= budget,
    }


def table(results: list[dict[str, object]]) -> str:
    head = ("app", "median ms", "min", "max", "shipped KiB", "budget", "result")
    rows = [head]
    for r in results:
        verdict = "-" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL")
        budget = "-" if r["budget_ms"] is None else f"{r['budget_ms']:.0f} ms"
        shipped_kib = f"{r['shipped_kib']}" + ("" if r["size_source"] == "build" else "*")
        rows.append(
            (
                str(r["app"]),
                str(r["median_ms"]),
                str(r["min_ms"]),
                str(r["max_ms"]),
                shipped_kib,
                budget,
                verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(row))
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    if any(r["size_source"] != "build" for r in results):
        lines.append(
            "* app + core zipped in memory; deps layer only counted when build/layers/deps.zip exists"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per app (default 7)")
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    parser.add_argument("--build", default=str(ROOT / "build"), help="`replika package` output dir")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    apps = args.app or sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))
    if not apps:
        print("no functions/*/app.py", file=sys.stderr)
        return 1
    try:
        results = [measure(app, args.runs, Path(args.build)) for app in apps]
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"python {sys.version.split()[0]}, {args.runs} fresh processes per app: import time of app.py")
        print(table(results))
    return 1 if any(r["pass"] is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
