"""`replika package`: build the Lambda layers and one CloudFormation (SAM) template per app.

Output under ``--out`` (default ``build/``)::

    layers/core.zip        python/replika/**            (the shared package)
    layers/deps.zip        python/<runtime deps>        (pydantic, pynamodb, powertools, holidays...)
    <app>/sam.yaml         `chalice package` output, post-processed (see :func:`postprocess_template`)
    <app>/deployment.zip   the app's own code (app.py, chalicelib/)
    manifest.json          python version, architecture, apps and the sha256 of every artifact

Zips are deterministic (sorted entries, fixed timestamps and modes), so an unchanged build has the
same hash and `replika deploy` reports "no changes" for it.

The app templates reference the layers and the region's resources through parameters, never
literals: ``CoreLayerArn``, ``DepsLayerArn`` and one parameter per environment variable in
:data:`replika.core.settings.ENV_VARS` (``DIRECTORY_TABLE`` -> ``DirectoryTable``), which
`replika deploy` fills from the layer stack and the region data stack outputs.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CORE_LAYER_DIR = ROOT / "layers" / "core" / "python"
FUNCTIONS_DIR = ROOT / "functions"

#: Provided by the Lambda Python runtime (boto3 and what it pulls in): never shipped in the deps layer.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
#: Always deployed, whatever the region enabled: everybody needs the employee directory.
ALWAYS_APPS = ("directory",)
ARCHES = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
CORE_LAYER_PARAM = "CoreLayerArn"
DEPS_LAYER_PARAM = "DepsLayerArn"
#: Env vars that are not region-stack outputs: reserved by Lambda, or local-only.
NOT_PARAMETERS = frozenset({"AWS_DEFAULT_REGION", "REPLIKA_REGION_CONFIG"})
FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
PLACEHOLDER_PREFIX = "replika-placeholder-"
_EXCLUDED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


class PackageError(RuntimeError):
    """A packaging step failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# Names shared with `replika deploy`


def param_name(env_var: str) -> str:
    """``DIRECTORY_TABLE`` -> ``DirectoryTable``; ``USER_POOL_ARN`` -> ``UserPoolArn``."""
    return "".join(part.capitalize() for part in env_var.lower().split("_"))


def env_parameters() -> dict[str, str]:
    """Env var name -> template parameter name for every setting a function reads."""
    from replika.core.settings import ENV_VARS

    return {name: param_name(name) for name in ENV_VARS if name not in NOT_PARAMETERS}


def optional_env_vars() -> frozenset[str]:
    """Settings whose default is ``None``: their template parameter defaults to the empty string."""
    from replika.core.settings import ENV_VARS, Settings

    fields = Settings.model_fields
    return frozenset(env for env, field in ENV_VARS.items() if fields[field].default is None)


