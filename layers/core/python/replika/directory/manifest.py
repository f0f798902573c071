"""The employee directory's resources: its table (read and write: imports), audit, idempotency, and
the audit chain heads bucket (the region's tamper evidence is served by the always-on app)."""

from __future__ import annotations

from replika.core.manifest import IDEMPOTENCY, Resource, app_manifest, own_table

MANIFEST = app_manifest(
    "directory",
    own_table("directory"),
    IDEMPOTENCY,  # the import route is idempotent
    # the daily audit chain heads (Object Lock): written by the schedule, read (first version
    # of a day's file, hence versions and listing) by the verify and public heads routes
    Resource("bucket", "AUDIT_HEADS_BUCKET", frozenset({"read", "write", "list"})),
)
