"""Storage contract of WBS: one DynamoDB table (``WbsTable`` in region.yaml, encrypted with the WBS
KMS key). Report content is additionally envelope-encrypted per report (see ``crypto.py``): the
raw items carry ciphertext, keyed MACs and workflow metadata only.

Access patterns (no request path scans):
- receipt code -> report id                         -> GetItem ``RECEIPT#<scrypt hash>`` / ``RECEIPT``
- read a report                                     -> GetItem ``REPORT#<id>`` / ``REPORT``
- messages / internal notes / evidence of a report  -> Query REPORT#id, sk begins_with MSG#|NOTE#|FILE#
- triage: reports in a status, oldest change first  -> Query gsi1 (``STATUS#<status>``, ``<changed_at>#<id>``)
- reports due for purge (closed/rejected before t)  -> Query gsi1 STATUS#closed|rejected, gsi1sk < t
- a handler's assigned reports                      -> Query gsi2 (``ASSIGNEE#<nip>``, ``<created_at>#<id>``)
- public yearly figures                             -> Query pk = STATS#<year> (sk ``<category>#<status>``)
- receipt-guessing counters                         -> BatchGet/Update ``THROTTLE#<bucket>`` / ``W#<start>``
  (TTL ``expires_at``)

Items: report ``REPORT#<id>``/``REPORT``; receipt ``RECEIPT#<hash>``/``RECEIPT``; message
``REPORT#<id>``/``MSG#<n>#<uuid>``; note ``REPORT#<id>``/``NOTE#<n>#<uuid>`` (``n``: the report's
child counter, so no time is in a key; author and time are inside the ciphertext); evidence
``REPORT#<id>``/``FILE#<file id>``; counter ``STATS#<year>``/``<category>#<status>``; used
proof-of-work challenge ``POW#<id>``/``POW`` (TTL).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.runtime import register_table
from replika.core.tables import OverloadedItem, all_index, table_meta

REPORT, RECEIPT, STATS = "REPORT", "RECEIPT", "STATS"


def report_pk(report_id: str) -> str:
    return f"REPORT#{report_id}"


def receipt_pk(receipt_hash: str) -> str:
    return f"RECEIPT#{receipt_hash}"


def status_pk(status: str) -> str:
    return f"STATUS#{status}"


def assignee_pk(nip: str) -> str:
    return f"ASSIGNEE#{nip}"


def stats_pk(year: int | str) -> str:
    return f"STATS#{year}"


def throttle_pk(bucket: str) -> str:
    return f"THROTTLE#{bucket}"


class WbsItem(OverloadedItem):
    Meta = table_meta("WBS_TABLE", "replika-wbs")

    kind = UnicodeAttribute()

    # report workflow metadata (no content)
    report_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    year = NumberAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    changed_at = UnicodeAttribute(null=True)
    assignee_nip = UnicodeAttribute(null=True)
    forwarded_to = UnicodeAttribute(null=True)
    forwarded_at = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    reported_nip_mac = UnicodeAttribute(null=True)
    reported_opd_mac = UnicodeAttribute(null=True)
    receipt_key = UnicodeAttribute(null=True)  # the scrypt hash: lets the purge drop the link item
    desk = UnicodeAttribute(null=True)  # "head" | "escalation" (rules.desk_for)
    key_scheme = NumberAttribute(null=True)  # 2: AES key = HKDF(data key, shred secret); see crypto
    children = NumberAttribute(null=True)  # counter: sort keys of messages and notes
    # envelope encryption: the KMS-encrypted data key and AES-GCM blobs
    data_key = BinaryAttribute(null=True, legacy_encoding=False)
    content = BinaryAttribute(null=True, legacy_encoding=False)  # report 5W+1H / message / note text
    reason = BinaryAttribute(null=True, legacy_encoding=False)  # rejection reason

    # messages and notes
    author = UnicodeAttribute(null=True)  # "reporter" | "inspektorat" (messages), staff NIP (notes)

    # evidence
    file_status = UnicodeAttribute(null=True)  # "pending" | "ready"
    s3_key = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    filename = BinaryAttribute(null=True, legacy_encoding=False)

    # counters (stats, throttle)
    tally = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    gsi1: GlobalSecondaryIndex[WbsItem] = all_index("gsi1pk", "gsi1sk")
    gsi2: GlobalSecondaryIndex[WbsItem] = all_index("gsi2pk", "gsi2sk")


register_table(WbsItem, "WBS_TABLE")
