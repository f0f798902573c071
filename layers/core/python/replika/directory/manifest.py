"""The employee directory's resources: its table (read and write: imports), audit, idempotency."""

from __future__ import annotations

from replika.core.manifest import (
    AUDIT,
    CURSOR_SECRET,
    DATA_KEY,
    IDEMPOTENCY,
    REGION_SLUG,
    STAGE,
    USER_POOL,
    AppManifest,
    Resource,
)

MANIFEST = AppManifest(
    app="directory",
    resources=(
        STAGE,
        REGION_SLUG,
        CURSOR_SECRET,
        USER_POOL,
        DATA_KEY,
        Resource("table", "DIRECTORY_TABLE", frozenset({"read", "write"})),
        AUDIT,
        IDEMPOTENCY,  # the import route is idempotent
    ),
)
