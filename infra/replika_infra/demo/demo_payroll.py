"""The demo's monthly run: seed a month of E-RK data, run the payroll through the real SQS worker
handler of the Chalice app (messages from the local queue), and print the per-OPD summary."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from replika.core.config import RegionConfig
from replika.core.money import format_rupiah
from replika.core.runtime import get_settings
from replika_infra.demo import demo_data, seed


def sqs_invoke(worker: Any) -> Any:
    """Hand one queue message to the app's ``@app.on_sqs_message`` handler, shaped as Lambda gets it."""

    def handle(body: dict[str, Any]) -> None:
        event = {
            "Records": [
                {
                    "messageId": "local",
                    "receiptHandle": "local",
                    "body": json.dumps(body),
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": get_settings().payroll_queue_arn or "",
                    "awsRegion": "ap-southeast-3",
                }
            ]
        }
        worker(event, None)

    return handle


def run_demo_payroll(
    config: RegionConfig, employees: list[seed.SeedEmployee], demo_nip: str | None, log_opds: frozenset[str]
) -> str:
    from replika.remunerasi import payroll
    from replika_infra.local.gateway import load_module

    t0 = time.perf_counter()
    month = demo_data.seed_month(config, employees, log_opds=log_opds)
    if demo_nip:
        demo_data.today_entries(demo_nip, config)
    print(
        f"Seeded {month.period}: approved minutes and attendance for {month.employees:,} employees, "
        f"{month.entries:,} approved activity entries in the log of {month.logged_opds} "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    t1 = time.perf_counter()
    run = payroll.start_run(month.period, actor="demo", config=config)
    worker = load_module("remunerasi").payroll_worker
    from replika_infra.progress import Counter

    with Counter(f"payroll {run.period} chunks", run.chunks) as bar:

        def progress(_: int) -> None:
            now = payroll.get_run(month.period)
            bar.update(now.chunks_done, now.chunks, note=f"({now.done:,} computed)")

        payroll.drain_local_queue(config=config, handler=sqs_invoke(worker), on_progress=progress)
    run = payroll.get_run(month.period)
    print(
        f"Payroll {month.period}: state {run.state}, {run.done:,}/{run.total:,} computed, "
        f"{run.failed} failed ({time.perf_counter() - t1:.1f} s)"
    )
    print_summary(month.period)
    print_files(month.period, run.outputs or {})
    return month.period


def print_summary(period: str) -> None:
    from replika.remunerasi import payroll

    per_opd: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    cursor = None
    while True:
        page = payroll.list_results(period, None, 100, cursor)
        for r in page.items:
            acc = per_opd[r.opd_code or "-"]
            acc[0] += 1
            acc[1] += r.approved_minutes or 0
            acc[2] += r.gross or 0
            acc[3] += r.net or 0
        cursor = page.next_cursor
        if not cursor:
            break
    print(f"\n{'OPD':10} {'pegawai':>7} {'rata2 menit':>11} {'bruto':>18} {'netto':>18}")
    for opd in sorted(per_opd):
        n, minutes, gross, net = per_opd[opd]
        print(
            f"{opd:10} {n:7d} {minutes // max(n, 1):11,d} {format_rupiah(gross):>18} {format_rupiah(net):>18}"
        )
    n = sum(v[0] for v in per_opd.values())
    gross = sum(v[2] for v in per_opd.values())
    net = sum(v[3] for v in per_opd.values())
    print(f"{'JUMLAH':10} {n:7d} {'':11} {format_rupiah(gross):>18} {format_rupiah(net):>18}")


def print_files(period: str, outputs: dict[str, Any]) -> None:
    bucket = get_settings().documents_bucket
    files = outputs.get("files") or {}
    print(f"\nPayroll sheets in the local bucket s3://{bucket}/ ({len(files)} files), e.g.:")
    for name in sorted(files)[:3]:
        print(f"  {name:18} s3://{bucket}/{files[name]}")
    print(
        "Slips (PDF) are made on first download: GET /remunerasi/payroll/"
        f"{period}/slips/<nip> returns a presigned link."
    )


def print_guide(gateway: str, period: str) -> None:
    base = f"{gateway}/remunerasi"
    print("\ne-Remunerasi — the daily log, approvals and the run:")
    print("  P=$(.venv/bin/replika token --role pegawai); A=$(.venv/bin/replika token --role atasan)")
    print("  HR=$(.venv/bin/replika token --role bkpsdm); FIN=$(.venv/bin/replika token --role bpkad)")
    print(f'  curl -s -H "Authorization: Bearer $P" "{base}/dashboards/me"')
    print(
        f'  curl -s -X POST -H "Authorization: Bearer $P" -H "Content-Type: application/json" -H '
        f"'Idempotency-Key: demo-0001' {base}/entries "
        '-d \'{"entry_date":"<today YYYY-MM-DD>","activity_code":"LAPOR","quantity":1}\''
    )
    print(f'  curl -s -H "Authorization: Bearer $A" {base}/pending          # then POST {base}/decisions')
    print(f'  curl -s -H "Authorization: Bearer $HR" "{base}/dashboards/opd?period={period}"')
    print(f'  curl -s -H "Authorization: Bearer $HR" {base}/payroll/{period}')
    print("  # the demo month has no attendance import: acknowledge the run's attendance_missing_days")
    print(
        f'  curl -s -X POST -H "Authorization: Bearer $HR" -H "Content-Type: application/json" '
        f"{base}/payroll/{period}/actions/verify "
        '-d \'{"acknowledge_missing":{"reason":"data demo tanpa impor absensi","missing_days":<N>}}\''
    )
    print(f'  curl -s -X POST -H "Authorization: Bearer $FIN" {base}/payroll/{period}/actions/approve')
    print(f'  curl -s -H "Authorization: Bearer $P" {base}/payroll/{period}/slips/<NIP>  # presigned PDF')
    print(f'  curl -s -H "Authorization: Bearer $FIN" "{base}/payroll/{period}/sheets"  # region XLSX')
