"""The Sabilulungan demo seed (three budget years through the real use cases, one overdue LPJ, one
duplicate recipient caught by the matcher) and its printed curl walk-through replayed command by
command against the app: each gets the status the walk-through promises."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from replika_infra.local.gateway import load_app
from tests.conftest import auth_header
from tests.integration.walkthrough import applicant, curl_lines

USERS = {
    "tu": {"username": "demo-tu", "nip": "198001012005011001", "opd": "32.73.01", "name": "TU"},
    "kepala-daerah": {"username": "demo-kdh", "nip": "197001012000011001", "opd": "32.73.01", "name": "KDH"},
    "tapd": {"username": "demo-tapd", "nip": "197501012000011001", "opd": "32.73.05", "name": "TAPD"},
    "bpkad": {"username": "demo-bpkad", "nip": "197601012000011001", "opd": "32.73.05", "name": "BPKAD"},
    "pegawai": {"username": "demo-pegawai", "nip": "198001012005011002", "opd": "32.73.09", "name": "P"},
    "dinsos": {"username": "demo-dinsos", "nip": "198001012005011003", "opd": "32.73.10", "name": "D"},
    "pemohon": applicant("applicant-demo@example.invalid", "sub-applicant-demo", "Yayasan Nurul Huda"),
}


def tokens() -> dict[str, dict[str, str]]:
    """Headers per walk-through variable (the applicant's names the stack's applicants' pool)."""
    return {
        "A": auth_header("demo", None, "pemohon"),
        "TU": auth_header(USERS["tu"]["nip"], "32.73.01", "pegawai"),
        "KDH": auth_header(USERS["kepala-daerah"]["nip"], None, "kepala-daerah"),
        "TAPD": auth_header(USERS["tapd"]["nip"], None, "tapd"),
        "OPD": auth_header(USERS["pegawai"]["nip"], "32.73.09", "pegawai"),
    }


@pytest.fixture
def demo(region_stack: dict[str, str]) -> Any:
    from replika.core import storage
    from replika.core.config import load_region_config, region_config_path
    from replika_infra.demo import demo_sabilulungan

    storage.reset_client()
    config = load_region_config(region_config_path("kota-bandung"))
    return demo_sabilulungan.seed_sabilulungan(config, USERS)


def test_the_demo_seed_and_its_walk_through(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from replika.sabilulungan.service import public, reports
    from replika_infra.demo import demo_sabilulungan

    y = demo.years
    assert len(y) == 3 and y[2] - y[0] == 2 and demo.proposals >= 12
    # one overdue LPJ (last year's, never reported), on the dashboard
    assert reports.dashboard(y[1]).overdue_lpj == [demo.overdue]
    assert {s.year for s in public.summary().years} >= set(y)
    # the walk-through, replayed
    demo_sabilulungan.print_guide("http://127.0.0.1:8000", demo)
    lines = capsys.readouterr().out.splitlines()
    commands = [cmd for _, cmd in curl_lines(lines)]
    assert len(commands) >= 18
    seen: dict[str, Any] = {}
    headers_of = tokens()
    with Client(load_app("sabilulungan")) as client:
        for cmd in commands:
            r = cmd.send(client, "sabilulungan", headers_of.__getitem__)
            assert r.status_code == cmd.expected, (cmd.text, r.body[:400])
            if cmd.expected >= 400 and len(cmd.note.split()) > 1:
                assert json.loads(r.body)["error"]["code"] == cmd.note.split()[1]
            seen[cmd.path("sabilulungan")] = r.body
    visit = json.loads(seen[f"/proposals/{demo.draft_id}/site-visit"])
    assert visit["state"] == "evaluation" and visit["number"].startswith(f"HBH-{y[2]}-")
    assert visit["opd"] == demo.technical_opd and visit["opd_assigned"]
    ready = json.loads(seen[f"/proposals/{demo.ready_id}"])
    assert ready["state"] == "approved" and ready["number"].startswith(f"HBH-{y[2]}-")
    record = json.loads(seen[f"/proposals/{demo.ready_id}/evaluation"])
    assert record["site_visit"]["report"] and len(record["site_visit"]["photos"]) == 1
    matches = json.loads(seen[f"/proposals/{demo.duplicate_id}/matches"])
    assert matches["blocked"] and matches["matches"][0]["year"] == y[1]
    approved = json.loads(seen[f"/proposals/{demo.duplicate_id}/approval"])
    assert approved["state"] == "approved" and approved["override_reason"].startswith("Sekretariat")
    assert seen[f"/public/recipients?year={y[1]}&format=csv"].startswith(b"proposal_number,")
    public_text = b" ".join(v for k, v in seen.items() if k.startswith("/public/"))
    for personal in (b"3273010101800001", b"Siti Nurhaliza", b"Sukamaju", b"Merdeka No. 5", b"bjb"):
        assert personal not in public_text
