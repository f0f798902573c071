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
    DOCUMENTS,  # proposal documents, NPHD, LPJ and exports under sabilulungan/
    own_table("sabilulungan"),
    Resource("topic", "SABILULUNGAN_TOPIC_ARN", frozenset({"publish"})),
    Resource("secret", "SABILULUNGAN_SECRET_ARN", frozenset({"get"})),
    # the SES identity applicants' e-mails come from (region config ``sabilulungan.sender``);
    # optional: a region without one keeps the messages in the proposal's outbox only
    Resource("email_identity", "SABILULUNGAN_SENDER", frozenset({"send"}), optional=True),
    layer_extras=PDF_AND_SHEETS,
)
