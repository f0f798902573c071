"""Review #10, around the flow: the owner withdraws before approval and the head of region
cancels an approved grant not yet disbursed (the allocation released in the same transaction);
the duplicate matcher's evasions through the API (bank name spelling, an identity changed after
the draft, a later year's grant), its bounded reads; a year's CSV too large for a Lambda answer."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from chalice.test import Client

from replika_infra.local.gateway import load_app
from tests.conftest import auth_header
from tests.integration.test_sabilulungan_api import (
    BANK,
    KDH,
    OPD,
    TAPD,
    Api,
    profile,
    proposal,
    step,
    submitted,
    through_setting,
)
from tests.integration.test_sabilulungan_review import in_dnc

REASON = "Lembaga dibubarkan sebelum NPHD ditandatangani"


@pytest.fixture
def api(region_stack: dict[str, str]) -> Any:
    with Client(load_app("sabilulungan")) as client:
        yield Api(client)


def _allocated(year: int = 2027) -> int:
    from replika.sabilulungan.service import reports

    return reports.budget_out(year).allocated


def _audit(proposal_id: str) -> list[Any]:
    from replika.core.audit import AuditRecord

    return [(r.action, r.after) for r in AuditRecord.by_subject.query(f"sabilulungan#{proposal_id}")]


def test_the_owner_withdraws_before_approval(api: Api, region_stack: dict[str, str]) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = in_dnc(api, region_stack, applicant)
    assert _allocated() == 30_000_000
    step(api, p, OPD, "withdraw", status=403)  # the owner's, nobody else's
    p = step(api, p, applicant, "withdraw")
    assert p["state"] == "withdrawn" and _allocated() == 0  # released with the state change
    assert ("sabilulungan.withdraw", "withdrawn") in [(a, after["state"]) for a, after in _audit(p["id"])]
    pub = api("GET", f"/public/proposals/{p['number']}")
    assert pub["stage"] == "withdrawn" and "Nurul" not in json.dumps(pub)
    assert api("GET", "/queue?state=dnc", KDH)["items"] == []
    step(api, p, applicant, "withdraw", status=409)  # final
    # a draft may be withdrawn too; an approved grant no longer (the head of region cancels it)
    draft = api("POST", "/proposals", applicant, proposal(2027), status=201)
    assert step(api, draft, applicant, "withdraw")["state"] == "withdrawn"


def test_the_head_of_region_cancels_an_approved_grant(api: Api, region_stack: dict[str, str]) -> None:
    applicant = auth_header("1", None, "pemohon")
    p = in_dnc(api, region_stack, applicant)
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    assert api("GET", "/public/recipients?year=2027")["items"][0]["proposal_number"] == p["number"]
    assert step(api, p, applicant, "withdraw", status=409)["error"]["code"] == "invalid_transition"
    step(api, p, TAPD, "cancel", status=403, reason=REASON)
    assert step(api, p, KDH, "cancel", status=409)["error"]["code"] == "reason_required"
    p = step(api, p, KDH, "cancel", reason=REASON)
    assert p["state"] == "cancelled" and _allocated() == 0
    assert ("sabilulungan.cancel", REASON) in [(a, after.get("reason")) for a, after in _audit(p["id"])]
    assert api("GET", "/public/recipients?year=2027")["items"] == []
    pub = api("GET", f"/public/proposals/{p['number']}")
    assert pub["stage"] == "cancelled" and "Nurul" not in json.dumps(pub) and BANK not in json.dumps(pub)


def test_a_cancellation_the_budget_cannot_take_changes_nothing(
    api: Api, region_stack: dict[str, str]
) -> None:
    """The release and the state change are one transaction: without the year's budget item the
    cancellation fails (409) and the grant stays approved."""
    p = in_dnc(api, region_stack, auth_header("1", None, "pemohon"))
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    boto3.client("dynamodb", region_name="ap-southeast-3").delete_item(
        TableName=region_stack["SABILULUNGAN_TABLE"], Key={"pk": {"S": "BUDGET"}, "sk": {"S": "2027"}}
    )
    step(api, p, KDH, "cancel", status=409, reason=REASON)
    assert api("GET", f"/proposals/{p['id']}", KDH)["state"] == "approved"


def _granted_2026(api: Api, region_stack: dict[str, str]) -> dict[str, Any]:
    api("PUT", "/budgets/2026", TAPD, {"ceiling": 100_000_000})
    first = through_setting(api, submitted(api, region_stack, auth_header("1", None, "pemohon"), 2026))
    first = api(
        "POST", f"/proposals/{first['id']}/amount", TAPD, {"version": first["version"], "amount": 1_000_000}
    )
    return api("POST", f"/proposals/{first['id']}/approval", KDH, {"version": first["version"]})


def _stranger(account: str, bank: str) -> dict[str, Any]:
    """Another name, address and identifiers; only the bank account is given."""
    body = profile("Perkumpulan Seni Calung Rancage", "Jl. Soekarno Hatta 120, Cijawura")
    body.update(legal_body_number="AHU-0077777.AH.01.04", npwp="09.888.777.6-429.000")
    body["bank_account"] = {"bank": bank, "number": account, "holder": "Perkumpulan Seni Calung"}
    return body


def test_the_bank_name_spelling_does_not_evade_the_account_match(
    api: Api, region_stack: dict[str, str]
) -> None:
    first = _granted_2026(api, region_stack)  # its account: "bjb" BANK
    other = auth_header("2", None, "pemohon")
    api("PUT", "/applicants/me", other, _stranger(BANK, "PT Bank BJB Tbk"))
    draft = api("POST", "/proposals", other, proposal(2027), status=201)
    found = api("GET", f"/proposals/{draft['id']}/matches", TAPD)
    assert [(m["number"], m["reasons"]) for m in found["matches"]] == [(first["number"], ["bank_account"])]


def test_an_identity_changed_after_the_draft_is_matched(api: Api, region_stack: dict[str, str]) -> None:
    first = _granted_2026(api, region_stack)
    other = auth_header("2", None, "pemohon")
    api("PUT", "/applicants/me", other, _stranger("5550001112", "bjb"))
    draft = api("POST", "/proposals", other, proposal(2027), status=201)
    assert api("GET", f"/proposals/{draft['id']}/matches", TAPD)["matches"] == []
    # the profile now names the granted foundation's account: the draft's match keys follow
    api("PUT", "/applicants/me", other, {**_stranger(BANK, "Bank BJB"), "version": 1})
    found = api("GET", f"/proposals/{draft['id']}/matches", TAPD)["matches"]
    assert [m["number"] for m in found] == [first["number"]]
    # and back to the unrelated account before submitting: the earlier digest is still matched
    api("PUT", "/applicants/me", other, {**_stranger("5550001112", "bjb"), "version": 2})
    found = api("GET", f"/proposals/{draft['id']}/matches", TAPD)["matches"]
    assert [m["reasons"] for m in found] == [["bank_account"]]


def test_a_later_years_grant_blocks_the_earlier_years_approval(
    api: Api, region_stack: dict[str, str]
) -> None:
    applicant = auth_header("1", None, "pemohon")
    early = in_dnc(api, region_stack, applicant)  # 2027, waiting for the head of region
    api("PUT", "/budgets/2028", TAPD, {"ceiling": 100_000_000})
    late = api("POST", "/proposals", applicant, proposal(2028), status=201)
    from tests.integration.test_sabilulungan_api import upload_all

    upload_all(api, region_stack, late["id"], applicant)
    late = api("POST", f"/proposals/{late['id']}/submit", applicant, {"version": late["version"] + 12})
    late = through_setting(api, late, no_grant_previous_year=False)  # the matcher sees 2027 in DNC
    late = api(
        "POST", f"/proposals/{late['id']}/amount", TAPD, {"version": late["version"], "amount": 1_000_000}
    )
    body = {"version": late["version"], "override_reason": "Dua tahap pembangunan yang berbeda"}
    late = api("POST", f"/proposals/{late['id']}/approval", KDH, body)
    # the earlier year's proposal finds the later one, and its approval is blocked by it
    found = api("GET", f"/proposals/{early['id']}/matches", TAPD)
    assert found["blocked"] and [m["number"] for m in found["matches"]] == [late["number"]]
    refused = api(
        "POST", f"/proposals/{early['id']}/approval", KDH, {"version": early["version"]}, status=409
    )
    assert refused["error"]["details"]["matches"] == [late["number"]]


def test_the_matcher_reads_a_bounded_number_of_candidates(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.sabilulungan import keys, store
    from replika.sabilulungan.tables import SabItem

    p = submitted(api, region_stack, auth_header("1", None, "pemohon"))
    for i in range(5):  # five other proposals of 2027 in the matcher's partition
        data = {
            "ref": f"{i:032x}",
            "name": f"lain {i}",
            "address": "x",
            "digests": {},
            "year": 2027,
            "state": "dnc",
        }
        SabItem(keys.match_pk(2027), data["ref"], kind="match", data=data).save()
    limits: list[int | None] = []
    query = SabItem.query

    def spy(hash_key: Any, *args: Any, **kw: Any) -> Any:
        if str(hash_key).startswith("MATCH#"):
            limits.append(kw.get("limit"))
        return query(hash_key, *args, **kw)

    monkeypatch.setattr(SabItem, "query", spy)
    assert api("GET", f"/proposals/{p['id']}/matches", TAPD)["truncated"] is False
    assert limits and all(n is not None and n <= store.MATCH_PAGE for n in limits)
    monkeypatch.setattr(store, "MATCH_CAP", 3)
    monkeypatch.setattr(store, "MATCH_PAGE", 2)
    limits.clear()
    assert api("GET", f"/proposals/{p['id']}/matches", TAPD)["truncated"] is True
    assert limits and max(n or 0 for n in limits) <= 2 and None not in limits
    entries, cut = store.match_candidates(2027)
    assert len(entries) == 3 and cut


def test_a_large_csv_is_a_link_to_the_stored_file(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core import storage
    from replika.sabilulungan.service import public

    p = in_dnc(api, region_stack, auth_header("1", None, "pemohon"))
    api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    text, url = public.recipients_download(2027)  # small: inline
    assert url is None and text is not None and text.startswith("proposal_number,")
    none, url = public.recipients_download(2027, inline_limit=len(text.encode()) - 1)  # one byte over
    assert none is None and url is not None and "sabilulungan/public/penerima-2027-" in url
    stored = _keys(region_stack, "sabilulungan/public/")
    assert len(stored) == 1 and storage.get_bytes(stored[0]).decode() == text and stored[0] in url
    # through the route: 303 to the link (declared in the OpenAPI document), no body
    monkeypatch.setattr(public, "CSV_INLINE_LIMIT", 100)
    r = api.client.http.get("/public/recipients?year=2027&format=csv")
    headers = {k.lower(): v for k, v in r.headers.items()}
    assert r.status_code == 303 and "sabilulungan/public/penerima-2027-" in headers["location"]
    assert r.body == b""
    doc = json.loads(api.client.http.get("/openapi.json").body)
    assert "Location" in doc["paths"]["/public/recipients"]["get"]["responses"]["303"]["headers"]
    monkeypatch.setattr(public, "CSV_INLINE_LIMIT", 5 * 1024 * 1024)
    assert api("GET", "/public/recipients?year=2027&format=csv") == text


def _keys(region_stack: dict[str, str], prefix: str) -> list[str]:
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    found = s3.list_objects_v2(Bucket=region_stack["DOCUMENTS_BUCKET"], Prefix=prefix).get("Contents", [])
    return [o["Key"] for o in found]


def test_the_submission_uses_the_identity_as_it_is_then(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile changed after the draft and the refresh of its match keys never ran (a crash
    right after the profile's write): the submission recomputes them, and its overdue-LPJ check
    sees the recipient's unreported grant."""
    from replika.sabilulungan.service import proposals
    from tests.integration.test_sabilulungan_api import upload_all
    from tests.integration.test_sabilulungan_review import _force_state

    first = _granted_2026(api, region_stack)
    _force_state(first["id"], "lpj_overdue")
    other = auth_header("2", None, "pemohon")
    api("PUT", "/applicants/me", other, _stranger("5550001112", "bjb"))
    draft = api("POST", "/proposals", other, proposal(2027), status=201)
    upload_all(api, region_stack, draft["id"], other)
    monkeypatch.setattr(proposals, "refresh_match_keys", lambda *a: [])
    api("PUT", "/applicants/me", other, {**_stranger(BANK, "Bank BJB"), "version": 1})
    d = api("GET", f"/proposals/{draft['id']}", other)
    refused = api("POST", f"/proposals/{d['id']}/submit", other, {"version": d["version"]}, status=409)
    assert refused["error"]["details"]["reasons"] == ["overdue_lpj"]
