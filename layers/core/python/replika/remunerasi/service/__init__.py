"""e-Remunerasi use cases: catalogue, daily activity log, supervisor decisions, attendance,
behaviour ratings and disciplinary sentences. Load -> rules -> conditional write -> audit.

Every money-affecting write runs in one DynamoDB transaction with (a) its own condition (status,
version), (b) the period's not-locked check and (c) the running month totals, so the monthly run
and the dashboards read one item per employee and a lost race is a 409, never a silent overwrite.

Modules: :mod:`.catalogue`, :mod:`.log` (entries and decisions), :mod:`.staff` (Plt,
attendance, behaviour, sentences), :mod:`.common`.
"""

from __future__ import annotations

from replika.remunerasi.keys import log_pk
from replika.remunerasi.service.catalogue import (
    ACTIVITY_COLUMNS,
    activity_out,
    import_activities,
    list_activities,
    parse_activity_csv,
    put_activity,
)
from replika.remunerasi.service.common import (
    ENTRY_ID,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    MAX_TX_ACTIONS,
    PENDING_NO_SUPERVISOR,
    actor_of,
    calendar,
    entry_key,
    region,
)
from replika.remunerasi.service.log import (
    create_entry,
    decide,
    delete_entry,
    entry_out,
    evidence_upload,
    list_entries,
    pending_queue,
    update_entry,
)
from replika.remunerasi.service.staff import (
    ATTENDANCE_COLUMNS,
    AttendanceRowT,
    assign_acting,
    attendance_month,
    import_attendance,
    parse_attendance_csv,
    rate_behaviour,
    record_sentence,
)

__all__ = [
    "ACTIVITY_COLUMNS",
    "ATTENDANCE_COLUMNS",
    "ENTRY_ID",
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "MAX_TX_ACTIONS",
    "PENDING_NO_SUPERVISOR",
    "AttendanceRowT",
    "activity_out",
    "actor_of",
    "assign_acting",
    "attendance_month",
    "calendar",
    "create_entry",
    "decide",
    "delete_entry",
    "entry_key",
    "entry_out",
    "evidence_upload",
    "import_activities",
    "import_attendance",
    "list_activities",
    "list_entries",
    "log_pk",
    "parse_activity_csv",
    "parse_attendance_csv",
    "pending_queue",
    "put_activity",
    "rate_behaviour",
    "record_sentence",
    "region",
    "update_entry",
]
