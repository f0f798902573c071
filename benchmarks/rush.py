"""The 16:00 rush on the local stack: employees log entries while their supervisors bulk-approve.

    python benchmarks/rush.py [--employees 40] [--supervisors 6] [--entries 6] [--seconds 90]

Everything runs on 127.0.0.1 only: an embedded moto server, the region stack from the template,
the seeded directory, and the verifying local gateway (``replika dev``'s), on free ports. Each
employee and supervisor is a real Cognito user (moto) with a real ID token that the gateway
verifies. Bounded: at most ``--entries`` per employee and ``--seconds`` of wall time.

* each employee thread logs ``--entries`` entries, each with an ``Idempotency-Key``; every third
  one is sent twice (a mobile retry), which must create one entry;
* each supervisor runs two threads (phone and desktop) that page through the pending queue and
  bulk-approve what they see, so the same entries are decided twice at the same moment: the loser
  gets a 409, and the count of those is the contention on one item;
* at the end, for every employee, the month total must equal the sum of the approved entries'
  minutes (goal: exactly), and every retried key must have made one entry.

Prints p50/p95 per route, the 5xx count (goal 0), 409 and 429 counts, the contended decisions,
whether the totals are exact, and last: ``rush: <R> requests, <K> 5xx, totals exact: yes|no``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "core" / "python"), str(ROOT / "infra")]
from replika_infra.local.fake_aws import FAKE_AWS_ENV  # noqa: E402  (on the path set above)

os.environ.update(
    {
        **FAKE_AWS_ENV,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "CURSOR_SECRET": "rush-cursor-secret",  # signs the pending queue's page cursors
    }
)
os.environ.pop("AWS_PROFILE", None)

PASSWORD = "Rush-Pass-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """HTTP to the local gateway only; records status and latency per route."""

    def __init__(self, base: str, deadline: float) -> None:
        if not base.startswith("http://127.0.0.1:"):
            raise SystemExit("rush: only the local gateway on 127.0.0.1")
        self.base = base
        self.deadline = deadline
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[int] = Counter()
        self.by_route: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[tuple[str, int, str]] = Counter()

    def call(
        self, route: str, method: str, path: str, token: str, body: Any = None, **headers: str
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        req.add_header("Content-Type", "application/json")
        for k, v in headers.items():
            req.add_header(k.replace("_", "-"), v)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        elapsed = time.perf_counter() - started
        out = json.loads(raw) if raw else None
        with self.lock:
            self.latency[route].append(elapsed)
            self.status[status] += 1
            self.by_route[route][status] += 1
            if status >= 400:
                error = (out or {}).get("error", {}) if isinstance(out, dict) else {}
                self.errors[(route, status, str(error.get("code")))] += 1
        return status, out


def id_token(idp: Any, pool_id: str, client_id: str, username: str, nip: str, opd: str) -> str:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@rush.invalid"},
            {"Name": "custom:nip", "Value": nip},
            {"Name": "custom:opd", "Value": opd},
        ],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName="pegawai")
    out = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return str(out["AuthenticationResult"]["IdToken"])


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--employees", type=int, default=40)
    p.add_argument("--supervisors", type=int, default=6)
    p.add_argument("--entries", type=int, default=6, help="entries per employee (default 6)")
    p.add_argument("--seconds", type=float, default=90.0, help="wall-time bound (default 90)")
    args = p.parse_args(argv)

    import boto3

    from replika.core.config import load_region_config, region_config_path
    from replika.remunerasi.service.common import calendar
    from replika_infra.local.dev import id_token as demo_token
    from replika_infra.local.dev import start_local_stack

    config = load_region_config(region_config_path("kota-bandung"))
    stack = start_local_stack(config, port=free_port(), moto_port=free_port(), n_employees=400)
    try:
        from replika_infra.demo import seed

        people = seed.demo_employees(config.kode, n_employees=400)
        reports: dict[str, list[Any]] = defaultdict(list)
        for e in people:
            if e.supervisor_nip:
                reports[e.supervisor_nip].append(e)
        by_nip = {e.nip: e for e in people}
        bosses = sorted(reports, key=lambda n: -len(reports[n]))[: args.supervisors]
        staff = [e for b in bosses for e in reports[b]][: args.employees]
        bosses = sorted({e.supervisor_nip for e in staff})
        idp = boto3.client("cognito-idp")
        st = stack.state
        tokens = {
            e.nip: id_token(idp, st.user_pool_id, st.client_id, f"rush-{e.nip}", e.nip, e.opd_code)
            for e in [*staff, *(by_nip[b] for b in bosses)]
        }
        hr = demo_token(st, "bkpsdm")
        deadline = time.monotonic() + args.seconds
        client = Client(st.gateway, deadline)
        status, _ = client.call("setup", "POST", "/remunerasi/activities", hr,
                                {"code": "RUSH", "name": "Rapat sore", "minutes": 45})  # fmt: skip
        if status not in (201, 409):
            raise SystemExit(f"rush: the catalogue refused the activity ({status})")
        cal = calendar(config)
        day = cal.today()
        overtime = not cal.is_working_day(day)
        period = f"{day:%Y-%m}"
        logging_done = threading.Event()
        retried_keys: list[tuple[str, str]] = []
        created: dict[str, set[str]] = defaultdict(set)

        def employee(e: Any) -> None:
            for i in range(args.entries):
                if time.monotonic() > deadline:
                    return
                key = f"rush-{uuid.uuid4().hex}"
                entry = {
                    "entry_date": day.isoformat(),
                    "activity_code": "RUSH",
                    "quantity": 1,
                    "overtime": overtime,
                }
                tries = 2 if i % 3 == 0 else 1
                for _ in range(tries):
                    status, out = client.call(
                        "POST /entries",
                        "POST",
                        "/remunerasi/entries",
                        tokens[e.nip],
                        entry,
                        Idempotency_Key=key,
                    )
                    if status == 201:
                        with client.lock:
                            created[e.nip].add(out["entry_id"])
                if tries == 2:
                    with client.lock:
                        retried_keys.append((e.nip, key))

        contended = Counter[str]()

        def supervisor(nip: str) -> None:
            token = tokens[nip]
            while time.monotonic() < deadline:
                status, page = client.call("GET /pending", "GET", "/remunerasi/pending?limit=100", token)
                items = page.get("items", []) if status == 200 and page else []
                if not items:
                    if logging_done.is_set():
                        return
                    time.sleep(0.2)
                    continue
                refs = [{k: i[k] for k in ("nip", "entry_id", "version")} for i in items]
                status, _ = client.call("POST /decisions", "POST", "/remunerasi/decisions", token,
                                        {"action": "approve", "entries": refs},
                                        Idempotency_Key=f"decide-{uuid.uuid4().hex}")  # fmt: skip
                if status == 409:
                    with client.lock:
                        contended["decisions"] += 1
                        contended["entries"] += len(refs)

        workers = [threading.Thread(target=employee, args=(e,)) for e in staff]
        deciders = [threading.Thread(target=supervisor, args=(b,)) for b in bosses for _ in range(2)]
        started = time.perf_counter()
        for t in [*workers, *deciders]:
            t.start()
        for t in workers:
            t.join()
        logging_done.set()
        for t in deciders:
            t.join()
        wall = time.perf_counter() - started

        from replika.remunerasi import keys
        from replika.remunerasi.store import entries as entry_store
        from replika.remunerasi.tables import MonthTotal

        exact = True
        approved = pending = 0
        for e in staff:
            found, last = entry_store.page(e.nip, period, 1000, None)
            assert last is None
            minutes = sum(int(x.minutes) for x in found if x.status == "approved")
            approved += sum(1 for x in found if x.status == "approved")
            pending += sum(1 for x in found if x.status == "pending")
            try:
                total = int(MonthTotal.get(*keys.TOTALS.key(period, e.nip)).approved_minutes or 0)
            except MonthTotal.DoesNotExist:
                total = 0
            exact = exact and total == minutes and len(found) == len(created[e.nip])
    finally:
        stack.stop()
    requests = sum(client.status.values())
    fivexx = sum(n for s, n in client.status.items() if s >= 500)
    print(f"rush: {len(staff)} employees x {args.entries} entries, {len(bosses)} supervisors x 2 devices, "
          f"{wall:.1f} s wall, bound {args.seconds:.0f} s")  # fmt: skip
    for route, values in sorted(client.latency.items()):
        codes = ", ".join(f"{s}: {n}" for s, n in sorted(client.by_route[route].items()))
        print(f"  {route:<16} n={len(values):>5}  p50 {pct(values, 0.5) * 1000:7.1f} ms  "
              f"p95 {pct(values, 0.95) * 1000:7.1f} ms  [{codes}]")  # fmt: skip
    print(f"5xx: {fivexx}   409: {client.status[409]}   429: {client.status[429]}")
    for (route, status, code), n in sorted(client.errors.items()):
        print(f"  {route} {status} {code}: {n}")
    print(f"decisions that contended on an entry (409): {contended['decisions']} "
          f"({contended['entries']} entry references)")  # fmt: skip
    print(f"entries: {approved} approved, {pending} still pending; retried keys: {len(retried_keys)}, "
          f"one entry each: {'yes' if exact else 'no'}")  # fmt: skip
    print(f"month totals equal the sum of approved entries: {'yes' if exact else 'no'}")
    print(f"rush: {requests} requests, {fivexx} 5xx, totals exact: {'yes' if exact else 'no'}")
    return 0 if fivexx == 0 and exact else 1


if __name__ == "__main__":
    sys.exit(main())
