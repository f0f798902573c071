"""Region configuration: everything regional is data in `templates/regions/<slug>.toml`.

A region is a deployment. Its file names the region (Kemendagri code, name, time zone), the apps it
adopted and each app's policy. Defaults are Kota Bandung's (DOMAIN.md); a region overrides what
differs. A bad file fails with every problem listed by key (:class:`RegionConfigError`).
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# e-SAKIP's policy (cap, submission windows, the LKE sheet) is large enough to live beside its app;
# it imports nothing from replika, so importing it here makes no cycle.
from replika.sakip.policy import SakipPolicy


class App(StrEnum):
    REMUNERASI = "remunerasi"
    SABILULUNGAN = "sabilulungan"
    PERIZINAN = "perizinan"
    SAKIP = "sakip"
    WBS = "wbs"


#: IANA zones used in Indonesia: WIB (Jakarta, Pontianak), WITA (Makassar), WIT (Jayapura).
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

Percent = Annotated[Decimal, Field(ge=0, le=100)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LateBand(_Section):
    """An attendance band: minutes late (or early) from ``over_minutes`` (exclusive) and its cut."""

    code: str
    over_minutes: int = Field(ge=0)
    deduction_pct: Percent


def _default_tl() -> list[LateBand]:
    return [
        LateBand(code="TL1", over_minutes=0, deduction_pct=Decimal("0.5")),
        LateBand(code="TL2", over_minutes=30, deduction_pct=Decimal("1")),
        LateBand(code="TL3", over_minutes=60, deduction_pct=Decimal("1.25")),
        LateBand(code="TL4", over_minutes=90, deduction_pct=Decimal("1.5")),
    ]


def _default_psw() -> list[LateBand]:
    return [
        LateBand(code=b.code.replace("TL", "PSW"), over_minutes=b.over_minutes, deduction_pct=b.deduction_pct)
        for b in _default_tl()
    ]


def _default_class_rates() -> dict[int, int]:
    # Illustrative Kota Bandung-shaped table: rupiah per month by kelas jabatan 1..17.
    base = [
        1_600_000,
        1_750_000,
        1_900_000,
        2_100_000,
        2_300_000,
        2_550_000,
        2_800_000,
        3_100_000,
        3_450_000,
        3_850_000,
        4_300_000,
        4_850_000,
        5_500_000,
        6_300_000,
        7_250_000,
        8_400_000,
        9_800_000,
    ]
    return {i + 1: v for i, v in enumerate(base)}


class RemunerasiPolicy(_Section):
    """E-RK / TKD policy (DOMAIN.md §1). Percentages are percent, e.g. ``60`` = 60 %."""

    target_minutes: int = Field(6000, gt=0)
    daily_cap_minutes: int = Field(300, gt=0, le=24 * 60)
    backdate_working_days: int = Field(5, ge=0, le=31)
    w_kinerja_pct: Percent = Decimal("60")
    w_disiplin_pct: Percent = Decimal("40")
    kinerja_cap_pct: Annotated[Decimal, Field(ge=0, le=120)] = Decimal("100")
    work_start: str = "07:30"
    work_end: str = "16:00"
    late_bands: list[LateBand] = Field(default_factory=_default_tl)
    early_bands: list[LateBand] = Field(default_factory=_default_psw)
    no_checkin_code: str = "TL4"
    absent_pct: Percent = Decimal("3")
    sentence_cut_pct: dict[str, Percent] = Field(
        default_factory=lambda: {"ringan": Decimal("20"), "sedang": Decimal("30"), "berat": Decimal("40")}
    )
    bpjs_employer_pct: Percent = Decimal("4")
    bpjs_employee_pct: Percent = Decimal("1")
    class_rates: dict[int, int] = Field(default_factory=_default_class_rates)

    @model_validator(mode="after")
    def _weights_sum_to_100(self) -> RemunerasiPolicy:
        if self.w_kinerja_pct + self.w_disiplin_pct != 100:
            raise ValueError("w_kinerja_pct + w_disiplin_pct harus 100")
        for kelas, rate in self.class_rates.items():
            if not 1 <= kelas <= 17:
                raise ValueError(f"class_rates: kelas jabatan {kelas} di luar 1..17")
            if rate < 0:
                raise ValueError(f"class_rates: tarif kelas {kelas} negatif")
        return self

    @field_validator("work_start", "work_end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        hh, _, mm = v.partition(":")
        if not (hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            raise ValueError("harus berformat HH:MM")
        return v


class WbsPolicy(_Section):
    categories: list[str] = Field(
        default_factory=lambda: [
            "korupsi",
            "gratifikasi",
            "benturan-kepentingan",
            "pelanggaran-disiplin",
            "penyalahgunaan-wewenang",
            "pengadaan",
            "lainnya",
        ]
    )
    retention_days: int = Field(5 * 365, ge=30)
    forbid_same_opd_handler: bool = True
    max_receipt_attempts: int = Field(5, ge=1, le=20)


class PerizinanPolicy(_Section):
    report_only_capital_below: int = Field(500_000_000, ge=0)  # rupiah, excluding land and buildings
    fiktif_positif: bool = False


class SabilulunganPolicy(_Section):
    required_documents: int = Field(12, ge=0)
    lpj_due_month_day: str = "01-10"


class RegionConfig(_Section):
    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)
    kode: str = Field(pattern=r"^\d{2}(\.\d{2})?$", description="Kemendagri code, e.g. 32.73")
    name: str = Field(min_length=3)
    timezone: str
    enabled_apps: frozenset[App] = frozenset()
    extra_holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    remunerasi: RemunerasiPolicy = Field(default_factory=RemunerasiPolicy)
    wbs: WbsPolicy = Field(default_factory=WbsPolicy)
    perizinan: PerizinanPolicy = Field(default_factory=PerizinanPolicy)
    sakip: SakipPolicy = Field(default_factory=SakipPolicy)
    sabilulungan: SabilulunganPolicy = Field(default_factory=SabilulunganPolicy)

    @field_validator("timezone")
    @classmethod
    def _indonesian_zone(cls, v: str) -> str:
        if v not in INDONESIAN_ZONES:
            raise ValueError(f"harus salah satu dari {', '.join(sorted(INDONESIAN_ZONES))}")
        return v

    @property
    def zone_label(self) -> str:
        return INDONESIAN_ZONES[self.timezone]

    def enabled(self, app: App | str) -> bool:
        return App(app) in self.enabled_apps


class RegionConfigError(ValueError):
    """A region config file with problems; ``problems`` maps each key to what is wrong."""

    def __init__(self, source: str, problems: dict[str, list[str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {sum(len(v) for v in problems.values())} masalah"]
        for key, msgs in problems.items():
            lines.extend(f"  {key}: {m}" for m in msgs)
        super().__init__("\n".join(lines))


def parse_region_config(data: dict[str, Any], source: str = "<config>") -> RegionConfig:
    try:
        return RegionConfig.model_validate(data)
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(root)"
            problems.setdefault(key, []).append(err["msg"])
        raise RegionConfigError(source, problems) from None


def load_region_config(path: str | Path) -> RegionConfig:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegionConfigError(str(p), {"(toml)": [str(exc)]}) from None
    return parse_region_config(data, str(p))


REGIONS_DIR = Path(__file__).resolve().parents[5] / "templates" / "regions"
#: `replika package` bundles the deployed region's file here, inside the core layer.
BUNDLED_REGION = Path(__file__).resolve().parents[1] / "region.toml"


def region_config_path(slug: str) -> Path:
    return REGIONS_DIR / f"{slug}.toml"


def region_file_for(settings: Any) -> Path:
    """Which region file a deployment reads: ``REPLIKA_REGION_CONFIG`` if set, else the file
    bundled in the layer, else ``templates/regions/<REPLIKA_REGION_SLUG>.toml`` (local)."""
    if settings.region_config_path:
        return Path(settings.region_config_path)
    if BUNDLED_REGION.exists():
        return BUNDLED_REGION
    return region_config_path(settings.region_slug)


def current_region() -> RegionConfig:
    """The deployment's region config, read once per runtime (:mod:`replika.core.runtime`)."""
    from replika.core.runtime import current

    return current().region
