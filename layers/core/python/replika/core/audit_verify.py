"""Tamper evidence an auditor can use: verify a day's audit chains and publish their heads.

Each day (UTC) every audit stream has its own chain (:func:`replika.core.audit.chain_id`), listed
in that day's catalogue. :func:`verify_day` walks every chain of a day; :func:`heads` gives one
``(count, hash)`` per chain, and :func:`publish_heads` writes them, with their digest, to
``audit-heads/<day>.json`` in the region's audit-heads bucket, which has S3 Object Lock in
compliance mode: nobody, not even the account's root, can change or delete that object before its
retention ends. Comparing the table with the published heads (:func:`verify_day` with
``published``) then catches what a chain alone cannot:

* a rewritten tail (records edited and re-hashed so the chain links again): the head hash differs;
* a truncated chain (newest records deleted): the count is lower;
* a deleted chain, catalogue entry included: it is in the published heads and not in the table.

An edited record or a deleted record in the middle is caught by the chain itself
(``hash_mismatch``, ``broken_link``, ``gap``). The published file is public (no personal data: the
chain ids name streams, e.g. ``remunerasi/opd/1.01@2026-12-01``, a count and a hash).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from replika.core.audit import (
    CHAIN_SEPARATOR,
    AuditRecord,
    canonical_json,
    catalogue_key,
    head,
    verify,
)

HEADS_PREFIX = "audit-heads/"


def chains_of_day(day: str) -> list[str]:
    """The chain ids opened on ``day`` (from the catalogue: one Query, no Scan)."""
    return sorted(str(r.subject) for r in AuditRecord.query(catalogue_key(day), consistent_read=True))


def heads(day: str) -> dict[str, dict[str, Any]]:
    """``{chain: {"count": n, "hash": head hash}}`` for every chain of ``day``."""
    out: dict[str, dict[str, Any]] = {}
    for chain in chains_of_day(day):
        last = head(chain)
        out[chain] = {"count": int(last.seq) if last else 0, "hash": last.hash if last else None}
    return out


def digest(day_heads: dict[str, dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(day_heads).encode("utf-8")).hexdigest()


def heads_document(day: str) -> dict[str, Any]:
    day_heads = heads(day)
    return {"day": day, "chains": day_heads, "digest": digest(day_heads)}


def heads_key(day: str) -> str:
    return f"{HEADS_PREFIX}{day}.json"


@dataclass
class ChainProblem:
    chain: str
    reason: str  # hash_mismatch | broken_link | gap | truncated | rewritten | missing_chain
    seq: int | None = None


@dataclass
class DayReport:
    day: str
    chains: int = 0
    records: int = 0
    published: bool = False
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _stream_of(chain: str) -> str:
    return chain.rsplit(CHAIN_SEPARATOR, 1)[0]


def verify_day(day: str, *, stream: str | None = None, published: dict[str, Any] | None = None) -> DayReport:
    """Verify every chain of ``day`` (or only ``stream``'s), against the published heads if given."""
    report = DayReport(day=day, published=published is not None)
    chains = [c for c in chains_of_day(day) if stream is None or _stream_of(c) == stream]
    for chain in chains:
        result = verify(chain)
        report.chains += 1
        report.records += result.count
        if not result.ok:
            report.problems.append(ChainProblem(chain, str(result.reason), result.first_bad_seq))
    if published is not None:
        recorded: dict[str, Any] = published.get("chains", {})
        if digest(recorded) != published.get("digest"):
            report.problems.append(ChainProblem("(published file)", "digest_mismatch"))
        if published.get("republished"):
            report.problems.append(ChainProblem("(published file)", "republished"))
        present = set(chains)
        for chain, then in sorted(recorded.items()):
            if stream is not None and _stream_of(chain) != stream:
                continue
            if chain not in present:
                report.problems.append(ChainProblem(chain, "missing_chain"))
                continue
            last = head(chain)
            count = int(last.seq) if last else 0
            if count < int(then["count"]):
                report.problems.append(ChainProblem(chain, "truncated", count + 1))
                continue
            at = AuditRecord.get(chain, int(then["count"]), consistent_read=True) if then["count"] else None
            if at is not None and at.hash != then["hash"]:
                report.problems.append(ChainProblem(chain, "rewritten", int(then["count"])))
    return report


def days(since: str, until: str) -> Iterator[str]:
    d, end = date.fromisoformat(since), date.fromisoformat(until)
    while d <= end:
        yield d.isoformat()
        d += timedelta(days=1)


# --- the Object Lock bucket ----------------------------------------------------------------------


def publish_heads(day: str, bucket: str, s3: Any) -> dict[str, Any]:
    """Write the day's heads to the Object Lock bucket (the bucket's default retention applies)."""
    document = heads_document(day)
    body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    s3.put_object(
        Bucket=bucket,
        Key=heads_key(day),
        Body=body,
        ContentType="application/json",
        ChecksumAlgorithm="SHA256",
    )
    return document


def read_published(day: str, bucket: str, s3: Any) -> dict[str, Any] | None:
    """The *first* version published for ``day``. Object Lock stops anyone from deleting or
    changing it, but anyone with ``s3:PutObject`` could add a newer version of the key: so the
    oldest version is the record, and ``republished`` says whether newer ones differ."""
    key = heads_key(day)
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    # S3 lists a key's versions newest first; within one second, that order is the only clue
    versions = [v for v in listed.get("Versions", []) if v["Key"] == key][::-1]
    if not versions:
        return None
    oldest = min(versions, key=lambda v: v["LastModified"])  # min keeps the first of equals
    obj = s3.get_object(Bucket=bucket, Key=key, VersionId=oldest["VersionId"])
    loaded: dict[str, Any] = json.loads(obj["Body"].read())
    loaded["republished"] = len({v["ETag"] for v in versions}) > 1
    return loaded
