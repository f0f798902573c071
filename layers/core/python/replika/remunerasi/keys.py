"""Every key of e-Remunerasi in one place: table keys (layout in :mod:`.tables`) and audit streams.

Keys (pk | sk | gsi1pk / gsi1sk):
- activity: ``ACT#<code>`` | ``ACT`` | ``ACTS`` / ``<code>``
- activity entry: ``LOG#<nip>#<period>`` | ``<date>-<id>`` |
  ``PENDING#<approver>`` / ``<date>#<nip>#<id>`` while pending
- month total: ``TOT#<period>#<ss>`` | ``<nip>`` | ``TOTOPD#<period>#<opd>#<o>`` / ``<nip>``
- OPD month total: ``OPDTOT#<period>`` | ``<opd>``
- attendance import marker: ``ATTIMP#<period>`` | ``<opd>``
- acting supervisor (Plt): ``PLT#<acting nip>`` | ``<for nip>#<start>`` | ``PLTFOR#<for nip>`` / ``<start>``
- sentence: ``SENT#<nip>`` | ``<start period>#<id>``
- payroll run: ``RUN#<period>`` | ``RUN``; its chunks: ``CHUNKS#<period>#<group>`` | ``CHUNK#<gen>#<n>``
  (``group`` = ``n // CHUNK_GROUP``), a pending chunk's marker ``CHUNKS#<period>#<group>`` |
  ``PEND#<gen>#<n>``, a finished group: ``RUN#<period>`` | ``GROUP#<gen>#<group>``
- payroll result: ``RES#<period>#<ss>`` | ``<nip>`` | ``RESOPD#<period>#<opd>#<o>`` / ``<nip>``

Shards (``<ss>`` = :func:`shard` of the NIP, ``00``..``63``; ``<o>`` = ``shard % OPD_SHARDS``):
a month's results and month totals are spread over :data:`SHARDS` = 64 partition keys, each OPD's
index entries over :data:`OPD_SHARDS` = 8. DynamoDB serves at most 1,000 WCU/s and 3,000 RCU/s per
partition key, and a result (≈ 700 B) written in a transaction costs 2 WRU. At 1,000,000 employees
the run writes 2,000,000 WRU of results: in 60 s that is 33,400 WCU/s, i.e. at least 34 partition
keys; 64 keys allow 64,000 WCU/s (the writes alone in ≈ 31 s) and a month total read (1 KB, eventually
consistent: 0.5 RRU) 192,000 RRU/s. One OPD's index partition: an OPD holding 40 % of 1,000,000
employees receives 400,000 index writes (1 WCU each) in the same 60 s = 6,700 WCU/s, over 8 keys
840 WCU/s each. The payroll chunks are spread over groups of :data:`CHUNK_GROUP` = 100 chunks (one
partition key each: 10,000 chunks at 1,000,000 employees = 101 keys, each written ≈ 100 × 2 times).
Request paths that list a whole period (results, totals) visit the shards in order.

Before the shards (up to December 2026) a period's totals and results had one partition key each:
``TOT#<period>`` | ``<nip>`` (gsi1 ``TOTOPD#<period>#<opd>``), ``RES#<period>`` | ``<nip>`` (gsi1
``RESOPD#<period>#<opd>``), and the run's chunks lived under ``RUN#<period>``. Nothing reads those
keys any more: :mod:`replika.remunerasi.store.legacy` (``replika payroll migrate-keys``) moves a
region's stored months to the sharded keys once, at the deploy of this layout; the
``legacy_*`` builders below name the old keys for it alone.

Audit streams: supervisor decisions per OPD (``remunerasi/opd/<opd>``, so no region-wide chain is
a hot item), the payroll run (``remunerasi/payroll``) and one per other aggregate
(``remunerasi/<aggregate>``).

The directory's keys (``EMP#<nip>``…) are :mod:`replika.directory.keys`; re-exported here for the
payroll, which reads one directory item per employee.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from replika.directory.keys import EMP, EMP_PREFIX, OPD, emp_key, nip_of, opd_code_of

__all__ = [
    "ACTIVITIES",
    "ACTIVITY_SK",
    "AUDIT_ACTING",
    "AUDIT_ACTIVITY",
    "AUDIT_ATTENDANCE",
    "AUDIT_BEHAVIOUR",
    "AUDIT_PAYROLL",
    "AUDIT_SENTENCE",
    "CHUNK_GROUP",
    "EMP",
    "EMP_PREFIX",
    "NO_SUPERVISOR",
    "OPD",
    "OPD_SHARDS",
    "RESULTS",
    "RUN_SK",
    "SHARDS",
    "TOTALS",
    "ShardedPeriod",
    "acting_for_pk",
    "acting_key",
    "acting_pk",
    "activity_key",
    "activity_total_key",
    "activity_total_pk",
    "attendance_import_key",
    "attendance_import_pk",
    "chunk_group",
    "chunk_key",
    "chunk_pk",
    "chunk_prefix",
    "chunk_sk",
    "decision_stream",
    "emp_key",
    "entry_pending_gsi",
    "evidence_prefix",
    "group_done_key",
    "group_done_prefix",
    "legacy_chunk_prefix",
    "legacy_result_pk",
    "legacy_total_pk",
    "log_pk",
    "marker_key",
    "marker_prefix",
    "nip_of",
    "opd_code_of",
    "opd_total_key",
    "opd_total_pk",
    "pending_pk",
    "run_key",
    "run_pk",
    "sentence_key",
    "shard",
    "total_opd_pks",
]

#: Partition keys per period for results and month totals (arithmetic in the module docstring).
SHARDS = 64
#: Partition keys per period and OPD for the per-OPD indexes of results and month totals.
OPD_SHARDS = 8
#: Chunks per partition key of the chunk items.
CHUNK_GROUP = 100


def shard(nip: str) -> int:
    """The shard of ``nip`` (0..``SHARDS - 1``): CRC-32 of the NIP, stable across processes."""
    return zlib.crc32(nip.encode("utf-8")) % SHARDS


@dataclass(frozen=True)
class ShardedPeriod:
    """The keys of one employee-per-item kind of a period (month totals, payroll results): partition
    keys ``<head>#<period>#<ss>`` (:data:`SHARDS` of them, by :func:`shard` of the NIP), sort key
    the NIP, and gsi1 partitions ``<opd_head>#<period>#<opd>#<o>`` (:data:`OPD_SHARDS` per OPD)."""

    head: str
    opd_head: str

    def pk(self, period: str, shard_no: int) -> str:
        return f"{self.head}#{period}#{shard_no:02d}"

    def pks(self, period: str) -> list[str]:
        """Every partition key of ``period``, in shard order."""
        return [self.pk(period, s) for s in range(SHARDS)]

    def key(self, period: str, nip: str) -> tuple[str, str]:
        return self.pk(period, shard(nip)), nip

    def opd_pk(self, period: str, opd: str, nip: str) -> str:
        """The gsi1 partition of ``nip``'s item in ``opd``'s index."""
        return self._opd_pk(period, opd, shard(nip) % OPD_SHARDS)

    def opd_pks(self, period: str, opd: str) -> list[str]:
        """Every gsi1 partition of ``opd`` in ``period``."""
        return [self._opd_pk(period, opd, o) for o in range(OPD_SHARDS)]

    def _opd_pk(self, period: str, opd: str, opd_shard: int) -> str:
        return f"{self.opd_head}#{period}#{opd}#{opd_shard}"


