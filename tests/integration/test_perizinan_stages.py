"""Perizinan's staged path as the catalogue describes it, in moto through the app: the required
documents uploaded and HEAD-checked before submission, the site visit (report and photos, staff
only), separation of duties across stages, a single-stage type without a signature, the head of
DPMPTSP's escalation queue, the SLA clock isolating a KMS failure, and the stamped PDF of a
revoked permit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from replika.core import runtime
from tests.conftest import auth_header
from tests.integration import test_perizinan_api as api
from tests.integration.test_perizinan_api import OFFICE, SIGNER, act, apply, call, upload
from tests.integration.test_perizinan_api import client as client

TEKNIS = auth_header("199001012015011001", api.TEKNIS_OPD, "pegawai")
OFFICE_2 = auth_header("198603162011011002", "1.01", "dpmptsp")


def _stage(code: str, kind: str, role: str = "dpmptsp", **kw: Any) -> dict[str, Any]:
    return {"code": code, "name": f"Tahap {code}", "role": role, "sla_days": 2, "kind": kind, **kw}


# -- 2: required documents --------------------------------------------------------------------------


def test_every_required_document_is_uploaded_before_submission(client: Client) -> None:
    call(client, "POST", "/catalogue", OFFICE, api._type("DOKS", documents=["ktp", "denah"]))
    applicant = auth_header("a9", None, "pemohon")
    call(client, "PUT", "/me", applicant, {"name": "Asep", "nik": "3273010101900009"})
    listed = {"documents": ["ktp", "denah"]}
    st, err = apply(client, applicant, "DOKS", **listed)
    assert st == 400 and err["error"]["code"] == "documents_missing"
    assert err["error"]["details"]["missing"] == ["ktp", "denah"]
    upload(client, applicant, "/documents", {"code": "ktp"})
    upload(client, applicant, "/documents", {"code": "denah"}, put=False)  # link asked, nothing sent
    st, err = apply(client, applicant, "DOKS", **listed)
    assert st == 400 and err["error"]["details"]["missing"] == ["denah"], err  # HEAD finds no object
    assert call(client, "GET", "/applications/mine", applicant)[1]["items"] == []  # nothing saved
    upload(client, applicant, "/documents", {"code": "denah"})
    st, app = apply(client, applicant, "DOKS", **listed)
    assert st == 201 and app["documents"] == ["denah", "ktp"], app
    # the report-only path checks its required documents too
    st, err = apply(client, applicant, "DOKS", capital=100_000_000, documents=["ktp"])
    assert st == 400 and err["error"]["details"]["missing"] == ["denah"]
    assert apply(client, applicant, "DOKS", capital=100_000_000, **listed)[1]["status"] == "registered"
    # the document check gets download links; the applicant and another OPD's pegawai do not
    st, links = call(client, "GET", f"/applications/{app['number']}/files", OFFICE)
    assert st == 200 and [d["code"] for d in links["documents"]] == ["denah", "ktp"]
    assert all(d["url"].startswith("http") for d in links["documents"])
    assert call(client, "GET", f"/applications/{app['number']}/files", applicant)[0] == 403
    other_opd = auth_header("199001012015011009", "1.09", "pegawai")
    assert call(client, "GET", f"/applications/{app['number']}/files", other_opd)[0] == 403
    # an upload link refuses a type the bucket policy would refuse anyway
    st, err = call(
        client,
        "POST",
        "/documents",
        applicant,
        {"code": "ktp", "filename": "x.exe", "content_type": "application/x-msdownload", "size": 5},
    )
    assert st == 400, err


# -- 1: the site visit ------------------------------------------------------------------------------


def test_a_site_visit_stage_needs_its_report_and_a_photo_and_only_staff_see_them(client: Client) -> None:
    applicant = api._setup(client)
    visit = _stage("visitasi", "technical", "pegawai", opd=api.TEKNIS_OPD, site_visit=True)
    stages = [_stage("terima", "receive"), visit, _stage("ttd", "signature")]
    assert call(client, "POST", "/catalogue", OFFICE, api._type("VISIT", stages=stages))[0] == 201
    number = apply(client, applicant, "VISIT")[1]["number"]
    report = {
        "date": "2026-08-14",
        "officers": ["Ir. Dadang", "Neneng S.T."],
        "findings": "Bangunan sesuai denah; APAR tersedia.",
        "recommendation": "Layak diterbitkan",
    }
    path = f"/applications/{number}/visit"
    # not yet at the technical stage
    assert call(client, "PUT", path, TEKNIS, report)[1]["error"]["code"] == "not_visit_stage"
    assert act(client, number, OFFICE)[0] == 200
    assert call(client, "PUT", path, OFFICE, report)[0] == 403  # not the stage's role
    assert call(client, "PUT", path, applicant, report)[0] == 403
    st, err = act(client, number, TEKNIS)
    assert st == 409 and err["error"]["code"] == "visit_incomplete"
    assert err["error"]["details"]["missing"] == ["laporan", "foto"]
    st, out = call(client, "PUT", path, TEKNIS, report)
    assert st == 200 and out["officers"] == report["officers"] and out["photos"] == []
    upload(client, TEKNIS, f"{path}/photos", {"kind": "berita-acara"})  # a scan is not a photo
    upload(client, TEKNIS, f"{path}/photos", {"kind": "foto", "content_type": "image/jpeg"}, put=False)
    st, err = act(client, number, TEKNIS)
    assert st == 409 and err["error"]["details"]["missing"] == ["foto"]  # linked, never uploaded
    upload(client, TEKNIS, f"{path}/photos", {"kind": "foto", "content_type": "image/jpeg"})
    st, moved = act(client, number, TEKNIS)
    assert st == 200 and moved["stage"]["code"] == "ttd", moved
    assert call(client, "PUT", path, TEKNIS, report)[1]["error"]["code"] == "not_visit_stage"
    # staff see the report; the applicant and the public pages never do
    staff = call(client, "GET", f"/applications/{number}", OFFICE)[1]
    assert staff["visits"][0]["findings"] == report["findings"] and len(staff["visits"][0]["photos"]) == 3
    assert call(client, "GET", f"/applications/{number}", applicant)[1]["visits"] is None
    assert all(a["visits"] is None for a in call(client, "GET", "/applications/mine", applicant)[1]["items"])
    public = call(client, "GET", f"/public/applications/{number}")[1]
    assert set(public) == {"number", "status", "stage", "role", "due"}
    links = call(client, "GET", f"/applications/{number}/files", OFFICE)[1]
    assert sorted(p["code"] for p in links["visit_photos"]) == [
        "visitasi/berita-acara",
        "visitasi/foto",
        "visitasi/foto",
    ]


# -- 3 and 8: stages follow the catalogue -----------------------------------------------------------


def test_one_person_may_not_decide_two_stages_that_must_be_independent(client: Client) -> None:
    applicant = api._setup(client)
    stages = [
        _stage("berkas", "document-check"),
        _stage("back", "back-office"),
        _stage("rek", "recommendation"),
    ]
    stages.append(_stage("ttd", "signature"))
    assert call(client, "POST", "/catalogue", OFFICE, api._type("SOD", stages=stages))[0] == 201
    number = apply(client, applicant, "SOD")[1]["number"]
    assert act(client, number, OFFICE)[0] == 200  # the document check
    for action in ({}, {"action": "reject", "reason": "tidak lengkap"}):
        st, err = act(client, number, OFFICE, **action)  # the back office: the same person
        assert st == 409 and err["error"]["code"] == "separation_of_duties", err
        assert err["error"]["details"] == {"stage": "back", "decided": "berkas"}
    assert act(client, number, OFFICE_2)[0] == 200
    assert act(client, number, SIGNER)[0] == 200  # the official gives the recommendation...
    st, err = act(client, number, SIGNER)  # ...and may not sign it
    assert st == 409 and err["error"]["code"] == "separation_of_duties"
    assert call(client, "GET", f"/public/applications/{number}")[1]["stage"] == "Tahap ttd"


def test_a_single_stage_type_is_not_a_signature_unless_the_catalogue_says_so(client: Client) -> None:
    applicant = api._setup(client)
    one = api._type("SATU", stages=[_stage("verifikasi", "document-check")], fee=0)
    assert call(client, "POST", "/catalogue", OFFICE, one)[1]["stages"][0]["kind"] == "document-check"
    number = apply(client, applicant, "SATU")[1]["number"]
    st, out = act(client, number, OFFICE)  # any DPMPTSP officer: nothing is signed at this stage
    assert st == 200 and out["status"] == "issued", out
    permit = call(client, "GET", f"/permits/{out['permit_number']}", applicant)[1]
    pol = runtime.current().region.perizinan
    assert (permit["official_name"], permit["official_nip"]) == (pol.official_name, pol.official_nip)
    signed = api._type("SATUTTD", stages=[_stage("ttd", "signature")], fee=0)
    assert call(client, "POST", "/catalogue", OFFICE, signed)[0] == 201
    number = apply(client, applicant, "SATUTTD")[1]["number"]
    assert act(client, number, OFFICE)[1]["error"]["code"] == "not_signing_official"
    assert act(client, number, SIGNER)[1]["status"] == "issued"
    bad = api._type("BAD", stages=[_stage("a", "review", site_visit=True)])
    st, err = call(client, "POST", "/catalogue", OFFICE, bad)
    assert st == 400, err  # a site visit only on a technical stage


# -- 4 and 5: the SLA clock ---------------------------------------------------------------------------


def _lapsed(client: Client, monkeypatch: pytest.MonkeyPatch, fiktif: bool, n: int) -> tuple[list[str], date]:
    from replika.perizinan.service import applications, clock, common, escalations, permits

    applicant = api._setup(client)
    call(client, "POST", "/catalogue", OFFICE, api._type("NOFEE", fee=0))
    apps = [apply(client, applicant, "NOFEE")[1] for _ in range(n)]
    pol = runtime.current().region.perizinan.model_copy(update={"fiktif_positif": fiktif})
    for module in (common, clock, permits, applications, escalations):
        monkeypatch.setattr(module, "policy", lambda: pol)
    return [a["number"] for a in apps], date.fromisoformat(apps[0]["total_due"])


def test_escalations_queue_for_the_head_who_decides_or_reassigns(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core import audit
    from replika.perizinan.service import clock, common, escalations

    (first, second), due = _lapsed(client, monkeypatch, fiktif=False, n=2)
    after = due + timedelta(days=3)
    assert sorted(clock.run(on=after).escalated) == sorted([first, second])
    assert clock.run(on=after + timedelta(days=1)).escalated == []  # once
    for module in (common, escalations):
        monkeypatch.setattr(module, "today", lambda: after)
    st, page = call(client, "GET", "/escalations", SIGNER)
    assert st == 200 and sorted(i["number"] for i in page["items"]) == sorted([first, second])
    item = page["items"][0]
    assert (
        item["total_due"] == due.isoformat() and item["overdue_days"] >= 1 and item["stage"] == "Penerimaan"
    )
    assert call(client, "GET", "/escalations", OFFICE)[1]["error"]["code"] == "not_head"
    body = {"action": "reassign", "days": 2}
    assert call(client, "POST", f"/applications/{first}/escalation", OFFICE, body)[0] == 403
    st, moved = call(client, "POST", f"/applications/{first}/escalation", SIGNER, body)
    assert st == 200 and not moved["escalated"] and moved["total_due"] > after.isoformat(), moved
    assert [i["number"] for i in call(client, "GET", "/escalations", SIGNER)[1]["items"]] == [second]
    assert call(client, "POST", f"/applications/{first}/escalation", SIGNER, body)[1]["error"]["code"] == (
        "not_escalated"
    )
    st, err = call(client, "POST", f"/applications/{second}/escalation", SIGNER, {"action": "reject"})
    assert st == 400 and err["error"]["code"] == "reason_required"
    st, granted = call(client, "POST", f"/applications/{second}/escalation", SIGNER, {"action": "grant"})
    assert st == 200 and granted["status"] == "issued" and granted["permit_number"], granted
    assert call(client, "GET", "/escalations", SIGNER)[1]["items"] == []
    actions = [e.action for e in audit.trail(f"perizinan-application#{second}").items]
    assert "application.escalate" in actions and "application.grant" in actions


def test_a_kms_failure_stops_one_application_and_the_rerun_issues_it_once(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from replika.perizinan.service import clock, permits

    numbers, due = _lapsed(client, monkeypatch, fiktif=True, n=3)
    real, calls = permits.sign, []

    def flaky(payload: bytes) -> bytes:
        calls.append(payload)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "KMSInternalException", "Message": "x"}}, "Sign")
        return real(payload)

    monkeypatch.setattr(permits, "sign", flaky)
    first = clock.run(on=due + timedelta(days=1))
    assert len(first.failed) == 1 and len(first.granted) == 2
    assert sorted(first.failed + first.granted) == sorted(numbers)
    (failed,) = first.failed
    assert call(client, "GET", f"/public/applications/{failed}")[1]["status"] == "in_review"
    second = clock.run(on=due + timedelta(days=2))
    assert second.granted == [failed] and second.failed == []
    assert clock.run(on=due + timedelta(days=3)).granted == []
    permits_of = [call(client, "GET", f"/applications/{n}", OFFICE)[1]["permit_number"] for n in numbers]
    assert all(permits_of) and len(set(permits_of)) == 3
    from replika.perizinan.service import common

    stats = call(client, "GET", f"/public/stats?year={common.today().year}")[1]
    nofee = {t["type_code"]: t for t in stats["types"]}["NOFEE"]
    assert (nofee["issued"], nofee["fiktif_positif"], nofee["decided"]) == (3, 3, 3)


# -- 7: the revoked permit's PDF ---------------------------------------------------------------------


def _pdf_text(number: str, stamp: str | None) -> str:
    import io

    from pypdf import PdfReader

    from replika.core import storage
    from replika.perizinan import keys

    raw = storage.get_bytes(keys.permit_document_key(number, stamp))
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


def test_a_revoked_permit_pdf_carries_the_stamp(client: Client) -> None:
    applicant = api._setup(client)
    app = apply(client, applicant, "SIUP", capital=100_000_000)[1]  # registered at once
    number = app["permit_number"]
    assert call(client, "GET", f"/permits/{number}/document", applicant)[0] == 200
    assert "DICABUT" not in _pdf_text(number, None)
    reason = "data modal tidak benar"
    assert call(client, "POST", f"/permits/{number}/revoke", OFFICE, {"reason": reason})[0] == 200
    st, doc = call(client, "GET", f"/permits/{number}/document", applicant)
    assert st == 200 and "-revoked.pdf" in doc["url"].split("?")[0]
    text = _pdf_text(number, "revoked")
    assert "DICABUT" in text and reason in text and number in text
    code = call(client, "GET", f"/permits/{number}", applicant)[1]["verify_code"]
    assert call(client, "GET", f"/public/verify/{code}")[1]["status"] == "revoked"


def test_schema_and_catalogue_guard_site_visits() -> None:
    from pydantic import ValidationError

    from replika.perizinan.models import PermitTypeIn

    base = {"code": "X1", "name": "Izin X", "form_schema": api.SCHEMA}
    with pytest.raises(ValidationError):  # a visit on a stage that is not technical
        PermitTypeIn.model_validate({**base, "stages": [_stage("a", "review", site_visit=True)]})
    with pytest.raises(ValidationError):  # a signature held by the technical team
        PermitTypeIn.model_validate({**base, "stages": [_stage("a", "signature", "pegawai", opd="1.03")]})


def test_the_stamp_says_revoked_or_expired_and_nothing_while_valid() -> None:
    from replika.perizinan.service.permits import stamp_of
    from replika.perizinan.tables import PerizinanItem

    body = {
        "fields": {"until": "2027-01-30"},
        "revoked_reason": "data palsu",
        "revoked_at": "2026-09-01T03:00:00Z",
    }
    valid = PerizinanItem("PERMIT#X", "PERMIT", revoked=False, data=body)
    assert stamp_of(valid, date(2027, 1, 30)) is None
    expired = stamp_of(valid, date(2027, 1, 31))
    assert expired is not None and expired["title"] == "KEDALUWARSA" and "2027-01-30" in expired["text"]
    revoked = stamp_of(PerizinanItem("PERMIT#X", "PERMIT", revoked=True, data=body), date(2026, 9, 2))
    assert revoked == {"status": "revoked", "title": "DICABUT", "text": "Dicabut 2026-09-01: data palsu"}
