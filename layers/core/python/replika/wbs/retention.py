"""WBS retention: what is due, the purge (crypto-shredding), and the public yearly figures.

What a purge leaves, and for how long (the README repeats this):

* **Destroyed at once, everywhere**: the report's shred secret (``keys/<id>``, every S3 version),
  so no copy of its ciphertext — live, PITR-restored, or in the audit log — can be decrypted
  again; its evidence files and raw uploads (every version); its items (report, receipt link,
  messages, notes, file records).
* **PITR copies of the WBS table, for 35 days**: the deleted items come back from a restore, but
  only as ciphertext nobody can open plus workflow metadata: report id, status, category, year,
  the *day* it was filed, the time of the last staff status change, the desk, the assignee's NIP,
  keyed MACs of the reported NIP/OPD, the numbers of messages/notes, evidence sizes and sha256 of
  the cleaned files. No content, no reporter time finer than the filing day.
* **The audit log, for as long as it is kept (append-only, hash-chained)**: for staff events the
  action, its microsecond time, ``inspektorat`` as actor and the report id; for reporter events the
  action and the day, under a pseudonym only the shredded key linked to the report; every detail
  (who exactly, before/after) only as ciphertext under the shredded key plus a keyed digest. The
  chain still verifies; the purge record (system actor, status, counts) stays readable.
* **The public figures** (counts per category and status and year) stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from replika.core.auth import Principal
from replika.core.calendar import parse_utc_iso
from replika.core.errors import ValidationFailed
from replika.core.pagination import decode_cursor, encode_cursor
from replika.core.runtime import get_settings
from replika.wbs import crypto, rules, service, store, trail
from replika.wbs.models import DueItem, DuePage, PurgeResult, StatsCount, StatsOut
from replika.wbs.rules import Status
from replika.wbs.service import SYSTEM_RETENTION, actor_of, viewer, visible
from replika.wbs.tables import WbsItem, receipt_pk, report_pk, stats_pk, status_pk
from replika.wbs.uploads import incoming_prefix


def due_for_purge(
    p: Principal,
    status: Status,
    days_ahead: int,
    limit: int,
    cursor: str | None,
    request_id: str | None,
    now: datetime | None = None,
) -> DuePage:
    """Closed/rejected reports due for purge within ``days_ahead`` days — only those ``p`` may see,
    paged like the report list (no hidden report shapes a page or its cursor)."""
    if status not in rules.TERMINAL:
        raise ValidationFailed("Hanya laporan selesai/ditolak yang dimusnahkan.")
    pol = service.policy()
    cutoff = store.iso(rules.purge_cutoff(now or store.now(), pol.retention_days, days_ahead))
    scope = f"wbs:due:{status}:{days_ahead}:{p.subject}"
    rows = WbsItem.gsi1.query(
        status_pk(status),
        WbsItem.gsi1sk < cutoff,
        page_size=max(limit * 2, 20),
        last_evaluated_key=decode_cursor(cursor, scope=scope),
    )
    v = viewer(p)
    shown, nxt = store.visible_page(rows, lambda r: visible(v, r), limit, store.GSI1_KEYS)
    items = [
        DueItem(
            id=r.report_id or "",
            status=Status(r.status),
            changed_at=r.changed_at or "",
            purge_after=store.iso(parse_utc_iso(r.changed_at or "") + timedelta(days=pol.retention_days)),
        )
        for r in shown
    ]
    ids = sorted(i.id for i in items)
    trail.record_plain(
        actor_of(p),
        "wbs.retention.due",
        "wbs#retention",
        request_id,
        after={"count": len(ids), "ids_digest": crypto.digest(ids)},
    )
    return DuePage(items=items, next_cursor=encode_cursor(nxt, scope=scope))


def purge(now: datetime | None = None, request_id: str | None = None) -> PurgeResult:
    """Purge closed and rejected reports older than the retention period: shred the report's key
    first (from then on no copy can be decrypted), then delete its files (every version) and
    items. The yearly figures stay. One audit record per purged report."""
    cutoff = store.iso(rules.purge_cutoff(now or store.now(), service.policy().retention_days))
    reports = files = 0
    bucket = get_settings().wbs_bucket
    for status in rules.TERMINAL:
        for report in WbsItem.gsi1.query(status_pk(status), WbsItem.gsi1sk < cutoff):
            rid = report.report_id or ""
            shredded = crypto.shred(rid) if bucket else 0
            rows = list(WbsItem.query(report_pk(rid)))
            removed = 0
            if bucket:
                removed += store.delete_all_versions(bucket, f"evidence/{rid}/")
                removed += store.delete_all_versions(bucket, f"{incoming_prefix(rid)}/")
            with WbsItem.batch_write() as batch:
                for row in rows:
                    batch.delete(row)
                if report.receipt_key:
                    batch.delete(WbsItem(receipt_pk(report.receipt_key), "RECEIPT"))
            trail.record_plain(
                SYSTEM_RETENTION,
                "wbs.purge",
                trail.subject(rid),
                request_id,
                after={
                    "status": status.value,
                    "items": len(rows) + 1,
                    "file_versions": removed,
                    "key_versions": shredded,
                },
            )
            reports += 1
            files += removed
    return PurgeResult(reports=reports, files=files)


def stats(year: int) -> StatsOut:
    """Counts per category and status (no times: nothing here says when anything happened)."""
    counts = []
    for row in WbsItem.query(stats_pk(year)):
        category, _, status = row.sk.rpartition("#")
        n = int(row.tally or 0)
        if n > 0:
            counts.append(StatsCount(category=category, status=Status(status), count=n))
    counts.sort(key=lambda c: (c.category, c.status.value))
    return StatsOut(year=year, total=sum(c.count for c in counts), counts=counts)
