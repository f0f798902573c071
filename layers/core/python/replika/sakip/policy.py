"""e-SAKIP region policy (DOMAIN.md §4, PermenPANRB 88/2021): the ``[sakip]`` section of a region file.

Defaults are the public rules; a region overrides what differs:

* ``attainment_cap_pct`` — attainment is capped (default 120 %);
* ``windows`` — per quarter, the local dates between which the OPDs submit that quarter's
  realisation (``opens`` .. ``closes``, inclusive, ``"MM-DD"``). A window whose month comes before
  the quarter's first month lies in the next year (Q4's January window). After ``closes`` the
  quarter is closed: a change needs Bappeda's reopening;
* ``lke`` — the evaluation sheet (LKE): the four components and their weights (planning 30,
  measurement 30, reporting 15, internal evaluation 25), the split of each component into its
  existence / quality / use sub-components (20/30/50 % in the public evaluation sheets), the
  answer scales (Y/T = 1/0; A/B/C/D = 1/0.66/0.33/0), the grade bands (a score strictly above
  ``above`` earns the band) and the criteria sheet. The default sheet is illustrative (it follows
  the structure of the LKE annexed to PermenPANRB 88/2021); a region replaces it with its own.

Imported by :mod:`replika.core.config` (``RegionConfig.sakip``): pydantic and the standard
library only, nothing from ``replika``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "SUB_COMPONENTS",
    "GradeBand",
    "LkeComponent",
    "LkeCriterion",
    "LkePolicy",
    "QuarterWindow",
    "SakipPolicy",
]

SubComponent = Literal["existence", "quality", "use"]
#: The sub-components of every LKE component, in the sheet's order.
SUB_COMPONENTS: tuple[SubComponent, ...] = ("existence", "quality", "use")
MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuarterWindow(_Section):
    """The submission window of one quarter's realisation (local dates, inclusive)."""

    quarter: int = Field(ge=1, le=4)
    opens: str = Field(pattern=MONTH_DAY)
    closes: str = Field(pattern=MONTH_DAY)


def _default_windows() -> list[QuarterWindow]:
    return [
        QuarterWindow(quarter=1, opens="03-20", closes="04-15"),
        QuarterWindow(quarter=2, opens="06-20", closes="07-15"),
        QuarterWindow(quarter=3, opens="09-20", closes="10-15"),
        QuarterWindow(quarter=4, opens="12-20", closes="01-20"),
    ]


class LkeComponent(_Section):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    name: str = Field(min_length=3, max_length=120)
    weight: Decimal = Field(gt=0, le=100)


class LkeCriterion(_Section):
    id: str = Field(pattern=r"^[A-Za-z0-9.]{1,12}$")
    component: str
    sub: SubComponent
    text: str = Field(min_length=5, max_length=300)
    scale: str = "ABCD"


class GradeBand(_Section):
    """A grade earned by a score strictly above ``above`` (the lowest band has ``above = -1``)."""

    grade: str = Field(pattern=r"^[A-E]{1,2}$")
    above: Decimal = Field(ge=-1, lt=100)


def _components() -> list[LkeComponent]:
    return [
        LkeComponent(code="perencanaan", name="Perencanaan kinerja", weight=Decimal(30)),
        LkeComponent(code="pengukuran", name="Pengukuran kinerja", weight=Decimal(30)),
        LkeComponent(code="pelaporan", name="Pelaporan kinerja", weight=Decimal(15)),
        LkeComponent(code="evaluasi", name="Evaluasi akuntabilitas kinerja internal", weight=Decimal(25)),
    ]


def _grades() -> list[GradeBand]:
    bands = (("AA", 90), ("A", 80), ("BB", 70), ("B", 60), ("CC", 50), ("C", 30), ("D", -1))
    return [GradeBand(grade=g, above=Decimal(a)) for g, a in bands]


