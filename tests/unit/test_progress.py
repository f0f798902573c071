"""Long commands show counts and an ETA; off a terminal (CI) as plain lines."""

from __future__ import annotations

import io

from replika_infra.progress import track


def test_plain_lines_with_counts_when_not_a_terminal() -> None:
    out = io.StringIO()
    assert list(track(["directory", "wbs"], "deploy app stacks", stream=out)) == ["directory", "wbs"]
    lines = out.getvalue().splitlines()
    assert lines[0] == "deploy app stacks: 1/2 (directory)"
    assert lines[1].startswith("deploy app stacks: 2/2 (wbs) eta ")
    assert lines[2].startswith("deploy app stacks: 2/2 done in ")


def test_a_generator_without_a_length_counts_up() -> None:
    out = io.StringIO()
    assert sum(track((i for i in range(3)), "rows", describe=False, stream=out)) == 3
    assert out.getvalue().splitlines()[:3] == ["rows: 1", "rows: 2", "rows: 3"]


def test_a_terminal_gets_a_bar() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert list(track([1, 2], "apps", stream=Tty())) == [1, 2]


def test_a_counter_prints_a_line_per_tenth_and_the_end() -> None:
    from replika_infra.progress import Counter

    out = io.StringIO()
    with Counter("payroll chunks", 100, stream=out) as c:
        for done in range(101):
            c.update(done, note=f"({done} computed)")
    lines = out.getvalue().splitlines()
    assert lines[0] == "payroll chunks: 0/100 (0 computed)"
    assert lines[1].startswith("payroll chunks: 10/100 (10 computed) eta ")
    assert len(lines) == 12  # 0, 10, ..., 100, and the closing line
    assert lines[-1].startswith("payroll chunks: 100/100 done in ")


def test_a_counter_on_a_terminal_draws_a_bar() -> None:
    from replika_infra.progress import Counter

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    with Counter("import rows", stream=out) as c:
        c.update(5, 10)
        c.update(10)
    assert "import rows" in out.getvalue() and "10/10" in out.getvalue()
