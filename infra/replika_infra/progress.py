"""Progress of the long CLI commands: a bar with counts and ETA on a terminal (rich), plain lines
when stdout is not one (CI logs, pipes): ``label: 3/7 (app wbs) eta 12 s``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sized
from typing import IO, TypeVar

T = TypeVar("T")


def _eta(done: int, total: int, started: float) -> str:
    if done == 0 or total <= done:
        return ""
    per = (time.perf_counter() - started) / done
    return f" eta {per * (total - done):.0f} s"


def track(
    items: Iterable[T],
    label: str,
    *,
    total: int | None = None,
    describe: bool = True,
    stream: IO[str] | None = None,
) -> Iterator[T]:
    """Yield ``items``, showing how many are done out of ``total`` (``len(items)`` by default)."""
    out = stream or sys.stdout
    count = total if total is not None else (len(items) if isinstance(items, Sized) else None)
    if out.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(label, total=count)
            for item in items:
                if describe:
                    bar.update(task, description=f"{label} ({item})")
                yield item
                bar.advance(task)
        return
    started = time.perf_counter()
    done = 0
    of = f"/{count}" if count is not None else ""
    for item in items:
        what = f" ({item})" if describe else ""
        print(f"{label}: {done + 1}{of}{what}{_eta(done, count or 0, started)}", file=out, flush=True)
        yield item
        done += 1
    print(f"{label}: {done}{of} done in {time.perf_counter() - started:.1f} s", file=out, flush=True)


class Counter:
    """A count toward a total that the caller reports as it goes (``update(done, total)``): the
    payroll's chunks, an import's rows. A bar on a terminal; off one, a plain line each time the
    count crosses another tenth of the total (and at the end), so a CI log stays short."""

    def __init__(self, label: str, total: int | None = None, *, stream: IO[str] | None = None) -> None:
        self.label = label
        self.total = total
        self.out = stream or sys.stdout
        self.started = time.perf_counter()
        self.done = 0
        self._shown_tenth = -1
        self._bar: object | None = None
        self._task: object | None = None

    def __enter__(self) -> Counter:
        if self.out.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.out),
                transient=False,
            )
            bar.start()
            self._bar, self._task = bar, bar.add_task(self.label, total=self.total)
        return self

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        """``done`` of ``total`` (or of the total given before) are finished now."""
        self.done = done
        if total is not None:
            self.total = total
        if self._bar is not None:
            from rich.progress import Progress

            assert isinstance(self._bar, Progress)
            described = f"{self.label} {note}".strip()
            self._bar.update(self._task, completed=done, total=self.total, description=described)  # type: ignore[arg-type]
            return
        tenth = (done * 10 // self.total) if self.total else done
        if tenth == self._shown_tenth:
            return
        self._shown_tenth = tenth
        of = f"/{self.total}" if self.total else ""
        extra = f" {note}" if note else ""
        eta = _eta(done, self.total or 0, self.started)
        print(f"{self.label}: {done}{of}{extra}{eta}", file=self.out, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            from rich.progress import Progress

            assert isinstance(self._bar, Progress)
            self._bar.stop()
            return
        if exc[0] is None:
            of = f"/{self.total}" if self.total else ""
            took = time.perf_counter() - self.started
            print(f"{self.label}: {self.done}{of} done in {took:.1f} s", file=self.out, flush=True)
