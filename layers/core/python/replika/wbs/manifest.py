"""WBS's resources: its own table, evidence bucket, KMS key, secret and topic, nobody else's; the
directory (read: the reported employee) and audit. Its layer adds cryptography and Pillow."""

from __future__ import annotations

from replika.core.manifest import DIRECTORY_READ, Resource, app_manifest, own_table

# the data key (in the platform's resources): the directory and audit tables are SSE-KMS with the
# region's data key
MANIFEST = app_manifest(
    "wbs",
    DIRECTORY_READ,
    own_table("wbs"),
    # evidence: presigned upload, cleaned copy, every version deleted on purge
    Resource("bucket", "WBS_BUCKET", frozenset({"read", "write", "delete", "list"})),
    # envelope encryption of reports; also the key of the WBS table, bucket, topic and secret
    Resource("key", "WBS_KEY_ARN", frozenset({"decrypt", "encrypt", "generate"})),
    Resource("secret", "WBS_SECRET_ARN", frozenset({"get"})),
    Resource("topic", "WBS_TOPIC_ARN", frozenset({"publish"})),
    layer_extras=("cryptography", "pillow", "pypdf"),
)
