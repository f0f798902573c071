"""The technical OPD's evaluation checklist (Bandung's SKPD checklist): a recommendation moves
past evaluation only when every item holds. Pure: the service says what was uploaded and what
the matcher found.

Items (codes of the refusal's ``failed`` list):

- ``prices_match_ssh``: prices were checked against the region's standard price list (SSH) line by
  line (corrections are the RAB's numbered revisions);
- ``organisation_verified``: the recipient is real and its address matches, **backed by** the
  site-visit report (berita acara) uploaded (``site_visit_report``) with at least one photo
  (``site_visit_photos``);
- ``ktp_verified``: the KTP was verified;
- ``legal_entity``: the organisation is a legal body (hibah to an organisation only);
- ``no_grant_previous_year``: the officer's tick may not contradict the matcher (re-run at the
  evaluation): ticked while the matcher finds a grant in the blocked years is a failed item.
  Unticked, the recommendation may go on: the head of region decides at approval (override
  with a reason).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from replika.core.errors import Conflict

MESSAGES = {
    "prices_match_ssh": "harga belum diperiksa terhadap SSH",
    "organisation_verified": "keberadaan dan alamat penerima belum diverifikasi",
    "site_visit_report": "berita acara kunjungan lapangan belum diunggah",
    "site_visit_photos": "foto kunjungan lapangan belum diunggah",
    "ktp_verified": "KTP belum diverifikasi",
    "legal_entity": "lembaga belum terverifikasi berbadan hukum",
    "no_grant_previous_year": "pencocokan menemukan hibah/bansos pada tahun yang dibatasi",
}


def failed_items(
    checklist: Mapping[str, Any],
    *,
    organisation: bool,
    report_uploaded: bool,
    photos_uploaded: int,
    blocking_grants: Sequence[str],
) -> list[str]:
    """The items that do not hold, in the checklist's order (empty: complete)."""
    failed = [k for k in ("prices_match_ssh", "organisation_verified") if not checklist.get(k)]
    if not report_uploaded:
        failed.append("site_visit_report")
    if photos_uploaded < 1:
        failed.append("site_visit_photos")
    if not checklist.get("ktp_verified"):
        failed.append("ktp_verified")
    if organisation and not checklist.get("legal_entity"):
        failed.append("legal_entity")
    if checklist.get("no_grant_previous_year") and blocking_grants:
        failed.append("no_grant_previous_year")
    return failed


def require_complete(failed: Sequence[str], blocking_grants: Sequence[str] = ()) -> None:
    if failed:
        raise Conflict(
            "Daftar periksa evaluasi belum terpenuhi: " + "; ".join(MESSAGES[f] for f in failed) + ".",
            code="checklist_incomplete",
            details={"failed": list(failed), "blocking_grants": list(blocking_grants)},
        )
