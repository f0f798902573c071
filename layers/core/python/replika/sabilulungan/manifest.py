"""Sabilulungan's resources: its table, overdue-LPJ topic and identifier-digest secret, nobody
else's; the documents bucket (prefix ``sabilulungan/``), audit, both user pools (staff and the
applicants' self sign-up pool); the SES sender identity of its e-mails. Its layer adds fpdf2
(NPHD) and openpyxl (auditors' export)."""

from __future__ import annotations

from replika.core.manifest import (
    DOCUMENTS,
    PDF_AND_SHEETS,
    PUBLIC_USER_POOL,
    Resource,
    app_manifest,
    own_table,
)

# the data key (in the platform's resources): the table, the audit table, the bucket, topic and
# secret are SSE-KMS with it
MANIFEST = app_manifest(
    "sabilulungan",
    PUBLIC_USER_POOL,  # applicants (organisations) sign themselves up
    # the documents bucket under sabilulungan/ only: <id>/<document code>/, <id>/nphd/,
    # <id>/lpj/, <id>/site-visit/{berita-acara,foto}/ (technical OPD, staff only), exports/
    # (auditors' XLSX) and public/ (a year's recipients CSV too large to answer inline)
    DOCUMENTS,
    own_table("sabilulungan"),
    Resource("topic", "SABILULUNGAN_TOPIC_ARN", frozenset({"publish"})),
    Resource("secret", "SABILULUNGAN_SECRET_ARN", frozenset({"get"})),
    # the SES identity applicants' e-mails come from (region config ``sabilulungan.sender``);
    # optional: a region without one keeps the messages in the proposal's outbox only
    Resource("email_identity", "SABILULUNGAN_SENDER", frozenset({"send"}), optional=True),
    layer_extras=PDF_AND_SHEETS,
)
