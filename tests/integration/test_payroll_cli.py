"""``replika payroll run`` against a stack: it starts the run, works the queue here, and shows the
chunks done out of the run's chunks as it goes (plain lines off a terminal)."""

from __future__ import annotations

import json
import re

import pytest

from replika_infra import payroll_cli
from replika_infra.cli import main
from replika_infra.demo import seed

PEOPLE = seed.demo_employees(n_opd=2, n_employees=30)


def test_payroll_run_shows_chunks_done(
    region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from replika.directory import service

    service.import_directory(seed.to_csv(PEOPLE), actor="test")
    monkeypatch.setattr(payroll_cli, "use_stack_environment", lambda *, aws: True)  # the stack is here
    assert main(["payroll", "run", "--period", "2026-08", "--max-seconds", "120"]) == 0
    captured = capsys.readouterr()
    # after the workers' log lines, when the logger writes to this stdout (it is bound to the stdout
    # of the moment its module was first imported: another test file may have imported it first)
    start = re.search(r"^\{$", captured.out, re.MULTILINE)
    assert start is not None, captured.out
    run = json.loads(captured.out[start.start() :])
    assert run["state"] == "draft" and run["done"] == len(PEOPLE)
    lines = [line for line in captured.err.splitlines() if line.startswith("payroll 2026-08 chunks: ")]
    chunks = run["chunks"]
    assert lines[0].startswith("payroll 2026-08 chunks: ") and f"/{chunks}" in lines[0]
    assert lines[-1].startswith(f"payroll 2026-08 chunks: {chunks}/{chunks} done in ")
