"""e-Remunerasi's resources: its table, the directory (read), audit, idempotency, the documents
bucket (sheets, slips, evidence) and the payroll queue (sent to by the run, consumed by the worker).
Its layer adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    DIRECTORY_READ,
    DOCUMENTS,
    IDEMPOTENCY,
    PDF_AND_SHEETS,
    Resource,
    app_manifest,
    own_table,
)

# the data key (in the platform's resources): its table, the documents bucket and the payroll queue
# are SSE-KMS with it
MANIFEST = app_manifest(
    "remunerasi",
    DIRECTORY_READ,
    own_table("remunerasi"),
    IDEMPOTENCY,
    DOCUMENTS,
    Resource("queue", "PAYROLL_QUEUE_URL", frozenset({"send", "consume"}), arn_env="PAYROLL_QUEUE_ARN"),
    layer_extras=PDF_AND_SHEETS,
)
