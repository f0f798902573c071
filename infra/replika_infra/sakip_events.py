"""Sample Lambda events of e-SAKIP (``events/sakip/``), for a stack seeded by :func:`seed_samples`.

The samples are written for :data:`SAMPLE_TODAY` (a Tuesday inside Q2's submission window: Q1 is
closed, Q3 not open yet); the sample-event test fixes the region's calendar to it. The NIPs and OPD
codes come from the deterministic demo organisation.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

from replika_infra.demo import seed
from replika_infra.events import api_event, claims_for, schedule_event

SAMPLE_TODAY = "2026-07-07"
PERIOD = "2025-2029"
YEARS = ("2025", "2026", "2027", "2028", "2029")


def _people() -> dict[str, seed.SeedEmployee]:
    people = seed.demo_employees()

    def staff(suffix: str, n: int = 0) -> seed.SeedEmployee:
        return [e for e in people if e.opd_code.endswith(suffix) and e.supervisor_nip][n]

    return {
        "pegawai": staff(".09"),
        "other": staff(".10"),
        "bappeda": staff(".04"),
        "evaluator": staff(".03"),
        "team_lead": staff(".03", 1),
    }


def _indicator(id_: str, aggregation: str = "last") -> dict[str, Any]:
    return {
        "id": id_,
        "name": f"Indikator {id_}",
        "unit": "%",
        "polarity": "higher",
        "aggregation": aggregation,
        "targets": {y: "80" for y in YEARS},
    }


def seed_samples() -> None:
    """What the samples expect: the period, the region's levels down to one strategic target, the
    sample OPD's target, programme, activity and sub-activity, a realised Q2, the region's 2026
    agreement drafted, the region's 2025 LKE open, and the E-RK catalogue."""
    from replika.core.auth import Principal, Role
    from replika.remunerasi import service as remunerasi
    from replika.sakip import agreement, cascade, lke, realisation
    from replika.sakip.models import NodeIn, PeriodIn, RealisationIn
    from replika_infra.demo.demo_data import CATALOGUE

    opd = _people()["pegawai"].opd_code
    bappeda = Principal("sample", "sample", frozenset({Role.BAPPEDA}))
    team_lead = Principal("sample-lead", "sample", frozenset({Role.INSPEKTORAT_KEPALA}))
    cascade.create_period(bappeda, PeriodIn(start_year=2025, name="RPJMD 2025-2029"))
    nodes = [
        ("V", "vision", "pemda", None, []),
        ("M1", "mission", "pemda", "V", []),
        ("T1", "goal", "pemda", "M1", [_indicator("I1")]),
        ("S1", "strategic_target", "pemda", "T1", [_indicator("I1")]),
        (f"{opd}.SS1", "opd_target", opd, "S1", [_indicator("I1")]),
        (f"{opd}.P01", "programme", opd, f"{opd}.SS1", [_indicator("I1")]),
        (f"{opd}.P01.K1", "activity", opd, f"{opd}.P01", [_indicator("I1")]),
        (f"{opd}.P01.K1.S1", "sub_activity", opd, f"{opd}.P01.K1", [_indicator("I1", "sum")]),
    ]
    for code, level, owner, parent, indicators in nodes:
        body: dict[str, Any] = {
            "code": code,
            "level": level,
            "owner": owner,
            "parent": parent,
            "name": f"Node {code}",
        }
        if level == "sub_activity":
            body["pagu"] = {y: 100_000_000 for y in YEARS}
        cascade.create_node(bappeda, PERIOD, NodeIn.model_validate({**body, "indicators": indicators}), None)
    value = RealisationIn.model_validate({"values": {"I1": {"value": "5"}}, "budget_realised": 20_000_000})
    realisation.put_quarter(
        bappeda, 2026, f"{opd}.P01.K1.S1", 2, value, None, on=date.fromisoformat(SAMPLE_TODAY)
    )
    agreement.draft(bappeda, 2026, "pemda", None)
    lke.open_evaluation(team_lead, 2025, "pemda", None)
    remunerasi.import_activities(CATALOGUE.encode(), actor="sample", request_id=None)


