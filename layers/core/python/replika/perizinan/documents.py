"""The permit PDF (fpdf2) with its QR code (qrcode's module matrix drawn as squares: no Pillow).

Both libraries are imported here, inside the function (the perizinan layer ships them).
"""

from __future__ import annotations

from typing import Any


def qr_matrix(text: str) -> list[list[bool]]:
    import qrcode  # type: ignore[import-untyped]

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def _ascii(text: Any) -> str:
    """The core PDF fonts are Latin-1: anything else becomes '?'."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _stamp(pdf: Any, stamp: dict[str, str]) -> None:
    """A red box across the page: the title (DICABUT, KEDALUWARSA) and its date and reason."""
    pdf.set_draw_color(200, 0, 0)
    pdf.set_text_color(200, 0, 0)
    pdf.set_line_width(1.2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(width, 16, _ascii(stamp["title"]), border="LTR", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(width, 7, _ascii(stamp["text"]), border="LBR", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(4)


def permit_pdf(body: dict[str, Any], stamp: dict[str, str] | None = None) -> bytes:
    """The permit as issued; with ``stamp`` (a revoked or expired permit) the stamp comes first."""
    from fpdf import FPDF

    f = body["fields"]
    pdf = FPDF(format="A4")
    pdf.set_title(_ascii(f["no"]))
    pdf.add_page()
    if stamp is not None:
        _stamp(pdf, stamp)
    pdf.set_font("Helvetica", "B", 15)
    # what is printed comes from the signed fields (payload v2), falling back to the body (v1)
    registration = f["reg"] if "reg" in f else body.get("registration")
    title = "SURAT TANDA TERDAFTAR" if registration else "SURAT IZIN"
    pdf.cell(0, 10, _ascii(f"{title}: {f['type_name']}"), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 8, _ascii(f"Nomor: {f['no']}"), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(4)
    rows = [
        ("Pemegang", f["holder"]),
        ("Usaha", f["business"]),
        ("NIB", f.get("nib") or "-"),
        ("KBLI", f.get("kbli", body.get("kbli")) or "-"),
        ("Lokasi", f"{f.get('address', body.get('address')) or '-'} (kecamatan {f['kec']})"),
        ("Jenis izin", f"{f['type']} - {f['type_name']}"),
        ("Berlaku", f"{f['from']} s.d. {f['until'] or 'selama usaha berjalan'}"),
    ]
    for label, value in rows:
        pdf.cell(40, 8, _ascii(label))
        pdf.multi_cell(0, 8, _ascii(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    if f["fp"] if "fp" in f else body.get("fiktif_positif"):
        pdf.ln(2)
        pdf.multi_cell(0, 7, _ascii("Diterbitkan karena batas waktu layanan terlampaui (fiktif positif)."))
    pdf.ln(6)
    plt = "Plt. " if f["plt"] else ""
    pdf.cell(0, 7, _ascii(f"{plt}{f['official']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, _ascii(f"NIP {f['nip']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, "Ditandatangani secara elektronik (ECDSA P-256).", new_x="LMARGIN", new_y="NEXT")
    matrix = qr_matrix(body["qr"])
    size = 60.0
    cell = size / len(matrix)
    x0, y0 = pdf.w - pdf.r_margin - size, pdf.get_y() + 4
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x0 + c * cell, y0 + r * cell, cell, cell, style="F")
    pdf.set_xy(pdf.l_margin, y0)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        pdf.w - pdf.l_margin - pdf.r_margin - size - 4,
        4,
        _ascii(
            f"Verifikasi: pindai kode QR atau buka {f['code']} di halaman verifikasi. Kode QR memuat data "
            "izin dan tanda tangan digital yang dapat diperiksa tanpa jaringan dengan kunci publik daerah."
        ),
    )
    return bytes(pdf.output())
