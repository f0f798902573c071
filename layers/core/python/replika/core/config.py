"""Region configuration: everything regional is data in `templates/regions/<slug>.toml`.

A region is a deployment. Its file names the region (Kemendagri code, name, time zone), the apps it
adopted and each app's policy. Defaults are Kota Bandung's (DOMAIN.md); a region overrides what
differs. A bad file fails with every problem listed by key (:class:`RegionConfigError`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

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


def _whole_basis_points(pct: Decimal, what: str) -> Decimal:
    """Refuse a percent finer than 0.01 % (one basis point).

    **Choice:** a day's attendance deduction is stored as whole basis points (``a01``..``a31``), so
    a band of 0.125 % could only be stored rounded (0.12 % with banker's rounding), silently and
    differently from the regulation. Refusing it when the region config is loaded fails loudly at
    deploy instead, keeps the stored integers exact, and every sum of bands stays exact."""
    if (pct * 100) != (pct * 100).to_integral_value():
        raise ValueError(f"{what}: {pct} % lebih halus dari 0,01 % (satu basis poin) yang disimpan")
    return pct


class LateBand(_Section):
    """An attendance band: minutes late (or early) from ``over_minutes`` (exclusive) and its cut
    (percent, in whole basis points: at most two decimals)."""

    code: str
    over_minutes: int = Field(ge=0)
    deduction_pct: Percent

    @field_validator("deduction_pct")
    @classmethod
    def _bp(cls, v: Decimal) -> Decimal:
        return _whole_basis_points(v, "deduction_pct")


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


PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class RemunerasiPolicy(_Section):
    """E-RK / TKD policy (DOMAIN.md §1). Percentages are percent, e.g. ``60`` = 60 %.

    * ``go_live`` (``YYYY-MM``): the first period the region pays TKD through replika. No payroll
      run (started by hand or by the monthly schedule) is created for an earlier period, so an
      implausible schedule time (1970) cannot start a run for 1969-12.
    * ``cap_overtime_days``: whether the daily cap (``daily_cap_minutes``) also limits the minutes
      of assigned overtime on a non-working day (weekend, holiday). ``True`` (the default, Kota
      Bandung's reading): a Saturday of assigned overtime adds at most one capped working day's
      worth. ``False``: every approved minute of assigned overtime on a non-working day counts
      (the monthly cap ``kinerja_cap_pct`` still bounds the kinerja part).
    * Attendance deductions (``late_bands``, ``early_bands``, ``absent_pct``) are whole basis
      points (at most two decimals of a percent): a finer value is refused, never rounded.
    """

    go_live: str = Field("2025-01", pattern=PERIOD_PATTERN)
    target_minutes: int = Field(6000, gt=0)
    daily_cap_minutes: int = Field(300, gt=0, le=24 * 60)
    cap_overtime_days: bool = True
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

    @field_validator("absent_pct")
    @classmethod
    def _absent_bp(cls, v: Decimal) -> Decimal:
        return _whole_basis_points(v, "absent_pct")

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
    # WBS: the Inspektorat's own OPD code (handlers must work there; reports about it also reach the
    # escalation desk) and the role of that desk (the regional secretary or the provincial APIP).
    inspektorat_opd: str | None = Field(None, pattern=r"^[0-9A-Za-z.\-]{1,64}$")
    escalation_role: Literal["sekda", "apip-provinsi"] = "sekda"


#: Risk levels of risk-based licensing (PP 5/2021), lowest first.
RISK_LEVELS = ("rendah", "menengah-rendah", "menengah-tinggi", "tinggi")


def _one_of(value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``; else the validation error naming them in order."""
    if value not in allowed:
        raise ValueError(f"harus salah satu dari {', '.join(allowed)}")
    return value


class PltSigner(_Section):
    """An acting official (Plt) who may sign permits in the head of DPMPTSP's place."""

    nip: str = Field(pattern=r"^[0-9]{18}$")
    name: str = Field(min_length=3, max_length=150)


class RiskRule(_Section):
    """KBLI codes starting with ``kbli_prefix`` with capital (excluding land and buildings) of at
    least ``capital_from`` rupiah have ``risk``. The longest matching prefix wins; among its rules,
    the highest ``capital_from`` not above the capital."""

    kbli_prefix: str = Field(pattern=r"^[0-9]{1,5}$")
    capital_from: int = Field(0, ge=0)
    risk: str

    @field_validator("risk")
    @classmethod
    def _known_risk(cls, v: str) -> str:
        return _one_of(v, RISK_LEVELS)


def _default_risk_rules() -> list[RiskRule]:
    # Illustrative mapping (a region sets its own): retail and food stalls are low risk until
    # Rp 10 miliar; food processing is medium-low; building construction medium-high; health high.
    return [
        RiskRule(kbli_prefix="47", risk="rendah"),
        RiskRule(kbli_prefix="47", capital_from=10_000_000_000, risk="menengah-rendah"),
        RiskRule(kbli_prefix="56", risk="rendah"),
        RiskRule(kbli_prefix="56", capital_from=10_000_000_000, risk="menengah-rendah"),
        RiskRule(kbli_prefix="10", risk="menengah-rendah"),
        RiskRule(kbli_prefix="41", risk="menengah-tinggi"),
        RiskRule(kbli_prefix="86", risk="tinggi"),
    ]


class PerizinanPolicy(_Section):
    """Hayu / Perizinan policy (DOMAIN.md §3)."""

    report_only_capital_below: int = Field(500_000_000, ge=0)  # rupiah, excluding land and buildings
    #: risks whose small businesses only report (registered at once, no review)
    report_only_risks: list[str] = Field(default_factory=lambda: ["rendah"])
    risk_rules: list[RiskRule] = Field(default_factory=_default_risk_rules)
    default_risk: str = "menengah-tinggi"  # a KBLI no rule maps is reviewed
    #: PP 28/2025: a permit not decided within its total SLA is deemed granted; otherwise escalated.
    fiktif_positif: bool = False
    permit_number_format: str = "SK-{type}-{kecamatan}-{ddmmyyyy}-{seq:03d}"
    registration_number_format: str = "REG-{type}-{kecamatan}-{ddmmyyyy}-{seq:03d}"
    #: the head of DPMPTSP: signs permits issued by fiktif positif and receives escalations
    official_name: str = "Kepala DPMPTSP"
    official_nip: str = Field("000000000000000000", pattern=r"^[0-9]{18}$")
    official_plt: bool = False
    #: acting officials (Plt) who may also sign; a permit they sign names them, with Plt status.
    #: Only the official or a listed Plt may do a permit's last stage (the signature).
    plt_signers: list[PltSigner] = Field(default_factory=list)
    verify_url_base: str = "https://perizinan.example.go.id/perizinan/public/verify/"
    #: the status codes of the OSS status feed (replika status -> the code the region's OSS
    #: connector sends); a region remaps them here, not in code
    oss_status_codes: dict[str, str] = Field(
        default_factory=lambda: {
            "in_review": "10",
            "returned": "20",
            "approved": "40",
            "registered": "50",
            "issued": "50",
            "rejected": "90",
            "withdrawn": "91",
            "revoked": "99",
        }
    )
    sla_check_hour: int = Field(0, ge=0, le=23)  # the daily SLA clock, region time
    sla_check_minute: int = Field(30, ge=0, le=59)

    @model_validator(mode="after")
    def _known_risks(self) -> PerizinanPolicy:
        for risk in [*self.report_only_risks, self.default_risk]:
            if risk not in RISK_LEVELS:
                raise ValueError(f"tingkat risiko {risk!r} tidak dikenal ({', '.join(RISK_LEVELS)})")
        for fmt in (self.permit_number_format, self.registration_number_format):
            if "{seq" not in fmt:
                raise ValueError(f"format nomor {fmt!r} harus memuat {{seq}}")
        return self


def _default_checklist() -> list[str]:
    """Bandung's 12 documents (codes; the first ``required_documents`` are mandatory)."""
    return [
        "surat-permohonan",
        "proposal",
        "rab",
        "ktp-pengurus",
        "akta-pendirian",
        "sk-kemenkumham",
        "npwp",
        "surat-domisili",
        "rekening-bank",
        "pakta-integritas",
        "surat-pernyataan-tidak-menerima-hibah",
        "foto-sekretariat",
    ]


class SabilulunganPolicy(_Section):
    """Grants (DOMAIN.md §2). Eligibility follows Permendagri 32/2011 (legal body, domiciled in the
    region, registered for at least ``min_years_registered`` years, no overdue LPJ)."""

    required_documents: int = Field(12, ge=0)
    document_checklist: list[str] = Field(default_factory=_default_checklist, min_length=1, max_length=40)
    lpj_due_month_day: str = "01-10"
    require_legal_body: bool = True
    require_domicile: bool = True
    min_years_registered: int = Field(3, ge=0, le=50)
    #: no grant to the same recipient in the previous N budget years (and never twice in one year)
    blocked_consecutive_years: int = Field(1, ge=0, le=10)
    #: OPD codes: TU (administrative check) and the OPDs that enter individual bansos recipients
    tu_opd: str = "4.01"
    bansos_opds: list[str] = Field(default_factory=lambda: ["1.06"])
    #: duplicate matcher: token-set similarity (difflib ratio of the sorted tokens, 0..1, one extra
    #: word tolerated: rules/matcher.py) of name and of address
    name_threshold: Decimal = Field(Decimal("0.85"), ge=0, le=1)
    address_threshold: Decimal = Field(Decimal("0.75"), ge=0, le=1)
    #: the SES sender identity of the applicants' notices (returned, rejected, approved, disbursed,
    #: LPJ due/overdue); the data stack verifies it. Empty: notices stay in the proposal's outbox.
    sender: str = Field("", max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")

    @field_validator("lpj_due_month_day")
    @classmethod
    def _month_day(cls, v: str) -> str:
        mm, _, dd = v.partition("-")
        if not (len(mm) == 2 and len(dd) == 2 and mm.isdigit() and dd.isdigit()):
            raise ValueError("harus berformat MM-DD")
        date(2001, int(mm), int(dd))  # raises ValueError on 02-30 and the like (not 02-29)
        return v

    @model_validator(mode="after")
    def _documents(self) -> SabilulunganPolicy:
        if self.required_documents > len(self.document_checklist):
            raise ValueError("required_documents melebihi jumlah dokumen di document_checklist")
        if len(set(self.document_checklist)) != len(self.document_checklist):
            raise ValueError("document_checklist berisi kode ganda")
        return self


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
        return _one_of(v, sorted(INDONESIAN_ZONES))

    @model_validator(mode="after")
    def _apps_have_what_they_read(self) -> RegionConfig:
        """An app that reads another app's data (e-SAKIP reads e-Remunerasi's E-RK minutes) needs
        that app enabled: the region could not deploy it otherwise."""
        from replika.core.manifest import READ_GRANTS

        enabled = {a.value for a in self.enabled_apps}
        for env, (owner, readers) in sorted(READ_GRANTS.items()):
            for reader in sorted(readers & enabled):
                if owner not in enabled:
                    raise ValueError(f"{reader} membaca data {owner} ({env}): aktifkan juga {owner}")
        return self

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
