"""Every handler has a sample event in events/<app>/, and each gets its expected status when the
Lambda entry point is invoked with it against a seeded stack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from replika_infra.demo import seed
from replika_infra.events import GENERATORS, PAYROLL_PERIOD, REMUNERASI_TODAY
from replika_infra.local.gateway import load_app, load_module

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass
class FakeLambdaContext:
    function_name: str = "replika-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-3:123456789012:function:replika-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000001"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def event_files(app: str) -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text())
        for p in sorted((EVENTS / app).glob("*.json"))
        if p.name != "expected.json"
    }


@pytest.mark.parametrize("app_name", sorted(GENERATORS))
def test_events_on_disk_match_the_generator(app_name: str) -> None:
    """`replika events` regenerates them; the committed files are what it writes."""
    generated = {name: event for name, (event, _) in GENERATORS[app_name]().items()}
    assert event_files(app_name) == json.loads(json.dumps(generated))


@pytest.mark.parametrize("app_name", sorted(GENERATORS))
def test_every_route_has_a_sample_event(app_name: str) -> None:
    app = load_app(app_name)
    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    covered = {
        (e["requestContext"]["resourcePath"], e["httpMethod"])
        for e in event_files(app_name).values()
        if "httpMethod" in e
    }
    assert routes <= covered, f"routes without a sample event: {sorted(routes - covered)}"


def seed_remunerasi(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the remunerasi samples expect: the region's today fixed at ``REMUNERASI_TODAY`` (entry
    dates in the samples are valid relative to it: back-dating limit 5 working days), the demo
    catalogue (version 1 of each activity), and the run of ``PAYROLL_PERIOD`` started (generation
    1, still computing) whose chunk 0 the sample SQS message computes."""
    from replika.core.calendar import RegionCalendar
    from replika.remunerasi import payroll, service
    from replika_infra.demo.demo_data import CATALOGUE

    monkeypatch.setattr(RegionCalendar, "today", lambda self: date.fromisoformat(REMUNERASI_TODAY))
    service.import_activities(CATALOGUE.encode(), actor="test", request_id=None)
    payroll.start_run(PAYROLL_PERIOD, actor="test", config=service.region())


def seed_sakip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The e-SAKIP samples are written for ``SAMPLE_TODAY`` (Q2's window open, Q1 closed) on the
    stack :func:`replika_infra.sakip_events.seed_samples` prepares."""
    from replika.core import storage
    from replika.core.calendar import RegionCalendar
    from replika_infra.sakip_events import SAMPLE_TODAY, seed_samples

    storage.reset_client()
    monkeypatch.setattr(RegionCalendar, "today", lambda self: date.fromisoformat(SAMPLE_TODAY))
    seed_samples()


def invoke(app_name: str, event: dict[str, Any]) -> dict[str, Any]:
    """The Lambda entry point for ``event``: the API handler, or the app's schedule / SQS handler
    (called as Lambda calls it); a non-HTTP handler that returns counts as 200."""
    app = load_app(app_name)
    if "httpMethod" in event:
        response: dict[str, Any] = app(event, FakeLambdaContext())
        return response
    kind = "sqs" if "Records" in event else "scheduled"
    sources = [s for s in app.event_sources if type(s).__name__.lower().startswith(kind)]
    if kind == "scheduled" and len(sources) > 1:  # the rule the event names (an app may have several)
        rule = event["resources"][0].rsplit("/", 1)[-1]
        sources = [s for s in sources if s.name == rule]
    [handler] = [s.handler_string for s in sources]
    getattr(load_module(app_name), handler.rsplit(".", 1)[-1])(event, FakeLambdaContext())
    return {"statusCode": 200, "body": "null"}


@pytest.mark.parametrize("app_name", sorted(GENERATORS))
def test_each_sample_event_gets_its_expected_status(
    app_name: str, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.directory import service

    service.import_directory(seed.to_csv(seed.demo_employees()), actor="test")
    if app_name == "remunerasi":
        seed_remunerasi(monkeypatch)
    if app_name == "sakip":
        seed_sakip(monkeypatch)
    expected = json.loads((EVENTS / app_name / "expected.json").read_text())
    got = {}
    # Schedule and queue events first: the HTTP samples read what the SQS message computes.
    for name, event in sorted(event_files(app_name).items(), key=lambda kv: "httpMethod" in kv[1]):
        response = invoke(app_name, event)
        got[name] = response["statusCode"]
        body = json.loads(response["body"])
        if response["statusCode"] >= 400:
            assert set(body["error"]) >= {"code", "message", "details"}
    assert got == expected


def test_remunerasi_schedule_and_worker_events_do_their_work(
    region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule sample starts the previous period's run; the SQS sample computes its chunk once
    (a redelivery is a no-op) and a message of a generation that does not exist is ignored."""
    from replika.directory import service
    from replika.remunerasi import payroll

    service.import_directory(seed.to_csv(seed.demo_employees()), actor="test")
    seed_remunerasi(monkeypatch)
    events = event_files("remunerasi")

    invoke("remunerasi", events["monthly_payroll"])
    scheduled = payroll.get_run("2026-11")
    assert (scheduled.state, scheduled.generation, scheduled.history[-1].action) == (
        "computing",
        1,
        "schedule",
    )

    before = payroll.get_run(PAYROLL_PERIOD)
    assert before.chunks_done == 0
    invoke("remunerasi", events["payroll_worker"])
    after = payroll.get_run(PAYROLL_PERIOD)
    assert after.chunks_done == 1 and after.done + after.failed == 90
    invoke("remunerasi", events["payroll_worker"])  # redelivered: already done
    assert payroll.get_run(PAYROLL_PERIOD).chunks_done == 1

    stale = json.loads(json.dumps(events["payroll_worker"]))
    stale["Records"][0]["body"] = json.dumps(
        {"kind": "chunk", "period": PAYROLL_PERIOD, "generation": 7, "chunk": 0}
    )
    invoke("remunerasi", stale)
    assert payroll.get_run(PAYROLL_PERIOD).chunks_done == 1