def placeholder(env_var: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{env_var.lower().replace('_', '-')}"


# ---------------------------------------------------------------------------------------------
# Deterministic zips


def _walk(base: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in _EXCLUDED_DIRS)
        for name in sorted(filenames):
            if not name.endswith(_EXCLUDED_SUFFIXES):
                yield Path(dirpath) / name


def deterministic_zip(entries: Iterable[tuple[str, Path]], dest: Path | io.BytesIO) -> None:
    """Zip ``(archive name, file)`` pairs sorted by name, with fixed timestamps and modes."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, path in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            executable = os.access(path, os.X_OK)
            info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)


def tree_entries(base: Path, prefix: str = "") -> list[tuple[str, Path]]:
    """Every file under ``base`` (no caches), named ``prefix + relative path``."""
    return [(prefix + p.relative_to(base).as_posix(), p) for p in _walk(base)]


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


def unzipped_size(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Dependency layer


def _dist_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise PackageError(f"cannot read a package name from requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``[project] dependencies`` minus what the Lambda runtime provides."""
    import tomllib

    deps: list[str] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return [d for d in deps if _dist_name(d) not in RUNTIME_PROVIDED]


def _remove_runtime_provided(target: Path) -> list[str]:
    """Delete distributions pulled in transitively that the runtime provides (e.g. botocore)."""
    removed = []
    for dist_info in sorted(target.glob("*.dist-info")):
        name = _dist_name(dist_info.name.removesuffix(".dist-info").split("-", 1)[0])
        if name not in RUNTIME_PROVIDED:
            continue
        record = dist_info / "RECORD"
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                rel = line.split(",", 1)[0]
                if rel and not rel.startswith(".."):
                    (target / rel).unlink(missing_ok=True)
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    # Packages whose RECORD lists only files leave empty directories behind.
    for d in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    return removed


def install_deps(requirements: list[str], target: Path, python: str, arch: str) -> None:
    """``pip install`` Linux wheels for the Lambda runtime into ``target`` (the layer's python/)."""
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--platform", ARCHES[arch], "--implementation", "cp", "--python-version", python,
        "--only-binary=:all:", "--target", str(target), *requirements,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if proc.returncode != 0:
        raise PackageError(f"pip install for the deps layer failed:\n{proc.stdout}{proc.stderr}".strip())
    _remove_runtime_provided(target)
    for cache in sorted(target.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def build_deps_layer(out: Path, python: str, arch: str, requirements: list[str]) -> Path:
    """Build ``layers/deps.zip``; the installed tree is cached by (requirements, python, arch)."""
    key = hashlib.sha256(json.dumps([requirements, python, arch]).encode()).hexdigest()[:16]
    cache = out / ".cache" / f"deps-{key}"
    site = cache / "python"
    if not (cache / ".complete").exists():
        shutil.rmtree(cache, ignore_errors=True)
        site.mkdir(parents=True)
        install_deps(requirements, site, python, arch)
        (cache / ".complete").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    dest = out / "layers" / "deps.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    deterministic_zip(tree_entries(site, "python/"), dest)
    return dest


def build_core_layer(out: Path, core_dir: Path = CORE_LAYER_DIR, region_file: Path | None = None) -> Path:
    dest = out / "layers" / "core.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    entries = core_layer_entries(core_dir, region_file)
    if not entries:
        raise PackageError(f"no files under {core_dir / 'replika'}")
    deterministic_zip(entries, dest)
    return dest


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


#: Region resources given to the functions as ARN parameters (empty when the app is off) and what
#: the functions do with them.
OPTIONAL_ARN_GRANTS: dict[str, list[str]] = {
    "DATA_KEY_ARN": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    "WBS_KEY_ARN": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    "WBS_SECRET_ARN": ["secretsmanager:GetSecretValue"],
    "WBS_TOPIC_ARN": ["sns:Publish"],
    "PAYROLL_QUEUE_ARN": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
}


def _has(parameter: str) -> str:
    return f"Has{parameter}"


def _data_access_policy(params: dict[str, str]) -> dict[str, Any]:
    """Least-privilege-per-region access to the region's tables, buckets and data key."""
    tables = [name for env, name in params.items() if env.endswith("_TABLE")]
    buckets = [name for env, name in params.items() if env.endswith("_BUCKET")]
    statements: list[Any] = []
    if tables:
        arns: list[Any] = []
        for t in tables:
            arn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${" + t + "}"
            arns += [{"Fn::Sub": arn}, {"Fn::Sub": arn + "/index/*"}]
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable",
                ],
                "Resource": arns,
            }
        )
    if buckets:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${" + b + "}/*"} for b in buckets],
            }
        )
        # the WBS purge removes every version of a closed report's files (a bucket parameter
        # may be empty when its app is off, hence one conditional statement per bucket)
        for b in buckets:
            statements.append(
                {
                    "Fn::If": [
                        _has(b),
                        {
                            "Effect": "Allow",
                            "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
                            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${" + b + "}"},
                        },
                        {"Ref": "AWS::NoValue"},
                    ]
                }
            )
    for env, actions in OPTIONAL_ARN_GRANTS.items():
        if env in params:
            statements.append(
                {
                    "Fn::If": [
                        _has(params[env]),
                        {"Effect": "Allow", "Action": actions, "Resource": {"Ref": params[env]}},
                        {"Ref": "AWS::NoValue"},
                    ]
                }
            )
    return {
        "PolicyName": "RegionDataAccess",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


def postprocess_template(
    template: dict[str, Any],
    params: dict[str, str],
    optional: frozenset[str] = frozenset(),
    python: str = "3.12",
    arch: str = "x86_64",
) -> dict[str, Any]:
    """Make a `chalice package` template region-independent.

    ``params`` maps env var -> parameter name. Adds the layer and env parameters, sets ``Layers``,
    ``Runtime``, ``Architectures`` and the env vars on every function, swaps the import-time
    placeholders (e.g. the Cognito authorizer's provider ARN) for ``Ref``, and grants the default
    role access to the region's tables, buckets and data key.
    """
    referenced = {env for env in params if placeholder(env) in json.dumps(template)}
    tpl: dict[str, Any] = _replace_placeholders(template, params)
    parameters: dict[str, Any] = tpl.setdefault("Parameters", {})
    parameters[CORE_LAYER_PARAM] = {"Type": "String", "Description": "ARN of the replika core layer version"}
    parameters[DEPS_LAYER_PARAM] = {"Type": "String", "Description": "ARN of the dependency layer version"}
    for env, name in params.items():
        spec: dict[str, Any] = {"Type": "String", "Description": f"Function env var {env}"}
        if env in optional and env not in referenced:  # e.g. the authorizer needs USER_POOL_ARN
            spec["Default"] = ""
        if "SECRET" in env:
            spec["NoEcho"] = True
        parameters[name] = spec
    for env in [*OPTIONAL_ARN_GRANTS, *(e for e in params if e.endswith("_BUCKET"))]:
        if env in params:
            tpl.setdefault("Conditions", {})[_has(params[env])] = {
                "Fn::Not": [{"Fn::Equals": [{"Ref": params[env]}, ""]}]
            }
    layer_refs: list[Any] = [{"Ref": CORE_LAYER_PARAM}, {"Ref": DEPS_LAYER_PARAM}]
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
            variables = props.setdefault("Environment", {}).setdefault("Variables", {})
            variables.update({env: {"Ref": name} for env, name in params.items()})
        elif resource.get("Type") == "AWS::IAM::Role" and params:
            policies = resource.setdefault("Properties", {}).setdefault("Policies", [])
            policies.append(_data_access_policy(params))
    if functions == 0:
        raise PackageError("the chalice template has no function")
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


def package_app(
    app_dir: Path,
    out: Path,
    params: dict[str, str],
    optional: frozenset[str],
    python: str,
    arch: str,
    region_file: Path | None = None,
) -> Path:
    dest = out / app_dir.name
    sam = chalice_package(app_dir, dest, params, region_file=region_file)
    template = yaml.safe_load(sam.read_text(encoding="utf-8"))
    processed = postprocess_template(template, params, optional, python, arch)
    sam.write_text(yaml.safe_dump(processed, sort_keys=True, default_flow_style=False), encoding="utf-8")
    return dest


# ---------------------------------------------------------------------------------------------
# Command


@dataclass(frozen=True)
class Artifact:
    name: str
    path: Path
    unzipped: int | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    return f"{n / 1024:.1f} KiB"


def format_table(artifacts: list[Artifact], root: Path | None = None) -> str:
    rows = [("artifact", "size", "unzipped")]
    for a in artifacts:
        shown = a.path.relative_to(root) if root and a.path.is_relative_to(root) else a.path
        rows.append((str(shown), human(a.size), human(a.unzipped) if a.unzipped is not None else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}".rstrip() for r in rows]
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
    try:
        if args.region_config:
            from replika.core.config import load_region_config

            enabled = {
                str(getattr(a, "value", a)) for a in load_region_config(args.region_config).enabled_apps
            }
        apps, missing = select_apps(enabled)
        out.mkdir(parents=True, exist_ok=True)
        params = env_parameters()
        optional = optional_env_vars()
        print(f"packaging for python{args.python} {args.arch} into {out}", flush=True)
        region_file = Path(args.region_config).resolve() if args.region_config else None
        core = build_core_layer(out, region_file=region_file)
        requirements = runtime_requirements()
        print(f"deps layer: {' '.join(requirements)}", flush=True)
        deps = build_deps_layer(out, args.python, args.arch, requirements)
        artifacts = [Artifact("core", core, unzipped_size(core)), Artifact("deps", deps, unzipped_size(deps))]
        for app in apps:
            print(f"chalice package {app}", flush=True)
            dest = package_app(
                FUNCTIONS_DIR / app, out, params, optional, args.python, args.arch, region_file=region_file
            )
            artifacts.append(Artifact(app, dest / "deployment.zip", unzipped_size(dest / "deployment.zip")))
            artifacts.append(Artifact(app, dest / "sam.yaml"))
    except (PackageError, OSError, ValueError) as exc:
        print(f"replika package: error: {exc}", file=sys.stderr)
        return 1
    manifest = {
        "python": args.python,
        "arch": args.arch,
        "apps": apps,
        "artifacts": {str(a.path.relative_to(out)): sha256(a.path) for a in artifacts},
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(format_table(artifacts, out))
    for app in missing:
        print(f"warning: {app} is enabled but functions/{app}/app.py does not exist yet: not packaged")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("package", help="build the layers and the per-app CloudFormation templates")
    p.add_argument("--out", default="build", help="output directory (default: build/)")
    p.add_argument("--region-config", help="package only the apps this region enabled (default: all)")
    p.add_argument("--python", default="3.12", help="Lambda Python version (default: 3.12)")
    p.add_argument("--arch", choices=sorted(ARCHES), default="x86_64", help="Lambda architecture")
    p.set_defaults(func=cmd_package)
