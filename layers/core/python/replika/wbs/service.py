"""WBS use cases, shared context: region policy, who may see a report, and the receipt exchange.

The use cases live by side: :mod:`replika.wbs.reporter` (file, view, messages),
:mod:`replika.wbs.uploads` (evidence), :mod:`replika.wbs.staff` (Inspektorat and escalation desk),
:mod:`replika.wbs.retention` (due list, purge, public figures), :mod:`replika.wbs.trail` (audit as
keyed digests); storage helpers in :mod:`replika.wbs.store`, pure rules in :mod:`replika.wbs.rules`.

Receipt guessing — design note (there is no client identity to key on, by design)
-------------------------------------------------------------------------------------
Every exchange is counted *before* it is decided (one atomic ADD, so concurrent guesses cannot all
slip under a limit) in two sliding 15-minute windows: the guessed code's **bucket** (first 3 hex
digits of its scrypt hash: 4,096 buckets) and the **region**. Nothing is ever locked. While the
bucket has fewer than ``max_receipt_attempts`` (5) failures and the region fewer than
:data:`GLOBAL_FAILURE_LIMIT` (200), an exchange is free. Above that, it must carry a
proof of work (hashcash): ``sha256(challenge ":" nonce)`` with ``b`` leading zero bits, on a
challenge the server signed (10 minutes, single use: ``POW#<id>`` is written conditionally, so a
solution buys exactly one guess). ``b = 18 + 2·floor(log2(level))``, at most 26, where ``level`` is
failures / allowance of the worse of bucket and region (GlobaLeaks does the same). An answer
without the work is a 429 carrying a fresh challenge and is *not counted* (it is undone), so
429s cannot keep a window hot, and a right code with the work always gets in.

What it costs, in numbers (sha256 on one modern GPU ≈ 10^10 hashes/s; a phone browser ≈ 10^6/s):

* a legitimate reporter during an attack: 2^18 ≈ 2.6·10^5 hashes (≈ 0.3 s on a phone) at level
  1–2, 2^22 ≈ 4·10^6 (≈ 4 s) at level 4–8, at worst 2^26 ≈ 6.7·10^7 (≈ 1 minute on a phone,
  seconds on a laptop). Slower, never refused.
* the attacker: the space is 10^16 codes; with 10^4 live receipts one guess hits with p = 10^-12.
  Free guesses: 200 per 15 minutes ≈ 7·10^6 a year -> one hit in ≈ 1.4·10^5 years. Paid guesses:
  to keep the level at 2^k the attacker must fail 200·2^k times per window, each at
  2^(18+2k) hashes; at the cap (2^26 per guess, level ≥ 256: ≥ 51,200 guesses per window) that is
  ≥ 3.4·10^12 hashes per 15 minutes, and 10^12 guesses for one expected hit cost
  6.7·10^19 hashes ≈ 6.7·10^9 GPU-seconds ≈ 210 GPU-years (≈ US$ 1 million at US$ 0.5/GPU-hour),
  while the server meanwhile spends one scrypt per guess. API Gateway throttling on the route
  bounds the rate further; a volumetric flood of the route itself (requests that never reach the
  function) is the edge's job (WAF rate rules), not something the function can prevent.

Every exchange hashes (scrypt) and reads the same items whether the code exists or not, and is
padded to :data:`MIN_EXCHANGE_SECONDS`, so timing does not tell a live code from a dead one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from replika.core import observability
from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig, WbsPolicy
from replika.core.dynamodb import is_condition_failure
from replika.core.errors import NotFound, TooManyRequests, Unauthorized
from replika.core.runtime import current_region
from replika.wbs import crypto, rules, store, trail
from replika.wbs.models import ChallengeOut, DuePage, PurgeResult, SessionOut, StatsOut
from replika.wbs.rules import Status
from replika.wbs.tables import WbsItem, receipt_pk, throttle_pk

__all__ = ["Status"]

REPORTER = trail.REPORTER
SYSTEM_RETENTION = "system:retention"
MIN_EXCHANGE_SECONDS = 0.35
THROTTLE_WINDOW = 15 * 60
BUCKET_HEX = 3
GLOBAL_BUCKET = "global"
GLOBAL_FAILURE_LIMIT = 200
_DUMMY_RECEIPT = "0" * rules.RECEIPT_DIGITS

log = observability.get_logger("wbs")
_get = store.get


# -- context ------------------------------------------------------------------------------------


def region() -> RegionConfig:
    return current_region()


def region_timezone(default: str = "Asia/Jakarta") -> str:
    """The region's zone; ``default`` when no region config can be read (``chalice package`` runs
    with placeholder settings)."""
    try:
        return region().timezone
    except (OSError, ValueError):
        return default


def policy() -> WbsPolicy:
    return region().wbs


def actor_of(p: Principal) -> str:
    """The platform's one actor format (:attr:`Principal.actor`)."""
    return p.actor


