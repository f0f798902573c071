"""Storage contract of e-Remunerasi: one DynamoDB table (``RemunerasiTable`` in region.yaml).

Every entity is a subclass of :class:`RemItem` (keys ``pk``/``sk``, indexes ``gsi1``/``gsi2``).

Keys (pk | sk | gsi1pk / gsi1sk) and their builders: :mod:`replika.remunerasi.keys`.

Access patterns (no request path scans):
- catalogue: GetItem by code; list = Query gsi1 ``ACTS``.
- an employee's entries of a period: Query ``LOG#<nip>#<period>`` (sorted by date).
- a supervisor's pending queue: Query gsi1 ``PENDING#<nip>`` (sparse: decided entries leave it).
- the monthly run reads one total per employee by BatchGetItem; dashboards Query the 64 shards
  ``TOT#<period>#<ss>`` (pages of thousands), per OPD the 8 gsi1 shards ``TOTOPD#<period>#<opd>#<o>``;
  OPD totals Query ``OPDTOT#<period>``; an OPD's approved minutes per employee and catalogue
  activity (what e-SAKIP's person-minutes roll-up reads) Query ``ACTTOT#<period>#<opd>``.
- payroll results: Query the 64 shards ``RES#<period>#<ss>``; per OPD the 8 gsi1 shards
  ``RESOPD#<period>#<opd>#<o>``.
- the payroll run: GetItem ``RUN#<period>``; its chunks: GetItem / Query ``CHUNKS#<period>#<group>``;
  finished chunk groups: Query ``RUN#<period>`` ``GROUP#<gen>#``.

How far it scales (DynamoDB: 1,000 WCU/s and 3,000 RCU/s per partition key; a transaction is
cancelled when another one in flight touches the same item):
- the payroll run: no item is written by every chunk. A chunk's transaction writes its own chunk
  item and its results only; the run item is read (not written) by each chunk and written once at
  the end by the finaliser; a group marker is written once per 100 chunks. Results and month totals
  are spread over 64 partition keys: 64,000 WCU/s for the month, enough for 1,000,000 employees
  (2,000,000 WRU of results) in ≈ 31 s of writes; the arithmetic is in :mod:`.keys`.
- an employee's log (``LOG#<nip>#<period>``) and a supervisor's queue are written by one person.
- ``OPDTOT#<period>``: one item per OPD, written by that OPD's approvals (≈ a few per second at
  the 16:00 rush for the largest OPD, far below 1,000 WCU/s).
- ``ACTTOT#<period>#<opd>`` | ``<nip>#<activity>``: one item per employee and activity of the
  month, written (``ADD``) by the approvals of that OPD in the decision's transaction: the same
  rate as ``OPDTOT`` but one partition per OPD.
- which (OPD, day) attendance was imported: one marker per OPD and month (``ATTIMP#<period>`` |
  ``<opd>``, the days as a number set): BatchGetItem of a chunk's OPDs (payroll), GetItem (one
  employee), Query ``ATTIMP#<period>`` (a few hundred OPDs at most: the run and the dashboard).
  An import adds its days to the set (``ADD``: a union, so re-importing a day changes nothing);
  one write per OPD per import, never per employee.

Month totals hold approved minutes per day (``d01``..``d31``) and attendance per day (deduction in
basis points ``a01``..``a31`` and codes ``c01``..``c31``): approvals add to a day in the same
transaction as the entry's status change, and re-importing a day's attendance overwrites it, so
nothing doubles.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.runtime import register_table
from replika.core.tables import OverloadedItem, all_index, table_meta

DAYS = range(1, 32)


def day_attr(prefix: str, day: int) -> str:
    return f"{prefix}{day:02d}"


class RemItem(OverloadedItem):
    Meta = table_meta("REMUNERASI_TABLE", "replika-remunerasi")
    gsi1: GlobalSecondaryIndex[RemItem] = all_index("gsi1pk", "gsi1sk")
    gsi2: GlobalSecondaryIndex[RemItem] = all_index("gsi2pk", "gsi2sk")


class Activity(RemItem):
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    minutes = NumberAttribute()
    allowed_positions = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # empty: every position
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute(null=True)
    version = VersionAttribute()


class Entry(RemItem):
    entry_id = UnicodeAttribute()
    nip = UnicodeAttribute()
    period = UnicodeAttribute()
    entry_date = UnicodeAttribute()
    opd_code = UnicodeAttribute()
    approver_nip = UnicodeAttribute(null=True)
    activity_code = UnicodeAttribute()
    activity_name = UnicodeAttribute()
    std_minutes = NumberAttribute()
    quantity = NumberAttribute()
    minutes = NumberAttribute()
    overtime = BooleanAttribute(default=False)
    note = UnicodeAttribute(null=True)
    evidence_key = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending | approved | rejected
    reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    version = VersionAttribute()


class MonthTotal(RemItem):
    nip = UnicodeAttribute()
    period = UnicodeAttribute()
    opd_code = UnicodeAttribute(null=True)
    approved_minutes = NumberAttribute(default=0)
    behaviour = NumberAttribute(null=True)
    behaviour_by = UnicodeAttribute(null=True)
    sentence_level = UnicodeAttribute(null=True)
    sentence_pct = NumberAttribute(null=True)  # percent, may be fractional (stored as number)
    for _d in DAYS:
        locals()[day_attr("d", _d)] = NumberAttribute(null=True)
        locals()[day_attr("a", _d)] = NumberAttribute(null=True)
        locals()[day_attr("c", _d)] = UnicodeAttribute(null=True)
    del _d

    def day_minutes(self) -> dict[int, int]:
        return {d: int(v) for d in DAYS if (v := getattr(self, day_attr("d", d))) is not None}

    def day_attendance(self) -> dict[int, tuple[int, str]]:
        out: dict[int, tuple[int, str]] = {}
        for d in DAYS:
            bp = getattr(self, day_attr("a", d))
            if bp is not None:
                out[d] = (int(bp), getattr(self, day_attr("c", d)) or "")
        return out


class OpdTotal(RemItem):
    opd_code = UnicodeAttribute()
    period = UnicodeAttribute()
    approved_minutes = NumberAttribute(default=0)
    approved_entries = NumberAttribute(default=0)


class ActivityTotal(RemItem):
    """Approved minutes (and entries) of one employee and catalogue activity in a month, kept per
    OPD of the entries by the decision that approves or un-approves them."""

    nip = UnicodeAttribute()
    opd_code = UnicodeAttribute()
    period = UnicodeAttribute()
    activity_code = UnicodeAttribute()
    approved_minutes = NumberAttribute(default=0)
    approved_entries = NumberAttribute(default=0)


class AttendanceImport(RemItem):
    """The days of ``period`` whose attendance was imported for ``opd_code`` (DOMAIN.md §1: an
    employee of the OPD with no row on such a day is TK; a working day not in the set is
    "attendance missing")."""

    opd_code = UnicodeAttribute()
    period = UnicodeAttribute()
    days = NumberSetAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)

    def day_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.days or ())


class ActingSupervisor(RemItem):
    acting_nip = UnicodeAttribute()
    for_nip = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    assigned_by = UnicodeAttribute()


class SentenceItem(RemItem):
    sentence_id = UnicodeAttribute()
    nip = UnicodeAttribute()
    level = UnicodeAttribute()
    start_period = UnicodeAttribute()
    end_period = UnicodeAttribute()
    cut_pct = NumberAttribute()
    note = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute()


class PayrollRun(RemItem):
    period = UnicodeAttribute()
    state = UnicodeAttribute()  # computing | draft | verified | approved | locked
    generation = NumberAttribute(default=1)
    total = NumberAttribute(default=0)
    done = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    chunks = NumberAttribute(default=0)
    chunks_done = NumberAttribute(default=0)
    failures = ListAttribute[MapAttribute[str, Any]](null=True)
    history = ListAttribute[MapAttribute[str, Any]](null=True)
    started_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    outputs = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]


class RunChunk(RemItem):
    period = UnicodeAttribute()
    generation = NumberAttribute()
    number = NumberAttribute()
    nips = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    status = UnicodeAttribute()  # pending | done | abandoned
    done = NumberAttribute(null=True)  # results ok, set when done
    failed = NumberAttribute(null=True)  # results failed, set when done
    failures = ListAttribute[MapAttribute[str, Any]](null=True)


class ChunkMarker(RemItem):
    """A pending chunk's marker (``CHUNKS#<period>#<group>`` | ``PEND#<gen>#<n>``): deleted in the
    chunk's transaction, so "is my group done?" is a Query of at most one small item."""

    generation = NumberAttribute()
    number = NumberAttribute()


