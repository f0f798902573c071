"""Append-only, hash-chained audit log on DynamoDB, sharded into one chain per stream per day.

Writers name a *stream* (``"directory"``, ``"remunerasi/opd/<code>"``, ``"wbs"``…); the record goes
to the chain ``"<stream>@<YYYY-MM-DD>"`` (UTC day). Unrelated writers (two OPDs' supervisors, two
apps) never contend for one chain head, and no chain grows without bound. The first record of a
chain also writes the chain into the day's catalogue (``"_chains@<day>"``, one item per chain, in
the same transaction), so a day's chains are listed with one Query and never by a Scan;
:mod:`replika.core.audit_verify` verifies a day's chains and publishes their heads.

Table (``AUDIT_TABLE``)::

    HASH stream (S) = chain id   RANGE seq (N)
    GSI by_subject:   HASH subject (S)   RANGE at (S)   projection ALL

Access patterns:

* chain head: ``Query stream = :chain`` descending, limit 1 (consistent read);
* verify a chain: ``Query stream = :chain`` ascending, page by page;
* a day's chains: ``Query stream = "_chains@<day>"`` (the catalogue; ``seq`` = 52 bits of the
  chain id's sha256, ``subject`` = the chain id);
* trail of a subject (``"employee#<nip>"``, ``"wbs#<id>"``): ``Query by_subject`` newest first.

Each record is chained: ``hash = sha256(canonical JSON of every field except hash)`` where the
fields include ``prev_hash`` (the previous record's hash; 64 zeros for ``seq = 1``). Canonical JSON
is ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` with ``Decimal``,
``date`` and ``datetime`` written as strings. A record is written with the condition
``attribute_not_exists(seq)``, so two writers racing for the same ``seq`` cannot both win; the
loser re-reads the head and retries (bounded).

What :func:`verify` detects: an edited record (hash mismatch), a re-hashed edit (the next record's
``prev_hash`` no longer matches) and a deleted record in the middle (gap in ``seq``). A deletion of
the newest records (truncation) or a rewritten, re-hashed tail leaves a valid-looking chain: the
day's chain heads, published to an S3 Object Lock bucket (:mod:`replika.core.audit_verify`),
catch both, and a whole deleted chain is missing from the published heads' comparison.

Scale: one chain is written by the writers of one stream on one day. A decision stream per OPD
per day sees at most that OPD's supervisors; the catalogue partition of a day takes one write per
new chain (hundreds a day), far below DynamoDB's 1,000 WCU/s per partition.

``actor`` identifies who acted, in one format: :attr:`replika.core.auth.Principal.actor`
(``"sub:…|nip:…|role,role"``) for people, ``"system:<job>"`` for jobs, and two pseudonyms WBS
uses on purpose: ``"reporter"`` (the anonymous reporter) and ``"inspektorat"`` (a staff actor
sealed after a purge); it must not carry personal
data beyond the NIP. ``before``/``after`` are JSON values (stored as
canonical JSON strings) — keep personal data out of them too unless the action is about it.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Required, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict
from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import STRING
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from replika.core import table
from replika.core.dynamodb import is_condition_failure, translate
from replika.core.errors import Conflict, Retryable
from replika.core.pagination import Page, decode_cursor, encode_cursor
from replika.core.runtime import register_table
from replika.core.schema import Schema
from replika.core.table import Model
from replika.core.tables import all_index, table_meta

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditRecord",
    "RecordFields",
    "VerifyResult",
    "add_to_transaction",
    "append",
    "canonical_json",
    "chain_id",
    "compute_hash",
    "head",
    "trail",
    "verify",
    "write_with_audit",
]

GENESIS_HASH = "0" * 64
MAX_APPEND_ATTEMPTS = 8
HASHED_FIELDS = (
    "stream",
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "before",
    "after",
    "request_id",
    "prev_hash",
)


# --- canonical JSON and hashing ----------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"audit values must be JSON-able, got {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept; ``Decimal``/dates as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _normalise(value: Any) -> Any:
    """The value as it will read back from storage (a JSON round trip)."""
    return None if value is None else json.loads(canonical_json(value))


def compute_hash(fields: dict[str, Any]) -> str:
    """sha256 hex of the canonical JSON of the :data:`HASHED_FIELDS` of ``fields``."""
    return hashlib.sha256(
        canonical_json({k: fields.get(k) for k in HASHED_FIELDS}).encode("utf-8")
    ).hexdigest()


def _now_iso() -> str:
    # fixed width (microseconds) so `at` sorts chronologically in the by_subject index
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: Actions an audit record adds to a transaction: the record, and the catalogue entry when the
#: record opens its chain (the first of the stream's day). Size transactions with this.
TX_ACTIONS = 2
CATALOGUE_PREFIX = "_chains@"
CHAIN_SEPARATOR = "@"


def today_utc() -> str:
    return datetime.now(UTC).date().isoformat()


def chain_id(stream: str, day: str | None = None) -> str:
    """The chain a stream's record goes to on ``day`` (UTC ``YYYY-MM-DD``, default today)."""
    if not stream or CHAIN_SEPARATOR in stream or stream.startswith("_"):
        raise ValueError(f"invalid audit stream name {stream!r}")
    return f"{stream}{CHAIN_SEPARATOR}{day or today_utc()}"