# -- catalogue ------------------------------------------------------------------------------------
ACTIVITY_SK = "ACT"
ACTIVITIES = "ACTS"  # gsi1pk of every activity


def activity_key(code: str) -> tuple[str, str]:
    return f"ACT#{code}", ACTIVITY_SK


# -- activity log ---------------------------------------------------------------------------------
#: The approver queue of entries whose owner has no supervisor in the directory.
NO_SUPERVISOR = "BKPSDM"


def log_pk(nip: str, period: str) -> str:
    return f"LOG#{nip}#{period}"


def pending_pk(approver: str) -> str:
    return f"PENDING#{approver}"


def entry_pending_gsi(approver: str | None, entry_date: str, nip: str, entry_id: str) -> tuple[str, str]:
    """``(gsi1pk, gsi1sk)`` of a pending entry: the approver's queue, sorted by date."""
    return pending_pk(approver or NO_SUPERVISOR), f"{entry_date}#{nip}#{entry_id}"


def evidence_prefix(nip: str) -> str:
    """The documents-bucket prefix of ``nip``'s evidence uploads."""
    return f"remunerasi/evidence/{nip}"


# -- month totals ---------------------------------------------------------------------------------
TOTALS = ShardedPeriod("TOT", "TOTOPD")
total_opd_pks = TOTALS.opd_pks  # the E-RK roll-up (replika.sakip.erk_port) reads an OPD's totals


