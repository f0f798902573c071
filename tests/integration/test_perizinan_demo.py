"""The Hayu demo seed (catalogue, a month of applications: registrations, one revoked, permits on
time, one overdue, one returned, one fiktif positif) and its printed walk-through replayed against
the app: each call gets the status the walk-through promises, placeholders filled from the answers
before them, and the offline check passes with the public key alone."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client

from replika.core import runtime
from tests.conftest import auth_header
from tests.integration.walkthrough import applicant, curl_at

USERS = {
    "dpmptsp": {"username": "demo-dpmptsp", "nip": "198001012005011010", "opd": "32.73.16", "name": "D"},
    "pegawai": {"username": "demo-pegawai", "nip": "198001012005011002", "opd": "32.73.09", "name": "P"},
    "pemohon-usaha": applicant("applicant-usaha@example.invalid", "sub-applicant-usaha", "Euis Rahayu"),
}


@pytest.fixture
def demo(region_stack: dict[str, str]) -> Any:
    from replika.core import storage
    from replika.core.config import load_region_config, region_config_path
    from replika_infra.demo import demo_perizinan

    runtime.reset()
    storage.reset_client()
    config = load_region_config(region_config_path("kota-bandung"))
    return demo_perizinan.seed_perizinan(config, USERS), config


def _find(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if value.get(key):
            return value[key]
        for v in value.values():
            if (found := _find(v, key)) is not None:
                return found
    return None


def test_the_demo_seed_and_its_walk_through(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from replika.perizinan.rules.permit import b64u
    from replika_infra.demo import demo_perizinan
    from replika_infra.local.gateway import load_module
    from replika_infra.permit_cli import verify_qr

    made, config = demo
    assert made.types == ["UMK", "PBG", "KLINIK"] and made.registered == 8 and made.issued == 4
    assert made.revoked and made.fiktif_positif and made.overdue and made.returned and made.walk
    tokens = {
        "U": auth_header("usaha", None, "pemohon"),
        "D": auth_header(USERS["dpmptsp"]["nip"], "32.73.16", "dpmptsp"),
        "P": auth_header(USERS["pegawai"]["nip"], "32.73.09", "pegawai"),
        "K": auth_header(config.perizinan.official_nip, "32.73.16", "dpmptsp"),
    }
    demo_perizinan.print_guide("http://127.0.0.1:8000", made, config)
    lines = capsys.readouterr().out.splitlines()
    assert any("KBLI 86* -> tinggi" in line for line in lines)  # the risk mapping, as configured
    seen: dict[str, Any] = {}
    key_pem = ""
    key_base = ""
    calls = uploads = 0
    with Client(load_module("perizinan").app) as client:
        for i, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith(".venv/bin/replika permit-verify"):
                qr = seen["qr"]
                ok, fields = verify_qr(qr, key_pem.encode(), key_base)
                assert ok and fields["no"] == seen["permit_number"]
                changed = json.dumps({**fields, "until": "2099-12-31"}, sort_keys=True, separators=(",", ":"))
                tampered = re.sub(r"d=[^&]+", "d=" + b64u(changed.encode()), qr)
                assert not verify_qr(tampered, key_pem.encode(), key_base)[0]
                continue
            if not stripped.startswith("curl "):
                continue
            if " -F file=@" in stripped:  # the presigned POST straight to the bucket: the object
                from replika.core import storage

                storage.put_bytes(seen["key"], b"\xff\xd8 photo \xff\xd9", "image/jpeg")
                uploads += 1
                continue
            _, cmd = curl_at(lines, i)
            for placeholder in ("permit_number", "verify_code"):
                cmd = replace(cmd, text=cmd.text.replace(f"<{placeholder}>", str(seen.get(placeholder))))
            path = cmd.path("perizinan")
            r = cmd.send(client, "perizinan", tokens.__getitem__)
            assert r.status_code == cmd.expected, (cmd.text, r.body[:400])
            calls += 1
            answer = json.loads(r.body)
            if path == "/public/key":
                key_pem = answer["pem"]
                key_base = answer["verify_url_base"]
            for key in ("permit_number", "verify_code", "qr", "key"):
                if r.status_code < 300 and (found := _find(answer, key)) is not None:
                    seen[key] = found
            seen[path] = answer
    assert calls >= 14 and uploads == 2  # a document and a visit photo
    files = seen[f"/applications/{made.walk}/files"]
    assert [d["code"] for d in files["documents"]] and [p["code"] for p in files["visit_photos"]] == [
        "visitasi/foto"
    ]
    assert seen["/public/verify/" + str(seen["verify_code"])]["status"] == "valid"
    stats = {t["type_code"]: t for t in seen[f"/public/stats?year={made.year}"]["types"]}
    assert stats["UMK"]["fiktif_positif"] == 1 and stats["UMK"]["issued"] >= 9
    assert stats["KLINIK"]["skm_responses"] == 3 and stats["KLINIK"]["skm_index"] is not None
    assert seen[f"/public/applications/{made.fiktif_positif}"]["status"] == "issued"
    queue = seen["/queue?role=pegawai"]["items"]
    assert [i["number"] for i in queue if i["overdue"]] == made.overdue  # the visit is late