# (id, component, sub-component, scale, text): the default sheet, illustrative (see module doc).
_SHEET: tuple[tuple[str, str, SubComponent, str, str], ...] = (
    ("1a1", "perencanaan", "existence", "YT", "Dokumen RPJMD/Renstra telah disusun dan ditetapkan"),
    ("1a2", "perencanaan", "existence", "YT", "RPJMD/Renstra memuat tujuan, sasaran, indikator dan target"),
    ("1a3", "perencanaan", "existence", "YT", "Rencana kinerja tahunan telah disusun"),
    ("1a4", "perencanaan", "existence", "YT", "Perjanjian kinerja telah disusun dan ditandatangani"),
    ("1b1", "perencanaan", "quality", "ABCD", "Tujuan dan sasaran berorientasi hasil"),
    ("1b2", "perencanaan", "quality", "ABCD", "Indikator kinerja memenuhi kriteria SMART"),
    ("1b3", "perencanaan", "quality", "ABCD", "Target kinerja menantang dan dapat dicapai"),
    ("1b4", "perencanaan", "quality", "ABCD", "Kinerja dijenjangkan (cascading) hingga individu"),
    ("1c1", "perencanaan", "use", "ABCD", "Anggaran dialokasikan pada program yang mendukung sasaran"),
    ("1c2", "perencanaan", "use", "ABCD", "Target kinerja digunakan untuk menilai keberhasilan"),
    ("1c3", "perencanaan", "use", "ABCD", "Rencana aksi dipantau pencapaiannya secara berkala"),
    ("1c4", "perencanaan", "use", "ABCD", "Dokumen perencanaan direviu dan diperbaiki secara berkala"),
    ("2a1", "pengukuran", "existence", "YT", "Terdapat pedoman teknis pengukuran dan pengumpulan data"),
    ("2a2", "pengukuran", "existence", "YT", "Setiap indikator memiliki definisi operasional"),
    ("2a3", "pengukuran", "existence", "YT", "Pengukuran kinerja dilakukan berjenjang hingga individu"),
    ("2b1", "pengukuran", "quality", "ABCD", "Pengukuran kinerja dilakukan secara berkala"),
    ("2b2", "pengukuran", "quality", "ABCD", "Data kinerja andal dan dapat diverifikasi"),
    ("2b3", "pengukuran", "quality", "ABCD", "Pengukuran kinerja menggunakan teknologi informasi"),
    ("2c1", "pengukuran", "use", "ABCD", "Hasil pengukuran menjadi dasar penghargaan dan sanksi"),
    ("2c2", "pengukuran", "use", "ABCD", "Hasil pengukuran menjadi dasar penyesuaian strategi"),
    ("2c3", "pengukuran", "use", "ABCD", "Kinerja individu dikaitkan dengan kinerja organisasi"),
    ("3a1", "pelaporan", "existence", "YT", "Laporan kinerja (LKjIP) telah disusun"),
    ("3a2", "pelaporan", "existence", "YT", "LKjIP disampaikan tepat waktu"),
    ("3a3", "pelaporan", "existence", "YT", "LKjIP dipublikasikan"),
    ("3b1", "pelaporan", "quality", "ABCD", "LKjIP membandingkan capaian dengan target dan tahun lalu"),
    ("3b2", "pelaporan", "quality", "ABCD", "LKjIP menganalisis efisiensi penggunaan sumber daya"),
    ("3b3", "pelaporan", "quality", "ABCD", "LKjIP menyajikan upaya perbaikan ke depan"),
    ("3c1", "pelaporan", "use", "ABCD", "Informasi LKjIP digunakan untuk perbaikan perencanaan"),
    ("3c2", "pelaporan", "use", "ABCD", "Informasi LKjIP digunakan untuk peningkatan kinerja"),
    ("4a1", "evaluasi", "existence", "YT", "Terdapat pedoman evaluasi akuntabilitas kinerja internal"),
    ("4a2", "evaluasi", "existence", "YT", "Evaluasi internal dilaksanakan pada seluruh unit kerja"),
    ("4b1", "evaluasi", "quality", "ABCD", "Evaluasi dilaksanakan oleh SDM yang kompeten"),
    ("4b2", "evaluasi", "quality", "ABCD", "Evaluasi memberikan rekomendasi yang dapat dilaksanakan"),
    ("4b3", "evaluasi", "quality", "ABCD", "Evaluasi menggunakan teknologi informasi"),
    ("4c1", "evaluasi", "use", "ABCD", "Rekomendasi hasil evaluasi ditindaklanjuti"),
    ("4c2", "evaluasi", "use", "ABCD", "Hasil evaluasi digunakan untuk perbaikan akuntabilitas"),
)


