"""e-SAKIP's resources: its table, the directory (read: OPD names and heads), e-Remunerasi's table
(read only, by the isolation rule's named grant: the E-RK minutes behind the person-minutes
roll-up), audit, idempotency and the documents bucket (evidence, agreements, reports). Its layer
adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    DIRECTORY_READ,
    DOCUMENTS,
    IDEMPOTENCY,
    PLATFORM,
    REMUNERASI_READ,
    AppManifest,
    Resource,
)

MANIFEST = AppManifest(
    app="sakip",
    resources=(
        # the data key: its table, e-Remunerasi's, the directory and the documents bucket are SSE-KMS with it
        *PLATFORM,
        DIRECTORY_READ,
        Resource("table", "SAKIP_TABLE", frozenset({"read", "write"})),
        REMUNERASI_READ,
        IDEMPOTENCY,
        DOCUMENTS,
    ),
    layer_extras=("fpdf2", "openpyxl", "pillow"),
)
