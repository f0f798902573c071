"""The cascade as a planner's sheet (XLSX): export, and import with every row checked first.

Layout (one sheet, ``Kaskade``): row 1 the title, row 2 the headers, then one row per indicator in
the tree's order (a node without indicators has one row with the indicator columns empty). The
node's columns repeat on each of its rows; the import reads a node from its first row. Columns::

    Level | Kode | Kode induk | Uraian | Pemilik | Bobot | Urutan | Kode indikator | Indikator |
    Satuan | Polaritas | Agregasi | Sumber data | Kondisi awal | Bobot indikator |
    Target <year> (each year of the period) | Pagu <year> (each year)

Level is the planners' word (Visi, Misi, Tujuan, Sasaran strategis, Sasaran OPD, Program,
Kegiatan, Sub kegiatan); Polaritas ``maksimal`` (higher is better) or ``minimal``; Agregasi
``kumulatif`` (sum), ``akhir`` (last quarter) or ``rata-rata``; Pemilik an OPD code or ``pemda``.

Import: all rows valid or nothing is written (``import_rejected`` lists every problem with its
row). New nodes are created, changed ones updated (a version each), identical ones left alone;
nodes absent from the sheet stay. A change to a year whose agreement is signed is a revision and
needs ``reason``. Readers see the whole import or none of it: it is staged under a new key space
and switched with one conditional write (:mod:`replika.sakip.cascade_import`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import AppError, BadRequest
from replika.core.tabular import RowProblem, rejected
from replika.sakip import cascade, cascade_import, common, store
from replika.sakip.documents import XLSX_TYPE
from replika.sakip.models import ImportSummary, IndicatorIn, LinkOut, NodeIn
from replika.sakip.rules.cascade import LEVEL_LABELS, rank
from replika.sakip.tables import Node, Period
from replika.sakip.xlsx_example import INDICATOR_COLUMNS, NODE_COLUMNS, SHEET, headers

__all__ = ["INDICATOR_COLUMNS", "NODE_COLUMNS", "SHEET", "export", "headers", "import_xlsx"]
POLARITY = {"higher": "maksimal", "lower": "minimal"}
AGGREGATION = {"sum": "kumulatif", "last": "akhir", "average": "rata-rata"}
LEVEL_OF = {label.lower(): level for level, label in LEVEL_LABELS.items()}
MAX_ROWS = 20_000
#: control characters XML 1.0 (so XLSX) cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): a stored
#: name with one is exported with U+FFFD in its place instead of failing the whole export
_NOT_IN_XML = re.compile(r"[\000-\010\013\014\016-\037]")
LINK_EXPIRES = 300


def tree_order(nodes: Iterable[Node]) -> list[Node]:
    """Parents before children, siblings by (order, code); nodes whose parent is absent first."""
    items = list(nodes)
    codes = {n.code for n in items}
    kids: dict[str | None, list[Node]] = {}
    for n in items:
        kids.setdefault(n.parent if n.parent in codes else None, []).append(n)
    out: list[Node] = []
    stack = sorted(kids.get(None, []), key=lambda n: (rank(n.level), n.order or 0, n.code), reverse=True)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(sorted(kids.get(n.code, []), key=lambda k: (k.order or 0, k.code), reverse=True))
    return out


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# -- export ---------------------------------------------------------------------------------------
def export_xlsx(period: Period, nodes: Iterable[Node], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    years = common.period_years(period)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(headers(years))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "C3"
    for n in tree_order(nodes):
        node_cells: list[Any] = [
            LEVEL_LABELS[n.level],
            n.code,
            n.parent,
            n.name,
            n.owner,
            _number(n.weight),
            int(n.order or 0),
        ]
        pagu = [(n.pagu or {}).get(str(y)) for y in years]
        for ind in n.indicators or [None]:
            if ind is None:
                ind_cells: list[Any] = [None] * (len(INDICATOR_COLUMNS) + len(years))
            else:
                ind_cells = [
                    ind["id"],
                    ind["name"],
                    ind["unit"],
                    POLARITY[ind["polarity"]],
                    AGGREGATION[ind["aggregation"]],
                    ind.get("source"),
                    _number(ind.get("baseline")),
                    _number(ind.get("weight")),
                    *(_number((ind.get("targets") or {}).get(str(y))) for y in years),
                ]
            ws.append([_cell(v) for v in (*node_cells, *ind_cells, *pagu)])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text: a name starting with "=" is no formula
            ws.cell(ws.max_row, 4).alignment = Alignment(indent=rank(n.level))
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (18, 28, 28, 60, 12, 8, 8, 12, 50, 12, 11, 11, 20, 12, 10), strict=True
    ):
        ws.column_dimensions[letter].width = width
    wb.properties.title = title
    wb.properties.creator = "replika e-SAKIP"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_IN_XML.sub("\ufffd", value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def export(p: Principal, period_id: str, opd: str | None) -> LinkOut:
    period = common.get_period(period_id)
    if opd is not None:
        common.require_read(p, opd)
        nodes = [n for n in store.all_nodes(period_id) if n.owner == opd]
        owner = opd
    else:
        nodes = [n for n in store.all_nodes(period_id) if common.can_read(p, n.owner)]
        owner = "semua" if common.sees_everything(p) else (p.opd or "pemda")
    title = f"Kaskade kinerja {period.name} - {common.region().name}"
    key = f"sakip/cascade/{period_id}/{owner}.xlsx"
    storage.put_bytes(key, export_xlsx(period, nodes, title), XLSX_TYPE)
    filename = f"kaskade-{period_id}-{owner}.xlsx"
    return LinkOut(
        url=storage.presign_download(key, filename=filename, expires=LINK_EXPIRES),
        expires_in=LINK_EXPIRES,
        filename=filename,
    )


# -- import ---------------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("bukan angka")
    try:
        # a float cell's shortest repr is what the planner typed (up to 15 significant digits)
        return (
            Decimal(repr(value))
            if isinstance(value, float)
            else Decimal(str(value).strip().replace(",", "."))
        )
    except InvalidOperation:
        raise ValueError("bukan angka") from None


def read_rows(data: bytes, years: list[int]) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, {header: value})`` of every non-empty row under the header row of the sheet
    ``Kaskade``. A body that is no workbook, a workbook without that worksheet (or without any), or
    a sheet whose XML cannot be read is a 400 ``import_rejected`` naming the problem."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise rejected([RowProblem(None, None, "berkas bukan XLSX yang sah")]) from None
    if not wb.worksheets:
        raise rejected([RowProblem(None, None, "berkas tidak memiliki lembar kerja")])
    if SHEET not in wb.sheetnames or wb[SHEET] not in wb.worksheets:
        found = ", ".join(wb.sheetnames)
        raise rejected([RowProblem(None, None, f"lembar kerja {SHEET} tidak ada (yang ada: {found})")])
    try:  # a read-only sheet is parsed while it is read: a broken one fails here
        return _sheet_rows(wb[SHEET].iter_rows(values_only=True), years)
    except AppError:
        raise
    except Exception:
        raise rejected([RowProblem(None, None, f"lembar kerja {SHEET} tidak dapat dibaca")]) from None


def _sheet_rows(rows: Iterator[tuple[Any, ...]], years: list[int]) -> list[tuple[int, dict[str, Any]]]:
    expected = headers(years)
    header_row = None
    for number, row in enumerate(rows, start=1):
        cells = [_text(c) for c in row]
        if "Kode" in cells and "Level" in cells:
            header_row = number
            names = cells
            break
        if number > 10:
            break
    if header_row is None:
        raise rejected([RowProblem(None, None, "baris judul kolom (Level, Kode, …) tidak ditemukan")])
    missing = [h for h in expected if h not in names]
    if missing:
        raise rejected([RowProblem(header_row, None, "kolom wajib tidak ada: " + ", ".join(missing))])
    out = []
    for number, row in enumerate(rows, start=header_row + 1):
        values = {name: value for name, value in zip(names, row, strict=False) if name}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        out.append((number, values))
        if len(out) > MAX_ROWS:
            raise rejected([RowProblem(number, None, f"lebih dari {MAX_ROWS} baris")])
    return out


def parse(data: bytes, years: list[int]) -> tuple[list[tuple[int, NodeIn]], list[RowProblem]]:
    """The nodes of a sheet (with the row each starts on) and every problem found."""
    problems: list[RowProblem] = []
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, values in read_rows(data, years):
        code = _text(values.get("Kode"))
        if code is None:
            problems.append(RowProblem(number, "Kode", "wajib diisi"))
            continue
        grouped.setdefault(code, []).append((number, values))
    nodes = []
    for code, rows in grouped.items():
        first, values = rows[0]
        try:
            level = LEVEL_OF.get((_text(values.get("Level")) or "").lower())
            if level is None:
                raise ValueError(f"Level harus salah satu dari {', '.join(LEVEL_LABELS.values())}")
            indicators = [_indicator(v, years) for _, v in rows if _text(v.get("Kode indikator"))]
            pagu = {str(y): _decimal(values.get(f"Pagu {y}")) for y in years}
            node = NodeIn(
                code=code,
                level=level,
                owner=_text(values.get("Pemilik")) or "",
                parent=_text(values.get("Kode induk")),
                name=_text(values.get("Uraian")) or "",
                weight=_decimal(values.get("Bobot")),
                order=int(_decimal(values.get("Urutan")) or 0),
                indicators=indicators,
                pagu={y: int(v) for y, v in pagu.items() if v is not None} or None,
            )
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                where = ".".join(str(x) for x in err["loc"])
                problems.append(RowProblem(first, where or None, f"{code}: {err['msg']}"))
            continue
        except (ValueError, InvalidOperation) as exc:
            problems.append(RowProblem(first, None, f"{code}: {exc}"))
            continue
        nodes.append((first, node))
    return nodes, problems


def _indicator(values: dict[str, Any], years: list[int]) -> IndicatorIn:
    polarity = {v: k for k, v in POLARITY.items()}.get((_text(values.get("Polaritas")) or "maksimal").lower())
    aggregation = {v: k for k, v in AGGREGATION.items()}.get(
        (_text(values.get("Agregasi")) or "akhir").lower()
    )
    if polarity is None:
        raise ValueError("Polaritas harus maksimal atau minimal")
    if aggregation is None:
        raise ValueError("Agregasi harus kumulatif, akhir atau rata-rata")
    targets = {str(y): _decimal(values.get(f"Target {y}")) for y in years}
    return IndicatorIn(
        id=_text(values.get("Kode indikator")) or "",
        name=_text(values.get("Indikator")) or "",
        unit=_text(values.get("Satuan")) or "",
        polarity=polarity,
        aggregation=aggregation,
        source=_text(values.get("Sumber data")),
        baseline=_decimal(values.get("Kondisi awal")),
        targets={y: v for y, v in targets.items() if v is not None},
        weight=_decimal(values.get("Bobot indikator")),
    )


def import_xlsx(
    p: Principal, period_id: str, data: bytes, *, dry_run: bool, reason: str | None, request_id: str | None
) -> ImportSummary:
    """Check every row, then (unless ``dry_run``) land the whole cascade at once
    (:mod:`replika.sakip.cascade_import`)."""
    period = common.get_period(period_id)
    parsed, problems = parse(data, common.period_years(period))
    if problems or dry_run:
        return _plan(p, period, parsed, problems, store.all_nodes(period_id), reason)[0]
    import_id = cascade_import.claim(period, cascade_import.file_digest(data, reason))
    try:
        period = common.get_period(period_id)  # as claimed: its active space is the base
        base = store.all_nodes(period_id, store.space_of(period), consistent=True)
        summary, changes = _plan(p, period, parsed, [], base, reason)
        summary.dry_run = False
    except BaseException:
        cascade_import.release(period_id, import_id)
        raise
    if not changes:
        cascade_import.release(period_id, import_id)
        return summary
    cascade_import.stage(period_id, import_id, base, changes)
    cascade_import.switch(period_id, store.space_of(period), import_id)
    cascade_import.finish(period_id, import_id, request_id=request_id)
    return summary


def _plan(
    p: Principal,
    period: Period,
    parsed: list[tuple[int, NodeIn]],
    problems: list[RowProblem],
    base: list[Node],
    reason: str | None,
) -> tuple[ImportSummary, list[tuple[cascade.Change, Node, bool]]]:
    """Every change the sheet makes to ``base`` (400 ``import_rejected`` with every problem)."""
    existing = {n.code: n for n in base}
    in_file = {node.code: node for _, node in parsed}
    known = set(store.opd_names({node.owner for node in in_file.values()}))
    visions = {c for c, n in existing.items() if n.level == "vision"} | {
        c for c, n in in_file.items() if n.level == "vision"
    }
    if len(visions) > 1:
        problems.append(RowProblem(None, "Level", "satu periode hanya memiliki satu visi"))
    changes: list[tuple[cascade.Change, Node, bool]] = []
    unchanged = 0
    who, at = common.actor(p), common.now()
    for row, body in sorted(parsed, key=lambda rn: rank(rn[1].level)):
        above = (in_file.get(body.parent) or existing.get(body.parent)) if body.parent else None
        parent = {"level": above.level, "owner": above.owner} if above is not None else None
        try:
            if body.parent is not None and parent is None:
                raise BadRequest(
                    f"induk {body.parent} tidak ada di berkas maupun di kaskade", code="unknown_parent"
                )
            cascade.check_node(
                period, level=body.level, owner=body.owner, parent=parent, fields=body, known_opds=known
            )
            common.require_write(p, body.owner)
        except AppError as err:
            found = (err.details or {}).get("problems") or [{"message": err.message}]
            problems.extend(RowProblem(row, None, f"{body.code}: {x['message']}") for x in found)
            continue
        before = existing.get(body.code)
        if before is not None and (before.level != body.level or before.owner != body.owner):
            problems.append(
                RowProblem(row, "Level", f"{body.code}: level dan pemilik node tidak dapat diubah")
            )
            continue
        version = int(before.version or 0) if before is not None else None
        after = cascade.build_node(period, body, who, at, version)
        if before is not None:
            after.created_at = before.created_at
            if store.snapshot(before) == store.snapshot(after):
                unchanged += 1
                continue
        change = cascade.Change(
            period,
            action="update" if before is not None else "create",
            before=before,
            after=after,
            version=(version or 0) + 1,
            p_actor=who,
            reason=reason,
        )
        changes.append((change, after, before is None))
    if problems:
        raise rejected(sorted(problems, key=lambda x: (x.line or 0, x.column or "")))
    unreasoned = [c.node.code for c, _, _ in changes if c.revised and not reason]
    if unreasoned:
        raise BadRequest(
            "Sebagian perubahan merevisi perjanjian kinerja yang sudah ditandatangani: sebutkan alasannya.",
            code="reason_required",
            details={"codes": unreasoned},
        )
    summary = ImportSummary(
        rows=sum(1 for _ in parsed),
        nodes=len(parsed),
        created=sum(1 for _, _, new in changes if new),
        updated=sum(1 for _, _, new in changes if not new),
        unchanged=unchanged,
        revisions=sum(1 for c, _, _ in changes if c.revised),
        dry_run=True,
    )
    return summary, changes
