"""The cascade sheet's columns, and the import's example for the document: an XLSX sheet whose
bytes are all ASCII (no openpyxl, no storage: the app builds it at cold start).

An OpenAPI document is JSON, so its example of an XLSX body is a string; a client (and the contract
stage) sends that string's UTF-8 bytes. A workbook is a ZIP file, binary in general; this one is
built so that every byte is below 0x80 and the string *is* the file: members stored uncompressed,
a fixed 1980-01-01 timestamp, and trailing spaces after each member's XML (still the same XML)
until its checksum, size and the next offset have no byte of 0x80 or above.

The example has the header row of the import (:func:`headers`) with a
target and a ceiling column for every year a period can have (2000..2104) and no node rows: any
period accepts it and nothing changes (an import of nothing). Pure.
"""

from __future__ import annotations

import struct
import zlib
from xml.sax.saxutils import escape

from replika.sakip.models import YEAR_MAX, YEAR_MIN

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
SHEET = "Kaskade"
NODE_COLUMNS = ("Level", "Kode", "Kode induk", "Uraian", "Pemilik", "Bobot", "Urutan")
INDICATOR_COLUMNS = (
    "Kode indikator",
    "Indikator",
    "Satuan",
    "Polaritas",
    "Agregasi",
    "Sumber data",
    "Kondisi awal",
    "Bobot indikator",
)
#: every year a period can have (it starts in YEAR_MIN..YEAR_MAX and lasts five years)
ALL_YEARS = list(range(YEAR_MIN, YEAR_MAX + 5))
_DOS_DATE = (1 << 5) | 1  # 1980-01-01, time 00:00:00
_SHARED = "HHHHIIIHH"  # the fields a ZIP member's local and central headers share


def headers(years: list[int]) -> list[str]:
    """The header row of the cascade sheet for a period of ``years``."""
    return [
        *NODE_COLUMNS,
        *INDICATOR_COLUMNS,
        *(f"Target {y}" for y in years),
        *(f"Pagu {y}" for y in years),
    ]


def _column(n: int) -> str:
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _sheet(cells: list[str]) -> str:
    row = "".join(
        f'<c r="{_column(i)}1" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
        for i, text in enumerate(cells, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{row}</row></sheetData></worksheet>'
    )


def _ascii(*numbers: int) -> bool:
    return all(b < 0x80 for n in numbers for b in struct.pack("<I", n))


def ascii_zip(members: list[tuple[str, str]]) -> bytes:
    """A ZIP of text ``members`` (name, ASCII XML) whose every byte is ASCII."""
    local, central = b"", b""
    for name, text in members:
        raw_name = name.encode("ascii")
        data = text.encode("ascii")
        offset = len(local)
        while True:
            crc = zlib.crc32(data)
            following = offset + 30 + len(raw_name) + len(data)
            if _ascii(crc, len(data), following):
                break
            data += b" "
        # flags, method, time, date, CRC, sizes, name length, extra length: both headers have them
        shared = (0, 0, 0, _DOS_DATE, crc, len(data), len(data), len(raw_name), 0)
        local += struct.pack("<IH" + _SHARED, 0x04034B50, 20, *shared) + raw_name + data
        # then comment length, disk, internal and external attributes, the local header's offset
        central += struct.pack("<IHH" + _SHARED + "HHHII", 0x02014B50, 20, 20, *shared, 0, 0, 0, 0, offset)
        central += raw_name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    out = local + central + end
    if max(out) >= 0x80:  # pragma: no cover - the central directory's size would need a byte >= 0x80
        raise ValueError("no ASCII layout")
    return out


def import_example() -> str:
    """The example body of ``POST /cascade/{period}/import``: the header row for every year a
    period can have, no rows (any period accepts it; nothing changes)."""
    data = ascii_zip(
        [
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("xl/workbook.xml", _WORKBOOK.format(sheet=escape(SHEET))),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", _sheet(headers(ALL_YEARS))),
        ]
    )
    return data.decode("ascii")