# -- who may see a report -----------------------------------------------------------------------


def viewer(p: Principal) -> rules.Viewer:
    return rules.Viewer(principal=p, nip_mac=crypto.mac(p.nip), opd_mac=crypto.mac(p.opd))


def visible(v: rules.Viewer, item: WbsItem) -> bool:
    pol = policy()
    return rules.can_see(
        v,
        reported_nip_mac=item.reported_nip_mac,
        reported_opd_mac=item.reported_opd_mac,
        assignee_nip=item.assignee_nip,
        forbid_same_opd=pol.forbid_same_opd_handler,
        desk=item.desk or rules.DESK_HEAD,
        escalation_role=Role(pol.escalation_role),
    )


def check_id(report_id: str) -> None:
    """A report id that cannot exist (wrong shape, longer than a DynamoDB key may be) is a 404
    before any storage call."""
    if not rules.valid_report_id(report_id):
        raise NotFound("Laporan tidak ditemukan.")


def load_visible(p: Principal, report_id: str, action: str, request_id: str | None) -> WbsItem:
    """The report if ``p`` may see it. Absent and not-yours look the same (404); a refused look is
    audited too."""
    check_id(report_id)
    item = store.report(report_id)
    if item is None or not visible(viewer(p), item):
        if item is not None:
            trail.record(store.envelope(item), report_id, actor_of(p), f"{action}.denied", request_id)
        raise NotFound("Laporan tidak ditemukan.", details={"id": report_id})
    return item


# -- reporter: receipt -> token -----------------------------------------------------------------


def _window_counts(bucket: str, now: int) -> tuple[int, int]:
    start = rules.window_start(now, THROTTLE_WINDOW)
    keys = [(throttle_pk(bucket), f"W#{start}"), (throttle_pk(bucket), f"W#{start - THROTTLE_WINDOW}")]
    found = {i.sk: int(i.tally or 0) for i in WbsItem.batch_get(keys)}
    return found.get(keys[0][1], 0), found.get(keys[1][1], 0)


def _count(bucket: str, now: int, delta: int) -> int:
    """Add ``delta`` to the bucket's current window atomically; the window's new tally."""
    start = rules.window_start(now, THROTTLE_WINDOW)
    item = WbsItem(throttle_pk(bucket), f"W#{start}")
    item.update(
        actions=[
            WbsItem.tally.add(delta),
            WbsItem.kind.set("THROTTLE"),
            WbsItem.expires_at.set(datetime.fromtimestamp(start + 3 * THROTTLE_WINDOW, UTC)),
        ]
    )
    return int(item.tally or 0)


def _failures_before(bucket: str, now: int) -> float:
    """Count this attempt (one atomic ADD) and return the failures counted before it."""
    current = _count(bucket, now, 1)
    _, previous = _window_counts(bucket, now)
    return rules.sliding_count(current - 1, previous, now, THROTTLE_WINDOW)


def required_bits(bucket: str | None, now: int) -> int:
    """The work an exchange needs now (without counting anything)."""
    g_cur, g_prev = _window_counts(GLOBAL_BUCKET, now)
    b_cur, b_prev = _window_counts(bucket, now) if bucket else (0, 0)
    return rules.pow_bits(
        rules.sliding_count(g_cur, g_prev, now, THROTTLE_WINDOW),
        GLOBAL_FAILURE_LIMIT,
        rules.sliding_count(b_cur, b_prev, now, THROTTLE_WINDOW),
        policy().max_receipt_attempts,
    )


