"""WBS audit: every read and action is chained in the shared audit log, as keyed digests.

A WBS audit record in the hash-chained log (``replika.core.audit``) carries in clear only what may
outlive the report; the rest is a *detail* (who exactly, before/after, a random salt) that is

* sealed with the report's envelope (AES-GCM, field ``audit:<action>``) — readable by the entitled
  staff while the report lives, unreadable for ever once the purge shreds the report's key;
* digested with the region's ``audit-digest`` key (HMAC-SHA256 over subject, action and detail): a
  disclosed detail (e.g. exported for a court before the purge) can still be proven genuine, while
  the digest alone cannot be brute-forced (the salt has 128 bits).

The chain hashes the sealed value and the digest, so ``audit.verify`` keeps holding after a purge.

Two streams, so the reporter's activity has no precise time next to staff actions:

* ``wbs`` — staff and system events, subject ``wbs#<report id>``, microsecond time, actor in clear
  only for the system (``system:retention``); staff appear as ``inspektorat``.
* ``wbs-reporter`` — the reporter's events (filing, sessions, reads, messages, evidence), subject
  the report's pseudonym (``Envelope.reporter_subject``, derived from the shreddable key), time
  rounded to the UTC day, no request id. Its own chain, so its sequence numbers cannot be placed
  between timed staff records.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.audit import AuditEntry, AuditRecord
from replika.core.pagination import decode_cursor, encode_cursor
from replika.wbs import crypto

STAFF_STREAM = "wbs"
REPORTER_STREAM = "wbs-reporter"
REPORTER = "reporter"
STAFF_ACTOR = "inspektorat"
SYSTEM_PREFIX = "system:"


def subject(report_id: str) -> str:
    return f"wbs#{report_id}"


def _day_at(iso_now: str) -> str:
    return f"{iso_now[:10]}T00:00:00.000000Z"


def _payload(
    env: crypto.Envelope, subj: str, actor: str, action: str, before: Any, after: Any
) -> dict[str, str]:
    detail = {"actor": actor, "before": before, "after": after, "salt": secrets.token_hex(16)}
    sealed = env.seal(f"audit:{action}", audit.canonical_json(detail))
    return {
        "sealed": base64.b64encode(sealed).decode("ascii"),
        "digest": crypto.digest({"subject": subj, "action": action, **detail}),
    }


def _args(
    env: crypto.Envelope,
    report_id: str,
    actor: str,
    action: str,
    before: Any,
    after: Any,
    request_id: str | None,
) -> dict[str, Any]:
    if actor == REPORTER:
        at = _day_at(audit._now_iso())
        subj = env.reporter_subject
        return {
            "stream": REPORTER_STREAM,
            "actor": REPORTER,
            "action": action,
            "subject": subj,
            "after": _payload(env, subj, actor, action, before, after),
            "request_id": None,  # a request id finds the timed log line of the request
            "at": at,
        }
    subj = subject(report_id)
    return {
        "stream": STAFF_STREAM,
        "actor": actor if actor.startswith(SYSTEM_PREFIX) else STAFF_ACTOR,
        "action": action,
        "subject": subj,
        "after": _payload(env, subj, actor, action, before, after),
        "request_id": request_id,
        "at": None,
    }


def record(
    env: crypto.Envelope,
    report_id: str,
    actor: str,
    action: str,
    request_id: str | None,
    before: Any = None,
    after: Any = None,
    *,
    write: Callable[[TransactWrite], None] | None = None,
) -> None:
    """Chain the audit record; with ``write``, ``write(tx)`` and the record commit in one
    transaction (see ``audit.write_with_audit``)."""
    a = _args(env, report_id, actor, action, before, after, request_id)
    stream = a.pop("stream")
    if write is None:
        audit.append(stream, **a)
    else:
        audit.write_with_audit(stream, write, **a)


def add_to(tx: TransactWrite, env: crypto.Envelope, report_id: str, actor: str, action: str) -> None:
    a = _args(env, report_id, actor, action, None, None, None)
    audit.add_to_transaction(tx, a.pop("stream"), **a)


def record_plain(actor: str, action: str, subj: str, request_id: str | None, after: Any = None) -> None:
    """A record about no single report (a list, the retention list, a purge)."""
    audit.append(STAFF_STREAM, actor=actor, action=action, subject=subj, after=after, request_id=request_id)


def verify_detail(record_subject: str, action: str, detail: dict[str, Any], stored_digest: str) -> bool:
    """Whether a disclosed detail is the one the chained record was written with."""
    return crypto.digest({"subject": record_subject, "action": action, **detail}) == stored_digest


# -- reading ------------------------------------------------------------------------------------


def _open(env: crypto.Envelope, rec: AuditRecord, report_id: str) -> AuditEntry:
    after = rec.after if isinstance(rec.after, dict) else {}
    sealed = after.get("sealed")
    actor, before, out_after = rec.actor, rec.before, rec.after
    if isinstance(sealed, str):
        try:
            detail = json.loads(env.open(f"audit:{rec.action}", base64.b64decode(sealed)))
            actor, before, out_after = (
                detail.get("actor", rec.actor),
                detail.get("before"),
                detail.get("after"),
            )
        except (ValueError, KeyError):  # not ours to open: show it as stored
            pass
    fields = rec.fields()
    fields.update(actor=actor, before=before, after=out_after, subject=subject(report_id))
    return AuditEntry(**fields, hash=rec.hash)


def _start_key(rec: AuditRecord) -> dict[str, Any]:
    return {
        "subject": {"S": rec.subject},
        "at": {"S": rec.at},
        "stream": {"S": rec.stream},
        "seq": {"N": str(int(rec.seq))},
    }


def entries(
    env: crypto.Envelope, report_id: str, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """The report's trail, newest first: staff and reporter records merged, details opened."""
    scope = f"wbs:audit:{report_id}"
    state = decode_cursor(cursor, scope=scope) or {}
    sources = {"s": subject(report_id), "r": env.reporter_subject}
    fetched: dict[str, list[AuditRecord]] = {}
    more: dict[str, bool] = {}
    for name, subj in sources.items():
        if state.get(name) == "done":
            fetched[name], more[name] = [], False
            continue
        res = AuditRecord.by_subject.query(
            subj, scan_index_forward=False, limit=limit, last_evaluated_key=state.get(name) or None
        )
        fetched[name] = list(res)
        more[name] = res.last_evaluated_key is not None
    merged = sorted(
        ((rec, name) for name, recs in fetched.items() for rec in recs),
        key=lambda x: (x[0].at, x[0].stream, int(x[0].seq)),
        reverse=True,
    )[:limit]
    nxt: dict[str, Any] = {}
    for name in sources:
        used = [rec for rec, n in merged if n == name]
        if used:
            rest = len(used) < len(fetched[name]) or more[name]
            nxt[name] = _start_key(used[-1]) if rest else "done"
        elif not fetched[name] and not more[name]:
            nxt[name] = "done"
        else:
            nxt[name] = state.get(name)
    done = all(v == "done" for v in nxt.values())
    items = [_open(env, rec, report_id) for rec, _ in merged]
    return items, None if done else encode_cursor(nxt, scope=scope)
