"""Cold start of each app as shipped, against the floor of a bare botocore handler.

What it runs: the output of ``replika package`` for this machine's architecture (packaged afresh
into ``build/cold-start-<arch>`` at every run; the layer installs are cached), unzipped the way Lambda
lays it out: the layers merged into a read-only ``opt/python``, the app zip into a read-only
``task``, boto3/botocore (what the runtime provides) pip-installed for the target Python and
compiled, like ``/var/runtime``. Each fresh process runs the target Python (``python3.12 -B -S``,
``PYTHONDONTWRITEBYTECODE=1``: nothing is compiled or written at run time) and times, in-process,
``import app`` + the first call of the app's busiest route through the Chalice app object
(``app.app(event, context)`` with the sample API Gateway event from ``events/<app>/``, dated
today where the route checks dates, and with a new ``Idempotency-Key`` in each process so that
each one does the work rather than replay the first), which creates its DynamoDB client and reads
the tables (seeded with the demo directory and activity catalogue). The tables live in a moto
server started once on a free localhost port, with the region stack created from
``templates/region.yaml`` by the local-stack code; the children reach it through
``AWS_ENDPOINT_URL``. Each app's children get the literal environment variables that its packaged
template (``<app>/sam.yaml``) gives its API function (what ``replika package`` sets, e.g.
``PYDANTIC_DISABLE_PLUGINS``), over the stack's outputs.

The floor: a handler that imports botocore (the same precompiled copy), creates a DynamoDB client
and returns JSON, timed the same way. Interpreter start-up is not counted in either. The processes
run in rounds (floor, each app; floor, each app; ...) so that load on a shared machine that changes
during the run weighs on the floor and the apps alike.

    python benchmarks/cold_start.py [--runs 7] [--app wbs] [--build DIR]

Prints ``<app> median <N> ms min <N> max <N> layers <N> MiB <R>x floor (...)`` per app, and last
``cold start as shipped: worst median <N> ms, <R>x the bare botocore handler``. Each app's line
also says how many AWS calls its first request made and how long the child waited for the local
emulator's answers (timed around botocore's HTTP send), and the median without that wait: moto
answers a query by scanning the whole table in Python on the same CPUs, which is neither the
function's work nor DynamoDB's few milliseconds (the line before the last gives the worst of those).
The goal is at most 1.5x the floor for every app as shipped (exit status 1 when an app misses it, 2
when it cannot run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
GOAL = 1.5
#: The busiest route of each app (its sample event in ``events/<app>/``, or one built here for an
#: app without sample events): what the first request of a cold function is.
BUSIEST = {
    "directory": "list_employees",  # every app's staff screens list people
    "remunerasi": "create_entry",  # every employee logs activities every working day
    "wbs": "create_report",  # the public reporting form
    "sabilulungan": "my_proposals",  # an applicant's proposals
    "perizinan": "public_catalogue",  # the public permit catalogue, read before every application
    "sakip": "my_work",  # an employee's E-RK work against the region's targets
}
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

APP_CHILD = """
import json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{task!r}, {opt!r}, {runtime!r}]
import botocore.httpsession  # each HTTP round trip to the local AWS emulator, timed
_send, waits = botocore.httpsession.URLLib3Session.send, []
def send(self, request):
    start = time.perf_counter()
    try:
        return _send(self, request)
    finally:
        waits.append(time.perf_counter() - start)
botocore.httpsession.URLLib3Session.send = send
import app
t1 = time.perf_counter()
class Context:
    function_name = "bench"; memory_limit_in_mb = 1024; aws_request_id = "bench-request"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:000000000000:function:bench"
    def get_remaining_time_in_millis(self): return 30000
event = json.load(open({event!r}))
if "idempotency-key" in (event.get("headers") or {{}}):  # a new request, not the replay of the last
    import uuid
    event["headers"]["idempotency-key"] = event["multiValueHeaders"]["idempotency-key"][0] = uuid.uuid4().hex
response = app.app(event, Context())
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "total": t2 - t0, "status": response.get("statusCode"),
                  "wait": sum(waits), "calls": len(waits)}}))
