"""e-SAKIP for the demo region: a cascade, two quarters of realisation, signed agreements, last
year's published LKE, and the E-RK activities linked so the person-minutes view shows real numbers.

* The cascade (RPJMD starting last year): the vision, 2 missions, 4 goals, 8 strategic targets,
  and for each OPD an OPD target, 2 programmes, 4 activities and 8 sub-activities with ceilings
  (about 615 nodes for 40 OPDs). It goes in the way a planner's file does: written as the
  planners' sheet and loaded through the real XLSX import.
* Realisation: the two latest quarters up to the E-RK month's (Q1 and Q2 when that is Q1), loaded
  as history (items written directly, as a region migrating from its old e-SAKIP would), with a
  few sub-activities left without realisation.
* Agreements of the E-RK year, drafted through the use case (PDF) and signed, for the region and
  the demo OPD; so a change of that year's targets there is an audited revision.
* Last year's LKE of the region, answered in two tiers, finalised and published (the public
  summary shows it); this year's LKE of the demo OPD is open with a few proposals.
* Links of the E-RK catalogue to the sub-activities of the OPDs whose day-by-day log was seeded,
  and the roll-up of the E-RK month's quarter for them.

Deterministic (seeded random numbers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from replika.core.auth import Principal, Role
from replika.core.calendar import RegionCalendar, calendar_for, parse_period, previous_period
from replika.core.config import RegionConfig
from replika_infra.demo.seed import SeedEmployee

BAPPEDA = Principal("seed-bappeda", "seed", frozenset({Role.BAPPEDA}))
EVALUATOR = Principal("seed-evaluator", "seed", frozenset({Role.INSPEKTORAT}))
TEAM_LEAD = Principal("seed-team-lead", "seed", frozenset({Role.INSPEKTORAT_KEPALA}))

# (goal, its indicator (name, unit, polarity, aggregation, first year's target, step per year)) per
# mission; then two strategic targets per goal, the same shape.
Spec = tuple[str, str, str, str, float, float]
MISSIONS = (
    "Mewujudkan tata kelola pemerintahan yang melayani, efektif, efisien dan bersih",
    "Mewujudkan masyarakat yang sejahtera dan berdaya saing",
)
GOALS: tuple[tuple[str, Spec], ...] = (
    (
        "Meningkatnya kualitas tata kelola pemerintahan",
        ("Indeks Reformasi Birokrasi", "nilai", "higher", "last", 70, 2),
    ),
    (
        "Meningkatnya kualitas pelayanan publik",
        ("Indeks Kepuasan Masyarakat", "nilai", "higher", "last", 80, 2),
    ),
    (
        "Meningkatnya kesejahteraan masyarakat",
        ("Indeks Pembangunan Manusia", "nilai", "higher", "last", 82, 0.5),
    ),
    ("Meningkatnya daya saing ekonomi daerah", ("Laju pertumbuhan ekonomi", "%", "higher", "last", 5, 0.2)),
)
STRATEGIC: tuple[tuple[str, Spec], ...] = (
    ("Meningkatnya akuntabilitas kinerja", ("Nilai SAKIP", "nilai", "higher", "last", 68, 3)),
    (
        "Meningkatnya kualitas pengelolaan keuangan",
        ("Skor maturitas SPIP", "level", "higher", "last", 3, 0.25),
    ),
    ("Meningkatnya ketepatan layanan perizinan", ("Izin terbit tepat waktu", "%", "higher", "last", 85, 3)),
    ("Meningkatnya layanan administrasi kependudukan", ("Penduduk ber-KTP-el", "%", "higher", "last", 95, 1)),
    ("Menurunnya angka kemiskinan", ("Persentase penduduk miskin", "%", "lower", "last", 3.9, -0.2)),
    (
        "Meningkatnya derajat kesehatan",
        ("Angka kematian ibu per 100.000 KH", "kasus", "lower", "last", 80, -5),
    ),
    ("Menurunnya pengangguran", ("Tingkat pengangguran terbuka", "%", "lower", "last", 8.5, -0.3)),
    ("Meningkatnya realisasi investasi", ("Realisasi investasi", "Rp miliar", "higher", "sum", 9000, 600)),
)
OUTPUTS = ("Dokumen perencanaan", "Laporan kinerja", "Kegiatan layanan", "Sosialisasi", "Data terbarukan")


@dataclass(frozen=True)
class DemoSakip:
    period: str
    year: int
    quarters: tuple[int, ...]
    erk_quarter: int
    nodes: int
    realised: int
    lke_year: int
    lke_score: str
    lke_grade: str
    linked_opds: tuple[str, ...]
    minutes: int
    demo_opd: str | None
    sample_sub: str | None


def _indicator(id_: str, spec: tuple[Any, ...], years: list[int]) -> dict[str, Any]:
    name, unit, polarity, aggregation, first, step = spec
    return {
        "id": id_,
        "name": name,
        "unit": unit,
        "polarity": polarity,
        "aggregation": aggregation,
        "source": "BPS / OPD pengampu",
        "baseline": str(Decimal(str(first)) - Decimal(str(step))),
        "targets": {str(y): str(Decimal(str(first)) + Decimal(str(step)) * i) for i, y in enumerate(years)},
    }


def cascade_bodies(config: RegionConfig, opds: dict[str, str], start: int, rng: random.Random) -> list[Any]:
    """The demo cascade as :class:`~replika.sakip.models.NodeIn` bodies, parents first."""
    from replika.sakip.models import NodeIn

    years = list(range(start, start + 5))
    bodies: list[dict[str, Any]] = [
        {
            "code": "V",
            "level": "vision",
            "owner": "pemda",
            "name": f"Terwujudnya {config.name} yang unggul, nyaman dan sejahtera",
        }
    ]
    for m, mission in enumerate(MISSIONS, start=1):
        bodies.append(
            {
                "code": f"M{m}",
                "level": "mission",
                "owner": "pemda",
                "parent": "V",
                "name": mission,
                "order": m,
            }
        )
    for g, (goal, spec) in enumerate(GOALS, start=1):
        bodies.append(
            {
                "code": f"T{g}",
                "level": "goal",
                "owner": "pemda",
                "parent": f"M{(g + 1) // 2}",
                "name": goal,
                "order": g,
                "indicators": [_indicator("IT1", spec, years)],
            }
        )
    for t, (target, spec) in enumerate(STRATEGIC, start=1):
        bodies.append(
            {
                "code": f"S{t}",
                "level": "strategic_target",
                "owner": "pemda",
                "parent": f"T{(t + 1) // 2}",
                "name": target,
                "order": t,
                "indicators": [_indicator("IKU1", spec, years)],
            }
        )
    for i, (opd, name) in enumerate(sorted(opds.items())):
        base = rng.randint(78, 86)
        bodies.append(
            {
                "code": f"{opd}.SS1",
                "level": "opd_target",
                "owner": opd,
                "parent": f"S{i % len(STRATEGIC) + 1}",
                "name": f"Meningkatnya kinerja layanan {name}",
                "indicators": [
                    _indicator(
                        "IK1", (f"Indeks kepuasan layanan {name}", "nilai", "higher", "last", base, 1), years
                    )
                ],
            }
        )
        for p in (1, 2):
            prog = f"{opd}.P0{p}"
            title = (
                "Program Penunjang Urusan Pemerintahan Daerah" if p == 1 else f"Program Layanan Utama {name}"
            )
            bodies.append(
                {
                    "code": prog,
                    "level": "programme",
                    "owner": opd,
                    "parent": f"{opd}.SS1",
                    "name": title,
                    "order": p,
                    "indicators": [
                        _indicator("IP1", ("Capaian sasaran program", "%", "higher", "last", 90, 2), years)
                    ],
                }
            )
            for k in (1, 2):
                act = f"{prog}.K{k}"
                bodies.append(
                    {
                        "code": act,
                        "level": "activity",
                        "owner": opd,
                        "parent": prog,
                        "name": f"Kegiatan {k} {title.lower()}",
                        "order": k,
                        "indicators": [
                            _indicator(
                                "IA1", ("Keluaran kegiatan tercapai", "%", "higher", "last", 90, 2), years
                            )
                        ],
                    }
                )
                for sub in (1, 2):
                    output = rng.choice(OUTPUTS)
                    per_year = rng.randint(4, 12)
                    pagu = rng.randint(5, 40) * 10_000_000
                    bodies.append(
                        {
                            "code": f"{act}.S{sub}",
                            "level": "sub_activity",
                            "owner": opd,
                            "parent": act,
                            "name": f"{output} {name} ({k}.{sub})",
                            "order": sub,
                            "indicators": [
                                _indicator(
                                    "IS1",
                                    (f"Jumlah {output.lower()}", "dokumen", "higher", "sum", per_year, 1),
                                    years,
                                )
                            ],
                            "pagu": {str(y): pagu for y in years},
                        }
                    )
    return [NodeIn.model_validate(b) for b in bodies]


def realisation_items(
    nodes: list[Any], year: int, quarters: tuple[int, ...], rng: random.Random
) -> list[Any]:
    """Quarter items: sum indicators get about a quarter of the target, the others about the
    target; an OPD's factor spreads the ranking; one sub-activity in twelve has none."""
    from replika.sakip import keys
    from replika.sakip.tables import Realisation

    factor = {n.owner: rng.uniform(0.72, 1.12) for n in nodes}
    items = []
    for n in nodes:
        if n.level == "sub_activity" and rng.random() < 1 / 12:
            continue
        if not n.indicators:
            continue
        for q in quarters:
            f = factor[n.owner] * rng.uniform(0.9, 1.1)
            values = {}
            for ind in n.indicators:
                target = Decimal(ind["targets"][str(year)])
                if ind["aggregation"] == "sum":
                    value = target / 4 * Decimal(str(round(f, 3)))
                elif ind["polarity"] == "lower":
                    value = target / Decimal(str(round(f, 3)))
                else:
                    value = target * Decimal(str(round(f, 3)))
                values[ind["id"]] = {
                    "value": format(value.quantize(Decimal("0.01")).normalize(), "f"),
                    "note": None,
                }
            pagu = (n.pagu or {}).get(str(year))
            items.append(
                Realisation(
                    keys.realisation_pk(n.period, year),
                    keys.realisation_sk(n.code, q),
                    period=n.period,
                    year=year,
                    quarter=q,
                    code=n.code,
                    owner=n.owner,
                    values=values,
                    budget_realised=None if pagu is None else int(int(pagu) / 4 * rng.uniform(0.6, 1.05)),
                    evidence=[],
                    late=False,
                    updated_at=f"{year}-{3 * q:02d}-28T09:00:00Z",
                    updated_by="seed",
                    gsi1pk=keys.realisation_opd_pk(n.period, year, n.owner),
                    gsi1sk=keys.realisation_sk(n.code, q),
                    version=1,
                )
            )
    return items


