"""Sabilulungan end to end in moto: an organisation registers, drafts, uploads its documents and
submits; each role takes its step (with a return that comes back to the same step); TAPD's
ceiling holds (409 with a clear message); the head of region's approval is blocked for a
duplicate recipient unless overridden; NPHD, disbursement, LPJ, the 11 January job; public pages
carry nothing personal."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from replika_infra.demo.demo_sabilulungan import CHECKLIST
from replika_infra.local.gateway import load_app
from tests.conftest import auth_header

NIK = "3273010101800001"
BANK = "1234567890123"
STREET = "Jl. Merdeka No. 5 RT 01 RW 02"
TU = auth_header("198001012005011001", "32.73.01", "pegawai")
OPD = auth_header("198001012005011002", "1.02", "pegawai")
OPD2 = auth_header("198001012005011005", "1.02", "pegawai")  # another officer of the technical OPD
DINSOS = auth_header("198001012005011003", "32.73.10", "pegawai")
OTHER_OPD = auth_header("198001012005011004", "2.01", "pegawai")
KDH = auth_header("197001012000011001", None, "kepala-daerah")
TAPD = auth_header("197501012000011001", None, "tapd")
BPKAD = auth_header("197601012000011001", None, "bpkad")


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def __call__(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        status: int = 200,
    ) -> Any:
        r = self.client.http.request(
            method,
            path,
            headers={**(headers or {}), "Content-Type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
        )
        assert r.status_code == status, (method, path, r.status_code, r.body)
        ctype = {k.lower(): v for k, v in r.headers.items()}.get("content-type", "")
        return json.loads(r.body) if ctype.startswith("application/json") else r.body.decode()


@pytest.fixture
def api(region_stack: dict[str, str]) -> Any:
    with Client(load_app("sabilulungan")) as client:
        yield Api(client)


def profile(name: str = "Yayasan Nurul Huda", street: str = STREET) -> dict[str, Any]:
    return {
        "name": name,
        "legal_body_number": "AHU-0012345.AH.01.04",
        "registered_on": "2019-05-01",
        "npwp": "01.234.567.8-429.000",
        "address": {
            "street": street,
            "kelurahan": "Citarum",
            "kecamatan": "Bandung Wetan",
            "region_code": "32.73",
        },
        "management": [{"position": "Ketua", "name": "H. Ahmad Sobari"}],
        "bank_account": {"bank": "bjb", "number": BANK, "holder": name},
    }


def proposal(year: int = 2027, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "hibah",
        "year": year,
        "opd": "1.02",
        "title": "Renovasi sekretariat",
        "purpose": "Perbaikan atap dan ruang belajar",
        "activity_plan": "Juni-Agustus: pengadaan bahan, pengerjaan",
        "rab": [
            {"description": "Genteng", "quantity": 1000, "unit": "buah", "unit_price": 25_000},
            {"description": "Upah tukang", "quantity": 60, "unit": "HOK", "unit_price": 150_000},
        ],
        "requested": 34_000_000,
        **extra,
    }


def bansos(opd: str = "1.06", nik: str = NIK) -> dict[str, Any]:
    """An individual bansos recipient, as the responsible OPD (Dinas Sosial) enters it."""
    address = {
        "street": "Gg. Sukamaju 3",
        "kelurahan": "Cibangkong",
        "kecamatan": "Batununggal",
        "region_code": "32.73",
    }
    return proposal(
        2027, kind="bansos", opd=opd, individual={"nik": nik, "name": "Siti Nurhaliza", "address": address}
    )


def put_object(region_stack: dict[str, str] | None, key: str) -> None:
    """The client's upload to a presigned link (the stack's documents bucket)."""
    bucket = (region_stack or os.environ)["DOCUMENTS_BUCKET"]
    boto3.client("s3", region_name="ap-southeast-3").put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4 test")


def upload_all(api: Api, region_stack: dict[str, str], pid: str, who: dict[str, str]) -> None:
    got = api("GET", f"/proposals/{pid}", who)
    for doc in got["documents"]:
        link = api(
            "POST",
            f"/proposals/{pid}/documents",
            who,
            {
                "code": doc["code"],
                "filename": f"{doc['code']}.pdf",
                "content_type": "application/pdf",
                "size": 10,
            },
            status=201,
        )
        assert link["key"].startswith(f"sabilulungan/{pid}/{doc['code']}/")
        put_object(region_stack, link["key"])


def submitted(
    api: Api,
    region_stack: dict[str, str],
    applicant: dict[str, str],
    year: int = 2027,
    prof: dict[str, Any] | None = None,
) -> dict[str, Any]:
    api("PUT", "/applicants/me", applicant, prof or profile())
    draft = api("POST", "/proposals", applicant, proposal(year), status=201)
    assert draft["rab_total"] == 34_000_000 and draft["rab"][0]["total"] == 25_000_000
    upload_all(api, region_stack, draft["id"], applicant)
    return api("POST", f"/proposals/{draft['id']}/submit", applicant, {"version": draft["version"] + 12})


def step(
    api: Api, p: dict[str, Any], who: dict[str, str], action: str, status: int = 200, **kw: Any
) -> dict[str, Any]:
    return api(
        "POST",
        f"/proposals/{p['id']}/transition",
        who,
        {"action": action, "version": p["version"], **kw},
        status=status,
    )


def dispose(api: Api, p: dict[str, Any], opd: str = "1.02", status: int = 200) -> dict[str, Any]:
    """The head of region's disposition, assigning the technical OPD."""
    body = {"version": p["version"], "opd": opd}
    return api("POST", f"/proposals/{p['id']}/disposition", KDH, body, status=status)


