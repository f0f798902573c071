"""Holes found by the adversarial review of Sabilulungan, each closed with its reproduction: the
content of a proposal returned after the technical evaluation, the approval's amount invariants,
SP2D dates, overdue LPJ at approval and disbursement, files after the fact, queues, the ceiling's
audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from replika_infra.local.gateway import load_app
from tests.conftest import auth_header
from tests.integration.test_sabilulungan_api import (
    BPKAD,
    DINSOS,
    KDH,
    OPD,
    OTHER_OPD,
    TAPD,
    Api,
    bansos,
    disburse,
    file_upload,
    profile,
    proposal,
    put_object,
    sign_nphd,
    step,
    submitted,
    through_setting,
)


@pytest.fixture
def api(region_stack: dict[str, str]) -> Any:
    with Client(load_app("sabilulungan")) as client:
        yield Api(client)


def in_dnc(api: Api, region_stack: dict[str, str], applicant: dict[str, str]) -> dict[str, Any]:
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    p = through_setting(api, submitted(api, region_stack, applicant))
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    assert p["state"] == "dnc" and p["set_amount"] == 30_000_000
    return p


def test_returned_after_evaluation_keeps_its_evaluated_content(
    api: Api, region_stack: dict[str, str]
) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = in_dnc(api, region_stack, applicant)
    p = step(api, p, KDH, "return", reason="Lampirkan surat domisili terbaru")
    assert (p["state"], p["returned_from"]) == ("returned", "dnc")
    # the reproduction: the owner lowers the requested amount to 1.000 while 30.000.000 is set
    body = {**proposal(), "rab": p["rab"], "version": p["version"]}
    for r in body["rab"]:
        r.pop("total")
    for change in ({"requested": 1_000}, {"purpose": "Lain"}, {"rab": proposal()["rab"]}):
        bad = api("PUT", f"/proposals/{p['id']}", applicant, {**body, **change}, status=409)
        assert bad["error"]["code"] == "content_frozen"
    same = api("PUT", f"/proposals/{p['id']}", applicant, body)  # documents only: nothing changes
    assert same["requested"] == 34_000_000 and same["version"] == p["version"]
    p = step(api, same, applicant, "resubmit")
    assert p["state"] == "dnc"
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    assert p["approved"] == 30_000_000 and p["requested"] == 34_000_000


def test_approval_rechecks_the_amount_invariants(api: Api, region_stack: dict[str, str]) -> None:
    from replika.sabilulungan import store
    from replika.sabilulungan.service import common

    p = in_dnc(api, region_stack, auth_header("1", None, "pemohon"))
    doc = store.get_proposal(p["id"])
    before = doc.model_copy(deep=True)
    doc.requested = 1_000  # whatever path moved it: the approval must not approve above it
    common.commit(doc, before, actor="test", action="tampered", request_id=None)
    bad = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": doc.version}, status=409)
    assert bad["error"]["code"] == "recommended_exceeds_requested"
    assert api("GET", f"/proposals/{p['id']}", OPD)["state"] == "dnc"


def signed(api: Api, region_stack: dict[str, str], p: dict[str, Any]) -> dict[str, Any]:
    """From the candidate list to a signed NPHD, waiting for BPKAD."""
    return sign_nphd(api, api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]}))


def test_sp2d_date_is_checked_and_sets_the_lpj_deadline(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.sabilulungan.service import common

    p = signed(api, region_stack, in_dnc(api, region_stack, auth_header("1", None, "pemohon")))
    approved_on = common.today()  # the approval happened today (real clock)
    body = {"version": p["version"], "sp2d_number": "SP2D-9/2027", "amount": 30_000_000}
    url = f"/proposals/{p['id']}/disbursement"
    monkeypatch.setattr(common, "today", lambda: date(2027, 3, 1))
    bad = api("POST", url, BPKAD, {**body, "sp2d_date": "2027-03-02"}, status=400)
    assert bad["error"]["code"] == "sp2d_date_in_future" and "hari ini" in bad["error"]["message"]
    before = (approved_on - timedelta(days=1)).isoformat()
    bad = api("POST", url, BPKAD, {**body, "sp2d_date": before}, status=409)
    assert bad["error"]["code"] == "sp2d_before_approval"
    monkeypatch.setattr(common, "today", lambda: date(2028, 1, 5))
    bad = api("POST", url, BPKAD, {**body, "sp2d_date": "2028-01-02"}, status=409)
    assert bad["error"]["code"] == "sp2d_outside_budget_year"
    # recorded late by BPKAD (January 2028), the deadline still follows the 2027 SP2D date
    p = api("POST", url, BPKAD, {**body, "sp2d_date": "2027-03-01"})
    assert p["state"] == "disbursed" and p["lpj_due"] == "2028-01-10"


def _force_state(proposal_id: str, state: str) -> None:
    from replika.sabilulungan import store
    from replika.sabilulungan.service import common

    doc = store.get_proposal(proposal_id)
    before = doc.model_copy(deep=True)
    doc.state = state
    common.commit(doc, before, actor="test", action="forced", request_id=None)


def test_overdue_lpj_blocks_approval_and_disbursement(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = in_dnc(api, region_stack, applicant)
    other = api("POST", "/proposals", applicant, proposal(2026), status=201)
    _force_state(other["id"], "lpj_overdue")  # an earlier grant of the same owner, not reported
    bad = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]}, status=409)
    assert bad["error"]["code"] == "overdue_lpj"
    _force_state(other["id"], "completed")  # reported
    p = signed(api, region_stack, p)
    _force_state(other["id"], "lpj_overdue")
    assert disburse(api, monkeypatch, p, status=409)["error"]["code"] == "overdue_lpj"
    assert api("GET", f"/proposals/{p['id']}", OPD)["state"] == "nphd_signed"


def test_nphd_and_lpj_files_cannot_be_replaced_after_the_fact(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core.audit import AuditRecord

    applicant = auth_header("1", None, "pemohon")
    p = in_dnc(api, region_stack, applicant)
    assert file_upload(api, p, "nphd", OPD, 409)["error"]["code"] == "upload_not_allowed"  # not approved
    p = signed(api, region_stack, p)
    assert file_upload(api, p, "nphd", OPD, 409)["error"]["code"] == "upload_not_allowed"  # signed
    assert file_upload(api, p, "lpj", applicant, 409)["error"]["code"] == "upload_not_allowed"  # not paid
    p = disburse(api, monkeypatch, p)
    link = file_upload(api, p, "lpj", applicant)
    put_object(region_stack, link["key"])
    p = api("GET", f"/proposals/{p['id']}", applicant)
    p = api("POST", f"/proposals/{p['id']}/lpj", applicant, {"version": p["version"]})
    assert file_upload(api, p, "lpj", applicant, 409)["error"]["code"] == "upload_not_allowed"  # submitted
    after = [r.after for r in AuditRecord.by_subject.query(f"sabilulungan#{p['id']}")]
    assert any(a.get("lpj_key") == link["key"] for a in after)
    assert any((a.get("nphd_signed_key") or "").startswith(f"sabilulungan/{p['id']}/nphd/") for a in after)


def test_exports_never_carry_a_formula(api: Api, region_stack: dict[str, str]) -> None:
    import io

    import boto3
    from openpyxl import load_workbook

    from replika.sabilulungan.service import reports

    name = '=HYPERLINK("http://x","klik")'
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    p = submitted(api, region_stack, auth_header("1", None, "pemohon"), prof=profile(name))
    p = through_setting(api, p)
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    csv = api("GET", "/public/recipients?year=2027&format=csv")
    row = csv.splitlines()[1]
    assert "'=HYPERLINK" in row and ",=HYPERLINK" not in row and ',"=HYPERLINK' not in row
    reports.export_xlsx(2027)
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    bucket = region_stack["DOCUMENTS_BUCKET"]
    key = s3.list_objects_v2(Bucket=bucket, Prefix="sabilulungan/exports/")["Contents"][0]["Key"]
    ws = load_workbook(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())).active
    cell = ws.cell(row=2, column=5)
    assert cell.data_type == "s" and cell.value == "'" + name


def test_recipient_step_queues_are_not_open_to_every_opd(api: Api, region_stack: dict[str, str]) -> None:
    p = in_dnc(api, region_stack, auth_header("1", None, "pemohon"))
    _force_state(p["id"], "disbursed")
    for state in ("disbursed", "lpj_overdue"):
        if state == "lpj_overdue":
            _force_state(p["id"], state)
        assert api("GET", f"/queue?state={state}", OTHER_OPD)["items"] == []
        assert api("GET", f"/queue?state={state}", DINSOS)["items"] == []
        assert [i["id"] for i in api("GET", f"/queue?state={state}", OPD)["items"]] == [p["id"]]
        assert [i["id"] for i in api("GET", f"/queue?state={state}", TAPD)["items"]] == [p["id"]]


def _ceiling_audit(year: int) -> list[Any]:
    from replika.core.audit import AuditRecord

    return [r.after for r in AuditRecord.by_subject.query(f"sabilulungan-budget#{year}")]


def test_ceiling_change_and_its_audit_are_one_write(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core import audit
    from replika.sabilulungan.rules import amounts
    from replika.sabilulungan.service import reports

    in_dnc(api, region_stack, auth_header("1", None, "pemohon"))  # ceiling 100.000.000, 30.000.000 allocated
    assert _ceiling_audit(2027) == [{"ceiling": 100_000_000}]

    # the audit cannot be written: the ceiling does not change either
    def down(*_: Any, **__: Any) -> Any:
        raise RuntimeError("audit down")

    with monkeypatch.context() as m:
        m.setattr(audit, "add_to_transaction", down)
        m.setattr(audit, "append", down)
        with pytest.raises(RuntimeError):
            reports.set_ceiling(auth_header_principal(), 2027, 200_000_000, None)
    assert reports.budget_out(2027).ceiling == 100_000_000
    # the condition fails in the transaction (a race past the pre-check): 409, nothing written
    monkeypatch.setattr(amounts, "check_new_ceiling", lambda *a: None)
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 10_000_000}, status=409)
    assert reports.budget_out(2027).ceiling == 100_000_000
    assert _ceiling_audit(2027) == [{"ceiling": 100_000_000}]


def auth_header_principal() -> Any:
    from replika.core.auth import Principal, Role

    return Principal(subject="197501012000011001", username="tapd", roles=frozenset({Role.TAPD}))


def test_overdue_check_reads_an_owners_proposals_only_for_organisations(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.sabilulungan import store
    from replika.sabilulungan.service import proposals

    draft = api("POST", "/proposals", DINSOS, bansos(), status=201)

    def everything(owner: str) -> Any:
        raise AssertionError(f"all of {owner}'s proposals read")

    monkeypatch.setattr(store, "owned_all", everything)  # an OPD's proposals are other people's
    assert proposals._has_overdue(store.get_proposal(draft["id"])) is False


def test_nphd_states_the_lpj_deadline_of_the_budget_year(api: Api, region_stack: dict[str, str]) -> None:
    import io

    from pypdf import PdfReader

    from replika.core import storage
    from replika.core.auth import Principal, Role
    from replika.sabilulungan.service import grant

    p = in_dnc(api, region_stack, auth_header("1", None, "pemohon"))
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    opd = Principal(subject="x", username="x", roles=frozenset({Role.PEGAWAI}), opd="1.02")
    _, number = grant.generate_nphd(opd, p["id"])
    key = f"sabilulungan/{p['id']}/nphd/{number.replace('/', '-')}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(storage.get_bytes(key))).pages)
    assert "2028-01-10" in text  # the SP2D falls in 2027 (its budget year), whenever the NPHD is made