def _sign(year: int, owner: str) -> None:
    from replika.core import storage
    from replika.sakip import agreement
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(BAPPEDA, year, owner, None)
    upload = agreement.signed_upload(
        BAPPEDA, year, owner, UploadIn(filename="pk-ttd.pdf", content_type="application/pdf", size=1)
    )
    pdf = storage.get_bytes(agreement._require(year, owner).pdf_key or "")  # the demo's "scan"
    storage.put_bytes(upload.key, pdf, "application/pdf")
    agreement.sign(BAPPEDA, year, owner, SignIn(key=upload.key, version=draft.version), None)


def _evaluated(subject: str) -> Principal:
    """Who adds the evidence: the evaluated party (Bappeda for the region, the OPD's staff)."""
    if subject == "pemda":
        return BAPPEDA
    return Principal(f"seed-{subject}", "seed", frozenset({Role.PEGAWAI}), opd=subject)


def _lke(year: int, subject: str, pick: Any, *, finalise: bool) -> Any:
    from replika.sakip import lke
    from replika.sakip.lke_models import AnswerIn, EvidenceLinkIn, VersionIn

    opened = lke.open_evaluation(TEAM_LEAD, year, subject, None)
    for c in opened.criteria:
        answer = pick(c)
        if answer is None:
            continue
        item = lke.record_answer(
            EVALUATOR, year, subject, c.id, AnswerIn(answer=answer, version=0), "proposal", None
        )
        if c.sub == "existence":
            link = EvidenceLinkIn(
                url=f"https://jdih.example.go.id/{year}/{c.id}.pdf", label="Dokumen pendukung"
            )
            item = lke.record_evidence(_evaluated(subject), year, subject, c.id, link)
        if finalise:
            final = AnswerIn(answer=answer, version=int(item.version or 0))
            lke.record_answer(TEAM_LEAD, year, subject, c.id, final, "final", None)
    if not finalise:
        return opened
    view = lke.finalise(TEAM_LEAD, year, subject, VersionIn(version=opened.version), None)
    return lke.publish(TEAM_LEAD, year, subject, VersionIn(version=view.version), None)


