"""The public summary: the region's IKU attainment of a year and its published LKE grades.

No token; nothing personal (targets, indicators and grades only); one small response per year,
cacheable for five minutes. Reads the strategic targets (one Query) and their quarters (one
BatchGet), and the region's published evaluations (one Query).
"""

from __future__ import annotations

from decimal import Decimal

from replika.core.errors import NotFound
from replika.sakip import common, lke, store, views
from replika.sakip.models import PublicGrade, PublicIndicator, PublicSummaryOut, PublicTarget
from replika.sakip.rules.attainment import pct
from replika.sakip.rules.cascade import REGION

CACHE_SECONDS = 300


def summary(year: int) -> PublicSummaryOut:
    region = common.region()
    grades = [
        PublicGrade(year=int(e.year), score=Decimal(e.score or "0"), grade=e.grade or "-")
        for e in lke.published(REGION, year)
    ]
    this_year = next((g for g in grades if g.year == year), None)
    try:
        period = common.period_of_year(year)
    except NotFound:
        return PublicSummaryOut(
            region=region.name,
            year=year,
            period=None,
            iku_attainment=None,
            iku=[],
            lke=this_year,
            lke_history=grades,
        )
    targets = sorted(
        store.level_nodes(period.period, "strategic_target"), key=lambda n: (n.order or 0, n.code)
    )
    quarters = store.batch_quarters(period.period, year, [n.code for n in targets])
    results = views.evaluate_nodes(targets, quarters, year)
    iku = []
    for n in targets:
        shown = views.result_out(n, results[n.code])
        iku.append(
            PublicTarget(
                code=n.code,
                name=n.name,
                attainment=shown.own_attainment,
                indicators=[
                    PublicIndicator(
                        name=i.name,
                        unit=i.unit,
                        target=i.target,
                        realisation=i.realisation,
                        attainment=i.attainment,
                    )
                    for i in shown.indicators
                ],
            )
        )
    return PublicSummaryOut(
        region=region.name,
        year=year,
        period=period.period,
        iku_attainment=pct(views.iku(targets, results)),
        iku=iku,
        lke=this_year,
        lke_history=grades,
    )
