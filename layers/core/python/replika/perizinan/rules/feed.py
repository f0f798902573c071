"""The status feed record: what a national OSS status feed takes for each status change of an
application (NIB, OSS id, permit code, status code and name, date, remark). Pure. The codes are
region policy (``perizinan.oss_status_codes``), so a region maps them to its OSS connector without
code changes; the names are the Indonesian names shown to applicants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATUS_NAMES = {
    "registered": "Terdaftar (laporan usaha)",
    "in_review": "Dalam proses",
    "returned": "Dikembalikan untuk perbaikan",
    "rejected": "Ditolak",
    "withdrawn": "Dibatalkan pemohon",
    "approved": "Disetujui, menunggu pembayaran retribusi",
    "issued": "Izin terbit",
    "revoked": "Izin dicabut",
}


def record(data: Mapping[str, Any], at: str, remark: str | None, codes: Mapping[str, str]) -> dict[str, Any]:
    """The feed record of ``data`` (an application, its new status set) changed at ``at``."""
    status = str(data["status"])
    return {
        "nib": data.get("nib"),
        "oss_id": data.get("oss_id"),
        "permit_code": data["type_code"],
        "permit_number": data.get("permit_number"),
        "application": data["number"],
        "status": status,
        "status_code": codes.get(status, status),
        "status_name": STATUS_NAMES.get(status, status),
        "date": at,
        "remark": remark or None,
    }