def sakip_events() -> dict[str, tuple[dict[str, Any], int]]:
    p = _people()
    opd = p["pegawai"].opd_code
    pegawai, other = claims_for(p["pegawai"], "pegawai"), claims_for(p["other"], "pegawai")
    bappeda = claims_for(p["bappeda"], "bappeda")
    evaluator = claims_for(p["evaluator"], "inspektorat")
    team_lead = claims_for(p["team_lead"], "inspektorat-kepala")
    sub = f"{opd}.P01.K1.S1"
    nodes = "/cascade/{period}/nodes"
    period = {"period": PERIOD}

    def js(method: str, resource: str, body: Any, **kw: Any) -> dict[str, Any]:
        return api_event(method, resource, body=json.dumps(body), **kw)

    new_sub = {
        "code": f"{opd}.P01.K1.S2",
        "level": "sub_activity",
        "owner": opd,
        "parent": f"{opd}.P01.K1",
        "name": "Penyusunan laporan kinerja",
        "indicators": [_indicator("I1", "sum")],
        "pagu": {y: 50_000_000 for y in YEARS},
    }
    stale = {"name": "Node baru", "parent": f"{opd}.P01", "indicators": [_indicator("I1")], "version": 99}
    lke_path = {"year": "2025", "subject": "pemda"}
    crit = {**lke_path, "criterion": "1a1"}
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    not_xlsx = api_event(
        "POST",
        "/cascade/{period}/import",
        period,
        query={"dry_run": ["true"]},
        claims=bappeda,
        body=base64.b64encode(b"not a workbook").decode(),
        content_type=xlsx,
    )
    not_xlsx["isBase64Encoded"] = True
    return {
        # periods and the cascade
        "list_periods": (api_event("GET", "/periods", claims=pegawai), 200),
        "create_period": (
            js("POST", "/periods", {"start_year": 2030, "name": "RPJMD 2030-2034"}, claims=bappeda),
            201,
        ),
        "create_period_as_pegawai": (
            js("POST", "/periods", {"start_year": 2030, "name": "RPJMD"}, claims=pegawai),
            403,
        ),
        "list_nodes": (
            api_event(
                "GET", nodes, period, query={"owner": [opd], "level": ["sub_activity"]}, claims=pegawai
            ),
            200,
        ),
        "create_node": (js("POST", nodes, new_sub, path_params=period, claims=pegawai), 201),
        "create_node_other_opd": (js("POST", nodes, new_sub, path_params=period, claims=other), 403),
        "get_node": (api_event("GET", nodes + "/{code}", {**period, "code": sub}, claims=pegawai), 200),
        "get_node_unknown": (
            api_event("GET", nodes + "/{code}", {**period, "code": "X9"}, claims=pegawai),
            404,
        ),
        "update_node_stale": (
            js(
                "PUT",
                nodes + "/{code}",
                stale,
                path_params={**period, "code": f"{opd}.P01.K1"},
                claims=pegawai,
            ),
            409,
        ),
        "delete_node_with_children": (
            api_event(
                "DELETE",
                nodes + "/{code}",
                {**period, "code": f"{opd}.P01"},
                query={"version": ["1"]},
                claims=pegawai,
            ),
            409,
        ),
        "node_revisions": (
            api_event("GET", nodes + "/{code}/revisions", {**period, "code": sub}, claims=pegawai),
            200,
        ),
        "export_cascade": (
            api_event("GET", "/cascade/{period}/export", period, query={"opd": [opd]}, claims=pegawai),
            200,
        ),
        "import_cascade_not_a_workbook": (not_xlsx, 400),
        # realisation
        "quarters": (api_event("GET", "/quarters/{year}", {"year": "2026"}, claims=pegawai), 200),
        "reopen_quarter": (
            js(
                "POST",
                "/quarters/{year}/{quarter}/reopen",
                {"owner": opd, "until": "2026-07-10", "reason": "Data BPS terlambat"},
                path_params={"year": "2026", "quarter": "1"},
                claims=bappeda,
            ),
            201,
        ),
        "list_reopenings": (
            api_event(
                "GET",
                "/quarters/{year}/{quarter}/reopenings",
                {"year": "2026", "quarter": "1"},
                claims=bappeda,
            ),
            200,
        ),
        "get_realisation": (
            api_event("GET", "/realisation/{year}/{code}", {"year": "2026", "code": sub}, claims=pegawai),
            200,
        ),
        "put_realisation": (
            js(
                "PUT",
                "/realisation/{year}/{code}/{quarter}",
                {
                    "values": {"I1": {"value": 6, "note": "Dua laporan terbit"}},
                    "budget_realised": 25000000,
                    "version": 1,
                },
                path_params={"year": "2026", "code": sub, "quarter": "2"},
                claims=pegawai,
            ),
            200,
        ),
        "put_realisation_not_open": (
            js(
                "PUT",
                "/realisation/{year}/{code}/{quarter}",
                {"values": {"I1": {"value": 6}}},
                path_params={"year": "2026", "code": sub, "quarter": "3"},
                claims=pegawai,
            ),
            409,
        ),
        "evidence_upload": (
            js(
                "POST",
                "/evidence/{owner}/upload",
                {"filename": "laporan.pdf", "content_type": "application/pdf", "size": 120000},
                path_params={"owner": opd},
                claims=pegawai,
            ),
            200,
        ),
        # attainment and reports
        "opd_attainment": (
            api_event("GET", "/attainment/{year}/opds/{opd}", {"year": "2026", "opd": opd}, claims=pegawai),
            200,
        ),
        "region_attainment": (
            api_event("GET", "/attainment/{year}/region", {"year": "2026"}, claims=bappeda),
            200,
        ),
        "lkjip": (
            api_event("GET", "/reports/lkjip/{year}", {"year": "2026"}, query={"opd": [opd]}, claims=pegawai),
            200,
        ),
        # performance agreements
        "draft_agreement": (
            api_event("POST", "/agreements/{year}/{owner}", {"year": "2026", "owner": opd}, claims=pegawai),
            201,
        ),
        "draft_agreement_other_opd": (
            api_event("POST", "/agreements/{year}/{owner}", {"year": "2026", "owner": opd}, claims=other),
            403,
        ),
        "list_agreements": (api_event("GET", "/agreements/{year}", {"year": "2026"}, claims=bappeda), 200),
        "get_agreement": (
            api_event(
                "GET", "/agreements/{year}/{owner}", {"year": "2026", "owner": "pemda"}, claims=pegawai
            ),
            200,
        ),
        "agreement_pdf_unknown": (
            api_event(
                "GET", "/agreements/{year}/{owner}/pdf", {"year": "2027", "owner": "pemda"}, claims=pegawai
            ),
            404,
        ),
        "agreement_signed_upload_not_head": (
            js(
                "POST",
                "/agreements/{year}/{owner}/signed-upload",
                {"filename": "pk.pdf", "content_type": "application/pdf", "size": 1000},
                path_params={"year": "2026", "owner": opd},
                claims=pegawai,
            ),
            403,
        ),
        "sign_agreement_not_head": (
            js(
                "POST",
                "/agreements/{year}/{owner}/sign",
                {"key": f"sakip/pk-signed/2026/{opd}/x.pdf", "version": 1},
                path_params={"year": "2026", "owner": opd},
                claims=pegawai,
            ),
            403,
        ),
        # the LKE
        "open_evaluation": (
            api_event("POST", "/lke/{year}/{subject}", {"year": "2026", "subject": opd}, claims=team_lead),
            201,
        ),
        "open_evaluation_as_evaluator": (
            api_event("POST", "/lke/{year}/{subject}", {"year": "2026", "subject": opd}, claims=evaluator),
            403,
        ),
        "list_evaluations": (api_event("GET", "/lke/{year}", {"year": "2025"}, claims=bappeda), 200),
        "get_evaluation": (api_event("GET", "/lke/{year}/{subject}", lke_path, claims=evaluator), 200),
        # open, not published: its answers and score are the Inspektorat's only
        "get_evaluation_unpublished": (
            api_event("GET", "/lke/{year}/{subject}", lke_path, claims=pegawai),
            403,
        ),
        "evaluation_history": (
            api_event("GET", "/lke-history/{subject}", {"subject": "pemda"}, claims=bappeda),
            200,
        ),
        "propose_answer": (
            js(
                "PUT",
                "/lke/{year}/{subject}/criteria/{criterion}/proposal",
                {"answer": "Y", "version": 0},
                path_params=crit,
                claims=evaluator,
            ),
            200,
        ),
        "final_answer_stale": (
            js(
                "PUT",
                "/lke/{year}/{subject}/criteria/{criterion}/final",
                {"answer": "Y", "version": 5},
                path_params=crit,
                claims=team_lead,
            ),
            409,
        ),
        "add_evidence": (
            js(
                "POST",
                "/lke/{year}/{subject}/criteria/{criterion}/evidence",
                {"url": "https://jdih.example.go.id/rpjmd-2025.pdf", "label": "Perda RPJMD"},
                path_params={**crit, "criterion": "1a2"},
                claims=bappeda,
            ),
            201,
        ),
        "review_evidence_unknown": (
            js(
                "POST",
                "/lke/{year}/{subject}/criteria/{criterion}/evidence/{link}/review",
                {"decision": "verified", "version": 1},
                path_params={**crit, "link": "0" * 12},
                claims=evaluator,
            ),
            404,
        ),
        "finalise_evaluation_unanswered": (
            js(
                "POST",
                "/lke/{year}/{subject}/finalise",
                {"version": 1},
                path_params=lke_path,
                claims=team_lead,
            ),
            409,
        ),
        "publish_evaluation_not_final": (
            js(
                "POST",
                "/lke/{year}/{subject}/publish",
                {"version": 1},
                path_params=lke_path,
                claims=team_lead,
            ),
            409,
        ),
        # the E-RK link
        "list_links": (api_event("GET", "/erk/links/{period}", period, claims=pegawai), 200),
        "put_link": (
            js(
                "PUT",
                "/erk/links/{period}/{activity}",
                {"sub_activity": sub, "opd": opd},
                path_params={**period, "activity": "RAPAT"},
                claims=pegawai,
            ),
            200,
        ),
        "delete_link_unknown": (
            api_event(
                "DELETE", "/erk/links/{period}/{activity}", {**period, "activity": "ARSIP"}, claims=bappeda
            ),
            404,
        ),
        "refresh_rollup": (
            js(
                "POST",
                "/erk/rollups/{year}/{quarter}/refresh",
                {"opd": opd},
                path_params={"year": "2026", "quarter": "3"},
                claims=bappeda,
            ),
            200,
        ),
        "rollup": (
            api_event(
                "GET", "/erk/rollups/{year}/{quarter}", {"year": "2026", "quarter": "3"}, claims=pegawai
            ),
            200,
        ),
        "my_work": (api_event("GET", "/erk/me", query={"year": ["2026"]}, claims=pegawai), 200),
        # public
        "public_summary": (api_event("GET", "/public/summary", query={"year": ["2026"]}), 200),
        "public_summary_bad_year": (api_event("GET", "/public/summary", query={"year": ["26"]}), 400),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
        # schedule
        "nightly_rollup": (schedule_event("replika-sakip-erk_rollup", time="2026-07-06T19:30:00Z"), 200),
    }