def catalogue_key(day: str) -> str:
    return f"{CATALOGUE_PREFIX}{day}"


def catalogue_seq(chain: str) -> int:
    """A chain's position in its day's catalogue: 52 bits of sha256 (exact in a DynamoDB Number)."""
    return int(hashlib.sha256(chain.encode("utf-8")).hexdigest()[:13], 16)


def chain_day(chain: str) -> str:
    return chain.rsplit(CHAIN_SEPARATOR, 1)[1]


# --- storage model -----------------------------------------------------------------------------


class JSONValueAttribute(Attribute[Any]):
    """Any JSON value stored as its canonical JSON string (so the stored bytes are what was hashed)."""

    attr_type = STRING

    def serialize(self, value: Any) -> str:
        return canonical_json(value)

    def deserialize(self, value: str) -> Any:
        return json.loads(value)


class AuditRecord(Model):
    Meta = table_meta("AUDIT_TABLE", "replika-audit")

    stream = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    subject = UnicodeAttribute()
    before = JSONValueAttribute(null=True)
    after = JSONValueAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()

    by_subject: GlobalSecondaryIndex[AuditRecord] = all_index("subject", "at")

    def fields(self) -> dict[str, Any]:
        """The hashed fields as plain values."""
        return {
            "stream": self.stream,
            "seq": int(self.seq),
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        return compute_hash(self.fields())

    def to_entry(self) -> AuditEntry:
        return AuditEntry(**self.fields(), hash=self.hash)


register_table(AuditRecord, "AUDIT_TABLE")


class AuditEntry(Schema):
    """An audit record as an API/response value."""

    model_config = ConfigDict(frozen=True)

    stream: str
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    before: Any = None
    after: Any = None
    request_id: str | None = None
    prev_hash: str
    hash: str


# --- writing -----------------------------------------------------------------------------------


class RecordFields(TypedDict, total=False):
    """What the caller of :func:`append`, :func:`add_to_transaction` and :func:`write_with_audit`
    says about an action (the chain adds ``stream``, ``seq`` and the hashes). ``at`` replaces the
    current time, e.g. a coarser one (WBS writes reporter events at day precision)."""

    actor: Required[str]
    action: Required[str]
    subject: Required[str]
    before: Any
    after: Any
    request_id: str | None
    at: str | None


_FIELD_NAMES = RecordFields.__required_keys__ | RecordFields.__optional_keys__


def head(chain: str) -> AuditRecord | None:
    """The newest record of a chain (consistent read), or ``None`` for an empty chain."""
    for record in AuditRecord.query(chain, scan_index_forward=False, limit=1, consistent_read=True):
        return record
    return None


def _build(chain: str, fields: RecordFields) -> AuditRecord:
    missing, unknown = RecordFields.__required_keys__ - fields.keys(), fields.keys() - _FIELD_NAMES
    if missing or unknown:  # what the keyword parameters they replace raised
        raise TypeError(f"audit record fields missing {sorted(missing)}, unexpected {sorted(unknown)}")
    actor, action, subject = fields["actor"], fields["action"], fields["subject"]
    if not chain or not actor or not action or not subject:
        raise ValueError("stream, actor, action and subject are required")
    last = head(chain)
    seq = 1 if last is None else int(last.seq) + 1
    prev_hash = GENESIS_HASH if last is None else last.hash
    record = AuditRecord(
        stream=chain,
        seq=seq,
        at=fields.get("at") or _now_iso(),
        actor=actor,
        action=action,
        subject=subject,
        before=_normalise(fields.get("before")),
        after=_normalise(fields.get("after")),
        request_id=fields.get("request_id"),
        prev_hash=prev_hash,
    )
    record.hash = record.computed_hash()
    return record


def _catalogue_entry(record: AuditRecord) -> AuditRecord:
    """The day's catalogue item that lists a new chain (written with the chain's first record)."""
    chain = str(record.stream)
    entry = AuditRecord(
        stream=catalogue_key(chain_day(chain)),
        seq=catalogue_seq(chain),
        at=record.at,
        actor="system:audit",
        action="audit.chain_opened",
        subject=chain,
        before=None,
        after=None,
        request_id=None,
        prev_hash=GENESIS_HASH,
    )
    entry.hash = entry.computed_hash()
    return entry


def _add_records(tx: TransactWrite, record: AuditRecord) -> None:
    tx.save(record, condition=AuditRecord.seq.does_not_exist())
    if int(record.seq) == 1:
        tx.save(_catalogue_entry(record), condition=AuditRecord.seq.does_not_exist())


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.01 * (2**attempt)))  # noqa: S311 - jitter, not crypto


