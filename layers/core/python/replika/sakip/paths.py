"""e-SAKIP's path parameters: bounded, ASCII; a malformed one is a 404 before any lookup."""

from __future__ import annotations

import re

from replika.core.errors import NotFound

PATTERNS = {
    "period": re.compile(r"^20[0-9]{2}-20[0-9]{2}$"),
    "code": re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"),
    "owner": re.compile(r"^(pemda|[0-9A-Za-z][0-9A-Za-z.-]{0,29})$"),
    "criterion": re.compile(r"^[A-Za-z0-9.]{1,12}$"),
    "link": re.compile(r"^[0-9a-f]{12}$"),
    "activity": re.compile(r"^[A-Za-z0-9._-]{1,40}$"),
}


def path(kind: str, value: str) -> str:
    if not PATTERNS[kind].match(value):
        raise NotFound("Alamat tidak ditemukan.", details={kind: value[:64]})
    return value


def year(value: str) -> int:
    if not (len(value) == 4 and value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100):
        raise NotFound("Tahun harus YYYY (2000..2100).", code="unknown_year", details={"year": value[:8]})
    return int(value)


def quarter(value: str) -> int:
    if value not in ("1", "2", "3", "4"):
        raise NotFound("Triwulan harus 1..4.", code="unknown_quarter", details={"quarter": value[:8]})
    return int(value)
