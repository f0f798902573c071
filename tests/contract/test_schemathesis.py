"""The contract stage inside ``make test``: schemathesis against every app's ``/openapi.json``.

One test per ``functions/*/app.py`` (an app added later is covered without a change here), each on
a fresh region stack in moto, for every role with routes in that app (see
:mod:`tests.contract.schemathesis_stage`: fixed seed, bounded examples). Under ``pytest -n 2`` the
apps spread over the workers with the rest of the suite. Any server error or schema mismatch
fails the test with the reproducing requests; the per-app counts (operations, cases, failures)
are printed at the end of the run (``tests/conftest.py``, ``pytest_terminal_summary``) and
written to ``build/contract-summary.txt``.
"""

from __future__ import annotations

import pytest

from replika_infra.local.gateway import app_names
from tests.contract import schemathesis_stage as stage

#: Apps whose findings are not yet fixed, each with what is open: the test is expected to fail
#: (strict: once it passes, the entry must go). Not an ignore list: the counts are still printed.
OPEN: dict[str, str] = {}


def _apps() -> list[object]:
    return [
        pytest.param(app, marks=pytest.mark.xfail(strict=True, reason=OPEN[app])) if app in OPEN else app
        for app in app_names()
    ]


@pytest.mark.parametrize("app", _apps())
def test_schemathesis_finds_nothing(
    app: str, region_stack: dict[str, str], record_property: pytest.RecordProperty
) -> None:
    stage.prepare_region(region_stack)
    with stage.quiet():
        result = stage.run_app(app, stage.MAX_EXAMPLES, verbose=False)
    record_property(stage.SUMMARY_PROPERTY, stage.summary_line(result))
    assert result.operations and result.cases, "no operation was exercised"
    assert not result.failures, f"{len(result.failures)} findings:\n" + "\n".join(result.failures)