def opd_total_pk(period: str) -> str:
    return f"OPDTOT#{period}"


def opd_total_key(period: str, opd: str) -> tuple[str, str]:
    return opd_total_pk(period), opd


def activity_total_pk(period: str, opd: str) -> str:
    return f"ACTTOT#{period}#{opd}"


def activity_total_key(period: str, opd: str, nip: str, activity: str) -> tuple[str, str]:
    return activity_total_pk(period, opd), f"{nip}#{activity}"


# -- attendance import markers --------------------------------------------------------------------
def attendance_import_pk(period: str) -> str:
    return f"ATTIMP#{period}"


def attendance_import_key(period: str, opd: str) -> tuple[str, str]:
    return attendance_import_pk(period), opd


# -- acting supervisors and sentences -------------------------------------------------------------
def acting_key(acting_nip: str, for_nip: str, start: str) -> tuple[str, str]:
    return acting_pk(acting_nip), f"{for_nip}#{start}"


def acting_pk(acting_nip: str) -> str:
    return f"PLT#{acting_nip}"


def acting_for_pk(for_nip: str) -> str:
    return f"PLTFOR#{for_nip}"


def sentence_key(nip: str, start_period: str, sentence_id: str) -> tuple[str, str]:
    return f"SENT#{nip}", f"{start_period}#{sentence_id}"


# -- payroll run, chunks, results -----------------------------------------------------------------
RUN_SK = "RUN"


def run_pk(period: str) -> str:
    return f"RUN#{period}"


def run_key(period: str) -> tuple[str, str]:
    return run_pk(period), RUN_SK


def chunk_group(number: int) -> int:
    return number // CHUNK_GROUP


def chunk_pk(period: str, group: int) -> str:
    return f"CHUNKS#{period}#{group:04d}"


def chunk_key(period: str, generation: int, number: int) -> tuple[str, str]:
    return chunk_pk(period, chunk_group(number)), chunk_sk(generation, number)


def marker_prefix(generation: int) -> str:
    return f"PEND#{generation}#"


def marker_key(period: str, generation: int, number: int) -> tuple[str, str]:
    """A pending chunk's marker, beside its chunk item (deleted when the chunk is done)."""
    return chunk_pk(period, chunk_group(number)), f"{marker_prefix(generation)}{number:05d}"


def group_done_prefix(generation: int) -> str:
    return f"GROUP#{generation}#"


def group_done_key(period: str, generation: int, group: int) -> tuple[str, str]:
    """The marker "every chunk of ``group`` is done" (in the run's partition, one per group)."""
    return run_pk(period), f"{group_done_prefix(generation)}{group:04d}"


def chunk_prefix(generation: int) -> str:
    return f"CHUNK#{generation}#"


def chunk_sk(generation: int, number: int) -> str:
    return f"{chunk_prefix(generation)}{number:05d}"


RESULTS = ShardedPeriod("RES", "RESOPD")


# -- audit streams --------------------------------------------------------------------------------
AUDIT_PAYROLL = "remunerasi/payroll"
AUDIT_ACTIVITY = "remunerasi/activity"
AUDIT_ACTING = "remunerasi/acting"
AUDIT_ATTENDANCE = "remunerasi/attendance"
AUDIT_BEHAVIOUR = "remunerasi/behaviour"
AUDIT_SENTENCE = "remunerasi/sentence"


def decision_stream(opd_code: str) -> str:
    """The audit stream of supervisor decisions on entries of ``opd_code``'s employees."""
    return f"remunerasi/opd/{opd_code}"


# -- the layout before the shards (read only by store.legacy, the one-off migration) ---------------
def legacy_total_pk(period: str) -> str:
    return f"TOT#{period}"


def legacy_result_pk(period: str) -> str:
    return f"RES#{period}"


def legacy_chunk_prefix() -> str:
    """Chunk items of the old layout: ``RUN#<period>`` | ``CHUNK#<gen>#<n>``."""
    return "CHUNK#"
