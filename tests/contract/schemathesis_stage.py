"""The contract stage of ``make test``: schemathesis against every app's ``/openapi.json``.

Every ``functions/*/app.py`` is loaded (apps added later are covered without a change here) behind
the local gateway (:class:`replika_infra.local.gateway.Gateway`, as a WSGI app), on the region stack
of the tests (moto, in-process, no network), with a few employees imported. For every role that
has routes in an app, schemathesis generates requests for the operations that role may call,
with a real-shaped ID token of that role (``tests.conftest.auth_header``); the public routes are
generated without a token. Every check runs: no server error, every status/content type/body/
header the server sends is the one the document declares, data the schema calls valid is
accepted, data it calls invalid is refused, undeclared methods are refused.

Deterministic (fixed seed) and bounded (``--max-examples``) so the stage stays fast. Prints per
app: operations, cases, failures; exits 1 on any failure (with the reproducing request).

    python -m tests.contract.schemathesis_stage [--max-examples N] [--app NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import tests.conftest as conftest  # the test environment (fake credentials, table names)

SEED = 20260514
STACK = conftest.STACK
ANONYMOUS = "(publik)"
#: A staff member the demo import knows: region-wide roles act from BKPSDM's OPD.
STAFF_NIP = "199001012015011001"
STAFF_OPD = "32.73.06"


@dataclass
class AppResult:
    app: str
    operations: int = 0
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    per_role: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def roles_with_routes(operations: list[Any]) -> list[str]:
    """Every role named by a route, ``pegawai`` when a route is open to any signed-in staff,
    and :data:`ANONYMOUS` when a route is public."""
    roles: set[str] = set()
    for op in operations:
        if op.public:
            roles.add(ANONYMOUS)
        elif op.roles:
            roles.update(r.value for r in op.roles)
        else:
            roles.add("pegawai")
    return sorted(roles)


def reachable(op: Any, role: str) -> bool:
    if role == ANONYMOUS:
        return bool(op.public)
    if op.public:
        return False
    if op.roles:
        return role in {r.value for r in op.roles}
    return role != "pemohon"  # an applicant reaches only the routes that name them


def token_for(role: str) -> dict[str, str]:
    if role == ANONYMOUS:
        return {}
    if role == "pemohon":
        return conftest.auth_header(None, None, "pemohon")
    return conftest.auth_header(STAFF_NIP, STAFF_OPD, role)


@contextlib.contextmanager
def region() -> Iterator[None]:
    """The test region stack in moto with the demo directory imported (a few employees to find)."""
    import boto3
    from moto import mock_aws

    from replika_infra.demo import seed
    from replika_infra.local import moto_patches
    from replika_infra.local.stack import create_region_stack, parameters_for, stack_env

    moto_patches.install()
    with mock_aws():
        outputs = create_region_stack(STACK, parameters_for(conftest.ALL_APPS, "kota-bandung", "test"))
        env = stack_env(outputs)
        os.environ.update(env)
        from replika.core.runtime import rebind_tables

        rebind_tables()
        if env.get("WBS_BUCKET"):  # moto applies the TLS-only Deny to every call (see test_wbs_api)
            boto3.client("s3", region_name="ap-southeast-3").delete_bucket_policy(Bucket=env["WBS_BUCKET"])
        from replika.directory import service as directory

        people = seed.demo_employees(n_opd=2, n_employees=20)
        directory.import_directory(seed.to_csv(people), actor="contract")
        yield


def _patch_wsgi_client() -> None:
    """schemathesis 4.32.5 passes the socket settings (``max_redirects``…) of its ``ignored_auth``
    probe to werkzeug's test client, which refuses them: drop them (they mean nothing in-process)."""
    from schemathesis.python import wsgi
    from werkzeug import Client

    class InProcessClient(Client):
        def open(self, *args: Any, **kwargs: Any) -> Any:
            for name in ("max_redirects", "verify", "cert", "proxies", "timeout"):
                kwargs.pop(name, None)
            return super().open(*args, **kwargs)

    wsgi.get_client = lambda app: InProcessClient(app)  # type: ignore[assignment]


