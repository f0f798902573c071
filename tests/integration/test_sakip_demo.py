"""The e-SAKIP demo seed on a small organisation, and its printed curl walk-through replayed
command by command against the app (each gets the status the walk-through promises)."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from replika.core.auth import Role
from replika_infra.demo import seed
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s
from tests.integration.walkthrough import curl_lines

PEOPLE = seed.demo_employees(n_opd=10, n_employees=200)
TODAY = date(2026, 12, 2)  # the E-RK month is 2026-11 (Q4): Q3 and Q4 realised, Q3 closed, Q4 not open


@pytest.fixture
def demo(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    from replika.core import storage
    from replika.core.calendar import RegionCalendar
    from replika.core.config import load_region_config, region_config_path
    from replika.core.runtime import rebind_tables
    from replika.directory import service as directory
    from replika_infra.demo import demo_data, demo_sakip

    rebind_tables()
    storage.reset_client()
    directory.import_directory(seed.to_csv(PEOPLE), actor="test")
    monkeypatch.setattr(RegionCalendar, "today", lambda self: TODAY)
    config = load_region_config(region_config_path("kota-bandung"))
    opds = sorted({e.opd_code for e in PEOPLE})
    logged = frozenset({opds[5], opds[8]})  # the BKPSDM and demo-pegawai OPDs of `make demo`
    pegawai = next(e for e in PEOPLE if e.opd_code in logged and e.supervisor_nip)
    demo_data.seed_month(config, PEOPLE, log_opds=logged)
    made = demo_sakip.seed_sakip(config, PEOPLE, erk_opds=logged, demo_opd=pegawai.opd_code)
    return made, pegawai


def test_the_demo_seed_and_its_walk_through(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """One test (the seed takes a while on moto): what the seed made, then the walk-through."""
    check_the_seed(demo)
    replay_the_walk_through(demo, capsys)


def check_the_seed(demo: Any) -> None:
    from replika.sakip import attainment, erk, lke, public
    from replika.sakip.rules.attainment import pct

    made, pegawai = demo
    assert (made.period, made.year, made.quarters, made.erk_quarter) == ("2025-2029", 2026, (3, 4), 4)
    assert made.nodes == 15 + 10 * 15  # the region's levels, and 15 per OPD
    assert made.lke_year == 2025 and made.lke_grade == "B"
    assert made.minutes > 0 and len(made.linked_opds) == 2
    summary = public.summary(2026)
    assert summary.iku_attainment is not None and len(summary.iku) == 8
    assert [(g.year, g.grade) for g in summary.lke_history] == [(2025, "B")]
    region = attainment.region_attainment(s.BAPPEDA, 2026)
    assert len(region.ranking) == 10 and region.ranking[0].iku_attainment is not None
    gap = lke.evaluation(s.TEAM_LEAD, 2025, "pemda").gap
    assert gap.next_grade == "BB" and gap.path
    rollup = erk.rollup(s.BAPPEDA, 2026, 4, pegawai.opd_code)
    assert rollup.minutes > 0 and rollup.unlinked_minutes > 0
    assert {i.flag for i in rollup.items} >= {"results_without_work"}
    assert pct(None) is None and Decimal(str(rollup.items[0].person_hours)) > 0


def replay_the_walk_through(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from replika_infra.demo import demo_sakip

    made, pegawai = demo
    bappeda = next(e for e in PEOPLE if e.opd_code.endswith(".04") and e.supervisor_nip)
    insp = [e for e in PEOPLE if e.opd_code.endswith(".03") and e.supervisor_nip]
    tokens = {
        "B": s.principal(Role.BAPPEDA, bappeda),
        "P": s.principal(Role.PEGAWAI, pegawai),
        "I": s.principal(Role.INSPEKTORAT, insp[0]),
        "K": s.principal(Role.INSPEKTORAT_KEPALA, insp[1]),
    }
    users = {"pegawai": {"opd": pegawai.opd_code}}
    demo_sakip.print_guide("http://127.0.0.1:8000", made, users)
    lines = capsys.readouterr().out.splitlines()
    commands = list(curl_lines(lines))
    assert len(commands) >= 18
    with Client(load_app("sakip")) as client:
        for shown, cmd in commands:
            path = cmd.path("sakip")
            r = cmd.send(client, "sakip", lambda var: s.headers_of(tokens[var]))
            expected = (
                400 if "400" in shown else (201 if cmd.method == "POST" and path.endswith("reopen") else 200)
            )
            assert r.status_code == expected, (cmd.text, r.body[:300])
            if expected == 400:
                assert json.loads(r.body)["error"]["code"] == "reason_required"
    assert re.search(r"/quarters/2026/3/reopen", "\n".join(lines))  # Q3 is closed on the demo's day