def set_amount(api: Api, p: dict[str, Any], amount: int, status: int = 200) -> Any:
    return api(
        "POST",
        f"/proposals/{p['id']}/amount",
        TAPD,
        {"version": p["version"], "amount": amount},
        status=status,
    )


def file_upload(api: Api, p: dict[str, Any], what: str, who: dict[str, str], status: int = 201) -> Any:
    """The upload link of the signed NPHD (``nphd``) or the LPJ (``lpj``)."""
    body = {"code": what, "filename": f"{what}.pdf", "content_type": "application/pdf", "size": 10}
    return api("POST", f"/proposals/{p['id']}/{what}/upload", who, body, status=status)


def sign_nphd(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    """The technical OPD uploads the signed NPHD scan and records the signature."""
    put_object(None, file_upload(api, p, "nphd", OPD)["key"])
    p = api("GET", f"/proposals/{p['id']}", OPD)
    return api("POST", f"/proposals/{p['id']}/nphd/signed", OPD, {"version": p["version"]})


def disburse(
    api: Api, monkeypatch: pytest.MonkeyPatch, p: dict[str, Any], status: int = 200, **body: Any
) -> Any:
    """BPKAD records the SP2D of 1 March 2027 (that day, region time): 30.000.000 unless said."""
    from replika.sabilulungan.service import common

    monkeypatch.setattr(common, "today", lambda: date(2027, 3, 1))
    sp2d = {
        "version": p["version"],
        "sp2d_number": "SP2D-9/2027",
        "sp2d_date": "2027-03-01",
        "amount": 30_000_000,
    }
    return api("POST", f"/proposals/{p['id']}/disbursement", BPKAD, {**sp2d, **body}, status=status)


def site_upload(api: Api, p: dict[str, Any], code: str, who: dict[str, str], status: int = 201) -> Any:
    ctype = "image/jpeg" if code == "foto" else "application/pdf"
    body = {"code": code, "filename": f"{code}.jpg", "content_type": ctype, "size": 10}
    return api("POST", f"/proposals/{p['id']}/site-visit/upload", who, body, status=status)


def site_visit(api: Api, p: dict[str, Any], who: dict[str, str] = OPD) -> Any:
    """The technical OPD's site visit: berita acara number and date, its scan and one photo."""
    for code in ("berita-acara", "foto"):
        put_object(None, site_upload(api, p, code, who)["key"])
    p = api("GET", f"/proposals/{p['id']}", who)
    body = {"version": p["version"], "number": "BA-17/2027", "visited_on": "2026-11-02"}
    return api("POST", f"/proposals/{p['id']}/site-visit", who, body)


def in_evaluation(api: Api, p: dict[str, Any], opd: str = "1.02") -> dict[str, Any]:
    p = step(api, p, TU, "forward")
    p = dispose(api, p, opd)
    return step(api, p, TAPD, "consider")


REVISION = {
    "reason": "Harga genteng disesuaikan SSH",
    "rab": [
        {"description": "Genteng", "quantity": 1000, "unit": "buah", "unit_price": 22_000},
        {"description": "Upah tukang", "quantity": 60, "unit": "HOK", "unit_price": 150_000},
    ],
}


def recommend(
    api: Api, p: dict[str, Any], who: dict[str, str] = OPD, status: int = 200, **checklist: bool
) -> dict[str, Any]:
    """The technical OPD's recommendation (30.000.000, one RAB revision to the SSH price)."""
    body = {
        "version": p["version"],
        "amount": 30_000_000,
        "checklist": {**CHECKLIST, **checklist},
        "rab_revisions": [REVISION],
    }
    return api("POST", f"/proposals/{p['id']}/recommendation", who, body, status=status)


def through_setting(api: Api, p: dict[str, Any], status: int = 200, **checklist: bool) -> dict[str, Any]:
    return recommend(api, site_visit(api, in_evaluation(api, p)), status=status, **checklist)


def test_full_flow(api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = submitted(api, region_stack, applicant)
    assert re.fullmatch(r"HBH-2027-[0-9]{6}", p["number"]) and p["state"] == "submitted"
    # only TU forwards; TAPD may not, and the OPD the applicant suggested sees nothing until the
    # head of region assigns it; a return comes back to the same step
    step(api, p, TAPD, "forward", status=403)
    step(api, p, OPD, "forward", status=404)
    p = step(api, p, TU, "return", reason="Surat domisili kedaluwarsa")
    assert (p["state"], p["returned_from"]) == ("returned", "submitted")
    p = step(api, p, applicant, "resubmit")
    assert p["state"] == "submitted"
    p = through_setting(api, p)
    assert p["state"] == "setting" and p["recommended"] == 30_000_000 and p["revisions"][0]["no"] == 1
    assert p["rab_total"] == 31_000_000
    # the year's ceiling, set by TAPD
    bad = set_amount(api, p, 30_000_000, status=409)
    assert bad["error"]["code"] == "no_ceiling"
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 25_000_000})
    bad = set_amount(api, p, 30_000_000, status=409)
    assert bad["error"]["code"] == "ceiling_exceeded" and "Rp 25.000.000" in bad["error"]["message"]
    bad = set_amount(api, p, 31_000_000, status=409)
    assert bad["error"]["code"] == "set_exceeds_recommended"
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    assert p["state"] == "dnc"
    low = api("PUT", "/budgets/2027", TAPD, {"ceiling": 10_000_000}, status=409)
    assert low["error"]["code"] == "ceiling_below_allocated"
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    assert p["state"] == "approved" and p["approved"] == 30_000_000
    nphd = api("POST", f"/proposals/{p['id']}/nphd", OPD)
    assert nphd["number"] == f"NPHD/{p['number']}"
    bad = api("POST", f"/proposals/{p['id']}/nphd/signed", OPD, {"version": p["version"]}, status=409)
    p = sign_nphd(api, p)
    over = disburse(api, monkeypatch, p, status=409, sp2d_number="SP2D-0001/2027", amount=30_000_001)
    assert over["error"]["code"] == "disbursed_exceeds_approved"
    p = disburse(api, monkeypatch, p, sp2d_number="SP2D-0001/2027")
    assert p["state"] == "disbursed" and p["lpj_due"] == "2028-01-10"  # from the SP2D date

    # public pages: stage with dates, recipients (JSON and CSV), summary; nothing personal
    pub = api("GET", f"/public/proposals/{p['number']}")
    assert pub["stage"] == "disbursed" and [s["state"] for s in pub["stages"]][:2] == ["draft", "submitted"]
    year = int(p["number"][4:8])
    page = api("GET", f"/public/recipients?year={year}")
    assert page["items"][0]["proposal_number"] == p["number"]
    assert page["items"][0]["amount_disbursed"] == 30_000_000
    csv = api("GET", f"/public/recipients?year={year}&format=csv")
    assert csv.splitlines()[0].startswith("proposal_number,name,kelurahan")
    summary = api("GET", "/public/summary")
    assert {
        "year": 2027,
        "budget_ceiling": 100_000_000,
        "realised": 30_000_000,
        "recipients_paid": 1,
        "recipients_reported": 0,
    } in summary["years"]
    for text in (json.dumps(pub), json.dumps(page), csv, json.dumps(summary)):
        assert BANK not in text and "Merdeka" not in text and "01.234.567" not in text and NIK not in text

    # the 11 January job (run as at 11 January 2029, local): LPJ overdue, SNS to the OPD
    from replika.sabilulungan.service import reports

    marked = reports.mark_overdue(datetime(2029, 1, 10, 17, 0, tzinfo=UTC))
    assert marked.marked == [p["number"]]
    assert reports.mark_overdue(datetime(2029, 1, 10, 17, 0, tzinfo=UTC)).marked == []  # idempotent
    p = api("GET", f"/proposals/{p['id']}", applicant)
    assert p["state"] == "lpj_overdue"
    # an overdue recipient is ineligible until they report
    again = api("POST", "/proposals", applicant, proposal(2028), status=201)
    upload_all(api, region_stack, again["id"], applicant)
    refused = api(
        "POST", f"/proposals/{again['id']}/submit", applicant, {"version": again["version"] + 12}, status=409
    )
    assert "overdue_lpj" in refused["error"]["details"]["reasons"]
    put_object(region_stack, file_upload(api, p, "lpj", applicant)["key"])
    p = api("GET", f"/proposals/{p['id']}", applicant)
    p = api("POST", f"/proposals/{p['id']}/lpj", applicant, {"version": p["version"]})
    # the officer who evaluated it may not verify its LPJ (separation of duties): another one does
    sod = step(api, p, OPD, "verify_lpj", status=409)["error"]
    assert (sod["code"], sod["details"]["conflicts_with"]) == ("separation_of_duties", ["evaluation"])
    p = step(api, p, OPD2, "verify_lpj")
    assert p["state"] == "completed"
    dash = api("GET", "/dashboard?year=2027", TAPD)
    assert dash["by_state"]["completed"] == 1 and dash["budget"]["recipients_reported"] == 1
    assert api("GET", "/export?year=2027", BPKAD)["url"].startswith("https://")