#: Last year's answers: the region stood at B (Serdang Bedagai's story: from B to BB).
_C_USE = {"1c3", "2c1", "2c2", "2c3", "3c1", "4c1"}


def _last_year_answer(c: Any) -> str:
    if c.scale == "YT":
        return "T" if c.id == "1a4" else "Y"
    if c.id in _C_USE:
        return "C"
    return "A" if c.id in {"1b1", "3b1"} else "B"


def quarters_for(month_period: str) -> tuple[int, int, tuple[int, ...]]:
    """``(year, the E-RK month's quarter, the two realised quarters)``."""
    year, month = parse_period(month_period)
    q = (month - 1) // 3 + 1
    return year, q, ((q - 1, q) if q >= 2 else (1, 2))


def seed_sakip(
    config: RegionConfig,
    employees: list[SeedEmployee],
    *,
    erk_opds: frozenset[str] = frozenset(),
    demo_opd: str | None = None,
    today: date | None = None,
    seed: int = 88,
) -> DemoSakip:
    from replika.sakip import cascade, cascade_xlsx, common, erk, store
    from replika.sakip.erk_port import RemunerasiTables
    from replika.sakip.models import ErkLinkIn, PeriodIn
    from replika.sakip.tables import Realisation

    rng = random.Random(seed)  # noqa: S311 - deterministic demo data
    cal: RegionCalendar = calendar_for(config)
    month = previous_period(cal.period_of(today or cal.today()))
    year, erk_quarter, quarters = quarters_for(month)
    start = year - 1
    period = cascade.create_period(BAPPEDA, PeriodIn(start_year=start, name=f"RPJMD {start}-{start + 4}"))
    opds = {e.opd_code: e.opd_name for e in employees}
    bodies = cascade_bodies(config, opds, start, rng)
    period_item = common.get_period(period.period)
    planned = [cascade.build_node(period_item, b, "seed", "seed", None) for b in bodies]
    sheet = cascade_xlsx.export_xlsx(period_item, planned, f"Kaskade kinerja {period.period}")
    imported = cascade_xlsx.import_xlsx(
        BAPPEDA, period.period, sheet, dry_run=False, reason=None, request_id=None
    )
    nodes = store.all_nodes(period.period)
    items = realisation_items(nodes, year, quarters, rng)
    with Realisation.batch_write() as batch:
        for item in items:
            batch.save(item)
    for owner in ("pemda", *((demo_opd,) if demo_opd else ())):
        _sign(year, owner)
    last = _lke(year - 1, "pemda", _last_year_answer, finalise=True)
    if demo_opd:
        _lke(year, demo_opd, lambda c: "Y" if c.scale == "YT" else None, finalise=False)
    minutes = 0
    linked: list[str] = []
    catalogue = [a.code for a in RemunerasiTables().catalogue()] if erk_opds else []
    for opd in sorted(erk_opds & set(opds)):
        subs = sorted(n.code for n in nodes if n.owner == opd and n.level == "sub_activity")
        # every activity but the last to one of the first seven sub-activities: the eighth has no
        # linked work (results without work), the last activity stays unlinked
        for i, activity in enumerate(catalogue[:-1]):
            erk.put_link(BAPPEDA, period.period, activity, ErkLinkIn(sub_activity=subs[i % 7], opd=opd), None)
        minutes += erk.refresh(year, erk_quarter, opd).linked_minutes
        linked.append(opd)
    sample = None
    if demo_opd:
        owned = sorted(n.code for n in nodes if n.owner == demo_opd and n.level == "sub_activity")
        sample = owned[0] if owned else None
    return DemoSakip(
        period=period.period,
        year=year,
        quarters=quarters,
        erk_quarter=erk_quarter,
        nodes=imported.created,
        realised=len(items),
        lke_year=year - 1,
        lke_score=str(last.score),
        lke_grade=last.grade,
        linked_opds=tuple(linked),
        minutes=minutes,
        demo_opd=demo_opd,
        sample_sub=sample,
    )


