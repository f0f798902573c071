"""Storage contract of Sabilulungan: one DynamoDB table (``SabilulunganTable`` in region.yaml,
SSE-KMS with the data key). Keys are built in :mod:`replika.sabilulungan.keys` only.

Access patterns (no request path scans) and how far each scales:
- applicant profile          GetItem APPLICANT#sub/PROFILE                      one item per account
- a proposal                 GetItem PROPOSAL#id/META (+ MAIL# items by Query)   one item per proposal
- a role's queue             Query gsi1 QUEUE#<state>#<opd|->, oldest first      a queue partition takes
                             one write per transition (human decisions: far below 1,000 WCU/s)
- an owner's proposals       Query gsi2 OWNER#<sub | opd:code>                    per owner
- public stage by number     GetItem NUMBER#n/PUBLIC                              cacheable
- public recipients of year  Query gsi1 RECIPIENTS#<year> by number               one partition per year:
                             written at approval, disbursement and LPJ (thousands a year)
- matcher                    Query MATCH#<year> with Limit (``store.MATCH_PAGE`` = 200) page by
                             page, at most ``store.MATCH_CAP`` = 5,000 entries a year (past it the
                             matcher says ``truncated``), for the blocked years before and after
- dashboard / LPJ schedule / Query MATCH#<year> (one item per submitted proposal of that budget
  export                     year, a few hundred bytes): a region's few thousand proposals a year
                             read in a few pages; staff-triggered or daily, never per public call
- summary                    Query pk=BUDGET (one item per year)
- number counter             UpdateItem ADD COUNTER/<HBH|BSS>#<year>: one write per submission
- budget ceiling             UpdateItem BUDGET/<year> ADD allocated with a condition: one write
                             per TAPD decision, so the year's item is never a hot spot
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.runtime import register_table
from replika.core.tables import OverloadedItem, all_index, table_meta


class SabItem(OverloadedItem):
    """Every Sabilulungan item. Workflow fields are attributes; nested data (RAB lines, documents,
    checklist, stage dates, the public projection) is JSON. A NIK never appears: only its keyed
    digest (``digests``)."""

    Meta = table_meta("SABILULUNGAN_TABLE", "replika-sabilulungan")

    kind = UnicodeAttribute()
    version = NumberAttribute(null=True)
    data = JSONAttribute(null=True)  # the aggregate's document (pydantic model dump)

    # proposal workflow (also inside ``data``; top-level for conditions)
    state = UnicodeAttribute(null=True)
    year = NumberAttribute(null=True)

    # budget year and counters
    ceiling = NumberAttribute(null=True)
    allocated = NumberAttribute(null=True)
    disbursed = NumberAttribute(null=True)
    recipients_paid = NumberAttribute(null=True)
    recipients_reported = NumberAttribute(null=True)
    seq = NumberAttribute(null=True)

    gsi1: GlobalSecondaryIndex[SabItem] = all_index("gsi1pk", "gsi1sk")
    gsi2: GlobalSecondaryIndex[SabItem] = all_index("gsi2pk", "gsi2sk")


register_table(SabItem, "SABILULUNGAN_TABLE")
