"""Perizinan's resources: its table and its asymmetric permit signing key, nobody else's; the
applicants' pool (applicants call its routes), audit and the documents bucket under ``perizinan/``:
``perizinan/permits/`` (permit PDFs, stamped copies of revoked or expired ones),
``perizinan/applicants/`` (required documents, presigned POST) and ``perizinan/visits/`` (site-visit
photos and berita acara scans, presigned POST); read and write, and list so that a HEAD on a
missing upload answers 404. Its layer adds fpdf2 (PDF), qrcode (pure-python QR), jsonschema
(forms) and cryptography (local verification of signatures with the published public key)."""

from __future__ import annotations

from replika.core.manifest import DOCUMENTS, PUBLIC_USER_POOL, Resource, app_manifest, own_table

# the data key (in the platform's resources): its table, the audit table and the documents bucket
# are SSE-KMS with it
MANIFEST = app_manifest(
    "perizinan",
    PUBLIC_USER_POOL,
    DOCUMENTS,
    own_table("perizinan"),
    # signs permits (kms:Sign) and reads the public half to publish and verify (GetPublicKey)
    Resource("key", "PERMIT_SIGNING_KEY_ARN", frozenset({"sign", "verify"})),
    layer_extras=("fpdf2", "qrcode", "jsonschema", "cryptography", "pillow"),
)
