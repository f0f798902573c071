"""e-Remunerasi's resources: its table, the directory (read), audit, idempotency, the documents
bucket (sheets, slips, evidence) and the payroll queue (sent to by the run, consumed by the worker).
Its layer adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    DIRECTORY_READ,
    DOCUMENTS,
    IDEMPOTENCY,
    PLATFORM,
    AppManifest,
    Resource,
)

MANIFEST = AppManifest(
    app="remunerasi",
    resources=(
        # the data key: its table, the documents bucket and the payroll queue are SSE-KMS with it
        *PLATFORM,
        DIRECTORY_READ,
        Resource("table", "REMUNERASI_TABLE", frozenset({"read", "write"})),
        IDEMPOTENCY,
        DOCUMENTS,
        Resource("queue", "PAYROLL_QUEUE_URL", frozenset({"send", "consume"}), arn_env="PAYROLL_QUEUE_ARN"),
    ),
    layer_extras=("fpdf2", "openpyxl", "pillow"),
)