def challenge() -> ChallengeOut:
    """A fresh challenge at the region's current work level (the bucket is unknown here: the
    server adds the bucket's level at exchange time and answers 429 with a harder one if needed)."""
    bits = max(rules.POW_BASE_BITS, required_bits(None, int(time.time())))
    return ChallengeOut(challenge=crypto.sign_challenge(bits), bits=bits, expires_in=crypto.POW_CHALLENGE_TTL)


def _spend(pow_challenge: str | None, pow_nonce: str | None, bits: int) -> bool:
    """True when the proof is valid for ``bits`` and its challenge was not used before (the use is
    recorded conditionally, kept until the challenge expires)."""
    checked = crypto.verify_challenge(pow_challenge)
    if checked is None or pow_nonce is None or len(pow_nonce) > 64:
        return False
    cid, _ = checked
    assert pow_challenge is not None
    if not rules.pow_ok(pow_challenge, pow_nonce, bits):
        return False
    used = WbsItem(f"POW#{cid}", "POW", kind="POW")
    used.expires_at = datetime.fromtimestamp(time.time() + 2 * crypto.POW_CHALLENGE_TTL, UTC)
    try:
        used.save(condition=WbsItem.pk.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def exchange_receipt(
    receipt: str,
    request_id: str | None,
    pow_challenge: str | None = None,
    pow_nonce: str | None = None,
) -> SessionOut:
    """A 15-minute token for the report behind ``receipt`` (401 for an unknown code; 429 with a
    challenge when the failure level asks for work that was not supplied). Same work and at least
    the same time on every path."""
    started = time.monotonic()
    try:
        digits = rules.normalise_receipt(receipt)
        rhash = crypto.receipt_hash(digits or _DUMMY_RECEIPT)
        bucket = rhash[:BUCKET_HEX]
        now = int(time.time())
        b_before = _failures_before(bucket, now)
        g_before = _failures_before(GLOBAL_BUCKET, now)
        link = _get(receipt_pk(rhash), "RECEIPT")
        bits = rules.pow_bits(g_before, GLOBAL_FAILURE_LIMIT, b_before, policy().max_receipt_attempts)
        if bits > 0 and not _spend(pow_challenge, pow_nonce, bits):
            for b in (bucket, GLOBAL_BUCKET):  # an unanswered attempt is no failed guess
                _count(b, now, -1)
            retry = THROTTLE_WINDOW - (now - rules.window_start(now, THROTTLE_WINDOW))
            raise TooManyRequests(
                "Terlalu banyak kode resi yang salah: selesaikan tantangan (proof of work) lalu coba lagi.",
                code="receipt_locked",
                retry_after=retry,
                details={"pow": {"challenge": crypto.sign_challenge(bits), "bits": bits}},
            )
        if digits is None or link is None or link.report_id is None:
            raise Unauthorized("Kode resi tidak dikenal.", code="invalid_receipt")  # stays counted
        for b in (bucket, GLOBAL_BUCKET):  # a right receipt is not a failed attempt
            _count(b, now, -1)
        item = store.report(link.report_id)
        if item is not None:
            trail.record(store.envelope(item), link.report_id, REPORTER, "wbs.reporter.session", request_id)
        return SessionOut(token=crypto.sign_token(link.report_id), expires_in=crypto.TOKEN_TTL_SECONDS)
    finally:
        rest = MIN_EXCHANGE_SECONDS - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


def reporter_report(token: str | None) -> WbsItem:
    """The report a reporter token is scoped to (401 when the token is bad or the report purged)."""
    report_id = crypto.verify_token(token)
    item = store.report(report_id) if rules.valid_report_id(report_id) else None
    if item is None:
        raise Unauthorized("Sesi pelapor tidak sah atau kedaluwarsa; masukkan kode resi lagi.")
    return item


# -- retention and figures (kept here for the schedule and tests) -------------------------------


def due_for_purge(*args: Any, **kwargs: Any) -> DuePage:
    from replika.wbs import retention

    return retention.due_for_purge(*args, **kwargs)


def purge(now: datetime | None = None, request_id: str | None = None) -> PurgeResult:
    from replika.wbs import retention

    return retention.purge(now=now, request_id=request_id)


def stats(year: int) -> StatsOut:
    from replika.wbs import retention

    return retention.stats(year)
