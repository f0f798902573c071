"""`replika audit verify` and `replika audit publish`: the audit log's tamper evidence, for auditors.

``verify [--stream S] [--since DAY] [--until DAY]`` walks every audit chain of each UTC day from
``since`` to ``until`` (both default to today), or only stream ``S``'s, and compares each with the
chain heads published for that day in the Object Lock bucket (:mod:`replika.core.audit_verify`).
It prints one line per day, then one line per problem, and exits 1 when there is any problem.
``publish [--day DAY]`` writes a day's heads (default: yesterday, UTC) unless they are published
already; the daily schedule of the directory function does the same.

Against the running local stack (``make demo``), like ``replika payroll``; ``--aws`` uses the real
AWS environment (``AUDIT_TABLE``, ``AUDIT_HEADS_BUCKET`` and credentials from the environment).
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from typing import Any

from replika_infra.local.dev import use_stack_environment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def _today() -> date:
    return datetime.now(UTC).date()


def _heads_store() -> tuple[str, Any]:
    from replika.core import runtime
    from replika.core.runtime import require

    rt = runtime.current()
    return require(rt.settings.audit_heads_bucket, "AUDIT_HEADS_BUCKET"), rt.client("s3")


def cmd_verify(args: argparse.Namespace) -> int:
    use_stack_environment(aws=args.aws)
    from replika.core import audit_verify

    since: date = args.since or _today()
    until: date = min(args.until or _today(), _today())
    if until < since:
        raise SystemExit("replika audit verify: --until is before --since")
    bucket, s3 = _heads_store()
    problems = 0
    for day in audit_verify.days(since.isoformat(), until.isoformat()):
        published = audit_verify.read_published(day, bucket, s3)
        report = audit_verify.verify_day(day, stream=args.stream, published=published)
        problems += len(report.problems)
        print(
            f"{day} {'ok' if report.ok else 'PROBLEMS'}: {report.chains} chains, {report.records} "
            f"records, heads {'published' if report.published else 'not published'}"
        )
        for p in report.problems:
            at = f" at seq {p.seq}" if p.seq is not None else ""
            print(f"  {p.chain}: {p.reason}{at}")
    return 1 if problems else 0


def cmd_publish(args: argparse.Namespace) -> int:
    use_stack_environment(aws=args.aws)
    from replika.core import audit_verify

    day = (args.day or _today() - timedelta(days=1)).isoformat()
    bucket, s3 = _heads_store()
    if audit_verify.read_published(day, bucket, s3) is not None:
        print(f"{day}: already published (Object Lock keeps the first version)")
        return 0
    document = audit_verify.publish_heads(day, bucket, s3)
    print(f"{day}: published {len(document['chains'])} chain heads, digest {document['digest']}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="verify the audit log's chains against the published heads")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="verify each day's chains; exit 1 on any problem")
    v.add_argument("--stream", default=None, help="only this stream (e.g. remunerasi/opd/1.01)")
    v.add_argument("--since", type=_day, default=None, help="first UTC day (default: today)")
    v.add_argument("--until", type=_day, default=None, help="last UTC day (default: today)")
    v.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    v.set_defaults(func=cmd_verify)
    b = asub.add_parser("publish", help="publish a day's chain heads to the Object Lock bucket")
    b.add_argument("--day", type=_day, default=None, help="UTC day (default: yesterday)")
    b.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    b.set_defaults(func=cmd_publish)
