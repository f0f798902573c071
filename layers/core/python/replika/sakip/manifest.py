"""e-SAKIP's resources: its table, the directory (read: OPD names and heads), e-Remunerasi's table
(read only, by the isolation rule's named grant: the E-RK minutes behind the person-minutes
roll-up), audit, idempotency and the documents bucket (evidence, agreements, reports). Its layer
adds the PDF and spreadsheet libraries."""

from __future__ import annotations

from replika.core.manifest import (
    DIRECTORY_READ,
    DOCUMENTS,
    IDEMPOTENCY,
    PDF_AND_SHEETS,
    REMUNERASI_READ,
    app_manifest,
    own_table,
)

# the data key (in the platform's resources): its table, e-Remunerasi's, the directory and the
# documents bucket are SSE-KMS with it
MANIFEST = app_manifest(
    "sakip",
    DIRECTORY_READ,
    own_table("sakip"),
    REMUNERASI_READ,
    IDEMPOTENCY,
    DOCUMENTS,
    layer_extras=PDF_AND_SHEETS,
)
