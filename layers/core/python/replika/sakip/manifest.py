"""e-SAKIP's resources: its table, the directory (read: OPD names and heads), e-Remunerasi's table
(read only, by the isolation rule's named grant: the E-RK minutes behind the person-minutes
roll-up), audit, idempotency and the documents bucket (evidence, agreements, reports). Its layer
adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    AUDIT,
    CURSOR_SECRET,
    DATA_KEY,
    DIRECTORY_READ,
    DOCUMENTS,
    IDEMPOTENCY,
    REGION_SLUG,
    REMUNERASI_READ,
    STAGE,
    USER_POOL,
    AppManifest,
    Resource,
)

MANIFEST = AppManifest(
    app="sakip",
    resources=(
        STAGE,
        REGION_SLUG,
        CURSOR_SECRET,
        USER_POOL,
        DATA_KEY,  # its table, e-Remunerasi's, the directory and the documents bucket are SSE-KMS with it
        DIRECTORY_READ,
        Resource("table", "SAKIP_TABLE", frozenset({"read", "write"})),
        REMUNERASI_READ,
        AUDIT,
        IDEMPOTENCY,
        DOCUMENTS,
    ),
    layer_extras=("fpdf2", "openpyxl", "pillow"),
)
