"""LKjIP tables (Laporan Kinerja Instansi Pemerintah) per OPD and for the region, as XLSX or PDF.

Performance table, per target (an OPD's targets; the region's strategic targets) and indicator:
the year's target and realisation and its attainment; last year's realisation and attainment (the
baseline, without an attainment, in the period's first year); the five-year (final year's) target
and the attainment of this year's realisation against it. Budget table: per programme (an OPD) or
per OPD (the region): ceiling, realised, absorption, attainment and efficiency (attainment −
absorption). Files land in the documents bucket (``sakip/lkjip/<year>/<owner>.<format>``,
overwritten by a newer report) and are handed out as a presigned link.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from replika.core import storage
from replika.core.auth import Principal
from replika.core.errors import Forbidden
from replika.sakip import attainment, common, documents, store, views
from replika.sakip.models import LinkOut
from replika.sakip.rules.attainment import attainment as attain
from replika.sakip.rules.attainment import pct
from replika.sakip.rules.cascade import REGION
from replika.sakip.rules.tree import NodeResult
from replika.sakip.tables import Node, Period

LINK_EXPIRES = 300
PERFORMANCE_HEADERS = (
    "No",
    "Sasaran",
    "Indikator",
    "Satuan",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Realisasi tahun lalu",
    "Capaian tahun lalu (%)",
    "Target akhir periode",
    "Capaian thd target akhir (%)",
)
PERFORMANCE_WIDTHS = (9, 50, 54, 16, 18, 18, 18, 20, 22, 20, 28)
BUDGET_WIDTHS = (24, 83, 34, 34, 24, 24, 30)


def _performance_rows(
    period: Period,
    year: int,
    targets: list[Node],
    now: dict[str, NodeResult],
    last: dict[str, NodeResult] | None,
) -> list[list[documents.Cell]]:
    cap = common.region().sakip.attainment_cap_pct
    final_year = str(int(period.end_year))
    rows: list[list[documents.Cell]] = []
    for number, n in enumerate(sorted(targets, key=lambda n: (n.order or 0, n.code)), start=1):
        this = {i.id: i for i in now[n.code].indicators}
        before = {i.id: i for i in last[n.code].indicators} if last is not None else {}
        for k, ind in enumerate(n.indicators or []):
            got = this[ind["id"]]
            prev = before.get(ind["id"])
            final_target = (ind.get("targets") or {}).get(final_year)
            versus_final = (
                None
                if final_target is None
                else attain(got.realisation, Fraction(Decimal(final_target)), ind["polarity"], cap)
            )
            baseline = store.decimal_or_none(ind.get("baseline"))
            rows.append(
                [
                    str(number) if k == 0 else "",
                    n.name if k == 0 else "",
                    ind["name"],
                    ind["unit"],
                    store.decimal_or_none((ind.get("targets") or {}).get(str(year))),
                    views.value4(got.realisation),
                    pct(got.attainment),
                    views.value4(prev.realisation) if prev is not None else baseline,
                    pct(prev.attainment) if prev is not None else None,
                    store.decimal_or_none(final_target),
                    pct(versus_final),
                ]
            )
    return rows


def _opd_report(year: int, opd: str) -> tuple[str, list[documents.Section]]:
    period = common.period_of_year(year)
    nodes = store.owner_nodes(period.period, opd, attainment.OPD_LEVELS)
    now = views.evaluate_nodes(nodes, store.owner_quarters(period.period, year, opd), year)
    last = None
    if year - 1 >= int(period.start_year):
        last = views.evaluate_nodes(nodes, store.owner_quarters(period.period, year - 1, opd), year - 1)
    targets = [n for n in nodes if n.level == "opd_target"]
    budget = [
        [
            n.code,
            n.name,
            now[n.code].pagu,
            now[n.code].realised,
            pct(now[n.code].absorption),
            pct(now[n.code].attainment),
            pct(now[n.code].efficiency),
        ]
        for n in sorted((n for n in nodes if n.level == "programme"), key=lambda n: n.code)
    ]
    name = store.opd_names([opd]).get(opd, opd)
    return name, [
        _performance_section("Capaian kinerja", _performance_rows(period, year, targets, now, last)),
        _budget_section("Anggaran", ("Kode", "Program"), budget),
    ]


def _performance_section(title: str, rows: list[list[documents.Cell]]) -> documents.Section:
    return documents.Section(title, PERFORMANCE_HEADERS, rows, PERFORMANCE_WIDTHS)


def _budget_section(title: str, first: tuple[str, str], rows: list[list[Any]]) -> documents.Section:
    """The budget table: what a row is (its code and name), then ceiling, realised, absorption,
    attainment and efficiency."""
    tail = ("Pagu (Rp)", "Realisasi (Rp)", "Serapan (%)", "Capaian (%)", "Efisiensi (poin)")
    return documents.Section(title, (*first, *tail), rows, BUDGET_WIDTHS)


def _region_report(year: int) -> tuple[str, list[documents.Section]]:
    period = common.period_of_year(year)
    _, nodes, now = attainment.region_tree(year)
    last = None
    if year - 1 >= int(period.start_year):
        _, _, last = attainment.region_tree(year - 1)
    targets = [n for n in nodes if n.level == "strategic_target"]
    ranking = attainment.ranking(nodes, now)
    budget_of = {r.opd: r for r in ranking}
    programmes: dict[str, list[NodeResult]] = {}
    for n in nodes:
        if n.level == "programme":
            programmes.setdefault(n.owner, []).append(now[n.code])
    budget = []
    for opd in sorted(budget_of):
        rows = programmes.get(opd, [])
        r = budget_of[opd]
        budget.append(
            [
                opd,
                r.opd_name or opd,
                sum(x.pagu or 0 for x in rows) or None,
                sum(x.realised or 0 for x in rows) or None,
                r.absorption,
                r.attainment,
                r.efficiency,
            ]
        )
    return f"Pemerintah {common.region().name}", [
        _performance_section("Capaian IKU", _performance_rows(period, year, targets, now, last)),
        _budget_section("Anggaran per OPD", ("Kode OPD", "OPD"), budget),
    ]


def lkjip(p: Principal, year: int, opd: str | None, fmt: str) -> LinkOut:
    if opd is None:
        if not common.sees_everything(p):
            raise Forbidden("LKjIP daerah untuk Bappeda dan Inspektorat; sebutkan OPD Anda.")
        owner, (name, sections) = REGION, _region_report(year)
    else:
        common.require_read(p, opd)
        owner, (name, sections) = opd, _opd_report(year, opd)
    title = f"LKjIP {name} Tahun {year}"
    subtitle = f"{common.region().name} - dibuat {common.now()}"
    footer = (
        "Capaian: lebih tinggi lebih baik = realisasi/target x 100; lebih rendah lebih baik = "
        f"(2 - realisasi/target) x 100; dibatasi {common.region().sakip.attainment_cap_pct} %. "
        "Efisiensi = capaian - serapan anggaran (poin persentase)."
    )
    if fmt == "pdf":
        data, content_type = documents.report_pdf(title, subtitle, sections, footer), documents.PDF_TYPE
    else:
        data, content_type = documents.report_xlsx(title, subtitle, sections), documents.XLSX_TYPE
    key = f"sakip/lkjip/{year}/{owner}.{fmt}"
    storage.put_bytes(key, data, content_type)
    filename = f"LKjIP-{year}-{owner}.{fmt}"
    return LinkOut(
        url=storage.presign_download(key, filename=filename, expires=LINK_EXPIRES),
        expires_in=LINK_EXPIRES,
        filename=filename,
    )
