"""The catalogue as CSV, the layout DPMPTSP keeps in a spreadsheet: one row per **stage**, the rows
of one permit type consecutive and in stage order. The type's own columns are read from its first
row (later rows may repeat them or leave them empty).

Columns (the header row names them, in any order): ``code, name, fee, validity_months, risk,
allows_report, documents, form_schema, stage_code, stage_name, stage_role, stage_opd,
stage_sla_days``. For example (columns in that order)::

    UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2
    PBG,Bangunan Gedung,2500000,0,tinggi,tidak,ktp;gambar,,terima,Front office,dpmptsp,,1
    PBG,,,,,,,,teknis,Tim teknis,pegawai,32.73.11,5

Two more columns are optional: ``stage_kind`` (``receive``, ``document-check``, ``back-office``,
``technical``, ``recommendation``, ``signature``; empty = ``review``) and ``stage_site_visit``
(``ya``/``tidak``). ``documents`` are separated by ``;``; ``form_schema`` is a JSON Schema in one
cell (empty: any object); ``allows_report`` is ``ya``/``tidak`` (or true/false, 1/0). Pure: text
in, the types' bodies out (validated by :class:`replika.perizinan.models.PermitTypeIn`), or the
problems with their row numbers; nothing is saved unless every row is right.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

COLUMNS = (
    "code",
    "name",
    "fee",
    "validity_months",
    "risk",
    "allows_report",
    "documents",
    "form_schema",
    "stage_code",
    "stage_name",
    "stage_role",
    "stage_opd",
    "stage_sla_days",
)
TYPE_COLUMNS = COLUMNS[:8]
#: optional (an older sheet without them still imports): the stage's kind (rules/stages.py; empty =
#: ``review``) and whether it needs a site visit (``ya``/``tidak``)
OPTIONAL_COLUMNS = ("stage_kind", "stage_site_visit")
MAX_ROWS = 1000
TRUE, FALSE = {"ya", "y", "true", "1"}, {"tidak", "t", "false", "0", ""}


class CsvProblems(ValueError):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def parse(text: str) -> list[dict[str, Any]]:
    """The types' bodies (unvalidated dicts) in first-seen order; raises :class:`CsvProblems`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CsvProblems([{"row": 1, "problem": _unreadable(exc)}]) from None
    missing = [c for c in COLUMNS if c not in (fieldnames or [])]
    if missing:
        raise CsvProblems([{"row": 1, "problem": f"kolom tidak ada: {', '.join(missing)}"}])
    types: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []
    last = None
    for n, row in _rows(reader):
        if n - 1 > MAX_ROWS:
            raise CsvProblems([{"row": n, "problem": f"lebih dari {MAX_ROWS} baris"}])
        cell = {k: (row.get(k) or "").strip() for k in COLUMNS + OPTIONAL_COLUMNS}
        code = cell["code"]
        if not code:
            problems.append({"row": n, "problem": "kode jenis izin kosong"})
            continue
        if code in types and code != last:
            problems.append({"row": n, "problem": f"baris jenis {code} harus berurutan"})
            continue
        last = code
        if code not in types:
            try:
                types[code] = _type(cell)
            except ValueError as exc:
                problems.append({"row": n, "problem": str(exc)})
                continue
        types[code]["stages"].append(
            {
                "code": cell["stage_code"],
                "name": cell["stage_name"],
                "role": cell["stage_role"],
                "opd": cell["stage_opd"] or None,
                "sla_days": cell["stage_sla_days"],
                "kind": cell["stage_kind"] or "review",
                "site_visit": cell["stage_site_visit"].lower() in TRUE,
            }
        )
    if problems:
        raise CsvProblems(problems)
    if not types:
        raise CsvProblems([{"row": 2, "problem": "tidak ada baris"}])
    return list(types.values())


def _unreadable(exc: csv.Error) -> str:
    return f"CSV tidak dapat dibaca: {exc}"[:300]


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, row); a row the csv module cannot read (a cell over the field size limit,
    a NUL byte) is a problem of that row, not a crash."""
    n = 1
    while True:
        n += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvProblems([{"row": n, "problem": _unreadable(exc)}]) from None
        yield n, row


def _type(cell: dict[str, str]) -> dict[str, Any]:
    flag = cell["allows_report"].lower()
    if flag not in TRUE | FALSE:
        raise ValueError(f"allows_report harus ya/tidak, bukan {cell['allows_report']!r}")
    try:
        schema = json.loads(cell["form_schema"]) if cell["form_schema"] else {"type": "object"}
    except json.JSONDecodeError as exc:
        raise ValueError(f"form_schema bukan JSON: {exc.msg}") from exc
    except RecursionError:
        raise ValueError("form_schema bersarang terlalu dalam") from None
    return {
        "code": cell["code"],
        "name": cell["name"],
        "fee": cell["fee"] or 0,
        "validity_months": cell["validity_months"] or 0,
        "risk": cell["risk"] or None,
        "allows_report": flag in TRUE,
        "documents": [d.strip() for d in cell["documents"].split(";") if d.strip()],
        "form_schema": schema,
        "stages": [],
    }
