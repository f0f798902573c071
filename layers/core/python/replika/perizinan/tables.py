"""Storage contract of Perizinan: one table (``PerizinanTable`` in region.yaml, SSE-KMS with the
data key), items told apart by ``kind``.

Access patterns (no request path scans) and how far each scales:
- catalogue: current version of a type       -> GetItem ``TYPE#<code>`` / ``CURRENT``
- a type's version (immutable)               -> GetItem ``TYPE#<code>`` / ``V#<00001>``
- list the catalogue                         -> Query gsi1 ``CATALOGUE`` (one small partition,
  written only by DPMPTSP edits)
- an application                             -> GetItem ``APP#<number>`` / ``APP``
- an applicant's applications, newest first  -> Query gsi1 ``OWNER#<sub>`` (one applicant)
- a staff queue by stage due date            -> Query gsi3 ``QUEUE#<role>[#<opd>]`` sk ``<due>#<no>``
  (one partition per role/OPD: written once per stage change, far below 1,000 WCU/s)
- the SLA clock: open applications by total due date -> Query gsi2 ``DUE#<0..3>`` sk
  ``<due>#<no>`` <= today (four shards by number hash; only applications whose clock runs are in
  the index: returned/decided ones drop out)
- a permit by number                         -> GetItem ``PERMIT#<number>`` / ``PERMIT``
- a permit by verify code (public, QR)       -> GetItem ``CODE#<code>`` / ``PERMIT`` (pointer)
- an applicant's profile (NIK, NIB)          -> GetItem ``APPLICANT#<sub>`` / ``PROFILE``
- an applicant's latest upload of a document  -> GetItem ``APPLICANT#<sub>`` / ``DOC#<code>`` (the key;
  the object is HEAD-checked when an application attaches it)
- the head of DPMPTSP's escalations by due    -> Query gsi2 ``ESCALATED`` sk ``<total due>#<no>`` (an
  escalated application leaves the clock's ``DUE#`` shards for it; written once per escalation
  or decision: a trickle)
- public statistics of a year                -> Query ``STATS#<year>``: one aggregate item per type and
  shard (``AGG#<type>#<0..3>``), every counter a top-level number attribute ``c_<metric>`` (the
  histogram of working days to decision as ``c_days#<nnn>``) ADDed in the decision's transaction;
  a request reads at most four items per type (not one per metric and day count); four shards by
  number hash, so two decisions of one type rarely touch the same item
- the OSS status feed of a day, in order    -> Query ``FEED#<yyyy-mm-dd>`` sk ``<at>#<number>#<version>``
  (one item per status change, written in the change's transaction; a day's partition takes
  a region's changes, far below 1,000 WCU/s)
- an application's SKM survey (once)         -> GetItem ``APP#<number>`` / ``SURVEY``
- number sequences                           -> UpdateItem ADD on ``SEQ#<kind>#<type>#<kec>#<day>``
  (one counter per type, kecamatan and day: no region-wide counter)
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.runtime import register_table
from replika.core.tables import OverloadedItem, all_index, table_meta


class PerizinanItem(OverloadedItem):
    Meta = table_meta("PERIZINAN_TABLE", "replika-perizinan")

    kind = UnicodeAttribute()
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)  # optimistic lock (applications, permits, CURRENT)
    status = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)  # applicant's Cognito subject
    created_at = UnicodeAttribute(null=True)
    changed_at = UnicodeAttribute(null=True)
    revoked = BooleanAttribute(null=True)
    tally = NumberAttribute(null=True)  # sequences
    #: the aggregate's body (type definition, application, permit, profile) as JSON
    data = JSONAttribute(null=True)

    gsi1: GlobalSecondaryIndex[PerizinanItem] = all_index("gsi1pk", "gsi1sk")
    gsi2: GlobalSecondaryIndex[PerizinanItem] = all_index("gsi2pk", "gsi2sk")
    gsi3: GlobalSecondaryIndex[PerizinanItem] = all_index("gsi3pk", "gsi3sk")


register_table(PerizinanItem, "PERIZINAN_TABLE")
