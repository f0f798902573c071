"""The grant agreement (Naskah Perjanjian Hibah Daerah, NPHD) as a PDF: parties, amount, purpose,
obligations and the LPJ deadline, with its verifiable number. fpdf2 is imported here only."""

from __future__ import annotations

from datetime import date

from replika.core.money import format_rupiah
from replika.sabilulungan.store import ProposalDoc


def _ascii(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render(doc: ProposalDoc, *, region_name: str, nphd_number: str, lpj_due: date) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")

    def line(height: float, text: str, align: str = "L") -> None:
        pdf.multi_cell(0, height, _ascii(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_title(nphd_number)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    title = "NASKAH PERJANJIAN HIBAH DAERAH" if doc.kind == "hibah" else "NASKAH PERJANJIAN BANTUAN SOSIAL"
    line(8, title, "C")
    pdf.set_font("Helvetica", "", 10)
    line(6, f"Nomor: {nphd_number}   Usulan: {doc.number}   Tahun anggaran: {doc.year}", "C")
    pdf.ln(4)
    body = [
        f"PIHAK PERTAMA: Pemerintah {region_name}, melalui OPD {doc.opd}.",
        f"PIHAK KEDUA: {doc.applicant_name}, kelurahan {doc.kelurahan}, kecamatan {doc.kecamatan}.",
        f"Nilai: {format_rupiah(int(doc.approved or 0))}.",
        f"Kegiatan: {doc.title}. Tujuan: {doc.purpose}",
        "Kewajiban PIHAK KEDUA: menggunakan dana sesuai RAB yang disetujui; tidak mengalihkan dana; "
        "menyimpan bukti pengeluaran; menyampaikan laporan pertanggungjawaban (LPJ).",
        f"LPJ wajib diserahkan paling lambat {lpj_due.isoformat()} (waktu daerah). Penerima yang "
        "terlambat tidak dapat menerima hibah/bansos berikutnya sampai LPJ diserahkan.",
    ]
    for para in body:
        line(6, para)
        pdf.ln(2)
    return bytes(pdf.output())
