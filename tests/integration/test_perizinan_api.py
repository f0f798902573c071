"""Perizinan end to end in moto: catalogue, report-only registration, the staged path with return
and resubmission, fee and issue, public verification (signature checked, nothing personal),
tampering, revocation, and the SLA clock with fiktif positif on and off."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from replika.core import runtime
from tests.conftest import auth_header

NIP = "198503152010011001"
OFFICE = auth_header(NIP, "1.01", "dpmptsp")
#: the region's signing official (kota-bandung.toml ``official_nip``: the seeded head of DPMPTSP)
OFFICIAL_NIP = "197802282004021924"
SIGNER = auth_header(OFFICIAL_NIP, "1.01", "dpmptsp")
TEKNIS_OPD = "1.03"
SCHEMA = {
    "type": "object",
    "required": ["luas_m2"],
    "properties": {"luas_m2": {"type": "integer", "minimum": 1}},
}


def _type(code: str, **kw: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "name": f"Izin {code}",
        "form_schema": SCHEMA,
        "documents": ["ktp"],
        "stages": [
            {"code": "terima", "name": "Penerimaan", "role": "dpmptsp", "sla_days": 1, "kind": "receive"},
            {
                "code": "teknis",
                "name": "Tim teknis",
                "role": "pegawai",
                "opd": TEKNIS_OPD,
                "sla_days": 3,
                "kind": "technical",
            },
            {"code": "ttd", "name": "Tanda tangan", "role": "dpmptsp", "sla_days": 1, "kind": "signature"},
        ],
        "fee": 150_000,
        "validity_months": 60,
        "allows_report": True,
    }
    return {**body, **kw}


def _business(capital: int) -> dict[str, Any]:
    return {
        "name": "Warung Siti",
        "kbli": "47111",
        "capital_total": capital,
        "land_buildings_value": 0,
        "kecamatan": "32.73.09",
        "address": "Jl. Asia Afrika 1",
    }


def call(c: Client, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
    h = {"Content-Type": "application/json", **(headers or {})}
    r = c.http.request(method, path, headers=h, body=json.dumps(body).encode() if body is not None else b"")
    return r.status_code, (json.loads(r.body) if r.body else None)


@pytest.fixture
def client(region_stack: dict[str, str]) -> Any:
    from replika_infra.local.gateway import load_module

    runtime.reset()
    module = load_module("perizinan")
    with Client(module.app) as c:
        yield c


def apply(
    c: Client, who: dict[str, str], type_code: str = "SIUP", capital: int = 600_000_000, **kw: Any
) -> Any:
    """Submit an application of ``type_code`` (form and documents as the test types want)."""
    body = {
        "type_code": type_code,
        "business": _business(capital),
        "form": {"luas_m2": 5},
        "documents": ["ktp"],
    }
    return call(c, "POST", "/applications", who, {**body, **kw})


def act(c: Client, number: str, who: dict[str, str], action: str = "advance", **kw: Any) -> Any:
    """A staff action on the application's current stage."""
    return call(c, "POST", f"/applications/{number}/actions", who, {"action": action, **kw})


def upload(c: Client, who: dict[str, str], path: str, body: dict[str, Any], *, put: bool = True) -> str:
    """Ask for a presigned POST and (``put``) store the object as the client would."""
    from replika.core import storage

    st, link = call(
        c, "POST", path, who, {"filename": "f.pdf", "content_type": "application/pdf", "size": 9, **body}
    )
    assert st == 201, link
    if put:
        storage.put_bytes(link["key"], b"%PDF-1.4\n", "application/pdf")
    return str(link["key"])


def _setup(c: Client) -> dict[str, str]:
    st, body = call(c, "POST", "/catalogue", OFFICE, _type("SIUP"))
    assert st == 201, body
    assert body["version"] == 1
    applicant = auth_header("a1", None, "pemohon")
    st, _ = call(c, "PUT", "/me", applicant, {"name": "Siti Aminah", "nik": "3273010101900001"})
    assert st == 200
    upload(c, applicant, "/documents", {"code": "ktp"})
    return applicant