def test_duplicate_recipient_blocks_approval_unless_overridden(
    api: Api, region_stack: dict[str, str]
) -> None:
    api("PUT", "/budgets/2026", TAPD, {"ceiling": 100_000_000})
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    first = submitted(api, region_stack, auth_header("1", None, "pemohon"), 2026)
    first = through_setting(api, first)
    first = api(
        "POST", f"/proposals/{first['id']}/amount", TAPD, {"version": first["version"], "amount": 30_000_000}
    )
    api("POST", f"/proposals/{first['id']}/approval", KDH, {"version": first["version"]})
    # the same foundation under another account, abbreviated and with the address reordered
    twin = profile("Yys. Nurul Hudha", "Kelurahan Citarum, Bandung Wetan, Jalan Merdeka 5")
    twin["npwp"] = "02.222.333.4-429.000"
    twin["legal_body_number"] = "AHU-0099999.AH.01.04"  # no identifier in common: name + address only
    twin["bank_account"]["number"] = "9999999999"
    p = submitted(api, region_stack, auth_header("2", None, "pemohon"), 2027, twin)
    # the matcher is re-run at the evaluation: the officer's "no grant last year" may not deny it
    bad = through_setting(api, p, status=409)
    assert bad["error"]["details"] == {
        "failed": ["no_grant_previous_year"],
        "blocking_grants": [first["number"]],
    }
    p = api("GET", f"/proposals/{p['id']}", OPD)
    p = recommend(api, p, no_grant_previous_year=False)  # said as it is: the head of region decides
    found = api("GET", f"/proposals/{p['id']}/matches", OPD)
    assert found["blocked"] and found["matches"][0]["reasons"] == ["name_address"]
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    refused = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]}, status=409)
    assert refused["error"]["code"] == "duplicate_recipient"
    p = api(
        "POST",
        f"/proposals/{p['id']}/approval",
        KDH,
        {"version": p["version"], "override_reason": "Bencana longsor: sekretariat rusak berat"},
    )
    assert p["override_reason"].startswith("Bencana")


