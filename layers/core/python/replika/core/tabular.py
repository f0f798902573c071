"""Spreadsheet exports (CSV) as every import reads them: all rows valid or nothing is written.

Regions export from Excel or from their HR / fingerprint systems: UTF-8 with or without a BOM,
or the Windows code page; comma or semicolon separated (Indonesian Excel uses ``;``). Header
names are matched case-insensitively. Problems carry the file's line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from replika.core.errors import BadRequest


@dataclass(frozen=True)
class RowProblem:
    line: int | None
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


def decode_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # spreadsheets saved with the Windows code page
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: neither UTF-8 nor cp1252
        raise rejected([RowProblem(None, None, "berkas harus teks CSV UTF-8 atau Windows-1252")]) from None


class CsvFile:
    """Rows of a CSV export as ``(line number, {lower-case column: stripped value})``."""

    def __init__(self, data: bytes | str) -> None:
        text = decode_text(data)
        first = text.split("\n", 1)[0]
        self._reader = csv.DictReader(
            io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","
        )
        try:
            fieldnames = self._reader.fieldnames
        except csv.Error as exc:  # e.g. a cell over the csv module's field size limit
            raise _unreadable(self._reader.line_num + 1, exc) from None
        self.header = [h.strip().lower() for h in (fieldnames or [])]
        self._reader.fieldnames = self.header

    def missing(self, required: Sequence[str]) -> RowProblem | None:
        absent = [c for c in required if c not in self.header]
        return RowProblem(1, None, "kolom wajib tidak ada: " + ", ".join(absent)) if absent else None

    def rows(self) -> Iterator[tuple[int, dict[str, str], bool]]:
        """``(line, values, overlong)``: ``overlong`` when the row has more cells than the header."""
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a cell over the csv module's field size limit
                raise _unreadable(self._reader.line_num + 1, exc) from None
            values = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            yield self._reader.line_num, values, None in row


def _unreadable(line: int, exc: csv.Error) -> BadRequest:
    """``line``: the line after the last one the reader finished (it fails before counting it)."""
    return rejected([RowProblem(line, None, f"baris tidak dapat dibaca: {exc}")])


def rejected(
    problems: Iterable[RowProblem],
    message: str = "Berkas impor berisi kesalahan; tidak ada data yang disimpan.",
) -> BadRequest:
    return BadRequest(message, code="import_rejected", details={"problems": [p.as_dict() for p in problems]})


#: A cell starting with one of these is read as a formula (or DDE) by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A value for an exported cell (CSV or XLSX) that a spreadsheet never runs as a formula: a
    string starting with ``= + - @``, a tab or a carriage return gets a leading ``'``.

    >>> safe_cell('=HYPERLINK("http://x","klik")')
    '\\'=HYPERLINK("http://x","klik")'
    >>> safe_cell(-5), safe_cell("Yayasan")
    (-5, 'Yayasan')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
