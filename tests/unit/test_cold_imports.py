"""What the first request of a cold function imports: modules that only other routes need stay off
the busiest routes' path (benchmarks/cold_start.py). Each check runs in a fresh interpreter, since
the test session has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` are in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_a_wbs_report_reads_the_directory_without_its_use_cases() -> None:
    """Filing a report looks up the reported NIP in the directory: one GetItem, not the directory's
    import, lists and response models."""
    code = "from replika.wbs import reporter\nreporter._directory_opd(None)"
    assert loaded_after(code, ("replika.directory.lookup",)) == ["replika.directory.lookup"]
    assert loaded_after(code, ("replika.directory.service", "replika.directory.models")) == []
