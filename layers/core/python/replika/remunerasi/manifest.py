"""e-Remunerasi's resources: its table, the directory (read), audit, idempotency, the documents
bucket (sheets, slips, evidence) and the payroll queue (sent to by the run, consumed by the worker).
Its layer adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    AUDIT,
    CURSOR_SECRET,
    DATA_KEY,
    DIRECTORY_READ,
    IDEMPOTENCY,
    REGION_SLUG,
    STAGE,
    USER_POOL,
    AppManifest,
    Resource,
)

MANIFEST = AppManifest(
    app="remunerasi",
    resources=(
        STAGE,
        REGION_SLUG,
        CURSOR_SECRET,
        USER_POOL,
        DATA_KEY,  # its table, the documents bucket and the payroll queue are SSE-KMS with it
        DIRECTORY_READ,
        Resource("table", "REMUNERASI_TABLE", frozenset({"read", "write"})),
        AUDIT,
        IDEMPOTENCY,
        # "list": a HEAD on a missing key answers 404 (not 403) only with s3:ListBucket
        Resource("bucket", "DOCUMENTS_BUCKET", frozenset({"read", "write", "list"})),
        Resource("queue", "PAYROLL_QUEUE_URL", frozenset({"send", "consume"}), arn_env="PAYROLL_QUEUE_ARN"),
    ),
    layer_extras=("fpdf2", "openpyxl"),
)