def test_report_only_registration_verifies_publicly(client: Client) -> None:
    applicant = _setup(client)
    st, app = apply(client, applicant, capital=499_999_999, form={"luas_m2": 20})
    assert st == 201, app
    assert (
        app["status"] == "registered"
        and app["report_only"]
        and app["permit_number"].startswith("REG-SIUP-327309-")
    )
    st, permit = call(client, "GET", f"/permits/{app['permit_number']}", applicant)
    assert st == 200
    st, pub = call(client, "GET", f"/public/verify/{permit['verify_code']}")
    assert st == 200 and pub["status"] == "valid" and pub["signature_valid"]
    assert set(pub) == {"status", "type_code", "type_name", "valid_from", "valid_until", "signature_valid"}
    assert call(client, "GET", "/public/verify/ZZZZZZZZZZZZZZZZ")[0] == 404
    st, key = call(client, "GET", "/public/key")
    assert st == 200 and "BEGIN PUBLIC KEY" in key["pem"]
    # offline: the QR's payload and signature verify with the published key; a changed field fails
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from replika.perizinan.rules.permit import b64u_decode
    from replika.perizinan.service.permits import verify_signature

    der_key = load_pem_public_key(key["pem"].encode())
    from cryptography.hazmat.primitives import serialization

    der = der_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    qs = permit["qr"].split("?", 1)[1]
    d, s = (part.split("=", 1)[1] for part in qs.split("&"))
    assert verify_signature(b64u_decode(d), b64u_decode(s), der)
    fields = json.loads(b64u_decode(d))
    fields["until"] = "2099-01-01"
    tampered = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert not verify_signature(tampered, b64u_decode(s), der)
    # DPMPTSP revokes with a reason; verify says revoked
    assert call(client, "POST", f"/permits/{app['permit_number']}/revoke", OFFICE, {"reason": "x"})[0] == 400
    st, rev = call(
        client,
        "POST",
        f"/permits/{app['permit_number']}/revoke",
        OFFICE,
        {"reason": "data modal tidak benar"},
    )
    assert st == 200 and rev["status"] == "revoked"
    assert call(client, "GET", f"/public/verify/{permit['verify_code']}")[1]["status"] == "revoked"
    # another applicant sees nothing of it
    other = auth_header("a2", None, "pemohon")
    assert call(client, "GET", f"/applications/{app['number']}", other)[0] == 404


def test_staged_path_with_return_fee_and_issue(client: Client) -> None:
    applicant = _setup(client)
    bad = {
        "type_code": "SIUP",
        "business": _business(500_000_000),
        "form": {"luas_m2": "besar"},
        "documents": ["ktp"],
    }
    st, err = call(client, "POST", "/applications", applicant, bad)
    assert st == 400 and err["error"]["code"] == "invalid_form"
    st, err = call(
        client, "POST", "/applications", applicant, {**bad, "form": {"luas_m2": 5}, "documents": []}
    )
    assert st == 400 and err["error"]["code"] == "documents_missing"
    st, app = call(client, "POST", "/applications", applicant, {**bad, "form": {"luas_m2": 5}})
    assert st == 201 and app["status"] == "in_review" and app["stage"]["code"] == "terima", app
    number = app["number"]
    # the catalogue changes: the application keeps version 1
    assert call(client, "POST", "/catalogue", OFFICE, _type("SIUP", fee=999_000))[1]["version"] == 2
    st, q = call(client, "GET", "/queue?role=dpmptsp", OFFICE)
    assert st == 200 and [i["number"] for i in q["items"]] == [number]
    # the technical team cannot act on the front office's stage
    teknis = auth_header("199001012015011001", TEKNIS_OPD, "pegawai")
    assert call(client, "POST", f"/applications/{number}/actions", teknis, {"action": "advance"})[0] == 403
    assert (
        call(client, "POST", f"/applications/{number}/actions", OFFICE, {"action": "advance"})[1]["stage"][
            "code"
        ]
        == "teknis"
    )
    st, ret = act(client, number, teknis, "return", reason="denah kurang")
    assert st == 200 and ret["status"] == "returned" and ret["stage"] is None
    assert call(client, "GET", f"/public/applications/{number}")[1]["status"] == "returned"
    st, back = call(client, "POST", f"/applications/{number}/resubmit", applicant, {"form": {"luas_m2": 6}})
    assert st == 200 and back["status"] == "in_review" and back["stage"]["code"] == "teknis"
    assert (
        call(
            client,
            "POST",
            f"/applications/{number}/actions",
            teknis,
            {"action": "advance", "note": "kunjungan ok"},
        )[0]
        == 200
    )
    # the signature stage: not the front office (not the official); the body's name/plt are ignored
    st, err = act(client, number, OFFICE, official_name="Budi", plt=True)
    assert st == 403 and err["error"]["code"] == "not_signing_official"
    st, decided = act(client, number, SIGNER, official_name="Budi", plt=True)
    assert (
        st == 200
        and decided["status"] == "approved"
        and decided["fee"] == 150_000
        and decided["permit_number"] is None
    )
    assert call(client, "POST", f"/applications/{number}/payment", OFFICE, {})[0] == 400
    st, issued = call(
        client, "POST", f"/applications/{number}/payment", OFFICE, {"receipt_number": "STS-2026-0001"}
    )
    assert (
        st == 200 and issued["status"] == "issued" and issued["permit_number"].startswith("SK-SIUP-327309-")
    )
    assert (
        call(client, "POST", f"/applications/{number}/payment", OFFICE, {"receipt_number": "STS-2026-0001"})[
            0
        ]
        == 409
    )
    st, permit = call(client, "GET", f"/permits/{issued['permit_number']}", applicant)
    assert st == 200
    pol = runtime.current().region.perizinan
    assert (permit["official_name"], permit["official_nip"], permit["official_plt"]) == (
        pol.official_name,
        pol.official_nip,
        pol.official_plt,
    )
    st, doc = call(client, "GET", f"/permits/{issued['permit_number']}/document", applicant)
    assert st == 200 and doc["url"].startswith("http")


