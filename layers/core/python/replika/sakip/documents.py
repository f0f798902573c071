"""Documents e-SAKIP hands out: the performance agreement (PDF) and the LKjIP tables (PDF, XLSX).

Every document carries its verifiable number and the sha256 of the content it was made from;
``GET /sakip/agreements/{year}/{owner}`` shows the same pair. Heavy imports (``fpdf``,
``openpyxl``) happen inside the functions (cold start). The PDF core fonts speak Latin-1 only:
text is folded (``ā`` -> ``a``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from replika.core.money import format_rupiah
from replika.core.pdf_text import latin1
from replika.sakip.models import AgreementSnapshot

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Section:
    """One table of a report: a title, column headers and rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    widths: Sequence[float]  # PDF column widths (mm, landscape A4 has 277)


def shown(value: Cell) -> str:
    """A cell as printed: decimals with a comma (Indonesian), rupiah with dots, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return format_rupiah(value)
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    return value


def agreement_pdf(snap: AgreementSnapshot, *, number: str, digest: str, region_name: str) -> bytes:
    """The performance agreement (Perjanjian Kinerja) of ``snap.owner`` for ``snap.year``."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(latin1(f"Perjanjian Kinerja {snap.year} {snap.owner_name}"))
    pdf.set_author(latin1(f"Pemerintah {region_name}"))
    pdf.set_creator("replika e-SAKIP")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def centred(text: str, size: int, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.cell(0, 7, latin1(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    centred(f"PEMERINTAH {region_name.upper()}", 13, "B")
    centred(f"PERJANJIAN KINERJA TAHUN {snap.year}", 12, "B")
    centred(snap.owner_name, 11)
    centred(f"Nomor: {number}", 9)
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 10)
    head = snap.head_name or "Kepala Perangkat Daerah"
    nip = f" (NIP {snap.head_nip})" if snap.head_nip else ""
    pdf.multi_cell(
        0,
        5.5,
        latin1(
            f"Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan dan akuntabel serta "
            f"berorientasi pada hasil, kami yang bertanda tangan di bawah ini, {head}{nip}, selaku pimpinan "
            f"{snap.owner_name}, berjanji mewujudkan target kinerja tahun {snap.year} berikut "
            f"(periode perencanaan {snap.period})."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    widths = (12, 78, 60, 20, 20)
    headers = ("No", "Sasaran", "Indikator kinerja", "Target", "Satuan")
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, headers, strict=True):
        pdf.cell(w, 7, h, border=1, align="C")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8.5)
    for row, target in enumerate(snap.targets, start=1):
        for i, ind in enumerate(target.indicators):
            first = i == 0
            _row(
                pdf,
                widths,
                (
                    str(row) if first else "",
                    target.name if first else "",
                    ind.name,
                    shown(ind.target),
                    ind.unit,
                ),
            )
    if snap.programmes:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 9)
        for w, h in zip((12, 138, 40), ("No", "Program", "Anggaran (Rp)"), strict=True):
            pdf.cell(w, 7, h, border=1, align="C")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8.5)
        for i, prog in enumerate(snap.programmes, start=1):
            _row(pdf, (12, 138, 40), (str(i), prog.name, shown(prog.pagu)))
        _row(pdf, (150, 40), ("Jumlah", shown(snap.total_pagu)))
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    y = pdf.get_y()
    pdf.multi_cell(90, 5.5, latin1(f"Pihak Kedua,\nKepala Daerah {region_name}\n\n\n\n"), align="C")
    pdf.set_xy(110, y)
    pdf.multi_cell(90, 5.5, latin1(f"Pihak Pertama,\n{snap.owner_name}\n\n\n\n{head}{nip}"), align="C")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 7.5)
    pdf.multi_cell(
        0,
        4,
        latin1(
            f"Dokumen {number} dibuat oleh e-SAKIP {region_name}. Sidik isi (SHA-256): {digest}. "
            "Cocokkan nomor dan sidik ini dengan data perjanjian di e-SAKIP."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def _row(pdf: Any, widths: Sequence[float], cells: Sequence[str]) -> None:
    """A table row whose cells wrap; every cell is as tall as the tallest."""
    lines = [
        len(pdf.multi_cell(w, 5, latin1(c), dry_run=True, output="LINES"))
        for w, c in zip(widths, cells, strict=True)
    ]
    height = 5 * max([*lines, 1])
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    x, y = pdf.get_x(), pdf.get_y()
    for w, c in zip(widths, cells, strict=True):
        pdf.rect(x, y, w, height)
        pdf.multi_cell(w, 5, latin1(c), new_x="RIGHT", new_y="TOP", max_line_height=5)
        x += w
        pdf.set_xy(x, y)
    pdf.set_xy(pdf.l_margin, y + height)


def report_pdf(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> bytes:
    """A landscape report of tables (the LKjIP)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("replika e-SAKIP")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, latin1(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, latin1(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in sections:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 7, latin1(section.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "B", 7.5)
        _row(pdf, section.widths, list(section.headers))
        pdf.set_font("Helvetica", "", 7.5)
        for r in section.rows:
            _row(pdf, section.widths, [shown(c) for c in r])
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 7.5)
    pdf.multi_cell(0, 4, latin1(footer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def report_xlsx(title: str, subtitle: str, sections: Sequence[Section]) -> bytes:
    """The same tables as one sheet each: text cells are text (never a formula), numbers numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = True
    for section in sections:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = "".join(ch for ch in section.title if ch not in "[]:*?/\\")[:31]
        ws.append([title])
        ws.append([subtitle])
        ws.append(list(section.headers))
        for cell in ws[3]:
            cell.font = Font(bold=True)
        ws["A1"].font = Font(bold=True, size=12)
        for r in section.rows:
            ws.append([_xlsx_value(c) for c in r])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    wb.properties.title = title
    wb.properties.creator = "replika e-SAKIP"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(c: Cell) -> str | int | float | None:
    if isinstance(c, Decimal):
        return float(c)  # a spreadsheet number; the exact value is in the PDF and the API
    return c