def append(
    stream: str, *, attempts: int = MAX_APPEND_ATTEMPTS, **fields: Unpack[RecordFields]
) -> AuditRecord:
    """Append one record (:class:`RecordFields`) to ``stream`` and return it.

    Reads the head of today's chain of ``stream``, writes ``seq + 1`` with
    ``attribute_not_exists(seq)`` (with the catalogue entry when it opens the chain); on a lost
    race re-reads and retries up to ``attempts`` times, then raises ``Retryable``.
    """
    chain = chain_id(stream)
    for attempt in range(attempts):
        record = _build(chain, fields)
        try:
            if int(record.seq) == 1:
                with TransactWrite(connection=connection()) as tx:
                    _add_records(tx, record)
            else:
                record.save(condition=AuditRecord.seq.does_not_exist())
            return record
        except (PutError, TransactWriteError) as exc:
            # both items are conditional on not existing: a failed condition is a lost race
            if not (is_condition_failure(exc) or isinstance(translate(exc), Conflict)):
                raise
            _backoff(attempt)
    raise Retryable("Log audit sedang sibuk; coba lagi.", code="audit_contention")


def add_to_transaction(tx: TransactWrite, stream: str, **fields: Unpack[RecordFields]) -> AuditRecord:
    """Add the next audit record of today's chain of ``stream`` to a PynamoDB ``TransactWrite``::

        with TransactWrite(connection=audit.connection()) as tx:
            tx.save(entity, condition=Entity.version == 3)
            audit.add_to_transaction(tx, "remunerasi/opd/1.01", actor=..., action=..., subject=...)

    The record and the state change commit together or not at all. If another writer took the
    same ``seq`` first, the transaction fails (``TransactWriteError`` -> 409 via
    ``dynamodb.translate``); :func:`write_with_audit` retries that case for you.
    """
    record = _build(chain_id(stream), fields)
    _add_records(tx, record)
    return record


def connection() -> Connection:
    """A PynamoDB connection on the runtime's DynamoDB client, for ``TransactWrite(connection=...)``
    (a new botocore client would load the DynamoDB service model again: hundreds of milliseconds
    of CPU per audited write)."""
    return table.connection()


def write_with_audit(
    stream: str,
    write: Callable[[TransactWrite], None],
    *,
    attempts: int = MAX_APPEND_ATTEMPTS,
    **fields: Unpack[RecordFields],
) -> AuditRecord:
    """Run ``write(tx)`` (which adds the state change: saves/updates with their conditions) and the
    audit record in one transaction. When the transaction fails *because another writer took the
    audit ``seq``* (the head moved past ours) it is rebuilt and retried; any other failure (e.g. the
    state change's own condition) propagates as ``TransactWriteError`` for
    ``dynamodb.translate`` to turn into a 409. ``write`` must be safe to call again."""
    for attempt in range(attempts):
        record: AuditRecord | None = None
        try:
            with TransactWrite(connection=connection()) as tx:
                write(tx)
                record = add_to_transaction(tx, stream, **fields)
            return record
        except TransactWriteError:
            now = head(str(record.stream)) if record is not None else None
            if record is None or now is None or int(now.seq) < int(record.seq):
                raise  # the audit record was not the reason
            _backoff(attempt)
    raise Retryable("Log audit sedang sibuk; coba lagi.", code="audit_contention")


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_hash: str | None = None


def verify(chain: str, *, page_size: int = 500) -> VerifyResult:
    """Walk one chain from ``seq = 1`` page by page and check every link. ``chain`` is a chain id
    (``"<stream>@<day>"``) or a stream name, which means today's chain of that stream.

    ``reason`` is ``"hash_mismatch"`` (the record was edited), ``"broken_link"`` (``prev_hash`` is
    not the previous record's hash) or ``"gap"`` (a ``seq`` is missing, e.g. a deleted record;
    ``first_bad_seq`` is then the missing number). ``count`` is the number of records checked
    before the first problem (all of them when ``ok``).
    """
    if CHAIN_SEPARATOR not in chain:
        chain = chain_id(chain)
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for record in AuditRecord.query(
        chain, scan_index_forward=True, consistent_read=True, page_size=page_size
    ):
        seq = int(record.seq)
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq, "gap", prev_hash)
        if record.prev_hash != prev_hash:
            return VerifyResult(False, count, seq, "broken_link", prev_hash)
        if record.computed_hash() != record.hash:
            return VerifyResult(False, count, seq, "hash_mismatch", prev_hash)
        prev_hash = record.hash
        expected_seq += 1
        count += 1
    return VerifyResult(True, count, None, None, prev_hash if count else None)


def trail(subject: str, limit: int = 50, cursor: str | None = None) -> Page[AuditEntry]:
    """Audit entries about ``subject``, newest first, paginated with an opaque cursor."""
    if not 1 <= limit <= 100:
        raise ValueError("limit must be 1..100")
    scope = f"audit:trail:{subject}"
    results = AuditRecord.by_subject.query(
        subject,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    items = [r.to_entry() for r in results]
    return Page[AuditEntry](items=items, next_cursor=encode_cursor(results.last_evaluated_key, scope=scope))
