"""Shared fixtures: fake AWS credentials, no network, and a region stack created from the template.

Table names are deterministic (`<stack>-<table>`), so the environment is set here, before any
PynamoDB model is imported, and every test's stack (inside ``moto.mock_aws``) uses the same names.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from replika_infra.local.fake_aws import FAKE_AWS_ENV

STACK = "replika-test"
POOL_ARN_PREFIX = "arn:aws:cognito-idp:ap-southeast-3:123456789012:userpool"
os.environ.update(
    {
        **FAKE_AWS_ENV,
        "REPLIKA_STAGE": "test",
        "REPLIKA_REGION_SLUG": "kota-bandung",
        "DIRECTORY_TABLE": f"{STACK}-directory",
        "AUDIT_TABLE": f"{STACK}-audit",
        "IDEMPOTENCY_TABLE": f"{STACK}-idempotency",
        "REMUNERASI_TABLE": f"{STACK}-remunerasi",
        "SAKIP_TABLE": f"{STACK}-sakip",
        "SABILULUNGAN_TABLE": f"{STACK}-sabilulungan",
        # Every function validates its manifest's environment at import (replika.core.runtime):
        # stand-ins until a test's stack fixture sets the real values and resets the runtime.
        "CURSOR_SECRET": "test-cursor-secret",
        "USER_POOL_ARN": "arn:aws:cognito-idp:ap-southeast-3:123456789012:userpool/ap-southeast-3_test",
        "DATA_KEY_ARN": "arn:aws:kms:ap-southeast-3:123456789012:key/test",
        "AUDIT_HEADS_BUCKET": f"{STACK}-audit-heads-unset",
        "DOCUMENTS_BUCKET": f"{STACK}-documents-unset",
        "PAYROLL_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/unset",
        "PAYROLL_QUEUE_ARN": "arn:aws:sqs:ap-southeast-3:123456789012:unset",
        "WBS_TABLE": f"{STACK}-wbs",
        "WBS_BUCKET": f"{STACK}-wbs-unset",
        "WBS_KEY_ARN": "arn:aws:kms:ap-southeast-3:123456789012:key/wbs-unset",
        "WBS_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:wbs-unset",
        "WBS_TOPIC_ARN": "arn:aws:sns:ap-southeast-3:123456789012:wbs-unset",
        "PERIZINAN_TABLE": f"{STACK}-perizinan",
        "PERMIT_SIGNING_KEY_ARN": "arn:aws:kms:ap-southeast-3:123456789012:key/permit-test",
        "PUBLIC_USER_POOL_ARN": os.environ.get("PUBLIC_USER_POOL_ARN", f"{POOL_ARN_PREFIX}/pub"),
        "SABILULUNGAN_TOPIC_ARN": "arn:aws:sns:ap-southeast-3:123456789012:unset",
        "SABILULUNGAN_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:unset",
        "POWERTOOLS_METRICS_NAMESPACE": "Replika",
        "POWERTOOLS_SERVICE_NAME": "replika-test",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

ALL_APPS = {"remunerasi", "sabilulungan", "perizinan", "sakip", "wbs"}


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in credentials and region again (a test before may have changed them), and no
    real endpoint or profile."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit and integration tests talk to moto in-process; only e2e tests may open loopback sockets."""
    if request.node.get_closest_marker("e2e"):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError(f"network access in a test: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True, scope="session")
def _moto_as_dynamodb() -> None:
    """Every test's moto is the emulator ``replika dev`` runs, with the patches that make a
    DynamoDB write atomic (``local/moto_patches.py``), including tests that open ``mock_aws``
    themselves: without them two threads' conditional puts can both pass, and the concurrent
    audit appends of ``test_core_audit`` lost a record on a loaded machine."""
    from replika_infra.local import moto_patches

    moto_patches.install()


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def region_stack(aws: None) -> dict[str, str]:
    """The region stack from templates/region.yaml, every app enabled, in moto; returns env vars."""
    from replika.core.runtime import rebind_tables
    from replika_infra.local.stack import create_region_stack, parameters_for, stack_env

    outputs = create_region_stack(STACK, parameters_for(ALL_APPS, "kota-bandung", "test"))
    env = stack_env(outputs)
    for key in ("DIRECTORY_TABLE", "AUDIT_TABLE", "IDEMPOTENCY_TABLE", "REMUNERASI_TABLE", "SAKIP_TABLE"):
        assert env[key] == os.environ[key], "table names must be deterministic from the stack name"
    os.environ.update(env)
    rebind_tables()
    return env


def unsigned_token(claims: dict[str, Any]) -> str:
    """A JWT-shaped token; Chalice's test client decodes it without checking a signature (as
    API Gateway hands over already-verified claims). Signature checks are tested in tests/e2e."""

    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'none', 'typ': 'JWT'})}.{seg(claims)}.sig"


def auth_header(nip: str | None, opd: str | None, *groups: str) -> dict[str, str]:
    """Claims of a staff ID token with these groups; with the group ``pemohon``, an applicant's
    token instead (issued by the applicants' pool of the current stack: no NIP, no OPD)."""
    if "pemohon" in groups:
        pool = (os.environ.get("PUBLIC_USER_POOL_ARN") or "unset").rsplit("/", 1)[-1]
        applicant: dict[str, Any] = {
            "sub": f"sub-applicant-{nip or 'x'}",
            "cognito:username": f"applicant-{nip or 'x'}",
            "email": f"applicant-{nip or 'x'}@example.invalid",
            "iss": f"https://cognito-idp.ap-southeast-3.amazonaws.com/{pool}",
            "token_use": "id",
        }
        return {"Authorization": unsigned_token(applicant)}
    claims: dict[str, Any] = {
        "sub": f"sub-{nip or 'x'}-{'-'.join(groups)}",
        "cognito:username": f"u{nip}",
        "cognito:groups": list(groups),
        "token_use": "id",
    }
    if nip:
        claims["custom:nip"] = nip
    if opd:
        claims["custom:opd"] = opd
    return {"Authorization": unsigned_token(claims)}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The contract stage's counts per app (tests/contract/test_schemathesis.py), also under
    ``pytest -n 2``: the workers' reports carry them as a property; written to
    ``build/contract-summary.txt`` too."""
    from pathlib import Path

    lines = sorted(
        str(value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "schemathesis"
    )
    if not lines:
        return
    terminalreporter.write_sep("-", "schemathesis: operations, cases, failures per app")
    for line in lines:
        terminalreporter.write_line(line)
    out = Path(__file__).resolve().parents[1] / "build" / "contract-summary.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