def _curl(
    base: str, token: str | None, path: str, *, method: str = "GET", body: Any = None, note: str = ""
) -> None:
    """Print one curl command (continued on a second line when it sends a JSON body)."""
    import json

    auth = f' -H "Authorization: Bearer ${token}"' if token else ""
    verb = f" -X {method}" if method != "GET" else ""
    kind = ' -H "Content-Type: application/json"' if body is not None else ""
    url = f'"{base}{path}"'
    print(
        f"  curl -s{verb}{auth}{kind} {url}"
        + (" \\" if body is not None else (f"  # {note}" if note else ""))
    )
    if body is not None:
        print(f"    -d '{json.dumps(body, ensure_ascii=False)}'" + (f"  # {note}" if note else ""))


def print_guide(gateway: str, demo: DemoSakip, users: dict[str, dict[str, str]]) -> None:
    """A curl walk-through that works as printed on the running demo (today's windows decide
    which quarter can be written; a closed one is reopened by Bappeda first)."""
    from replika.sakip import cascade, realisation, store
    from replika.sakip.common import today

    base = f"{gateway}/sakip"
    y, opd, period = demo.year, demo.demo_opd, demo.period
    print("\ne-SAKIP — the cascade, realisation, attainment, the LKE and the E-RK link:")
    print("  B=$(.venv/bin/replika token --role bappeda); P=$(.venv/bin/replika token --role pegawai)")
    print("  I=$(.venv/bin/replika token --role inspektorat)")
    print("  K=$(.venv/bin/replika token --role inspektorat-kepala)")
    _curl(base, None, f"/public/summary?year={y}", note="no token: IKU and published LKE grades")
    _curl(base, "B", f"/attainment/{y}/region", note="IKU attainment and the OPD ranking")
    _curl(base, "K", f"/lke/{demo.lke_year}/pemda", note="last year's score, grade and the gap to BB")
    _curl(base, "B", f"/reports/lkjip/{y}?format=pdf", note="LKjIP of the region (presigned link)")
    if not opd or not demo.sample_sub:
        return
    code = demo.sample_sub
    if users.get("pegawai", {}).get("opd") != opd:
        print(f"  # the demo OPD is {opd}")
    _curl(base, "P", f"/attainment/{y}/opds/{opd}", note="the OPD's cascade, IKU and budget")
    _curl(base, "P", f"/cascade/{period}/nodes?owner={opd}&level=sub_activity")
    _curl(base, "P", f"/realisation/{y}/{code}")
    _curl(base, "P", f"/quarters/{y}", note="the submission windows today")
    states = {q: realisation.state_of(y, q, opd, today())[0] for q in (1, 2, 3, 4)}
    entered = store.node_quarters(period, y, code)
    open_q = next((q for q in (4, 3, 2, 1) if states[q] == "open"), None)
    q = open_q or next((q for q in (4, 3, 2, 1) if states[q] == "closed"), None)
    if q is not None:
        if open_q is None:
            reopen = {"owner": opd, "until": today().isoformat(), "reason": "Koreksi data realisasi"}
            _curl(base, "B", f"/quarters/{y}/{q}/reopen", method="POST", body=reopen, note=f"Q{q} is closed")
        body: dict[str, Any] = {"values": {"IS1": {"value": 3}}, "budget_realised": 25_000_000}
        if q in entered:
            body["version"] = int(entered[q].version or 0)
        _curl(base, "P", f"/realisation/{y}/{code}/{q}", method="PUT", body=body)
    node = cascade.get_node(BAPPEDA, period, code)
    change = node.model_dump(mode="json", include={"name", "parent", "weight", "order", "indicators", "pagu"})
    target = change["indicators"][0]["targets"]
    target[str(y)] = str(Decimal(target[str(y)]) + 1)
    change["version"] = node.version
    path = f"/cascade/{period}/nodes/{code}"
    _curl(base, "P", path, method="PUT", body=change, note=f"400: the {y} agreement is signed")
    _curl(base, "P", path, method="PUT", body={**change, "reason": "Penyesuaian APBD perubahan"})
    _curl(base, "P", f"{path}/revisions", note="the audited revision")
    _curl(base, "P", f"/agreements/{y}/{opd}/pdf", note="the agreement (PDF)")
    _curl(base, "B", f"/erk/rollups/{y}/{demo.erk_quarter}?opd={opd}", note="person-minutes per sub-activity")
    _curl(base, "P", f"/erk/me?year={y}", note="the targets my work served")
    _curl(base, "B", f"/cascade/{period}/export?opd={opd}", note="the planners' XLSX")
    _curl(base, "I", f"/lke/{y}/{opd}", note="this year's evaluation: open")
    proposal = {"answer": "B", "note": "Indikator sebagian SMART", "version": 0}
    _curl(base, "I", f"/lke/{y}/{opd}/criteria/1b1/proposal", method="PUT", body=proposal)
    _curl(base, "K", f"/lke/{y}/{opd}/criteria/1b1/final", method="PUT", body={"answer": "A", "version": 1})
