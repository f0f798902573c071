"""Every key of e-Remunerasi in one place: table keys (layout in :mod:`.tables`) and audit streams.

Keys (pk | sk | gsi1pk / gsi1sk):
- activity: ``ACT#<code>`` | ``ACT`` | ``ACTS`` / ``<code>``
- activity entry: ``LOG#<nip>#<period>`` | ``<date>-<id>`` |
  ``PENDING#<approver>`` / ``<date>#<nip>#<id>`` while pending
- month total: ``TOT#<period>`` | ``<nip>`` | ``TOTOPD#<period>#<opd>`` / ``<nip>``
- OPD month total: ``OPDTOT#<period>`` | ``<opd>``
- attendance import marker: ``ATTIMP#<period>`` | ``<opd>``
- acting supervisor (Plt): ``PLT#<acting nip>`` | ``<for nip>#<start>`` | ``PLTFOR#<for nip>`` / ``<start>``
- sentence: ``SENT#<nip>`` | ``<start period>#<id>``
- payroll run: ``RUN#<period>`` | ``RUN``; its chunks: ``RUN#<period>`` | ``CHUNK#<gen>#<n>``
- payroll result: ``RES#<period>`` | ``<nip>`` | ``RESOPD#<period>#<opd>`` / ``<nip>``

Audit streams: supervisor decisions per OPD (``remunerasi/opd/<opd>``, so no region-wide chain is
a hot item), the payroll run (``remunerasi/payroll``) and one per other aggregate
(``remunerasi/<aggregate>``).

The directory's keys (``EMP#<nip>``…) are :mod:`replika.directory.keys`; re-exported here for the
payroll, which reads one directory item per employee.
"""

from __future__ import annotations

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
    "EMP",
    "EMP_PREFIX",
    "NO_SUPERVISOR",
    "OPD",
    "RUN_SK",
    "acting_for_pk",
    "acting_key",
    "acting_pk",
    "activity_key",
    "attendance_import_key",
    "attendance_import_pk",
    "chunk_prefix",
    "chunk_sk",
    "decision_stream",
    "emp_key",
    "entry_pending_gsi",
    "evidence_prefix",
    "log_pk",
    "nip_of",
    "opd_code_of",
    "opd_total_key",
    "opd_total_pk",
    "pending_pk",
    "result_key",
    "result_opd_pk",
    "result_pk",
    "run_key",
    "sentence_key",
    "total_key",
    "total_opd_pk",
    "total_pk",
]

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
def total_pk(period: str) -> str:
    return f"TOT#{period}"


def total_key(period: str, nip: str) -> tuple[str, str]:
    return total_pk(period), nip


def total_opd_pk(period: str, opd: str) -> str:
    return f"TOTOPD#{period}#{opd}"


def opd_total_pk(period: str) -> str:
    return f"OPDTOT#{period}"


def opd_total_key(period: str, opd: str) -> tuple[str, str]:
    return opd_total_pk(period), opd


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


def run_key(period: str) -> tuple[str, str]:
    return f"RUN#{period}", RUN_SK


def chunk_prefix(generation: int) -> str:
    return f"CHUNK#{generation}#"


def chunk_sk(generation: int, number: int) -> str:
    return f"{chunk_prefix(generation)}{number:05d}"


def result_pk(period: str) -> str:
    return f"RES#{period}"


def result_key(period: str, nip: str) -> tuple[str, str]:
    return result_pk(period), nip


def result_opd_pk(period: str, opd: str) -> str:
    return f"RESOPD#{period}#{opd}"


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
