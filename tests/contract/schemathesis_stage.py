"""The contract stage of ``make test``: schemathesis against every app's ``/openapi.json``.

Every ``functions/*/app.py`` is loaded (apps added later are covered without a change here) behind
the local gateway (:class:`replika_infra.local.gateway.Gateway`, as a WSGI app), on the region stack
of the tests (moto, in-process, no network), with a few employees imported. For every role that
has routes in an app, schemathesis sends requests for the operations that role may call, with a
real-shaped ID token of that role (``tests.conftest.auth_header``); the public routes without a
token. Each operation gets the full generation (examples, coverage, fuzzing; positive and negative)
once, with the role that reaches the most operations (:func:`assign_roles`); every other role that
may call it gets one positive case (its token is taken, the answer conforms). Every check runs:
no server error, every status/content type/body/header the server sends is the one the document
declares, data the schema calls valid is accepted, data it calls invalid is refused, undeclared
methods are refused.

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
#: Examples per operation in the full run (``CONTRACT_EXAMPLES`` overrides): the suite's budget.
#: The name of the pytest report property that carries an app's summary line.
SUMMARY_PROPERTY = "schemathesis"
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "3"))
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
    seconds: float = 0.0


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
    from moto import mock_aws

    from replika_infra.local import moto_patches
    from replika_infra.local.stack import create_region_stack, parameters_for, stack_env

    moto_patches.install()
    with mock_aws():
        outputs = create_region_stack(STACK, parameters_for(conftest.ALL_APPS, "kota-bandung", "test"))
        env = stack_env(outputs)
        os.environ.update(env)
        from replika.core.runtime import rebind_tables

        rebind_tables()
        prepare_region(env)
        yield


def prepare_region(env: dict[str, str]) -> None:
    """On a fresh test region stack (``tests.conftest.region_stack``): the demo directory
    imported, so the generated requests find a few employees."""
    import boto3

    from replika_infra.demo import seed

    if env.get("WBS_BUCKET"):  # moto applies the TLS-only Deny to every call (see test_wbs_api)
        boto3.client("s3", region_name="ap-southeast-3").delete_bucket_policy(Bucket=env["WBS_BUCKET"])
    from replika.directory import service as directory

    people = seed.demo_employees(n_opd=2, n_employees=20)
    directory.import_directory(seed.to_csv(people), actor="contract")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No request logs, warnings or schemathesis chatter while it runs; all restored after (the
    stage also runs inside pytest, where other tests read the logs)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


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


_HOOKS: list[str] = []


def _register_opaque_hook() -> None:
    """A value the document marks ``x-opaque`` is valid only when the server issued it (a signed
    cursor) or when it passes checks no schema can state (the rows of a CSV export). The document
    says so; the generator cannot make such values, so its *positive* cases leave an opaque query
    parameter out and send the documented example as an opaque body. Negative cases keep them."""
    import schemathesis

    if _HOOKS:  # once per process: schemathesis keeps its hooks globally
        return
    _HOOKS.append("map_case")

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
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = case.operation.schema.raw_schema.get("components", {}).get("schemas", {}).get(name, {})
        if isinstance(case.body, dict):
            _keep_cross_field_rules(schema, case)
        return case


def _differ(value: str) -> str:
    last = value[-1:]
    if last.isdigit():
        return value[:-1] + str((int(last) + 1) % 10)
    return value[:-1] + ("b" if last == "a" else "a")


def _keep_cross_field_rules(schema: dict[str, Any], case: Any) -> None:
    """A positive case keeps the rules between fields that the body's schema states as extensions
    (``replika.core.openapi.CROSS_FIELD_RULES``): the generator knows JSON Schema only."""
    body = case.body
    for a, b in schema.get("x-distinct", []):
        if isinstance(body.get(a), str) and body.get(a) == body.get(b) and body[b]:
            body[b] = _differ(body[b])
    for later, earlier in schema.get("x-not-before", []):
        if (
            isinstance(body.get(later), str)
            and isinstance(body.get(earlier), str)
            and body[later] < body[earlier]
        ):
            body[later] = body[earlier]
    for name in schema.get("x-same-as-path", []):
        if isinstance(body.get(name), str) and isinstance(case.path_parameters, dict):
            case.path_parameters[name] = body[name]
    for name, key in schema.get("x-unique-by", {}).items():
        _make_unique(body.get(name), key)


def _make_unique(items: Any, key: str) -> None:
    """Items of an array keep distinct values of ``key``: a repeated one gets a number for its end
    (same length while it can; digits fit the identifier patterns of the documents)."""
    if not isinstance(items, list):
        return
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            continue
        value, n = item[key], 0
        while value in seen:
            n += 1
            suffix = str(n)
            value = item[key][: max(len(item[key]) - len(suffix), 0)] + suffix
        item[key] = value
        seen.add(value)


_SERIALIZED: set[str] = set()


def _register_binary_serializers(spec: dict[str, Any]) -> None:
    """A raw body of a binary type (an XLSX sheet): the generated string is sent as its UTF-8
    bytes (schemathesis knows JSON, text, forms and ``application/octet-stream`` only)."""
    import schemathesis

    for item in spec.get("paths", {}).values():
        for op in item.values():
            for media_type in (op.get("requestBody") or {}).get("content", {}):
                if (
                    media_type.startswith(("application/vnd.", "application/pdf"))
                    and media_type not in _SERIALIZED
                ):
                    _SERIALIZED.add(media_type)

                    @schemathesis.serializer(media_type)
                    def as_bytes(ctx: Any, value: Any) -> bytes:
                        return (
                            value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
                        )


def assign_roles(operations: list[Any], roles: list[str]) -> dict[str, list[str]]:
    """Every operation once, to the role that reaches the most operations among those that reach
    it (ties by name): that role's run generates the full set of cases for it (examples, coverage,
    fuzzing, positive and negative). The other roles that reach it get an access run only."""
    reach = {role: [op.name for op in operations if reachable(op, role)] for role in roles}
    order = sorted(roles, key=lambda r: (-len(reach[r]), r))
    owned: dict[str, list[str]] = {role: [] for role in roles}
    for op in operations:
        owner = next((r for r in order if reachable(op, r)), None)
        if owner is not None:
            owned[owner].append(op.name)
    return owned


def st_config(max_examples: int, headers: dict[str, str], base_url: str, *, full: bool = True) -> Any:
    """``full``: every phase and mode with ``max_examples``; otherwise the access run: one positive
    case per operation (the role's token reaches it, the answer conforms, no server error)."""
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "color": False,
            "base-url": base_url,
            "headers": headers,
            "generation": {
                "mode": "all" if full else "positive",
                "max-examples": max_examples if full else 1,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
            },
            "phases": {
                "examples": {"enabled": full},
                "coverage": {"enabled": full},
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
    started = time.perf_counter()
    module = load_module(name)
    api = module.api
    gw = Gateway({name: module.app}, verifier=None)
    app = wsgi_app(gw)
    status, _, raw = gw.handle("GET", f"/{name}/openapi.json", {}, None)
    assert status == 200, raw
    spec = json.loads(raw)
    _register_binary_serializers(spec)
    result = AppResult(name, operations=len(api.operations))
    roles = roles_with_routes(api.operations)
    owned = assign_roles(api.operations, roles)
    runs = [(role, owned[role], True) for role in roles if owned[role]]
    for role in roles:
        access = [op.name for op in api.operations if reachable(op, role) and op.name not in owned[role]]
        if access:
            runs.append((role, access, False))
    for role, ids, full in runs:
        # the whole document (so a method another role may call is not "undeclared"), and only
        # the operations this run covers are generated
        config = st_config(max_examples, token_for(role), f"http://localhost/{name}", full=full)
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
                                f"{_answer(event.recorder.interactions.get(case_id))}"
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
        o, c, f = result.per_role.get(role, (0, 0, 0))
        result.per_role[role] = (o + ops, c + cases, f + failures)
        if verbose:
            kind = "full" if full else "access"
            print(
                f"  {name:<14} {role:<20} {kind:<6} operations={ops:<3} cases={cases:<5} failures={failures}"
            )
    result.seconds = time.perf_counter() - started
    return result


def _answer(interaction: Any) -> str:
    """The server's answer to a failing case (status and the start of its body)."""
    response = getattr(interaction, "response", None)
    if response is None:
        return ""
    body = (response.content or b"")[:300].decode("utf-8", "replace")
    return f"\n    -> {response.status_code} {body}"


def summary_line(r: AppResult) -> str:
    roles = ", ".join(sorted(r.per_role))
    return (
        f"{r.app:<14} operations={r.operations:<3} cases={r.cases:<6} failures={len(r.failures):<3}"
        f" {r.seconds:5.1f} s   roles: {roles}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="counts per role too")
    args = parser.parse_args(argv)
    from replika_infra.local.gateway import app_names

    names = args.app or app_names()
    started = time.perf_counter()
    results: list[AppResult] = []
    with quiet(), region():
        for name in names:
            results.append(run_app(name, args.max_examples, args.verbose))
    print(
        f"schemathesis (seed {SEED}, max {args.max_examples} examples per operation for one role, "
        "one case per operation for each other role):"
    )
    for r in results:
        print("  " + summary_line(r))
    for line in sorted({f for r in results for f in r.failures}):
        print("FAIL " + line)
    print(f"schemathesis: {time.perf_counter() - started:.0f} s")
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
