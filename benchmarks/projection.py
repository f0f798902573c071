"""A discrete-event projection of the monthly payroll run on real AWS (``payroll.py --project N``).

It is fed with what the moto run counted (calls per chunk by operation, item sizes, the CPU time
replika + PynamoDB + botocore spent per chunk outside the emulator) and replays the run for N
employees against a model of Lambda, SQS and DynamoDB. The same model runs the current design
("sharded": no shared item) and the previous one ("hot item": every chunk's transaction updates
the run item; results under one partition key; 6 attempts then SQS redelivery after 1,800 s).

Assumptions (us-east-1 list prices; change them here, not in the code below):

* Lambda: arm64, 1,024 MB (0.58 of a vCPU: the moto run's CPU time per chunk is scaled by
  1,769 / 1,024); a cold start of 0.8 s per new instance; the SQS poller starts 5 concurrent
  batches and adds 5 per second (300 per minute) up to the event source's maximum concurrency
  (sharded: 100; hot item: the reserved concurrency 50); one message per batch.
* SQS: a failed message is visible again after the visibility timeout (hot item: 1,800 s; sharded:
  30 s, and contention re-sends it after 1..3 s); ``maxReceiveCount`` 5 then the DLQ.
* DynamoDB latencies: GetItem / small Query 4 ms, BatchGetItem of 100 keys 12 ms,
  TransactWriteItems 25 ms + 0.6 ms per action, BatchWriteItem 10 ms.
* Reads per chunk: the run item, the chunk item, one BatchGetItem each of directory items, month
  totals (spread over the 64 shards) and, in this design, the attendance import markers of the
  chunk's OPDs (``opds_per_chunk`` items of < 4 KB under the one key ``ATTIMP#<period>``: every
  chunk reads that partition, which caps the run at 6,000 / ``opds_per_chunk`` chunks per second).
* DynamoDB capacity (on-demand): per partition key 1,000 WCU/s and 3,000 RCU/s; a key saturated
  for 300 s is split for heat (its limit doubles); the table serves 4,000 WCU/s and 12,000 RCU/s
  (a new on-demand table, or twice a small previous peak) unless ``warm_wcu`` is given (the
  table's ``WarmThroughput``). Capacity is a fluid queue per key and for the table: a request
  waits for its units (the SDK's throttling retries), in arrival order.
* Transactions: a transaction that finds an item it touches held by another transaction in
  flight is cancelled after 10 ms (TransactionConflict) and pays its write units; the hot-item
  design backs off uniform(0, 0.02 × 2^attempt) s and gives up after 6 attempts.
* Costs: $0.625 per million WRU, $0.125 per million RRU, $0.20 per million Lambda requests,
  $0.0000133334 per GB-s (arm64), $0.40 per million SQS requests (send + receive + delete).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

KB = 1024


@dataclass(frozen=True)
class Profile:
    """What one chunk costs, from the moto run."""

    chunk_size: int = 90
    cpu_s_per_chunk: float = 0.030  # replika + PynamoDB + botocore on this machine, outside moto
    result_bytes: int = 700
    chunk_bytes: int = 2_000
    run_bytes: int = 1_500
    directory_bytes: int = 330
    total_bytes: int = 900
    #: attendance import markers read per chunk (one per OPD of its employees, ``ATTIMP#<period>``)
    opds_per_chunk: int = 40
    result_shards: int = 64
    chunk_group: int = 100


@dataclass
class Design:
    name: str
    hot_item: bool
    max_concurrency: int
    visibility_s: float
    tx_attempts: int = 6
    requeue_on_contention: bool = False


SHARDED = Design(
    "sharded (this design)", hot_item=False, max_concurrency=100, visibility_s=30, requeue_on_contention=True
)
HOT_ITEM = Design("hot item (previous design)", hot_item=True, max_concurrency=50, visibility_s=1800)

CPU_SCALE = 1769 / 1024
COLD_START_S = 0.8
POLL_START, POLL_PER_S = 5, 5.0
LAT_GET, LAT_BATCH_GET, LAT_TX, LAT_TX_ACTION, LAT_BATCH_WRITE = 0.004, 0.012, 0.025, 0.0006, 0.010
KEY_WCU, KEY_RCU, SPLIT_AFTER_S = 1000.0, 3000.0, 300.0
TABLE_WCU, TABLE_RCU = 4000.0, 12000.0
MAX_RECEIVES = 5
PRICE_WRU, PRICE_RRU, PRICE_REQ, PRICE_GBS, PRICE_SQS = 0.625e-6, 0.125e-6, 0.20e-6, 0.0000133334, 0.40e-6


SLOT_S = 0.05


@dataclass
class Fluid:
    """Capacity of ``rate`` units per second in 50 ms slots: a request takes the earliest free
    units at or after its time (requests may be booked out of time order, as the simulation books
    a chunk's steps ahead); ``split`` doubles the rate of a key saturated for 300 s."""

    rate: float
    used: dict[int, float] = field(default_factory=dict)
    saturated_since: float | None = None
    #: a full slot -> a later slot to try (skip pointers with path compression, so a long backlog
    #: is not walked slot by slot on every request; the rate only grows, so a full slot stays full)
    full: dict[int, int] = field(default_factory=dict)

    def _first_not_full(self, slot: int) -> int:
        path = []
        while slot in self.full:
            path.append(slot)
            slot = self.full[slot]
        for s in path:
            self.full[s] = slot
        return slot

    def serve(self, now: float, units: float, split: bool = False) -> float:
        cap = self.rate * SLOT_S
        slot = int(now / SLOT_S)
        left = units
        while True:
            slot = self._first_not_full(slot)
            free = cap - self.used.get(slot, 0.0)
            if free > 0:
                take = min(free, left)
                self.used[slot] = self.used.get(slot, 0.0) + take
                left -= take
                if free - take <= 0:
                    self.full[slot] = slot + 1
                if left <= 1e-9:
                    break
            else:
                self.full[slot] = slot + 1
            slot += 1
        done = (slot + 1) * SLOT_S
        if split:
            if done - now > 2 * SLOT_S:
                self.saturated_since = now if self.saturated_since is None else self.saturated_since
                if now - self.saturated_since > SPLIT_AFTER_S:
                    self.rate *= 2
                    self.saturated_since = None
            else:
                self.saturated_since = None
        return max(now, done - SLOT_S + (units / self.rate if units < cap else 0.0))


@dataclass
class Outcome:
    seconds: float
    dead_lettered: int
    cost_usd: float
    conflicts: int
    wru: float
    rru: float
    notes: list[str] = field(default_factory=list)


def _wru(size: int, tx: bool = True) -> int:
    return (2 if tx else 1) * max(1, math.ceil(size / KB))


def simulate(
    n: int,
    design: Design,
    p: Profile,
    *,
    warm_wcu: float | None = None,
    seed: int = 7,
    horizon_s: float = 4 * 3600,
) -> Outcome:
    rng = random.Random(seed)
    chunks = math.ceil(n / p.chunk_size)
    table_w = Fluid(warm_wcu or TABLE_WCU)
    table_r = Fluid(max(TABLE_RCU, 3 * (warm_wcu or 0)))
    keys_w: dict[str, Fluid] = defaultdict(lambda: Fluid(KEY_WCU))
    keys_r: dict[str, Fluid] = defaultdict(lambda: Fluid(KEY_RCU))
    wru = rru = 0.0
    lambda_s = 0.0
    invocations = sqs_requests = 0

    def write(now: float, key: str, units: float) -> float:
        nonlocal wru
        wru += units
        return max(keys_w[key].serve(now, units, split=True), table_w.serve(now, units))

    def read(now: float, key: str, units: float) -> float:
        nonlocal rru
        rru += units
        return max(keys_r[key].serve(now, units, split=True), table_r.serve(now, units))

    # -- the start: enumerate the directory, write chunk items (and markers), send the messages --
    t = 0.0
    pages = math.ceil(n * p.directory_bytes / (1024 * KB))
    for _ in range(pages):
        t = read(t, "DIR#by_kind", 1024 * KB / (4 * KB) * 0.5) + LAT_GET * 5
    per_chunk_items = 2 if not design.hot_item else 1
    for i in range(math.ceil(chunks * per_chunk_items / 25)):
        group = "RUN" if design.hot_item else f"CHUNKS#{(i * 25 // per_chunk_items) // p.chunk_group}"
        t = write(t, group, 25 * _wru(p.chunk_bytes, tx=False) / per_chunk_items) + LAT_BATCH_WRITE
    sqs_requests += math.ceil(chunks / 10)
    start_s = t

    # -- the queue and the workers ------------------------------------------------------------
    visible: list[tuple[float, int, int]] = []  # (visible at, chunk, receives)
    for c in range(chunks):
        heapq.heappush(visible, (t, c, 0))
    done: set[int] = set()
    dead = 0
    conflicts = 0
    run_item_free_at = 0.0  # the hot item: held by the transaction in flight
    events: list[tuple[float, int, str, int]] = []  # (time, seq, kind, data)
    seq = 0
    idle_warm = 0  # warm instances not busy
    busy = 0
    instances = 0

    def concurrency(now: float) -> int:
        return int(min(design.max_concurrency, POLL_START + POLL_PER_S * max(0.0, now - start_s)))

    def push(at: float, kind: str, data: int = 0) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, data))

    polls: set[float] = set()  # instants with a poll pending
    push(t, "poll")
    end = t
    while events:
        now, _, kind, _data = heapq.heappop(events)
        if kind == "poll":
            polls.discard(now)
        if now > horizon_s:
            unfinished = chunks - len(done)
            return Outcome(
                now,
                dead,
                math.nan,
                conflicts,
                wru,
                rru,
                [f"stopped at {horizon_s:.0f} s with {unfinished:,} chunks not done"],
            )
        if kind == "free":
            busy -= 1
            idle_warm += 1
            end = max(end, now)
        # hand visible messages to free slots
        while visible and visible[0][0] <= now and busy < concurrency(now):
            _, c, receives = heapq.heappop(visible)
            if c in done:
                continue
            receives += 1
            sqs_requests += 2  # receive + delete (or visibility change)
            invocations += 1
            busy += 1
            cold = idle_warm == 0
            if cold:
                instances += 1
            else:
                idle_warm -= 1
            t0 = now
            tt = now + (COLD_START_S if cold else 0.0) + 0.010
            # reads: the run item, the chunk item, two batch gets
            tt = read(tt, "RUN", 1) + LAT_GET
            tt = read(tt, "RUN" if design.hot_item else f"CHUNKS#{c // p.chunk_group}", 1) + LAT_GET
            tt = (
                read(tt, "DIR", p.chunk_size * 0.5 * max(1, math.ceil(p.directory_bytes / (4 * KB))))
                + LAT_BATCH_GET
            )
            shard_keys = [f"TOT#{s}" for s in range(p.result_shards)] if not design.hot_item else ["TOT"]
            per = p.chunk_size * 0.5 / len(shard_keys)
            tt = max(read(tt, k, per) for k in shard_keys) + LAT_BATCH_GET
            if not design.hot_item:  # the attendance import markers of the chunk's OPDs (one key)
                tt = read(tt, "ATTIMP", p.opds_per_chunk * 0.5) + LAT_BATCH_GET
            tt += p.cpu_s_per_chunk * CPU_SCALE
            # the transaction
            actions = p.chunk_size + 2
            committed = False
            attempt = 0
            while True:
                attempt += 1
                if design.hot_item and tt < run_item_free_at:
                    conflicts += 1
                    wru_tx = _wru(p.run_bytes) + _wru(p.chunk_bytes) + p.chunk_size * _wru(p.result_bytes)
                    wru += wru_tx  # a cancelled transaction pays its write units
                    tt += 0.010
                    if attempt >= design.tx_attempts:
                        break
                    tt += rng.uniform(0, 0.02 * 2 ** (attempt - 1))
                    continue
                res_keys = ["RES"] if design.hot_item else [f"RES#{s}" for s in range(p.result_shards)]
                per_key = p.chunk_size * _wru(p.result_bytes) / len(res_keys)
                finish = max(write(tt, k, per_key) for k in res_keys)
                if design.hot_item:
                    finish = max(finish, write(tt, "RUN", _wru(p.run_bytes) + _wru(p.chunk_bytes)))
                else:
                    finish = max(finish, write(tt, f"CHUNKS#{c // p.chunk_group}", _wru(p.chunk_bytes) + 2))
                finish += LAT_TX + LAT_TX_ACTION * actions
                if design.hot_item:
                    run_item_free_at = finish
                tt = finish
                committed = True
                break
            if committed:
                if not design.hot_item:
                    tt = read(tt, f"CHUNKS#{c // p.chunk_group}", 1) + LAT_GET  # a marker left?
                else:
                    tt = read(tt, "RUN", 1) + LAT_GET  # the last chunk?
                done.add(c)
            elif design.requeue_on_contention:
                heapq.heappush(visible, (tt + rng.uniform(1, 3), c, 0))
                sqs_requests += 1
            elif receives >= MAX_RECEIVES:
                dead += 1
                done.add(c)  # in the DLQ: the run never finishes
            else:
                heapq.heappush(visible, (tt + design.visibility_s, c, receives))
            lambda_s += tt - t0
            push(tt, "free")
        if visible and (not events or busy < concurrency(now)):
            at = max(now + 0.05, visible[0][0])
            if at not in polls:  # one poll per instant: a second one at the same time hands out nothing
                polls.add(at)
                push(at, "poll")
    # the finaliser and the group sums
    if not design.hot_item:
        groups = math.ceil(chunks / p.chunk_group)
        rru += groups * p.chunk_group * p.chunk_bytes / (4 * KB) + groups
        wru += groups * 2
    end += 0.1
    cost = (
        wru * PRICE_WRU
        + rru * PRICE_RRU
        + invocations * PRICE_REQ
        + lambda_s * 1.0 * PRICE_GBS
        + sqs_requests * PRICE_SQS
    )
    return Outcome(end, dead, cost, conflicts, wru, rru)


def project(n: int, design: Design, p: Profile, *, warm_wcu: float | None = None) -> Outcome:
    return simulate(n, design, p, warm_wcu=warm_wcu)


def line(n: int, o: Outcome) -> str:
    cost = "n/a (unfinished)" if math.isnan(o.cost_usd) else f"{o.cost_usd:.2f}"
    text = (
        f"projected on AWS at {n:,} employees: {o.seconds:.0f} s, "
        f"{o.dead_lettered:,} chunks dead-lettered, US${cost} per run"
    )
    return text + (f" ({'; '.join(o.notes)})" if o.notes else "")
