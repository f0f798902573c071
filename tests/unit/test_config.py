"""Region config files: the shipped ones load, a bad one lists every problem by key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from replika.core.config import App, RegionConfigError, load_region_config, parse_region_config

REGIONS = Path(__file__).resolve().parents[2] / "templates" / "regions"


def test_demo_region_is_bandung_with_every_app() -> None:
    cfg = load_region_config(REGIONS / "kota-bandung.toml")
    assert (cfg.kode, cfg.timezone, cfg.zone_label) == ("32.73", "Asia/Jakarta", "WIB")
    assert cfg.enabled_apps == frozenset(App)
    assert cfg.remunerasi.target_minutes == 6000


def test_second_region_in_wita_with_its_own_policy() -> None:
    cfg = load_region_config(REGIONS / "kota-mataram.toml")
    assert (cfg.kode, cfg.zone_label) == ("52.71", "WITA")
    assert cfg.remunerasi.target_minutes == 6750
    assert cfg.remunerasi.kinerja_cap_pct == Decimal("120")
    assert not cfg.enabled(App.SAKIP)


def test_every_shipped_region_file_is_valid() -> None:
    files = sorted(REGIONS.glob("*.toml"))
    assert len(files) >= 2
    for f in files:
        assert load_region_config(f).slug == f.stem


def test_bad_config_lists_every_problem_by_key() -> None:
    with pytest.raises(RegionConfigError) as exc:
        parse_region_config(
            {
                "slug": "Kota Bandung",
                "kode": "3273",
                "timezone": "Europe/Paris",
                "enabled_apps": ["remunerasi", "payroll"],
                "remunerasi": {"target_minutes": 0, "unknown": 1},
            }
        )
    keys = set(exc.value.problems)
    assert {
        "slug",
        "kode",
        "name",
        "timezone",
        "enabled_apps.1",
        "remunerasi.target_minutes",
        "remunerasi.unknown",
    } <= keys
    assert "remunerasi.target_minutes" in str(exc.value)


def test_weights_must_sum_to_100() -> None:
    base = {"slug": "x", "kode": "32.73", "name": "Kota X", "timezone": "Asia/Jakarta"}
    with pytest.raises(RegionConfigError) as exc:
        parse_region_config({**base, "remunerasi": {"w_kinerja_pct": 70}})
    assert "remunerasi" in exc.value.problems


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("slug = \n")
    with pytest.raises(RegionConfigError) as exc:
        load_region_config(p)
    assert "(toml)" in exc.value.problems


def test_sakip_without_remunerasi_is_refused() -> None:
    """e-SAKIP reads e-Remunerasi's E-RK minutes: a region cannot enable one without the other."""
    cfg = load_region_config(REGIONS / "kota-mataram.toml")
    data = cfg.model_dump(mode="json")
    data["enabled_apps"] = ["sakip", "wbs"]
    with pytest.raises(RegionConfigError) as exc:
        parse_region_config(data)
    assert "aktifkan juga remunerasi" in str(exc.value.problems)
    data["enabled_apps"] = ["sakip", "remunerasi"]
    assert parse_region_config(data).enabled(App.SAKIP)
