"""The payroll schedule: the cron in WIB and WITA, the period a scheduled event means in region
time, and a scheduled run computed once per period. Fixtures and helpers come from
``test_payroll_run``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from replika.core.config import load_region_config, region_config_path
from replika.remunerasi import payroll
from replika_infra.demo import seed
from tests.integration.test_payroll_run import (
    CHUNK,
    PEOPLE,
    bandung,
    drain,
)


class TestSchedule:
    def test_cron_per_zone(self) -> None:
        mataram = load_region_config(region_config_path("kota-mataram"))
        assert payroll.payroll_schedule_expression(bandung()) == "cron(0 18 L * ? *)"
        assert payroll.payroll_schedule_expression(mataram) == "cron(0 17 L * ? *)"

    @pytest.mark.parametrize(
        ("slug", "event", "period"),
        [
            ("kota-bandung", datetime(2026, 11, 30, 18, 0, tzinfo=UTC), "2026-11"),  # 1 Dec 01:00 WIB
            ("kota-bandung", datetime(2026, 11, 30, 16, 59, tzinfo=UTC), "2026-10"),  # still 30 Nov WIB
            ("kota-mataram", datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "2026-11"),  # 1 Dec 01:00 WITA
            ("kota-mataram", datetime(2026, 11, 30, 15, 59, tzinfo=UTC), "2026-10"),
            ("kota-bandung", datetime(2026, 12, 31, 18, 0, tzinfo=UTC), "2026-12"),  # 1 Jan 2027
        ],
    )
    def test_previous_period_in_region_time(self, slug: str, event: datetime, period: str) -> None:
        assert payroll.scheduled_period(event, load_region_config(region_config_path(slug))) == period

    @pytest.mark.parametrize("slug", ["kota-bandung", "kota-mataram"])
    def test_scheduled_run_computes_previous_period_once(
        self, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch, slug: str
    ) -> None:
        from replika.directory import service

        monkeypatch.setattr(payroll.run, "CHUNK_SIZE", CHUNK)
        service.import_directory(seed.to_csv(PEOPLE), actor="test")
        cfg = load_region_config(region_config_path(slug))
        event = datetime(2026, 11, 30, 18 if slug == "kota-bandung" else 17, 0, tzinfo=UTC)
        run = payroll.scheduled_run(event, config=cfg)
        assert run is not None and run.period == "2026-11" and run.total == len(PEOPLE)
        assert run.history[0].actor == "system:schedule"
        drain(cfg)
        assert payroll.get_run("2026-11").state == "draft"
        assert payroll.scheduled_run(event, config=cfg) is None  # a duplicate event changes nothing
        assert payroll.get_run("2026-11").generation == 1
