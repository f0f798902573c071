"""The Lambda layers: ``core`` (the replika package), ``common`` (what every app needs) and one
``<app>`` extras layer per app that declares ``layer_extras`` in its manifest.

Requirement strings come from ``pyproject.toml``: ``[project] dependencies`` for the common layer
(minus what the Lambda runtime provides: boto3, botocore...), and the optional-dependency groups
for the extras (``[project.optional-dependencies] wbs = [...]``), matched by name. An extras layer
holds only the distributions the common layer does not.

Every layer and app zip carries bytecode compiled by the target Python (``python3.12 -m
compileall --invalidation-mode unchecked-hash``), so the runtime never compiles at cold start;
the ``.py`` sources stay (tracebacks). Wheels are for the target architecture (arm64 default).
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = ROOT / "pyproject.toml"
ARCHES = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
#: Provided by the Lambda Python runtime (boto3 and what it pulls in): never shipped in a layer.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
#: Optional-dependency groups that are not layer extras.
NOT_EXTRAS = frozenset({"dev"})
#: Not needed at run time (type stubs, test suites, C headers, docs shipped inside packages).
STRIP_SUFFIXES = (".pyi", ".pxd", ".h", ".c", ".md", ".rst")
STRIP_DIRS = frozenset({"tests", "__pycache__"})
#: Packages whose ``tests``/``testing`` directory is imported at run time: kept whole.
KEEP_TEST_DIRS = frozenset({"numpy"})


class LayerError(RuntimeError):
    """A layer could not be built; the message says which and why."""


def dist_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise LayerError(f"cannot read a package name from requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _project(pyproject: Path) -> dict[str, object]:
    import tomllib

    data: dict[str, object] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return data


def common_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """``[project] dependencies`` minus what the Lambda runtime provides."""
    deps = list(_project(pyproject)["dependencies"])  # type: ignore[call-overload]
    return [d for d in deps if dist_name(d) not in RUNTIME_PROVIDED]


def extra_requirements(names: tuple[str, ...], pyproject: Path = PYPROJECT) -> list[str]:
    """The requirement strings of ``names`` from the optional-dependency groups (not ``dev``)."""
    groups: dict[str, list[str]] = dict(_project(pyproject).get("optional-dependencies", {}))  # type: ignore[call-overload]
    by_name = {
        dist_name(r): r
        for group, reqs in groups.items()
        if group not in NOT_EXTRAS
        for r in reqs
        if not r.startswith("replika")
    }
    missing = [n for n in names if dist_name(n) not in by_name]
    if missing:
        raise LayerError(f"layer extras {missing} are not in pyproject.toml's optional dependencies")
    return [by_name[dist_name(n)] for n in names]


@functools.lru_cache(maxsize=4)
def target_python(version: str) -> str:
    """The interpreter of the target version (its bytecode is what the runtime loads)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(str(pyenv_root / "versions" / f"{version}.*" / "bin" / f"python{version}")))
    candidates.append(shutil.which(f"python{version}") or "")
    for c in candidates:
        if not c or not Path(c).exists():
            continue
        # a pyenv shim exists whether or not it can run this version: ask the interpreter
        probe = subprocess.run(  # noqa: S603 - fixed argv
            [c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return c
    raise LayerError(
        f"python{version} is not installed: it is needed to compile the bytecode the Lambda "
        f"python{version} runtime loads (install it, e.g. `pyenv install {version}`)"
    )


def compile_tree(tree: Path, python: str, shown_as: str) -> None:
    """Compile every ``.py`` under ``tree`` with the target interpreter; tracebacks show ``shown_as``."""
    cmd = [
        target_python(python), "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", "-d", shown_as, str(tree),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if proc.returncode != 0:
        raise LayerError(f"compileall failed in {tree}:\n{proc.stdout}{proc.stderr}".strip()[-3000:])


def strip_tree(site: Path) -> int:
    """Remove what is never imported at run time; returns the bytes removed."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(site, topdown=True):
        top = Path(dirpath).relative_to(site).parts[:1]
        if not (top and top[0] in KEEP_TEST_DIRS):
            for d in [d for d in dirnames if d in STRIP_DIRS and Path(dirpath) != site]:
                path = Path(dirpath) / d
                removed += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                shutil.rmtree(path)
                dirnames.remove(d)
        for name in filenames:
            if name.endswith(STRIP_SUFFIXES):
                path = Path(dirpath) / name
                removed += path.stat().st_size
                path.unlink()
    return removed


def installed_dists(site: Path) -> dict[str, str]:
    """dist name -> version of the ``*.dist-info`` directories under ``site``."""
    dists = {}
    for info in site.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        dists[dist_name(name)] = version
    return dists


def _remove_dists(site: Path, names: set[str]) -> list[str]:
    """Delete these distributions (files listed in their RECORD, then the dist-info)."""
    removed = []
    for info in sorted(site.glob("*.dist-info")):
        name = dist_name(info.name.removesuffix(".dist-info").split("-", 1)[0])
        if name not in names:
            continue
        record = info / "RECORD"
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                rel = line.split(",", 1)[0]
                if rel and not rel.startswith(".."):
                    (site / rel).unlink(missing_ok=True)
        shutil.rmtree(info, ignore_errors=True)
        removed.append(name)
    for d in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    return removed


def pip_install(requirements: list[str], target: Path, python: str, arch: str) -> None:
    """``pip install`` Linux wheels for the Lambda runtime into ``target`` (a layer's python/)."""
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--platform", ARCHES[arch], "--implementation", "cp", "--python-version", python,
        "--only-binary=:all:", "--target", str(target), *requirements,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if proc.returncode != 0:
        raise LayerError(f"pip install for a layer failed:\n{proc.stdout}{proc.stderr}".strip())


def build_site(
    cache_root: Path, requirements: list[str], python: str, arch: str, exclude: dict[str, str] | None = None
) -> Path:
    """Install, strip and compile ``requirements`` into a cached ``.../python`` tree.

    With ``exclude`` (the common layer's dists), the distributions already there are removed; a
    version that differs from the common layer's is an error (the layers would disagree)."""
    key = hashlib.sha256(json.dumps([requirements, python, arch, sorted((exclude or {}).items())]).encode())
    cache = cache_root / f"site-{key.hexdigest()[:16]}"
    site = cache / "python"
    if (cache / ".complete").exists():
        return site
    shutil.rmtree(cache, ignore_errors=True)
    site.mkdir(parents=True)
    pip_install(requirements, site, python, arch)
    drop = set(RUNTIME_PROVIDED)
    if exclude:
        mine = installed_dists(site)
        clash = {n: (v, exclude[n]) for n, v in mine.items() if n in exclude and exclude[n] != v}
        if clash:
            raise LayerError(f"extras need other versions than the common layer has: {clash}")
        drop |= set(exclude)
    _remove_dists(site, drop)
    strip_tree(site)
    compile_tree(site, python, "/opt/python")
    (cache / ".complete").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    return site
