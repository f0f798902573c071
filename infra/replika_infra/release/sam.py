"""Translate a packaged SAM template into plain CloudFormation with ``aws-sam-translator``.

The translator lives in its own environment (``.venv-sam``: it pins ``pydantic~=2.13``) and runs
as a subprocess, :mod:`replika_infra.release.sam_runner`, JSON in and JSON out, like checkov runs
from ``.venv-tools``. Only the moto deploy uses this (moto has no SAM transform); real
CloudFormation gets the SAM template and transforms it itself.

Translations are cached per process by the template's content: a test that deploys the same
build several times translates each app once.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SAM_VENV = ROOT / ".venv-sam"
#: Overrides the translator's interpreter (a Python with aws-sam-translator installed).
PYTHON_ENV = "REPLIKA_SAM_PYTHON"
TIMEOUT = 120.0

_cache: dict[str, dict[str, Any]] = {}


class TranslateError(RuntimeError):
    """The SAM template could not be translated; the message says why."""


def translator_python() -> Path:
    configured = os.environ.get(PYTHON_ENV)
    python = Path(configured) if configured else SAM_VENV / "bin" / "python"
    if not python.exists():
        raise TranslateError(f"{python} does not exist: run `make .venv-sam/.installed` (aws-sam-translator)")
    return python


def is_sam(template: dict[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)


def translate(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The plain CloudFormation of a SAM template (a template without the transform: unchanged)."""
    if not is_sam(template):
        return template
    body = json.dumps(template, sort_keys=True)
    key = hashlib.sha256(f"{region}\n{body}".encode()).hexdigest()
    if key not in _cache:
        _cache[key] = _run(body, region)
    copied: dict[str, Any] = json.loads(json.dumps(_cache[key]))  # callers may edit it
    return copied


def _run(body: str, region: str) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": region,
        "PYTHONPATH": str(ROOT / "infra"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    cmd = [str(translator_python()), "-m", "replika_infra.release.sam_runner"]
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            cmd, input=body, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TranslateError(f"aws-sam-translator took over {TIMEOUT:.0f} s") from exc
    if proc.returncode != 0:
        raise TranslateError(proc.stderr.strip() or f"aws-sam-translator exited {proc.returncode}")
    result = json.loads(proc.stdout)
    if not isinstance(result, dict):
        raise TranslateError("aws-sam-translator returned no template")
    return result