@pytest.mark.parametrize("fiktif", [True, False])
def test_sla_clock_fiktif_positif_or_escalation(
    client: Client, fiktif: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core.config import PerizinanPolicy
    from replika.perizinan.service import clock, common

    applicant = _setup(client)
    call(client, "POST", "/catalogue", OFFICE, _type("NOFEE", fee=0))
    st, app = apply(client, applicant, "NOFEE")
    assert st == 201
    due = date.fromisoformat(app["total_due"])
    region = runtime.current().region
    pol = PerizinanPolicy(fiktif_positif=fiktif)
    monkeypatch.setattr(common, "policy", lambda: pol)
    monkeypatch.setattr(clock, "policy", lambda: pol)
    from replika.perizinan.service import permits

    monkeypatch.setattr(permits, "policy", lambda: pol)
    assert region.perizinan is not None
    on_due = clock.run(on=due)
    assert on_due.granted == [] and on_due.escalated == []
    after = clock.run(on=due + timedelta(days=1))
    st, now = call(client, "GET", f"/applications/{app['number']}", applicant)
    if fiktif:
        assert after.granted == [app["number"]]
        assert now["status"] == "issued" and now["fiktif_positif"] and "fiktif positif" in now["reason"]
    else:
        assert after.escalated == [app["number"]]
        assert now["status"] == "in_review" and now["escalated"]
    again = clock.run(on=due + timedelta(days=2))
    assert again.granted == [] and again.escalated == []  # applied once


def _to_signature(client: Client, applicant: dict[str, str], first: dict[str, str]) -> str:
    st, app = apply(client, applicant)
    assert st == 201, app
    number = str(app["number"])
    teknis = auth_header("199001012015011001", TEKNIS_OPD, "pegawai")
    assert call(client, "POST", f"/applications/{number}/actions", first, {"action": "advance"})[0] == 200
    assert call(client, "POST", f"/applications/{number}/actions", teknis, {"action": "advance"})[0] == 200
    return number


def test_the_signer_did_no_earlier_stage(client: Client) -> None:
    """Separation of duties: the official who received the application cannot also sign it."""
    applicant = _setup(client)
    assert runtime.current().region.perizinan.official_nip == OFFICIAL_NIP
    number = _to_signature(client, applicant, SIGNER)
    st, err = call(client, "POST", f"/applications/{number}/actions", SIGNER, {"action": "advance"})
    assert st == 409 and err["error"]["code"] == "separation_of_duties", err
    assert call(client, "GET", f"/public/applications/{number}")[1]["status"] == "in_review"


def test_a_listed_plt_signs_with_the_configured_name_and_plt_status(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.core.config import PltSigner
    from replika.perizinan.service import applications

    region_pol = runtime.current().region.perizinan
    plt_nip = "198101012006041003"
    pol = region_pol.model_copy(update={"plt_signers": [PltSigner(nip=plt_nip, name="Asep Plt")]})
    monkeypatch.setattr(applications, "policy", lambda: pol)
    applicant = _setup(client)
    number = _to_signature(client, applicant, OFFICE)
    plt = auth_header(plt_nip, "1.01", "dpmptsp")
    st, out = call(
        client,
        "POST",
        f"/applications/{number}/actions",
        plt,
        {"action": "advance", "official_name": "Xavier"},
    )
    assert st == 200 and out["status"] == "approved", out
    st, issued = call(
        client, "POST", f"/applications/{number}/payment", OFFICE, {"receipt_number": "STS-2026-0777"}
    )
    assert st == 200, issued
    st, permit = call(client, "GET", f"/permits/{issued['permit_number']}", applicant)
    assert (permit["official_name"], permit["official_nip"], permit["official_plt"]) == (
        "Asep Plt",
        plt_nip,
        True,
    )


def test_catalogue_refuses_remote_refs_and_unreadable_csv_with_4xx(client: Client) -> None:
    import csv

    remote = {**SCHEMA, "properties": {"luas_m2": {"$ref": "https://example.com/luas.json"}}}
    st, err = call(client, "POST", "/catalogue", OFFICE, _type("REMOTE", form_schema=remote))
    assert st == 400 and err["error"]["code"] == "invalid_form_schema", err
    assert call(client, "GET", "/public/catalogue/REMOTE")[0] == 404
    from replika.perizinan.rules.catalogue_csv import COLUMNS

    big = "x" * (csv.field_size_limit() + 1)
    text = ",".join(COLUMNS) + f'\nUMK,Izin,0,0,,ya,ktp,"{big}",v,V,dpmptsp,,2\n'
    r = client.http.request(
        "POST", "/catalogue/import/csv", headers={**OFFICE, "Content-Type": "text/csv"}, body=text.encode()
    )
    assert r.status_code == 400, r.body[:300]
    assert json.loads(r.body)["error"]["details"]["problems"][0]["row"] == 2


def test_a_receipt_pays_one_application_and_the_applicant_sees_no_cashier(client: Client) -> None:
    applicant = _setup(client)
    first = _to_signature(client, applicant, OFFICE)
    second = _to_signature(client, applicant, OFFICE)
    for number in (first, second):
        assert (
            call(client, "POST", f"/applications/{number}/actions", SIGNER, {"action": "advance"})[0] == 200
        )
    st, paid = call(
        client, "POST", f"/applications/{first}/payment", OFFICE, {"receipt_number": "STS-2026-0042"}
    )
    assert st == 200 and paid["status"] == "issued" and paid["payment"]["by"]  # staff see who took it
    for receipt in ("STS-2026-0042", "sts-2026-0042"):
        st, err = call(client, "POST", f"/applications/{second}/payment", OFFICE, {"receipt_number": receipt})
        assert st == 409 and err["error"]["code"] == "receipt_used", err
    assert call(client, "GET", f"/public/applications/{second}")[1]["status"] == "approved"
    st, mine = call(client, "GET", f"/applications/{first}", applicant)
    assert st == 200 and mine["payment"] == {
        "receipt_number": "STS-2026-0042",
        "waived": False,
        "date": paid["payment"]["at"][:10],
    }
    st, page = call(client, "GET", "/applications/mine", applicant)
    assert st == 200 and all("by" not in (a["payment"] or {}) for a in page["items"])
    st, waived = call(
        client, "POST", f"/applications/{second}/payment", OFFICE, {"waiver_reason": "Usaha mikro terdampak"}
    )
    assert st == 200 and waived["status"] == "issued"
    mine = call(client, "GET", f"/applications/{second}", applicant)[1]
    assert mine["payment"]["waived"] is True and set(mine["payment"]) == {"receipt_number", "waived", "date"}


def test_a_json_import_with_one_bad_schema_saves_nothing(client: Client) -> None:
    bad = _type("BAD", form_schema={**SCHEMA, "properties": {"x": {"$ref": "#/$defs/nope"}}})
    st, err = call(client, "POST", "/catalogue/import", OFFICE, {"types": [_type("GOOD"), bad]})
    assert st == 400 and err["error"]["code"] == "invalid_form_schema", err
    assert call(client, "GET", "/public/catalogue/GOOD")[0] == 404