def test_bansos_for_an_individual_keeps_the_nik_private(api: Api, region_stack: dict[str, str]) -> None:
    body = bansos()
    api("POST", "/proposals", OTHER_OPD, body, status=403)
    api("POST", "/proposals", auth_header("3", None, "pemohon"), body, status=403)
    draft = api("POST", "/proposals", DINSOS, body, status=201)
    assert NIK not in json.dumps(draft)
    upload_all(api, region_stack, draft["id"], DINSOS)
    p = api("POST", f"/proposals/{draft['id']}/submit", DINSOS, {"version": draft["version"] + 12})
    assert p["number"].startswith("BSS-2027-")
    item = boto3.client("dynamodb", region_name="ap-southeast-3").get_item(
        TableName=region_stack["SABILULUNGAN_TABLE"],
        Key={"pk": {"S": f"PROPOSAL#{p['id']}"}, "sk": {"S": "META"}},
    )
    assert NIK not in json.dumps(item)
    pub = api("GET", f"/public/proposals/{p['number']}")
    assert "Siti" not in json.dumps(pub) and "Sukamaju" not in json.dumps(pub)


def test_draft_edit_and_visibility(api: Api, region_stack: dict[str, str]) -> None:
    applicant = auth_header("1", None, "pemohon")
    api("PUT", "/applicants/me", applicant, profile())
    draft = api("POST", "/proposals", applicant, proposal(), status=201)
    edited = api(
        "PUT", f"/proposals/{draft['id']}", applicant, {**proposal(), "title": "Renovasi aula", "version": 1}
    )
    assert edited["title"] == "Renovasi aula" and edited["version"] == 2
    api("PUT", f"/proposals/{draft['id']}", applicant, {**proposal(), "version": 1}, status=409)  # stale
    api("GET", f"/proposals/{draft['id']}", auth_header("9", None, "pemohon"), status=404)
    api("GET", f"/proposals/{draft['id']}", OTHER_OPD, status=404)
    too_much = api("POST", "/proposals", applicant, proposal(requested=40_000_000), status=409)
    assert too_much["error"]["code"] == "requested_exceeds_rab"
    assert api("GET", "/proposals/mine", applicant)["items"][0]["id"] == draft["id"]
    api("GET", "/public/proposals/HBH-2027-99", status=404)