def _register_opaque_hook() -> None:
    """A value the document marks ``x-opaque`` is valid only when the server issued it (a signed
    cursor) or when it passes checks no schema can state (the rows of a CSV export). The document
    says so; the generator cannot make such values, so its *positive* cases leave an opaque query
    parameter out and send the documented example as an opaque body. Negative cases keep them."""
    import schemathesis

    @schemathesis.hook
    def map_case(context: Any, case: Any) -> Any:
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive:
            return case
        raw = case.operation.definition.raw
        for param in raw.get("parameters", []):
            pschema = param.get("schema") or {}
            if param.get("in") == "query" and pschema.get("x-opaque") and isinstance(case.query, dict):
                if pschema.get("examples"):
                    case.query[param["name"]] = pschema["examples"][0]
                else:
                    case.query.pop(param["name"], None)
        content = (raw.get("requestBody") or {}).get("content", {})
        schema = (content.get(case.media_type or "") or {}).get("schema") or {}
        if schema.get("x-opaque") and schema.get("examples"):
            case.body = schema["examples"][0]
        return case


def st_config(max_examples: int, headers: dict[str, str], base_url: str) -> Any:
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "color": False,
            "base-url": base_url,
            "headers": headers,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "checks": {"enabled": True},
            "warnings": False,
        }
    )


def run_app(name: str, max_examples: int, verbose: bool) -> AppResult:
    import json

    import schemathesis
    from schemathesis.engine import events, from_schema

    from replika_infra.local.gateway import Gateway, load_module, wsgi_app

    _patch_wsgi_client()
    _register_opaque_hook()
    module = load_module(name)
    api = module.api
    gw = Gateway({name: module.app}, verifier=None)
    app = wsgi_app(gw)
    status, _, raw = gw.handle("GET", f"/{name}/openapi.json", {}, None)
    assert status == 200, raw
    spec = json.loads(raw)
    result = AppResult(name, operations=len(api.operations))
    for role in roles_with_routes(api.operations):
        # the whole document (so a method another role may call is not "undeclared"), and only
        # the operations this role may call are generated
        ids = [op.name for op in api.operations if reachable(op, role)]
        config = st_config(max_examples, token_for(role), f"http://localhost/{name}")
        schema = schemathesis.openapi.from_dict(copy.deepcopy(spec), config=config).include(operation_id=ids)
        schema.app = app
        cases = failures = 0
        ops = len(ids)
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                cases += len(event.recorder.interactions)
                for case_id, checks in event.recorder.checks.items():
                    for check in checks:
                        if check.status.name == "FAILURE" and check.failure_info is not None:
                            failures += 1
                            info = check.failure_info
                            case = event.recorder.cases[case_id].value
                            line = (
                                f"{name} [{role}] {case.operation.label}: {check.name}: "
                                f"{info.failure.title} -- {info.failure.message.strip()[:300]}\n"
                                f"    {info.code_sample[:400]}"
                            )
                            result.failures.append(line)
            elif isinstance(event, events.NonFatalError):
                failures += 1
                result.failures.append(f"{name} [{role}] {event.label}: error {event.info.message}")
                if verbose:
                    import traceback

                    traceback.print_exception(event.value, file=sys.stdout)
            elif isinstance(event, events.FatalError):
                raise event.exception
        result.cases += cases
        result.per_role[role] = (ops, cases, failures)
        if verbose:
            print(f"  {name:<14} {role:<20} operations={ops:<3} cases={cases:<5} failures={failures}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("CONTRACT_EXAMPLES", "8")))
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="counts per role too")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)  # the apps' request logs would drown the report
    from replika_infra.local.gateway import app_names

    names = args.app or app_names()
    started = time.perf_counter()
    results: list[AppResult] = []
    quiet = io.StringIO()
    with region():
        for name in names:
            with contextlib.redirect_stderr(quiet):
                results.append(run_app(name, args.max_examples, args.verbose))
    print(f"schemathesis (seed {SEED}, max {args.max_examples} examples per operation and role):")
    total_failures = 0
    for r in results:
        total_failures += len(r.failures)
        roles = ", ".join(sorted(r.per_role))
        print(
            f"  {r.app:<14} operations={r.operations:<3} cases={r.cases:<6} failures={len(r.failures)}"
            f"   roles: {roles}"
        )
    for line in sorted({f for r in results for f in r.failures}):
        print("FAIL " + line)
    print(f"schemathesis: {time.perf_counter() - started:.0f} s")
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
