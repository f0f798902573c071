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

    def ev(status: int, *args: Any, **kw: Any) -> tuple[dict[str, Any], int]:
        """A sample event and the status it gets."""
        return api_event(*args, **kw), status

    def ev_js(status: int, *args: Any, **kw: Any) -> tuple[dict[str, Any], int]:
        return js(*args, **kw), status

    def put_quarter(status: int, quarter: str, body: Any) -> tuple[dict[str, Any], int]:
        """The sample sub-activity's realisation of a 2026 quarter, entered by the OPD's staff."""
        where = {"year": "2026", "code": sub, "quarter": quarter}
        return ev_js(
            status, "PUT", "/realisation/{year}/{code}/{quarter}", body, path_params=where, claims=pegawai
        )

    def on_criterion(
        status: int, method: str, tail: str, body: Any, who: Any, criterion: str = "1a1"
    ) -> tuple[dict[str, Any], int]:
        """An LKE criterion's route ``/lke/{year}/{subject}/criteria/{criterion}/<tail>``."""
        resource = "/lke/{year}/{subject}/criteria/{criterion}/" + tail
        return ev_js(status, method, resource, body, path_params={**crit, "criterion": criterion}, claims=who)

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
        "list_periods": ev(200, "GET", "/periods", claims=pegawai),
        "create_period": ev_js(
            201, "POST", "/periods", {"start_year": 2030, "name": "RPJMD 2030-2034"}, claims=bappeda
        ),
        "create_period_as_pegawai": ev_js(
            403, "POST", "/periods", {"start_year": 2030, "name": "RPJMD"}, claims=pegawai
        ),
        "list_nodes": ev(
            200, "GET", nodes, period, query={"owner": [opd], "level": ["sub_activity"]}, claims=pegawai
        ),
        "create_node": ev_js(201, "POST", nodes, new_sub, path_params=period, claims=pegawai),
        "create_node_other_opd": ev_js(403, "POST", nodes, new_sub, path_params=period, claims=other),
        "get_node": ev(200, "GET", nodes + "/{code}", {**period, "code": sub}, claims=pegawai),
        "get_node_unknown": ev(404, "GET", nodes + "/{code}", {**period, "code": "X9"}, claims=pegawai),
        "update_node_stale": ev_js(
            409,
            "PUT",
            nodes + "/{code}",
            stale,
            path_params={**period, "code": f"{opd}.P01.K1"},
            claims=pegawai,
        ),
        "delete_node_with_children": ev(
            409,
            "DELETE",
            nodes + "/{code}",
            {**period, "code": f"{opd}.P01"},
            query={"version": ["1"]},
            claims=pegawai,
        ),
        "node_revisions": ev(
            200, "GET", nodes + "/{code}/revisions", {**period, "code": sub}, claims=pegawai
        ),
        "export_cascade": ev(
            200, "GET", "/cascade/{period}/export", period, query={"opd": [opd]}, claims=pegawai
        ),
        "import_cascade_not_a_workbook": (not_xlsx, 400),
        # realisation
        "quarters": ev(200, "GET", "/quarters/{year}", {"year": "2026"}, claims=pegawai),
        "reopen_quarter": ev_js(
            201,
            "POST",
            "/quarters/{year}/{quarter}/reopen",
            {"owner": opd, "until": "2026-07-10", "reason": "Data BPS terlambat"},
            path_params={"year": "2026", "quarter": "1"},
            claims=bappeda,
        ),
        "list_reopenings": ev(
            200,
            "GET",
            "/quarters/{year}/{quarter}/reopenings",
            {"year": "2026", "quarter": "1"},
            claims=bappeda,
        ),
        "get_realisation": ev(
            200, "GET", "/realisation/{year}/{code}", {"year": "2026", "code": sub}, claims=pegawai
        ),
        "put_realisation": put_quarter(
            200,
            "2",
            {
                "values": {"I1": {"value": 6, "note": "Dua laporan terbit"}},
                "budget_realised": 25000000,
                "version": 1,
            },
        ),
        "put_realisation_not_open": put_quarter(409, "3", {"values": {"I1": {"value": 6}}}),
        "evidence_upload": ev_js(
            200,
            "POST",
            "/evidence/{owner}/upload",
            {"filename": "laporan.pdf", "content_type": "application/pdf", "size": 120000},
            path_params={"owner": opd},
            claims=pegawai,
        ),
        # attainment and reports
        "opd_attainment": ev(
            200, "GET", "/attainment/{year}/opds/{opd}", {"year": "2026", "opd": opd}, claims=pegawai
        ),
        "region_attainment": ev(200, "GET", "/attainment/{year}/region", {"year": "2026"}, claims=bappeda),
        "lkjip": ev(
            200, "GET", "/reports/lkjip/{year}", {"year": "2026"}, query={"opd": [opd]}, claims=pegawai
        ),
        # performance agreements
        "draft_agreement": ev(
            201, "POST", "/agreements/{year}/{owner}", {"year": "2026", "owner": opd}, claims=pegawai
        ),
        "draft_agreement_other_opd": ev(
            403, "POST", "/agreements/{year}/{owner}", {"year": "2026", "owner": opd}, claims=other
        ),
        "list_agreements": ev(200, "GET", "/agreements/{year}", {"year": "2026"}, claims=bappeda),
        "get_agreement": ev(
            200, "GET", "/agreements/{year}/{owner}", {"year": "2026", "owner": "pemda"}, claims=pegawai
        ),
        "agreement_pdf_unknown": ev(
            404, "GET", "/agreements/{year}/{owner}/pdf", {"year": "2027", "owner": "pemda"}, claims=pegawai
        ),
        "agreement_signed_upload_not_head": ev_js(
            403,
            "POST",
            "/agreements/{year}/{owner}/signed-upload",
            {"filename": "pk.pdf", "content_type": "application/pdf", "size": 1000},
            path_params={"year": "2026", "owner": opd},
            claims=pegawai,
        ),
        "sign_agreement_not_head": ev_js(
            403,
            "POST",
            "/agreements/{year}/{owner}/sign",
            {"key": f"sakip/pk-signed/2026/{opd}/x.pdf", "version": 1},
            path_params={"year": "2026", "owner": opd},
            claims=pegawai,
        ),
        # the LKE
        "open_evaluation": ev(
            201, "POST", "/lke/{year}/{subject}", {"year": "2026", "subject": opd}, claims=team_lead
        ),
        "open_evaluation_as_evaluator": ev(
            403, "POST", "/lke/{year}/{subject}", {"year": "2026", "subject": opd}, claims=evaluator
        ),
        "list_evaluations": ev(200, "GET", "/lke/{year}", {"year": "2025"}, claims=bappeda),
        "get_evaluation": ev(200, "GET", "/lke/{year}/{subject}", lke_path, claims=evaluator),
        # open, not published: its answers and score are the Inspektorat's only
        "get_evaluation_unpublished": ev(403, "GET", "/lke/{year}/{subject}", lke_path, claims=pegawai),
        "evaluation_history": ev(200, "GET", "/lke-history/{subject}", {"subject": "pemda"}, claims=bappeda),
        "propose_answer": on_criterion(200, "PUT", "proposal", {"answer": "Y", "version": 0}, evaluator),
        "final_answer_stale": on_criterion(409, "PUT", "final", {"answer": "Y", "version": 5}, team_lead),
        "add_evidence": on_criterion(
            201,
            "POST",
            "evidence",
            {"url": "https://jdih.example.go.id/rpjmd-2025.pdf", "label": "Perda RPJMD"},
            bappeda,
            criterion="1a2",
        ),
        "review_evidence_unknown": ev_js(
            404,
            "POST",
            "/lke/{year}/{subject}/criteria/{criterion}/evidence/{link}/review",
            {"decision": "verified", "version": 1},
            path_params={**crit, "link": "0" * 12},
            claims=evaluator,
        ),
        "finalise_evaluation_unanswered": ev_js(
            409,
            "POST",
            "/lke/{year}/{subject}/finalise",
            {"version": 1},
            path_params=lke_path,
            claims=team_lead,
        ),
        "publish_evaluation_not_final": ev_js(
            409,
            "POST",
            "/lke/{year}/{subject}/publish",
            {"version": 1},
            path_params=lke_path,
            claims=team_lead,
        ),
        # the E-RK link
        "list_links": ev(200, "GET", "/erk/links/{period}", period, claims=pegawai),
        "put_link": ev_js(
            200,
            "PUT",
            "/erk/links/{period}/{activity}",
            {"sub_activity": sub, "opd": opd},
            path_params={**period, "activity": "RAPAT"},
            claims=pegawai,
        ),
        "delete_link_unknown": ev(
            404, "DELETE", "/erk/links/{period}/{activity}", {**period, "activity": "ARSIP"}, claims=bappeda
        ),
        "refresh_rollup": ev_js(
            200,
            "POST",
            "/erk/rollups/{year}/{quarter}/refresh",
            {"opd": opd},
            path_params={"year": "2026", "quarter": "3"},
            claims=bappeda,
        ),
        "rollup": ev(
            200, "GET", "/erk/rollups/{year}/{quarter}", {"year": "2026", "quarter": "3"}, claims=pegawai
        ),
        "my_work": ev(200, "GET", "/erk/me", query={"year": ["2026"]}, claims=pegawai),
        # public
        "public_summary": ev(200, "GET", "/public/summary", query={"year": ["2026"]}),
        "public_summary_bad_year": ev(400, "GET", "/public/summary", query={"year": ["26"]}),
        "openapi_json": ev(200, "GET", "/openapi.json"),
        # schedule
        "nightly_rollup": (schedule_event("replika-sakip-erk_rollup", time="2026-07-06T19:30:00Z"), 200),
    }
