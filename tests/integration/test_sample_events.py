"""Every handler has a sample event in events/<app>/, and each gets its expected status when the
Lambda entry point is invoked with it against a seeded stack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from replika_infra import seed
from replika_infra.events import GENERATORS
from replika_infra.gateway import load_app

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass
class FakeLambdaContext:
    function_name: str = "replika-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-3:123456789012:function:replika-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000001"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def event_files(app: str) -> dict[str, dict[str, object]]:
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
    covered = {(e["requestContext"]["resourcePath"], e["httpMethod"]) for e in event_files(app_name).values()}
    assert routes <= covered, f"routes without a sample event: {sorted(routes - covered)}"


@pytest.mark.parametrize("app_name", sorted(GENERATORS))
def test_each_sample_event_gets_its_expected_status(app_name: str, region_stack: dict[str, str]) -> None:
    from replika.directory import service

    service.import_directory(seed.to_csv(seed.demo_employees()), actor="test")
    app = load_app(app_name)
    expected = json.loads((EVENTS / app_name / "expected.json").read_text())
    got = {}
    for name, event in event_files(app_name).items():
        response = app(event, FakeLambdaContext())
        got[name] = response["statusCode"]
        body = json.loads(response["body"])
        if response["statusCode"] >= 400:
            assert set(body["error"]) >= {"code", "message", "details"}
    assert got == expected