def _criteria() -> list[LkeCriterion]:
    return [LkeCriterion(id=i, component=c, sub=s, scale=k, text=t) for i, c, s, k, t in _SHEET]


def _split() -> dict[SubComponent, Decimal]:
    return {"existence": Decimal(20), "quality": Decimal(30), "use": Decimal(50)}


Fraction01 = Annotated[Decimal, Field(ge=0, le=1)]


class LkePolicy(_Section):
    components: list[LkeComponent] = Field(default_factory=_components)
    #: Share of a component each sub-component carries, percent (sums to 100).
    sub_split_pct: dict[SubComponent, Decimal] = Field(default_factory=_split)
    #: Answer scales: scale name -> answer -> value in 0..1.
    scales: dict[str, dict[str, Fraction01]] = Field(
        default_factory=lambda: {
            "YT": {"Y": Decimal(1), "T": Decimal(0)},
            "ABCD": {"A": Decimal(1), "B": Decimal("0.66"), "C": Decimal("0.33"), "D": Decimal(0)},
        }
    )
    grades: list[GradeBand] = Field(default_factory=_grades)
    criteria: list[LkeCriterion] = Field(default_factory=_criteria)

    @model_validator(mode="after")
    def _consistent(self) -> LkePolicy:
        if sum((c.weight for c in self.components), Decimal(0)) != 100:
            raise ValueError("bobot komponen LKE harus berjumlah 100")
        if len({c.code for c in self.components}) != len(self.components):
            raise ValueError("kode komponen LKE harus unik")
        if set(self.sub_split_pct) != set(SUB_COMPONENTS) or sum(self.sub_split_pct.values()) != 100:
            raise ValueError("sub_split_pct harus memuat existence, quality, use dan berjumlah 100")
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("id kriteria LKE harus unik")
        codes = {c.code for c in self.components}
        for c in self.criteria:
            if c.component not in codes:
                raise ValueError(f"kriteria {c.id}: komponen {c.component} tidak dikenal")
            if c.scale not in self.scales:
                raise ValueError(f"kriteria {c.id}: skala {c.scale} tidak dikenal")
        for comp in self.components:
            for sub in SUB_COMPONENTS:
                if not any(c.component == comp.code and c.sub == sub for c in self.criteria):
                    raise ValueError(f"komponen {comp.code}/{sub} tidak memiliki kriteria")
        for name, answers in self.scales.items():
            if not answers or max(answers.values()) != 1:
                raise ValueError(f"skala {name}: jawaban terbaik harus bernilai 1")
        aboves = [g.above for g in self.grades]
        if aboves != sorted(aboves, reverse=True) or len(set(aboves)) != len(aboves):
            raise ValueError("predikat harus urut dari batas tertinggi ke terendah")
        if not self.grades or self.grades[-1].above >= 0:
            raise ValueError("predikat terendah harus berlaku untuk nilai 0 (above = -1)")
        return self


class SakipPolicy(_Section):
    attainment_cap_pct: Decimal = Field(Decimal(120), ge=100, le=1000)
    windows: list[QuarterWindow] = Field(default_factory=_default_windows)
    lke: LkePolicy = Field(default_factory=LkePolicy)

    @field_validator("windows")
    @classmethod
    def _one_per_quarter(cls, v: list[QuarterWindow]) -> list[QuarterWindow]:
        if sorted(w.quarter for w in v) != [1, 2, 3, 4]:
            raise ValueError("harus ada tepat satu jendela untuk setiap triwulan 1..4")
        for w in v:
            first = 3 * (w.quarter - 1) + 1  # a month before the quarter's first lies in the next year

            def when(month_day: str, first: int = first) -> tuple[int, str]:
                return (1 if int(month_day[:2]) < first else 0), month_day

            if when(w.closes) < when(w.opens):
                raise ValueError(f"jendela triwulan {w.quarter} ditutup sebelum dibuka")
        return sorted(v, key=lambda w: w.quarter)

    def window(self, quarter: int) -> QuarterWindow:
        return self.windows[quarter - 1]