"""

FLOOR_CHILD = """
import json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{runtime!r}]
import botocore.session
client = botocore.session.get_session().create_client("dynamodb")
body = json.dumps({{"ok": True}})
t2 = time.perf_counter()
print(json.dumps({{"import": t2 - t0, "total": t2 - t0, "status": 200, "wait": 0, "calls": 0}}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        raise SystemExit("moto_server is not installed (pip install -e '.[dev]')")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def region_env(endpoint: str) -> dict[str, str]:
    """Create the region stack in the moto server; the functions' env vars."""
    from replika_infra.local.stack import APPS, create_region_stack, parameters_for, stack_env

    for name, value in (("AWS_DEFAULT_REGION", "ap-southeast-3"), ("AWS_ACCESS_KEY_ID", "bench")):
        os.environ[name] = value
    os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"
    outputs = create_region_stack(
        "bench", parameters_for(APPS, "kota-bandung", "local"), endpoint_url=endpoint
    )
    env = stack_env(outputs)
    env.update({"REPLIKA_STAGE": "prod", "REPLIKA_REGION_SLUG": "kota-bandung", "CURSOR_SECRET": "bench"})
    seed_stack(env, endpoint)
    return env


def seed_stack(env: dict[str, str], endpoint: str) -> None:
    """What the busiest routes read, so that their first request is the realistic one (a 200/201,
    not a 404 on empty tables): the demo directory, the activity catalogue and an e-SAKIP period."""
    from replika.core import runtime
    from replika.core.auth import Principal, Role
    from replika.directory import service as directory
    from replika.remunerasi import service as remunerasi
    from replika.sakip import cascade
    from replika.sakip.models import PeriodIn
    from replika_infra.demo import seed
    from replika_infra.demo.demo_data import CATALOGUE

    os.environ.update(env)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    runtime.reset()
    directory.import_directory(seed.to_csv(seed.demo_employees()), actor="bench")
    remunerasi.import_activities(CATALOGUE.encode(), actor="bench", request_id=None)
    bappeda = Principal("bench", "bench", frozenset({Role.BAPPEDA}))
    cascade.create_period(bappeda, PeriodIn(start_year=2025, name="RPJMD 2025-2029"))


def event_for(app: str, dest: Path) -> Path:
    """The busiest route's sample event, dated today where the route checks the date against
    today (a sample dated for the test suite's fixed today would be refused as back-dated)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from replika.core.config import load_region_config, region_config_path

    zone = ZoneInfo(load_region_config(region_config_path("kota-bandung")).timezone)
    sample = EVENTS / app / f"{BUSIEST[app]}.json"
    if sample.exists():
        event = json.loads(sample.read_text(encoding="utf-8"))
    else:  # an app without sample events: its busiest route's public event
        from replika_infra.events import api_event

        event = api_event("GET", "/public/catalogue")
    body = json.loads(event["body"]) if event.get("body") else None
    if isinstance(body, dict) and "entry_date" in body:
        body["entry_date"] = datetime.now(zone).date().isoformat()
        event["body"] = json.dumps(body)
    path = dest / f"{app}-event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def ensure_build(build: Path, python: str, arch: str, reuse: bool) -> dict[str, object]:
    """Package the tree as it is now (layer installs are cached); with ``reuse`` (``--build DIR``),
    an existing package for this architecture and Python is measured as it is."""
    manifest_path = build / "manifest.json"
    if reuse and manifest_path.exists():
        manifest: dict[str, object] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("arch") == arch and manifest.get("python") == python:
            return manifest
    print(f"replika package --arch {arch} --python {python} --out {build}", file=sys.stderr, flush=True)
    replika = Path(sys.executable).parent / "replika"
    proc = subprocess.run(
        [str(replika), "package", "--arch", arch, "--python", python, "--out", str(build)],
        capture_output=True,
        text=True,
        check=False,
    )
    over_limit = proc.returncode != 0 and all(
        "over" in line for line in proc.stderr.splitlines() if line.startswith("replika package: error")
    )
    if proc.returncode != 0 and not (over_limit and manifest_path.exists()):
        raise SystemExit(f"replika package failed:\n{proc.stdout}{proc.stderr}")
    if over_limit:  # measured all the same; the size is reported by `replika package`
        print(proc.stderr.strip(), file=sys.stderr)
    result: dict[str, object] = json.loads(manifest_path.read_text(encoding="utf-8"))
    return result


def runtime_boto(cache: Path, target_python: str) -> Path:
    """boto3 + botocore for the target Python, precompiled: what the Lambda runtime ships."""
    site = cache / "runtime-boto3"
    if (site / ".complete").exists():
        return site
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--target", str(site), "boto3"], check=True, capture_output=True)
    subprocess.run(
        [
            target_python,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(site),
        ],
        check=True,
        capture_output=True,
    )
    (site / ".complete").write_text("boto3\n", encoding="utf-8")
    return site


def unzip_read_only(zips: list[Path], dest: Path) -> int:
    """Unzip into ``dest`` (later zips over earlier ones, as Lambda merges layers), then make the
    tree read-only; returns the zipped bytes."""
    size = 0
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            zf.extractall(dest)
        size += z.stat().st_size
    for dirpath, _dirnames, filenames in os.walk(dest):
        for name in filenames:
            os.chmod(Path(dirpath) / name, stat.S_IRUSR | stat.S_IRGRP)
        os.chmod(dirpath, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    return size


def run_child(python: str, code: str, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [python, "-B", "-S", "-c", code], env=env, capture_output=True, text=True, check=False, cwd="/"
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-3000:])
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def child_env(base: dict[str, str], endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
    env.update(base)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "ap-southeast-3",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "PYTHONDONTWRITEBYTECODE": "1",
            "POWERTOOLS_SERVICE_NAME": "bench",
            "LAMBDA_TASK_ROOT": "/var/task",
        }
    )
    return env


def template_env(build: Path, app: str) -> dict[str, str]:
    """The literal env vars the packaged template gives the app's API function (``app.app``);
    the ``Ref`` ones are the stack's outputs, which :func:`region_env` provides."""
    import yaml

    template = yaml.safe_load((build / app / "sam.yaml").read_text(encoding="utf-8"))
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        if props.get("Handler") == "app.app":
            variables = (props.get("Environment") or {}).get("Variables") or {}
            return {k: v for k, v in variables.items() if isinstance(v, str)}
    raise SystemExit(f"{app}: the packaged template has no API function (Handler app.app)")


def mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


def main(argv: list[str] | None = None) -> int:
    from replika_infra.release.layers import LayerError, target_python

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per app (default 7)")
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    parser.add_argument("--python", default="3.12", help="Lambda Python version (default 3.12)")
    parser.add_argument("--build", help="measure this `replika package` output (packaged if missing)")
    args = parser.parse_args(argv)
    arch = HOST_ARCH.get(platform.machine().lower(), "x86_64")
    try:
        python = target_python(args.python)
    except LayerError as exc:
        print(exc, file=sys.stderr)
        return 2
    build = Path(args.build).resolve() if args.build else ROOT / "build" / f"cold-start-{arch}"
    manifest = ensure_build(build, args.python, arch, reuse=bool(args.build))
    apps = args.app or list(manifest["apps"])  # type: ignore[call-overload]
    app_layers: dict[str, list[str]] = manifest["app_layers"]  # type: ignore[assignment]
    layer_paths: dict[str, str] = manifest["layers"]  # type: ignore[assignment]
    runtime = runtime_boto(build / ".cache", python)
    print(f"python {args.python} ({python}), {arch}, {args.runs} fresh processes each", flush=True)
    results: dict[str, tuple[list[float], int, object, list[float], int]] = {}
    with tempfile.TemporaryDirectory(prefix="replika-cold-") as tmp, moto_server() as endpoint:
        env = child_env(region_env(endpoint), endpoint)
        codes = {"(floor)": FLOOR_CHILD.format(runtime=str(runtime))}
        envs = {"(floor)": env}
        layer_sizes: dict[str, int] = {}
        for app in apps:
            opt = Path(tmp) / app / "opt"
            task = Path(tmp) / app / "task"
            layer_sizes[app] = unzip_read_only([build / layer_paths[n] for n in app_layers[app]], opt)
            unzip_read_only([build / app / "deployment.zip"], task)
            event = event_for(app, Path(tmp))
            codes[app] = APP_CHILD.format(
                task=str(task), opt=str(opt / "python"), runtime=str(runtime), event=str(event)
            )
            envs[app] = {**env, **template_env(build, app)}
        # Rounds of floor, app, app…: a machine that gets busier or quieter during the run moves
        # the floor and the apps alike, so the ratio holds (run one after the other, it did not).
        measured: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
        for _ in range(args.runs):
            for name, code in codes.items():
                measured[name].append(run_child(python, code, envs[name]))
        floor = [r["total"] for r in measured["(floor)"]]
        for app in apps:
            runs = measured[app]
            statuses = sorted({r["status"] for r in runs})
            own = [(r["total"] - r["wait"]) * 1000 for r in runs]
            calls = max(int(r["calls"]) for r in runs)
            results[app] = ([r["total"] * 1000 for r in runs], layer_sizes[app], statuses, own, calls)
        for app in apps:  # leave the temporary tree removable
            for dirpath, _dirs, _files in os.walk(Path(tmp) / app):
                os.chmod(dirpath, 0o755)
    floor_ms = statistics.median(floor) * 1000
    lo, hi = min(floor) * 1000, max(floor) * 1000
    print(f"floor (bare botocore handler) median {floor_ms:.0f} ms min {lo:.0f} max {hi:.0f}")
    worst = worst_own = 0.0
    for app, (times, layer_bytes, statuses, own, calls) in results.items():
        med, own_med = statistics.median(times), statistics.median(own)
        worst, worst_own = max(worst, med), max(worst_own, own_med)
        print(
            f"{app} median {med:.0f} ms min {min(times):.0f} max {max(times):.0f} "
            f"layers {mib(layer_bytes)} MiB {med / floor_ms:.2f}x floor "
            f"({BUSIEST[app]}: HTTP {','.join(str(s) for s in statuses)}; "  # type: ignore[attr-defined]
            f"{calls} AWS calls, {med - own_med:.0f} ms waiting for the emulator: "
            f"{own_med:.0f} ms {own_med / floor_ms:.2f}x without)"
        )
    # The emulator (moto, Python on the same CPUs) answers a query by scanning the whole table:
    # its time is not the function's, and the floor makes no call. Shown, not subtracted above.
    print(
        f"without the emulator's answer time: worst median {worst_own:.0f} ms, "
        f"{worst_own / floor_ms:.2f}x the bare botocore handler"
    )
    ratio = worst / floor_ms
    print(f"cold start as shipped: worst median {worst:.0f} ms, {ratio:.2f}x the bare botocore handler")
    return 0 if worst <= GOAL * floor_ms else 1


if __name__ == "__main__":
    sys.exit(main())