class ChunkGroupDone(RemItem):
    """Every chunk of one group is done: the group's sums (written once, idempotent)."""

    period = UnicodeAttribute()
    generation = NumberAttribute()
    group = NumberAttribute()
    chunks = NumberAttribute()
    done = NumberAttribute()
    failed = NumberAttribute()
    failures = ListAttribute[MapAttribute[str, Any]](null=True)


class PayrollResult(RemItem):
    period = UnicodeAttribute()
    nip = UnicodeAttribute()
    generation = NumberAttribute()
    status = UnicodeAttribute()  # ok | failed
    reason = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    position_name = UnicodeAttribute(null=True)
    opd_code = UnicodeAttribute(null=True)
    kelas = NumberAttribute(null=True)
    base = NumberAttribute(null=True)
    approved_minutes = NumberAttribute(null=True)
    countable_minutes = NumberAttribute(null=True)
    kinerja_ratio = UnicodeAttribute(null=True)
    kinerja = NumberAttribute(null=True)
    attendance_deduction_pct = UnicodeAttribute(null=True)
    disiplin = NumberAttribute(null=True)
    sentence_cut_pct = UnicodeAttribute(null=True)
    sentence_cut = NumberAttribute(null=True)
    gross = NumberAttribute(null=True)
    bpjs_employer = NumberAttribute(null=True)
    bpjs_employee = NumberAttribute(null=True)
    net = NumberAttribute(null=True)
    computed_at = UnicodeAttribute(null=True)


register_table(RemItem, "REMUNERASI_TABLE")
for _model in (
    Activity,
    Entry,
    MonthTotal,
    OpdTotal,
    ActivityTotal,
    AttendanceImport,
    ActingSupervisor,
    SentenceItem,
    PayrollRun,
    RunChunk,
    ChunkMarker,
    ChunkGroupDone,
    PayrollResult,
):
    register_table(_model, "REMUNERASI_TABLE")
