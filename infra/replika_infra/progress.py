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
