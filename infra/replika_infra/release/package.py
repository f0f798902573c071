"""`replika package`: build the Lambda layers and one CloudFormation (SAM) template per app.

Output under ``--out`` (default ``build/``)::

    layers/core.zip        python/replika/** + region.toml  (the shared package, bytecode compiled)
    layers/common.zip      python/<runtime deps>            (pydantic, pynamodb, powertools, holidays)
    layers/<extra>.zip     python/<an extra 2+ apps name>   (fpdf2, openpyxl, cryptography), once
    layers/<app>.zip       python/<the app's own extras>    (only for apps with extras no other names)
    <app>/sam.yaml         `chalice package` output, post-processed (see :func:`postprocess_template`)
    <app>/deployment.zip   the app's own code (app.py), bytecode compiled
    manifest.json          python version, architecture, apps, each app's layers, sha256 of artifacts

Everything an app's template says about the region comes from the app's manifest
(``replika/<app>/manifest.py``): one parameter per env var it uses (``DIRECTORY_TABLE`` ->
``DirectoryTable``), the IAM policy on exactly those resources (:mod:`replika_infra.release.iam`)
and its layers (:mod:`replika_infra.release.layers`). `replika deploy` fills the parameters from
the layer stack and the region data stack outputs.

Zips are deterministic (sorted entries, fixed timestamps and modes, hash-based bytecode), so an
unchanged build has the same hash and `replika deploy` reports "no changes" for it.
``--templates-only`` skips the layers and the bytecode (fast, offline: what `make templates` lints).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from replika.core.manifest import AppManifest, manifest_for
from replika_infra.progress import track
from replika_infra.release import httpapi, iam, layers, logs
from replika_infra.release.iam import has_condition, param_name
from replika_infra.release.layer_plan import layer_names as layer_names  # re-exported (deploy, tests)
from replika_infra.release.layer_plan import own_extras as own_extras
from replika_infra.release.layer_plan import plan as plan
from replika_infra.release.zips import deterministic_zip, sha256, tree_entries, unzipped_size

ROOT = Path(__file__).resolve().parents[3]
CORE_LAYER_DIR = ROOT / "layers" / "core" / "python"
FUNCTIONS_DIR = ROOT / "functions"

#: Always deployed, whatever the region enabled: everybody needs the employee directory.
ALWAYS_APPS = ("directory",)
ARCHES = layers.ARCHES
DEFAULT_ARCH = "arm64"
#: HTTP API (US$1.00 per million requests) rather than REST (US$3.50): benchmarks/cost.py
API_TYPES_CHOICE = ("http", "rest")
DEFAULT_API = "http"
CORE_LAYER_PARAM = "CoreLayerArn"
COMMON_LAYER_PARAM = "CommonLayerArn"
FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
PLACEHOLDER_PREFIX = "replika-placeholder-"
#: Size limits (zipped): Lambda allows 250 MiB unzipped for function + layers; these keep cold
#: starts and uploads small.
MAX_LAYER_BYTES = 15 * 1024 * 1024
MAX_APP_BYTES = 1024 * 1024


class PackageError(RuntimeError):
    """A packaging step failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# Names shared with `replika deploy`


def app_parameters(manifest: AppManifest) -> dict[str, str]:
    """Env var -> template parameter name, for every env var the app's manifest declares."""
    return {env: param_name(env) for env in manifest.env_contract()}


def layer_param(layer: str) -> str:
    return f"{layer.capitalize()}LayerArn"


