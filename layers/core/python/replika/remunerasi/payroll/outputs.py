"""Payroll outputs of e-Remunerasi: the per-employee slip (PDF) and the payroll sheets (XLSX).

When a payroll run reaches draft, :mod:`.run` queues a message whose handler calls
:func:`generate_outputs` (period, generation). That writes, to the documents bucket::

    remunerasi/<period>/g<generation>/sheets/region.xlsx          whole region
    remunerasi/<period>/g<generation>/sheets/opd-<opd>.xlsx       one per OPD
    remunerasi/<period>/g<generation>/slips/<nip>.pdf             lazily, on first request

and records the sheet keys on the :class:`~replika.remunerasi.tables.PayrollRun` item
(``outputs = {"generation", "generated_at", "files": {"region": key, "opd:<code>": key}}``) with
an update conditional on the run's generation: a message for a generation that has moved on (a
recompute started meanwhile) is skipped, and a rerun overwrites the same keys (idempotent).

Slips are generated on the first download (:func:`slip_link`): thousands of PDFs nobody opens are
not worth a cold path; a recompute bumps the generation, hence the key, so a stale slip is never
served. Downloads are presigned GETs.

Heavy imports (``fpdf``, ``openpyxl``) happen inside the functions that use them (cold start).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from replika.core import storage
from replika.core.auth import Principal
from replika.core.calendar import parse_period
from replika.core.config import RegionConfig
from replika.core.errors import Forbidden, NotFound
from replika.core.money import format_rupiah
from replika.core.observability import get_logger
from replika.core.pdf_text import latin1
from replika.core.runtime import current_region
from replika.remunerasi.models import LinkOut, OutputsOut
from replika.remunerasi.rules import format_tanggal
from replika.remunerasi.store import employees, runs
from replika.remunerasi.store import results as results_store
from replika.remunerasi.tables import PayrollResult, PayrollRun

__all__ = [
    "SHEET_HEADERS",
    "LinkOut",
    "OutputsOut",
    "generate_outputs",
    "outputs_of",
    "payroll_xlsx",
    "period_label",
    "sheet_key",
    "sheet_link",
    "slip_key",
    "slip_link",
    "slip_pdf",
]

logger = get_logger("remunerasi")

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK_EXPIRES = 300


# -- keys and labels ------------------------------------------------------------------------------
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _safe(code: str) -> str:
    return _SAFE.sub("_", code) or "_"


def _prefix(period: str, generation: int) -> str:
    parse_period(period)
    return f"remunerasi/{period}/g{int(generation)}"


def sheet_key(period: str, generation: int, opd: str | None) -> str:
    """``remunerasi/2026-08/g2/sheets/region.xlsx`` or ``…/sheets/opd-32.73.06.xlsx``."""
    name = "region" if opd is None else f"opd-{_safe(opd)}"
    return f"{_prefix(period, generation)}/sheets/{name}.xlsx"


def slip_key(period: str, generation: int, nip: str) -> str:
    """``remunerasi/2026-08/g2/slips/<nip>.pdf``."""
    return f"{_prefix(period, generation)}/slips/{_safe(nip)}.pdf"


def _file_id(opd: str | None) -> str:
    return "region" if opd is None else f"opd:{opd}"


def period_label(period: str) -> str:
    """``"2026-08"`` -> ``"Agustus 2026"``."""
    year, month = parse_period(period)
    return format_tanggal(date(year, month, 1)).split(" ", 1)[1]


def _pct(text: str | None) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)


def _pct_label(text: str | None) -> str:
    value = _pct(text).normalize()
    shown = f"{value:f}".replace(".", ",")
    return f"{shown} %"


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


# =================================================================================================
# Slip (PDF)
# =================================================================================================


def slip_pdf(result: PayrollResult, *, region: RegionConfig, compress: bool = True) -> bytes:
    """One employee's TKD slip (Bahasa Indonesia) as PDF bytes.

    Shows the region, period, NIP, name, position, OPD, kelas jabatan, base rate, approved and
    countable minutes against the target, the kinerja part, the attendance deduction and the
    disiplin part, the sentence cut, gross, BPJS Kesehatan (employer, employee withheld) and net.
    Amounts use :func:`~replika.core.money.format_rupiah`. ``compress=False`` leaves the page
    stream readable (tests). The creation date is the result's ``computed_at``, so the same result
    gives the same bytes.
    """
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    target = region.remunerasi.target_minutes
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_title(latin1(f"Slip TKD {result.period} {result.nip}"))
    pdf.set_author(latin1(f"Pemerintah {region.name}"))
    pdf.set_creator("replika e-Remunerasi")
    created = _parse_time(result.computed_at)
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def line(label: str, value: str, *, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(70, 6.5, latin1(label), new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(0, 6.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def money(label: str, value: Any, *, bold: bool = False, minus: bool = False) -> None:
        amount = _int(value)
        text = format_rupiah(amount)
        line(label, f"({text})" if minus and amount else text, bold=bold)

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, latin1(text), border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(
        0, 7, latin1(f"PEMERINTAH {region.name.upper()}"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, "SLIP TUNJANGAN KINERJA DINAMIS (TKD)", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        latin1(f"Periode {period_label(result.period)} ({result.period})"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    heading("Data Pegawai")
    line("NIP", result.nip)
    line("Nama", result.name or "-")
    line("Jabatan", result.position_name or "-")
    line("OPD", result.opd_code or "-")
    line("Kelas jabatan", str(_int(result.kelas)) if result.kelas is not None else "-")
    money("Tarif dasar kelas", result.base)

    heading("Kinerja")
    approved = _int(result.approved_minutes)
    countable = _int(result.countable_minutes)
    line("Menit disetujui", f"{approved:,}".replace(",", ".") + " menit")
    line("Menit yang dihitung", f"{countable:,}".replace(",", ".") + " menit")
    line("Target menit", f"{target:,}".replace(",", ".") + " menit")
    ratio = _pct(result.kinerja_ratio) * 100
    line("Capaian kinerja", _pct_label(str(ratio.quantize(Decimal("0.01")))))
    money("Tunjangan kinerja", result.kinerja)

    heading("Disiplin")
    line("Potongan kehadiran", _pct_label(result.attendance_deduction_pct))
    money("Tunjangan disiplin", result.disiplin)
    line("Potongan hukuman disiplin", _pct_label(result.sentence_cut_pct))
    money("Nilai potongan hukuman disiplin", result.sentence_cut, minus=True)

    heading("Rincian Pembayaran")
    money("Jumlah bruto", result.gross, bold=True)
    money("BPJS Kesehatan ditanggung pemda", result.bpjs_employer)
    money("BPJS Kesehatan dipotong dari pegawai", result.bpjs_employee, minus=True)
    money("Jumlah diterima (neto)", result.net, bold=True)

    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        4.5,
        latin1(
            f"Dokumen ini dibuat oleh sistem e-Remunerasi {region.name} (perhitungan ke-"
            f"{_int(result.generation)}"
            + (f", {result.computed_at}" if result.computed_at else "")
            + ") dan sah tanpa tanda tangan."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# =================================================================================================
# Payroll sheet (XLSX)
# =================================================================================================
#: Column headers of the payroll sheet, in order (Bahasa Indonesia).
SHEET_HEADERS: tuple[str, ...] = (
    "NIP",
    "Nama",
    "Jabatan",
    "Kelas",
    "Tarif dasar",
    "Menit disetujui",
    "Tunjangan kinerja",
    "Potongan kehadiran (%)",
    "Tunjangan disiplin",
    "Potongan hukdis",
    "Bruto",
    "BPJS pemda",
    "BPJS pegawai",
    "Neto",
    "OPD",
)
_WIDTHS = (21, 32, 32, 7, 14, 10, 16, 12, 16, 14, 16, 14, 14, 16, 14)
_MONEY_FORMAT = "#,##0"
_SUM_COLUMNS = {4, 5, 6, 8, 9, 10, 11, 12, 13}  # 0-based: base, minutes and money columns
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def _row(r: PayrollResult) -> list[Any]:
    return [
        r.nip,
        r.name or "",
        r.position_name or "",
        _int(r.kelas) if r.kelas is not None else None,
        _int(r.base),
        _int(r.approved_minutes),
        _int(r.kinerja),
        _pct(r.attendance_deduction_pct),
        _int(r.disiplin),
        _int(r.sentence_cut),
        _int(r.gross),
        _int(r.bpjs_employer),
        _int(r.bpjs_employee),
        _int(r.net),
        r.opd_code or "",
    ]


def payroll_xlsx(results: Iterable[PayrollResult], *, title: str) -> bytes:
    """The payroll sheet (for BPKAD and the bank) as XLSX bytes.

    Row 1: ``title``; row 2: :data:`SHEET_HEADERS`; then one row per result with ``status ==
    "ok"`` (failed results carry no amounts and are left out), sorted by NIP; last row: totals
    (``JUMLAH``, the number of employees in the name column, and the sums of base, minutes and
    every money column, as values, not formulas).

    NIP and every text cell are text (``@``; leading digits stay exact, and a value starting with
    ``=`` is never a formula); money is an integer cell formatted ``#,##0``; the attendance
    deduction is a fraction formatted as a percentage.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    sheet_title = _SHEET_TITLE_BAD.sub("-", title)[:31] or "TKD"
    ws = wb.create_sheet(sheet_title)
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    bold = Font(bold=True)

    def text(value: str, *, font: Font | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the value starts with
        cell.number_format = "@"
        if font is not None:
            cell.font = font
        return cell

    def number(value: float | None, fmt: str = _MONEY_FORMAT, *, font: Font | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = fmt
        if font is not None:
            cell.font = font
        return cell

    ws.append([text(title, font=Font(bold=True, size=12))])
    header = []
    for h in SHEET_HEADERS:
        cell = text(h, font=bold)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)

    totals = [0] * len(SHEET_HEADERS)
    count = 0
    for r in sorted((r for r in results if r.status == "ok"), key=lambda r: r.nip):
        values = _row(r)
        count += 1
        cells: list[Any] = []
        for i, v in enumerate(values):
            if i in _SUM_COLUMNS:
                totals[i] += int(v)
            if i in (0, 1, 2, 14):
                cells.append(text(str(v)))
            elif i == 3:
                cells.append(number(v, "0"))
            elif i == 5:
                cells.append(number(v, "#,##0"))
            elif i == 7:
                cells.append(number(float(v / 100), "0.00%"))
            else:
                cells.append(number(v))
        ws.append(cells)

    total_cells: list[Any] = [text("JUMLAH", font=bold), text(f"{count} pegawai", font=bold)]
    for i in range(2, len(SHEET_HEADERS)):
        total_cells.append(number(totals[i], font=bold) if i in _SUM_COLUMNS else None)
    ws.append(total_cells)

    wb.properties.title = title
    wb.properties.creator = "replika e-Remunerasi"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# =================================================================================================
# Generation (queue handler) and download links
# =================================================================================================
def _results(period: str, generation: int) -> list[PayrollResult]:
    """The period's results of ``generation``."""
    return list(results_store.of_generation(period, generation))


def _opd_names() -> dict[str, str]:
    """OPD code -> name from the directory (best effort)."""
    try:
        return employees.opd_names()
    except Exception:  # a label only: a directory hiccup must not fail the payroll outputs
        logger.warning("opd names unavailable for payroll sheets", exc_info=True)
        return {}


def generate_outputs(period: str, generation: int) -> dict[str, str]:
    """Write the period's payroll sheets for ``generation`` and record them on the run.

    Returns ``{"region": key, "opd:<code>": key, …}``; ``{}`` when skipped: the run does not exist
    or its generation is no longer ``generation`` (checked before the work and again, atomically,
    by the conditional update that records the keys). Rerunning overwrites the same keys.
    """
    generation = int(generation)
    run = runs.load(period)
    if run is None or int(run.generation) != generation:
        logger.info(
            "payroll outputs skipped: stale or missing run",
            extra={"period": period, "generation": generation, "current": run and int(run.generation)},
        )
        return {}
    results = _results(period, generation)
    ok = [r for r in results if r.status == "ok"]
    by_opd: dict[str, list[PayrollResult]] = {}
    for r in ok:
        if r.opd_code:
            by_opd.setdefault(r.opd_code, []).append(r)

    names = _opd_names()
    label = period_label(period)
    files: dict[str, str] = {}
    key = sheet_key(period, generation, None)
    storage.put_bytes(key, payroll_xlsx(ok, title=f"Daftar TKD seluruh OPD - {label}"), XLSX_TYPE)
    files[_file_id(None)] = key
    for opd in sorted(by_opd):
        name = names.get(opd)
        title = f"Daftar TKD {opd}{' ' + name if name else ''} - {label}"
        key = sheet_key(period, generation, opd)
        storage.put_bytes(key, payroll_xlsx(by_opd[opd], title=title), XLSX_TYPE)
        files[_file_id(opd)] = key

    payload = {
        "generation": generation,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": files,
        "employees": len(ok),
        "failed": sum(1 for r in results if r.status != "ok"),
    }
    if not runs.record_outputs(run, generation, payload):
        logger.info("payroll outputs not recorded: generation moved on", extra={"period": period})
        return {}
    logger.info(
        "payroll outputs written", extra={"period": period, "generation": generation, "files": len(files)}
    )
    return files


def _recorded(run: PayrollRun) -> tuple[int, dict[str, str], str | None] | None:
    """``(generation, files, generated_at)`` when the run's outputs belong to its generation."""
    raw: Any = run.outputs
    if raw is None:
        return None
    data: dict[str, Any] = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    gen = data.get("generation")
    if gen is None or int(gen) != int(run.generation):
        return None
    files = {str(k): str(v) for k, v in (data.get("files") or {}).items()}
    at = data.get("generated_at")
    return int(gen), files, (str(at) if at else None)


def outputs_of(period: str, principal: Principal) -> OutputsOut:
    """The sheets recorded for the run's current generation (BKPSDM/BPKAD/admin)."""
    _require_region_wide(principal)
    run = runs.load(period)
    rec = None if run is None else _recorded(run)
    if run is None or rec is None:
        raise _not_ready(period)
    gen, files, at = rec
    return OutputsOut(period=period, generation=gen, generated_at=at, files=files)


def _require_region_wide(principal: Principal) -> None:
    if not principal.region_wide:
        raise Forbidden(
            "Daftar pembayaran TKD hanya untuk BKPSDM, BPKAD atau admin.",
            details={"required_roles": ["admin", "bkpsdm", "bpkad"]},
        )


def _not_ready(period: str, **details: Any) -> NotFound:
    return NotFound(
        f"Dokumen penggajian periode {period} belum tersedia.",
        details={"period": period, **details},
    )


def sheet_link(period: str, opd: str | None, principal: Principal, *, expires: int = LINK_EXPIRES) -> LinkOut:
    """A presigned download of the payroll sheet of ``opd`` (``None``: the whole region).

    BKPSDM/BPKAD/admin only (403 otherwise, before anything is looked up); 404 while the run or
    its sheets for the current generation do not exist yet (e.g. during a recompute).
    """
    _require_region_wide(principal)
    parse_period(period)
    run = runs.load(period)
    rec = None if run is None else _recorded(run)
    if rec is None:
        raise _not_ready(period, opd=opd)
    gen, files, _ = rec
    key = files.get(_file_id(opd))
    if key is None:
        raise _not_ready(period, opd=opd)
    filename = f"tkd-{period}-{'seluruh-opd' if opd is None else _safe(opd)}.xlsx"
    url = storage.presign_download(key, filename=filename, expires=expires)
    return LinkOut(url=url, expires_in=expires, filename=filename, generation=gen)


def slip_link(
    period: str,
    nip: str,
    principal: Principal,
    *,
    region: RegionConfig | None = None,
    expires: int = LINK_EXPIRES,
) -> LinkOut:
    """A presigned download of ``nip``'s slip for ``period``.

    The employee themself, or BKPSDM/BPKAD/admin; anyone else 403 (checked first, so a 403 says
    nothing about whether a slip exists). 404 when there is no run, no result of the run's current
    generation for ``nip`` (e.g. during a recompute), or the result failed. The PDF is generated
    and stored on the first request for a generation (``slips/<nip>.pdf`` under the generation's
    prefix); later requests only presign. ``region`` defaults to the deployment's region config.
    """
    if not (principal.region_wide or (principal.nip is not None and principal.nip == nip)):
        raise Forbidden("Anda hanya dapat mengunduh slip TKD Anda sendiri.", details={"nip": nip})
    parse_period(period)
    run = runs.load(period)
    if run is None:
        raise _not_ready(period, nip=nip)
    gen = int(run.generation)
    result = results_store.get(period, nip)
    if result is None or int(result.generation) != gen or result.status != "ok":
        raise _not_ready(period, nip=nip)
    key = slip_key(period, gen, nip)
    if not storage.exists(key):
        pdf = slip_pdf(result, region=region or current_region())
        storage.put_bytes(key, pdf, PDF_TYPE)
    filename = f"slip-tkd-{period}-{nip}.pdf"
    url = storage.presign_download(key, filename=filename, expires=expires)
    return LinkOut(url=url, expires_in=expires, filename=filename, generation=gen)
