"""Review #10, from the disposition to the recommendation: each step by its own person
(separation of duties), the technical OPD assigned by the head of region, the site visit's berita
acara and photos (staff only), the checklist that must hold, and the RAB's numbered revisions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from replika_infra.local.gateway import load_app
from tests.conftest import auth_header
from tests.integration.test_sabilulungan_api import (
    DINSOS,
    KDH,
    OPD,
    OTHER_OPD,
    REVISION,
    TAPD,
    TU,
    Api,
    bansos,
    dispose,
    in_evaluation,
    put_object,
    recommend,
    site_upload,
    site_visit,
    step,
    submitted,
    upload_all,
)

DINSOS2 = auth_header("198001012005011006", "32.73.10", "pegawai")  # a colleague at Dinas Sosial


@pytest.fixture
def api(region_stack: dict[str, str]) -> Any:
    with Client(load_app("sabilulungan")) as client:
        yield Api(client)


def test_one_dinas_sosial_officer_cannot_do_every_step(api: Api, region_stack: dict[str, str]) -> None:
    """The reproduction: one officer enters a bansos recipient, then evaluates it (Dinas Sosial is
    also the technical OPD), sets its amount with a TAPD hat on, verifies its LPJ."""
    draft = api("POST", "/proposals", DINSOS, bansos(opd="32.73.10"), status=201)
    upload_all(api, region_stack, draft["id"], DINSOS)
    p = api("POST", f"/proposals/{draft['id']}/submit", DINSOS, {"version": draft["version"] + 12})
    p = in_evaluation(api, p, opd="32.73.10")
    for bad in (
        lambda: site_upload(api, p, "foto", DINSOS, status=409),
        lambda: recommend(api, p, DINSOS, status=409, legal_entity=False),
        lambda: step(api, p, DINSOS, "reject", status=409, reason="tidak layak"),
    ):
        err = bad()["error"]
        assert err["code"] == "separation_of_duties", err
        assert err["details"]["conflicts_with"] == ["entry", "submission"]
    assert api("GET", f"/proposals/{p['id']}", DINSOS)["version"] == p["version"]  # nothing changed
    p = site_visit(api, p, DINSOS2)
    p = recommend(api, p, DINSOS2, legal_entity=False)  # an individual: no legal body to check
    assert p["state"] == "setting"
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    # the evaluator, also a TAPD member, may not set the amount of what they evaluated
    both = auth_header("198001012005011006", "32.73.10", "pegawai", "tapd")
    err = api(
        "POST", f"/proposals/{p['id']}/amount", both, {"version": p["version"], "amount": 1}, status=409
    )
    assert err["error"]["details"] == {"step": "amount_setting", "conflicts_with": ["evaluation"]}
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    assert p["state"] == "dnc"
    acted = _stored(p["id"])["acted"]
    assert acted["entry"] == acted["submission"] == ["nip:198001012005011003"]
    assert acted["evaluation"] == ["nip:198001012005011006"]


def _stored(proposal_id: str) -> dict[str, Any]:
    from replika.sabilulungan import store

    return store.get_proposal(proposal_id).model_dump(mode="json")


def test_the_head_of_region_assigns_the_technical_opd(api: Api, region_stack: dict[str, str]) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = submitted(api, region_stack, applicant)  # the applicant suggests 1.02
    assert (p["opd"], p["suggested_opd"], p["opd_assigned"]) == ("1.02", "1.02", False)
    p = step(api, p, TU, "forward")
    # the disposition needs the OPD (400), is the head of region's (403), and no longer a transition
    api("POST", f"/proposals/{p['id']}/disposition", KDH, {"version": p["version"]}, status=400)
    api(
        "POST",
        f"/proposals/{p['id']}/disposition",
        TAPD,
        {"version": p["version"], "opd": "2.01"},
        status=403,
    )
    step(api, p, KDH, "dispose", status=400)
    p = dispose(api, p, "2.01")
    assert (p["opd"], p["suggested_opd"], p["opd_assigned"]) == ("2.01", "1.02", True)
    p = step(api, p, TAPD, "consider")
    # only the assigned OPD's staff evaluate; the suggested one does not even see it
    recommend(api, p, OPD, status=404)
    site_upload(api, p, "foto", OPD, status=404)
    p = site_visit(api, p, OTHER_OPD)
    assert recommend(api, p, OTHER_OPD)["state"] == "setting"
    # TAPD's queue shows the assigned OPD
    assert api("GET", "/queue?state=setting", TAPD)["items"][0]["opd"] == "2.01"


def test_the_checklist_must_hold_to_recommend(api: Api, region_stack: dict[str, str]) -> None:
    p = in_evaluation(api, submitted(api, region_stack, auth_header("1", None, "pemohon")))
    bad = recommend(api, p, status=409)["error"]  # every box ticked, no site visit behind them
    assert (bad["code"], bad["details"]["failed"]) == (
        "checklist_incomplete",
        ["site_visit_report", "site_visit_photos"],
    )
    report = site_upload(api, p, "berita-acara", OPD)
    put_object(region_stack, report["key"])
    p = api("GET", f"/proposals/{p['id']}", OPD)
    body = {"version": p["version"], "number": "BA-17/2027", "visited_on": "2026-11-02"}
    p = api("POST", f"/proposals/{p['id']}/site-visit", OPD, body)
    photo = site_upload(api, p, "foto", OPD)  # a link, but nothing uploaded to it yet
    p = api("GET", f"/proposals/{p['id']}", OPD)
    assert recommend(api, p, status=409)["error"]["details"]["failed"] == ["site_visit_photos"]
    put_object(region_stack, photo["key"])
    unticked = recommend(api, p, status=409, prices_match_ssh=False, ktp_verified=False, legal_entity=False)
    assert unticked["error"]["details"]["failed"] == ["prices_match_ssh", "ktp_verified", "legal_entity"]
    after = api("GET", f"/proposals/{p['id']}", OPD)
    assert (after["state"], after["version"], after["recommended"]) == ("evaluation", p["version"], None)
    # the officer may still return it instead
    assert step(api, after, OPD, "return", reason="Lengkapi RAB")["state"] == "returned"


def test_site_visit_uploads_are_the_technical_opds_during_evaluation(
    api: Api, region_stack: dict[str, str]
) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = submitted(api, region_stack, applicant)
    assert site_upload(api, p, "foto", OPD, status=404)  # not assigned yet: not even visible
    p = in_evaluation(api, p)
    photo = {"code": "foto", "filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    api("POST", f"/proposals/{p['id']}/site-visit/upload", OPD, photo, status=415)  # photos are images
    assert site_upload(api, p, "ktp", OPD, status=404)["error"]["code"] == "unknown_document"
    site_upload(api, p, "foto", TAPD, status=403)
    site_upload(api, p, "foto", applicant, status=403)
    p = site_visit(api, p)
    future = {"version": p["version"], "number": "BA-1/2027", "visited_on": "2999-01-01"}
    api("POST", f"/proposals/{p['id']}/site-visit", OPD, future, status=400)
    record = api("GET", f"/proposals/{p['id']}/evaluation", TAPD)["site_visit"]
    assert record["number"] == "BA-17/2027" and record["visited_on"] == "2026-11-02"
    assert "nip:198001012005011002" in record["officer"]
    assert record["report"]["key"].startswith(f"sabilulungan/{p['id']}/site-visit/berita-acara/")
    assert [f["key"].split("/")[3] for f in record["photos"]] == ["foto"]
    assert record["photos"][0]["url"].startswith("https://")
    api("GET", f"/proposals/{p['id']}/evaluation", applicant, status=403)  # staff only
    p = recommend(api, p)
    site_upload(api, p, "foto", OPD, status=409)  # after the evaluation: no more
    pub = json.dumps(api("GET", f"/public/proposals/{p['number']}"))
    assert "BA-17" not in pub and "site-visit" not in pub


def test_rab_revisions_keep_their_lines_reason_and_officer(api: Api, region_stack: dict[str, str]) -> None:
    p = site_visit(api, in_evaluation(api, submitted(api, region_stack, auth_header("1", None, "pemohon"))))
    second = {
        "reason": "Upah tukang mengikuti SSH 2027",
        "rab": [{**REVISION["rab"][0]}, {**REVISION["rab"][1], "unit_price": 140_000}],
    }
    body = {
        "version": p["version"],
        "amount": 30_000_000,
        "checklist": _ticked(),
        "rab_revisions": [REVISION, second],
    }
    p = api("POST", f"/proposals/{p['id']}/recommendation", OPD, body)
    assert [(r["no"], r["rab_total"]) for r in p["revisions"]] == [(1, 31_000_000), (2, 30_400_000)]
    record = api("GET", f"/proposals/{p['id']}/evaluation", KDH)
    assert [line["unit_price"] for line in record["rab_submitted"]] == [25_000, 150_000]  # as submitted
    first, again = record["revisions"]
    assert (first["no"], first["reason"], [r["unit_price"] for r in first["rab"]]) == (
        1,
        "Harga genteng disesuaikan SSH",
        [22_000, 150_000],
    )
    assert (again["no"], [r["total"] for r in again["rab"]]) == (2, [22_000_000, 8_400_000])
    assert "nip:198001012005011002" in first["by"] and first["at"] == again["at"]
    assert record["checklist"]["prices_match_ssh"] and record["blocking_at_evaluation"] == []


def _ticked() -> dict[str, bool]:
    from replika_infra.demo.demo_sabilulungan import CHECKLIST

    return dict(CHECKLIST)