def placeholder(env_var: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{env_var.lower().replace('_', '-')}"


DEFAULT_REGION = "kota-bandung"


def default_region_file() -> Path:
    from replika.core.config import region_config_path

    return region_config_path(DEFAULT_REGION)


def core_layer_entries(
    core_dir: Path = CORE_LAYER_DIR, region_file: Path | None = None
) -> list[tuple[str, Path]]:
    """The package plus the deployed region's config as ``replika/region.toml`` (a stack per region:
    the functions read their policy, time zone and holidays from it)."""
    entries = [
        e
        for e in tree_entries(core_dir / "replika", "python/replika/")
        if e[0] != "python/replika/region.toml"
    ]
    entries.append(("python/replika/region.toml", region_file or default_region_file()))
    return sorted(entries)


# ---------------------------------------------------------------------------------------------
# Layers


def _compiled_entries(
    entries: list[tuple[str, Path]], python: str, shown_as: str, stage: Path
) -> list[tuple[str, Path]]:
    """Copy ``entries`` under ``stage``, compile them with python ``python``; the new entries."""
    for arcname, path in entries:
        dest = stage / arcname
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    top = stage / entries[0][0].split("/", 1)[0]
    try:
        layers.compile_tree(top, python, shown_as)
    except layers.LayerError as exc:
        raise PackageError(str(exc)) from exc
    return tree_entries(stage, bytecode=True)


def build_core_layer(
    out: Path, core_dir: Path = CORE_LAYER_DIR, region_file: Path | None = None, python: str | None = None
) -> Path:
    """``layers/core.zip``; with ``python``, bytecode compiled by that Python version rides along."""
    dest = out / "layers" / "core.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    entries = core_layer_entries(core_dir, region_file)
    if not entries:
        raise PackageError(f"no files under {core_dir / 'replika'}")
    if python is None:
        deterministic_zip(entries, dest)
        return dest
    with tempfile.TemporaryDirectory(prefix="replika-core-") as tmp:
        deterministic_zip(_compiled_entries(entries, python, "/opt/python", Path(tmp)), dest)
    return dest


def build_dependency_layer(out: Path, name: str, site: Path) -> Path:
    dest = out / "layers" / f"{name}.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    deterministic_zip(tree_entries(site, "python/", bytecode=True), dest)
    return dest


def build_layers(out: Path, manifests: list[AppManifest], python: str, arch: str) -> dict[str, Path]:
    """The common layer, a layer per shared extra and each app's own extras layer (cached under
    ``out/.cache``). An app's layer is installed with all its extras, then what the common layer and
    its shared layers hold is removed (same versions, or an error)."""
    cache = out / ".cache"
    try:
        common = layers.common_requirements()
        print(f"common layer: {' '.join(common)}", flush=True)
        common_site = layers.build_site(cache, common, python, arch)
        built = {"common": build_dependency_layer(out, "common", common_site)}
        shipped = layers.installed_dists(common_site)
        given = plan()
        wanted = {n for m in manifests for n in given[m.app]}
        order = [n for n in dict.fromkeys(n for g in given.values() for n in g) if n in wanted]
        order.sort(key=lambda n: -sum(n in g for g in given.values()))
        in_layer: dict[str, dict[str, str]] = {}  # shared layer -> the dists it holds
        for name in order:
            # what every app that gets this layer also gets from an earlier one is not repeated
            apps = [a for a, g in given.items() if name in g]
            before = [n for n in in_layer if all(n in given[a] for a in apps)]
            exclude = dict(shipped)
            for n in before:
                exclude.update(in_layer[n])
            reqs = layers.extra_requirements((name,))
            print(f"{name} layer: {' '.join(reqs)}", flush=True)
            site = layers.build_site(cache, [*common, *reqs], python, arch, exclude=exclude)
            built[name] = build_dependency_layer(out, name, site)
            in_layer[name] = layers.installed_dists(site)
        for m in manifests:
            own = own_extras(m)
            if not own:
                continue
            extras = layers.extra_requirements(m.layer_extras)
            print(f"{m.app} layer: {' '.join(layers.extra_requirements(own))}", flush=True)
            exclude = dict(shipped)
            for name in given[m.app]:
                exclude.update(in_layer[name])
            site = layers.build_site(cache, [*common, *extras], python, arch, exclude=exclude)
            built[m.app] = build_dependency_layer(out, m.app, site)
    except layers.LayerError as exc:
        raise PackageError(str(exc)) from exc
    return built


# ---------------------------------------------------------------------------------------------
# App templates


def _replace_placeholders(node: Any, params: dict[str, str]) -> Any:
    """Swap placeholder strings for ``Ref`` (whole string) or ``Fn::Sub`` (inside a string)."""
    if isinstance(node, dict):
        return {k: _replace_placeholders(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_placeholders(v, params) for v in node]
    if isinstance(node, str) and PLACEHOLDER_PREFIX in node:
        by_placeholder = {placeholder(env): name for env, name in params.items()}
        if node in by_placeholder:
            return {"Ref": by_placeholder[node]}
        text = node.replace("${", "${!")
        for ph, name in sorted(by_placeholder.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(ph, "${" + name + "}")
        return {"Fn::Sub": text}
    return node


def _checkov_skips(resource: dict[str, Any], skips: dict[str, str]) -> None:
    meta = resource.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", [])
    for check, comment in sorted(skips.items()):
        meta.append({"id": check, "comment": comment})


#: Checks that do not fit a function of this design, and why (kept in the template's metadata).
FUNCTION_SKIPS = {
    "CKV_AWS_117": "No VPC: the functions reach only AWS APIs (DynamoDB, S3, KMS, SQS, SNS), "
    "through IAM; a VPC would add NAT or endpoint costs and cold-start time for no isolation gain.",
    "CKV_AWS_173": "The environment holds resource names and ARNs only (the cursor secret is "
    "encrypted at rest by Lambda's service key); secrets proper live in Secrets Manager.",
    "CKV_AWS_116": "API handlers answer synchronously (no DLQ applies); the SQS consumer's "
    "redrive goes to the queue's own DLQ (templates/region.yaml).",
}


#: API Gateway checks skipped, and why.
API_SKIPS = {
    "CKV_AWS_76": "Access logs need the account-wide API Gateway CloudWatch role "
    "(AWS::ApiGateway::Account), which no replika stack owns yet; execution is traced (X-Ray) and "
    "every function logs each request with its correlation id.",
    "CKV_AWS_120": "Responses are per user (Cognito-authorized) and mostly personal; a stage cache "
    "would need per-identity keys and a paid cache cluster. Public routes send Cache-Control.",
}
API_TYPES = frozenset({"AWS::Serverless::Api", "AWS::ApiGateway::Stage"})
#: Set on every function. Pydantic scans every installed distribution's entry points for plugins
#: (importlib.metadata) at its first model build unless told there are none; the functions use none.
FUNCTION_ENV = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}
#: An SQS consumer without reserved concurrency gets at most this many concurrent batches.
SQS_DEFAULT_MAX_CONCURRENCY = 50


def limit_sqs_concurrency(props: dict[str, Any]) -> None:
    """Chalice's ``on_sqs_message`` has no maximum concurrency: give each SQS event of the
    function ``ScalingConfig.MaximumConcurrency`` = its reserved concurrency (2..1000), or
    :data:`SQS_DEFAULT_MAX_CONCURRENCY`, so the poller never starts more batches than the
    function may run (the excess would be throttled and return to the queue)."""
    reserved = props.get("ReservedConcurrentExecutions")
    limit = int(reserved) if isinstance(reserved, int) else SQS_DEFAULT_MAX_CONCURRENCY
    for event in (props.get("Events") or {}).values():
        if event.get("Type") == "SQS":
            event.setdefault("Properties", {})["ScalingConfig"] = {
                "MaximumConcurrency": max(2, min(1000, limit))
            }


def postprocess_template(
    template: dict[str, Any],
    manifest: AppManifest,
    python: str = "3.12",
    arch: str = DEFAULT_ARCH,
) -> dict[str, Any]:
    """Make a `chalice package` template region-independent and least-privilege.

    Adds a parameter per env var of the app's manifest and one per layer, sets ``Layers``,
    ``Runtime``, ``Architectures`` and the env vars on every function, swaps the import-time
    placeholders (e.g. the Cognito authorizer's provider ARN) for ``Ref``, scopes chalice's own
    grants, gives the role the manifest's data-access policy, and sets every SQS event source's
    maximum concurrency (:func:`limit_sqs_concurrency`): nothing else.
    """
    params = app_parameters(manifest)
    optional = {env for r in manifest.resources if r.optional for env in r.env_vars}
    referenced = {env for env in params if placeholder(env) in json.dumps(template)}
    tpl: dict[str, Any] = _replace_placeholders(template, params)
    if PLACEHOLDER_PREFIX in json.dumps(tpl):
        raise PackageError(f"{manifest.app}: the template uses a setting its manifest does not declare")
    parameters: dict[str, Any] = tpl.setdefault("Parameters", {})
    names = layer_names(manifest)
    for layer in names:
        parameters[layer_param(layer)] = {
            "Type": "String",
            "Description": f"ARN of the replika {layer} layer version",
        }
    for env, name in params.items():
        spec: dict[str, Any] = {"Type": "String", "Description": f"Function env var {env}"}
        if env in optional and env not in referenced:  # e.g. the authorizer needs USER_POOL_ARN
            spec["Default"] = ""
            tpl.setdefault("Conditions", {})[has_condition(env)] = {
                "Fn::Not": [{"Fn::Equals": [{"Ref": name}, ""]}]
            }
        if "SECRET" in env and not env.endswith("_ARN"):
            spec["NoEcho"] = True
        parameters[name] = spec
    layer_refs: list[Any] = [{"Ref": layer_param(layer)} for layer in names]
    functions = 0
    for resource in tpl.get("Resources", {}).values():
        if resource.get("Type") in FUNCTION_TYPES:
            functions += 1
            props = resource.setdefault("Properties", {})
            # Fresh objects per function: shared ones would come out as YAML anchors.
            props["Layers"] = copy.deepcopy(layer_refs) + [
                x for x in props.get("Layers", []) if x not in layer_refs
            ]
            props["Runtime"] = f"python{python}"
            props["Architectures"] = [arch]
            limit_sqs_concurrency(props)
            variables = props.setdefault("Environment", {}).setdefault("Variables", {})
            variables.update(FUNCTION_ENV)
            variables.update({env: {"Ref": name} for env, name in params.items()})
            _checkov_skips(resource, FUNCTION_SKIPS)
        elif resource.get("Type") in API_TYPES:
            resource.setdefault("Properties", {})["TracingEnabled"] = True
            _checkov_skips(resource, API_SKIPS)
        elif resource.get("Type") == "AWS::IAM::Role":
            props = resource.setdefault("Properties", {})
            policies = iam.tighten_chalice_policies(props.get("Policies", []))
            policy = iam.data_access_policy(manifest)
            props["Policies"] = policies + ([policy] if policy else [])
    if functions == 0:
        raise PackageError("the chalice template has no function")
    logs.add_log_groups(tpl, FUNCTION_TYPES)
    return tpl


def _chalice_executable() -> str:
    candidate = Path(sys.executable).parent / "chalice"
    found = str(candidate) if candidate.exists() else shutil.which("chalice")
    if not found:
        raise PackageError("chalice is not installed (pip install -e '.[dev]')")
    return found


def chalice_package(
    app_dir: Path, dest: Path, params: dict[str, str], stage: str = "prod", region_file: Path | None = None
) -> Path:
    """Run ``chalice package`` on a copy of ``app_dir`` (keeps the source tree clean); return sam.yaml.

    The app is imported with the region's config, so region-dependent declarations (schedules in
    the region's time zone) are the region's; everything else stays a parameter."""
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
    from replika.core.manifest import region_env_contract

    for e in region_env_contract():  # the app sees only the settings its manifest declares
        env.pop(e, None)
    env.update({e: placeholder(e) for e in params})
    env["REPLIKA_REGION_CONFIG"] = str(region_file or default_region_file())
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The app imports `replika` at package time: prefer the source tree over an installed copy.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CORE_LAYER_DIR), env.get("PYTHONPATH")) if p)
    if dest.exists():
        shutil.rmtree(dest)
    with tempfile.TemporaryDirectory(prefix=f"replika-{app_dir.name}-") as tmp:
        work = Path(tmp) / app_dir.name
        shutil.copytree(
            app_dir, work, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "venv")
        )
        cmd = [
            _chalice_executable(), "package", "--stage", stage, "--pkg-format", "cloudformation",
            "--template-format", "yaml", str(dest.resolve()),
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise PackageError(f"chalice package failed for {app_dir.name}:\n{tail}")
    sam = dest / "sam.yaml"
    if not sam.exists():
        raise PackageError(f"chalice package wrote no sam.yaml for {app_dir.name}")
    return sam


def compile_app_zip(zip_path: Path, python: str) -> None:
    """Rewrite chalice's ``deployment.zip`` deterministically, with the app's bytecode."""
    with tempfile.TemporaryDirectory(prefix="replika-app-") as tmp:
        src = Path(tmp) / "src"
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(src)
        try:
            layers.compile_tree(src, python, "/var/task")
        except layers.LayerError as exc:
            raise PackageError(str(exc)) from exc
        deterministic_zip(tree_entries(src, bytecode=True), zip_path)


def package_app(
    app_dir: Path,
    out: Path,
    python: str = "3.12",
    arch: str = DEFAULT_ARCH,
    region_file: Path | None = None,
    bytecode: bool = False,
    api: str = DEFAULT_API,
) -> Path:
    """``chalice package`` one app and post-process its template from its manifest; with
    ``api="http"``, behind an HTTP API (:mod:`replika_infra.release.httpapi`) when it can be."""
    from replika_infra.release.templates import loads

    manifest = manifest_for(app_dir.name)
    dest = out / app_dir.name
    sam = chalice_package(app_dir, dest, app_parameters(manifest), region_file=region_file)
    template = loads(sam.read_text(encoding="utf-8"), str(sam))
    processed = postprocess_template(template, manifest, python, arch)
    if api == "http":
        try:
            processed = httpapi.to_http_api(processed)
        except httpapi.HttpApiError as exc:
            print(f"{app_dir.name}: REST API kept: {exc}", flush=True)
    sam.write_text(yaml.safe_dump(processed, sort_keys=True, default_flow_style=False), encoding="utf-8")
    if bytecode:
        compile_app_zip(dest / "deployment.zip", python)
    return dest


# ---------------------------------------------------------------------------------------------
# Command


@dataclass(frozen=True)
class Artifact:
    name: str
    path: Path
    unzipped: int | None = None
    limit: int | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    return f"{n / 1024:.1f} KiB"


def format_table(artifacts: list[Artifact], root: Path | None = None) -> str:
    rows = [("artifact", "size", "unzipped", "limit")]
    for a in artifacts:
        shown = a.path.relative_to(root) if root and a.path.is_relative_to(root) else a.path
        limit = human(a.limit) if a.limit else ""
        rows.append((str(shown), human(a.size), human(a.unzipped) if a.unzipped is not None else "", limit))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}".rstrip()
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def discover_apps(functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    return sorted(p.parent.name for p in functions_dir.glob("*/app.py"))


def select_apps(
    enabled: Iterable[str] | None, functions_dir: Path = FUNCTIONS_DIR
) -> tuple[list[str], list[str]]:
    """(apps to package, enabled apps that have no ``functions/<app>`` yet)."""
    available = set(discover_apps(functions_dir))
    wanted = set(available) if enabled is None else {*ALWAYS_APPS, *enabled}
    return sorted(wanted & available), sorted(wanted - available)


def cmd_package(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    enabled: set[str] | None = None
    layer_paths: dict[str, Path] = {}
    bytecode = not args.templates_only
    try:
        if args.region_config:
            from replika.core.config import load_region_config

            enabled = {
                str(getattr(a, "value", a)) for a in load_region_config(args.region_config).enabled_apps
            }
        apps, missing = select_apps(enabled)
        manifests = [manifest_for(app) for app in apps]
        out.mkdir(parents=True, exist_ok=True)
        what = "templates" if args.templates_only else "layers and apps"
        print(f"packaging {what} for python{args.python} {args.arch} into {out}", flush=True)
        region_file = Path(args.region_config).resolve() if args.region_config else None
        artifacts: list[Artifact] = []
        if not args.templates_only:
            layers.target_python(args.python)  # fail before any work when it is missing
            layer_paths["core"] = build_core_layer(out, region_file=region_file, python=args.python)
            layer_paths.update(build_layers(out, manifests, args.python, args.arch))
            artifacts += [Artifact(n, p, unzipped_size(p), MAX_LAYER_BYTES) for n, p in layer_paths.items()]
        for app in track(apps, "chalice package"):
            dest = package_app(
                FUNCTIONS_DIR / app,
                out,
                args.python,
                args.arch,
                region_file=region_file,
                bytecode=bytecode,
                api=args.api,
            )
            code = dest / "deployment.zip"
            artifacts.append(Artifact(app, code, unzipped_size(code), MAX_APP_BYTES))
            artifacts.append(Artifact(app, dest / "sam.yaml"))
    except (PackageError, OSError, ValueError) as exc:
        print(f"replika package: error: {exc}", file=sys.stderr)
        return 1
    print(format_table(artifacts, out))
    for app in missing:
        print(f"warning: {app} is enabled but functions/{app}/app.py does not exist yet: not packaged")
    over = [a for a in artifacts if a.limit and a.size > a.limit]
    for a in over:
        print(
            f"replika package: error: {a.path.relative_to(out)} is {human(a.size)}, "
            f"over {human(a.limit or 0)}",
            file=sys.stderr,
        )
    if args.templates_only:
        return 1 if over else 0
    manifest = {
        "python": args.python,
        "arch": args.arch,
        "api": args.api,
        "apps": apps,
        "layers": {name: str(path.relative_to(out)) for name, path in sorted(layer_paths.items())},
        "app_layers": {m.app: layer_names(m) for m in manifests},
        "artifacts": {str(a.path.relative_to(out)): sha256(a.path) for a in artifacts},
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return 1 if over else 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("package", help="build the layers and the per-app CloudFormation templates")
    p.add_argument("--out", default="build", help="output directory (default: build/)")
    p.add_argument("--region-config", help="package only the apps this region enabled (default: all)")
    p.add_argument("--python", default="3.12", help="Lambda Python version (default: 3.12)")
    p.add_argument(
        "--arch", choices=sorted(ARCHES), default=DEFAULT_ARCH, help="Lambda architecture (default: arm64)"
    )
    p.add_argument(
        "--api",
        choices=API_TYPES_CHOICE,
        default=DEFAULT_API,
        help="API Gateway type: http (JWT authorizer, cheaper) or rest (default: http)",
    )
    p.add_argument(
        "--templates-only",
        action="store_true",
        help="only the app templates (no layers, no bytecode): fast and offline, for linting",
    )
    p.set_defaults(func=cmd_package)
