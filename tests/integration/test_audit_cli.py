"""`replika audit verify` / `replika audit publish` on the region stack (moto, ``--aws``: the
environment is the test stack's): one line per day, one per problem, exit 1 on any problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from replika_infra.cli import main
from tests.integration.test_audit_tamper import approve_in_two_opds, raw_update

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def stack(region_stack: dict[str, str]) -> dict[str, str]:
    approve_in_two_opds(3)
    return region_stack


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["audit", *argv, "--aws"])
    return code, capsys.readouterr().out.splitlines()


def test_publish_then_verify_prints_a_line_per_day(
    stack: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "publish", "--day", TODAY)
    assert code == 0 and out[0].startswith(f"{TODAY}: published 2 chain heads, digest ")
    code, out = run(capsys, "publish", "--day", TODAY)
    assert code == 0 and out == [f"{TODAY}: already published (Object Lock keeps the first version)"]

    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    code, out = run(capsys, "verify", "--since", yesterday)
    assert code == 0
    assert out == [
        f"{yesterday} ok: 0 chains, 0 records, heads not published",
        f"{TODAY} ok: 2 chains, 6 records, heads published",
    ]
    code, out = run(capsys, "verify", "--stream", "remunerasi/opd/1.02")
    assert (code, out) == (0, [f"{TODAY} ok: 1 chains, 3 records, heads published"])


def test_verify_exits_1_and_names_the_problem(
    stack: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "publish", "--day", TODAY)[0] == 0
    raw_update(f"remunerasi/opd/1.01@{TODAY}", 2, action="entry.reject")  # an edited record
    code, out = run(capsys, "verify")
    assert code == 1
    assert out[0].startswith(f"{TODAY} PROBLEMS: 2 chains, ")  # records: up to the first bad one
    assert f"  remunerasi/opd/1.01@{TODAY}: hash_mismatch at seq 2" in out[1:]
    # only the other stream: nothing wrong there
    assert run(capsys, "verify", "--stream", "remunerasi/opd/1.02")[0] == 0


def test_verify_refuses_a_reversed_range(stack: dict[str, str]) -> None:
    with pytest.raises(SystemExit, match="--until is before --since"):
        main(["audit", "verify", "--since", TODAY, "--until", "2020-01-01", "--aws"])
