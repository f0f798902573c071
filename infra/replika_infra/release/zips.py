"""Deterministic zips of the release: sorted names, fixed timestamps and modes, no caches (the same
tree gives the same bytes, so an unchanged layer or app is not uploaded again)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_EXCLUDED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def _walk(base: Path, bytecode: bool = False) -> Iterator[Path]:
    excluded = _EXCLUDED_DIRS - {"__pycache__"} if bytecode else _EXCLUDED_DIRS
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in excluded)
        for name in sorted(filenames):
            if bytecode or not name.endswith(_EXCLUDED_SUFFIXES):
                yield Path(dirpath) / name


def deterministic_zip(entries: Iterable[tuple[str, Path]], dest: Path | io.BytesIO) -> None:
    """Zip ``(archive name, file)`` pairs sorted by name, with fixed timestamps and modes."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, path in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            executable = os.access(path, os.X_OK)
            info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)


def tree_entries(base: Path, prefix: str = "", bytecode: bool = False) -> list[tuple[str, Path]]:
    """Every file under ``base`` (no caches; ``__pycache__`` too with ``bytecode``), named
    ``prefix + relative path``."""
    return [(prefix + p.relative_to(base).as_posix(), p) for p in _walk(base, bytecode)]


def unzipped_size(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
