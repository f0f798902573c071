"""What schemathesis found (issue 14 §1), pinned as plain tests: no 500 on an empty filter, strict
JSON bodies, ignored unknown query parameters, JSON answers to undeclared methods from the local
gateway, honest documents (every status, opaque cursors, non-empty CSV bodies)."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from pydantic import BaseModel

from replika_infra.local.gateway import Gateway, load_app, load_module, serve, wsgi_app
from tests.conftest import auth_header

ADMIN = auth_header("199001012015011001", "32.73.06", "admin")
JSON_CT = {"Content-Type": "application/json"}


@pytest.fixture
def client(region_stack: dict[str, str]) -> Iterator[Client]:
    with Client(load_app("directory")) as c:
        yield c


def status_code(r: Any) -> tuple[int, str]:
    return r.status_code, json.loads(r.body).get("error", {}).get("code", "")


def test_empty_opd_filter_is_400_not_500(client: Client) -> None:
    assert status_code(client.http.get("/employees?opd=", headers=ADMIN)) == (400, "validation_failed")


def test_unknown_query_parameters_are_ignored(client: Client) -> None:
    r = client.http.get("/opds?limit=5&_=1715000000000&utm_source=x", headers=ADMIN)
    assert r.status_code == 200, r.body


def test_a_query_date_is_iso_only(client: Client) -> None:
    auditor = auth_header("199001012015011001", "32.73.06", "inspektorat")
    assert status_code(client.http.get("/audit/verify?since=0", headers=auditor)) == (
        400,
        "validation_failed",
    )


def test_an_overlong_path_parameter_is_404(client: Client) -> None:
    assert status_code(client.http.get("/employees/" + "1" * 129 + "/reports", headers=ADMIN))[0] == 404


def test_json_bodies_are_strict() -> None:
    from replika.core.errors import ValidationFailed
    from replika.core.http import parse_body

    class Flag(BaseModel):
        active: bool
        count: int = 0

    assert parse_body(Flag, b'{"active": true, "count": 2}') == Flag(active=True, count=2)
    for raw in (b'{"active": 0}', b'{"active": "true"}', b'{"active": true, "count": "2"}'):
        with pytest.raises(ValidationFailed):
            parse_body(Flag, raw)


def test_gateway_refuses_a_token_that_is_no_jwt_even_without_a_verifier(region_stack: dict[str, str]) -> None:
    gw = Gateway({"directory": load_app("directory")}, verifier=None)
    status, _, body = gw.handle("GET", "/directory/opds", {"Authorization": "Bearer not-a-jwt"}, None)
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "DELETE"])
def test_gateway_answers_undeclared_methods_with_json(region_stack: dict[str, str], method: str) -> None:
    server = serve(Gateway({"directory": load_app("directory")}, verifier=None), port=0)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request(method, "/directory/opds", headers=ADMIN)
        resp = conn.getresponse()
        body = json.loads(resp.read())
        assert resp.status == 405, body
        assert resp.getheader("Content-Type") == "application/json"
        assert body["error"]["code"] == "method_not_allowed"
    finally:
        server.shutdown()
        server.server_close()


def test_wsgi_adapter_serves_the_gateway(region_stack: dict[str, str]) -> None:
    from werkzeug.test import Client as WsgiClient

    c = WsgiClient(wsgi_app(Gateway({"directory": load_app("directory")}, verifier=None)))
    r = c.get("/directory/opds?limit=1", headers=ADMIN)
    assert r.status_code == 200 and json.loads(r.get_data())["items"] == []


def _spec(name: str) -> dict[str, Any]:
    from replika.core.openapi import build_openapi

    return build_openapi(load_module(name).api)


def test_documents_declare_every_status_by_route_shape(region_stack: dict[str, str]) -> None:
    spec = _spec("directory")
    imp = spec["paths"]["/import"]["post"]["responses"]
    assert {"200", "400", "401", "403", "409", "413", "415", "503"} <= set(imp)
    assert "404" in spec["paths"]["/me"]["get"]["responses"]  # declared by the route (errors=)
    assert "Retry-After" in imp["503"]["headers"]
    for item in spec["paths"].values():
        for op in item.values():
            assert "503" in op["responses"]


def test_documents_say_what_a_cursor_and_a_csv_body_are(region_stack: dict[str, str]) -> None:
    from replika.core import idempotency
    from replika.core.openapi import IDEMPOTENCY_KEY_PATTERN
    from replika.core.pagination import CURSOR_PATTERN, encode_cursor

    spec = _spec("directory")
    cursor = next(p for p in spec["paths"]["/opds"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["x-opaque"] is True and cursor["schema"]["pattern"] == CURSOR_PATTERN
    import re

    assert re.match(CURSOR_PATTERN, encode_cursor({"pk": "x"}, scope="s") or "")
    body = spec["paths"]["/import"]["post"]["requestBody"]["content"]["text/csv"]["schema"]
    assert body["minLength"] == 1 and body["x-opaque"] is True and body["examples"]
    key = next(p for p in spec["paths"]["/import"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["pattern"] == IDEMPOTENCY_KEY_PATTERN == idempotency.KEY_PATTERN.pattern


@pytest.mark.parametrize("key", ["", "short", "bad key with spaces"])
def test_an_empty_or_malformed_idempotency_key_is_refused(client: Client, key: str) -> None:
    csv = "nip,nama,opd_kode,opd_nama\n"
    headers = {**ADMIN, "Content-Type": "text/csv", "Idempotency-Key": key}
    r = client.http.post("/import?dry_run=true", headers=headers, body=csv)
    assert status_code(r) == (400, "invalid_idempotency_key")


def test_a_path_parameter_pattern_is_documented_and_checked(region_stack: dict[str, str]) -> None:
    spec = _spec("remunerasi")
    params = {
        p["name"]: p["schema"]
        for p in spec["paths"]["/payroll/{period}/actions/{action}"]["post"]["parameters"]
    }
    assert params["period"]["pattern"].startswith("^") and params["action"]["pattern"] == (
        "^(recompute|verify|approve|lock)$"
    )
    bkpsdm = auth_header("199001012015011001", "32.73.06", "bkpsdm")
    with Client(load_app("remunerasi")) as c:
        r = c.http.post(
            "/payroll/2026-01/actions/explode",
            headers={**bkpsdm, "Content-Type": "application/json"},
            body="{}",
        )
        assert status_code(r)[0] == 404, r.body  # an action that is not one names nothing


def test_a_malformed_period_in_a_path_is_a_declared_400(region_stack: dict[str, str]) -> None:
    """A period is a client's input (YYYY-MM): a malformed one is 400 validation_failed with the
    field, on every route that takes one, and each such route's document declares the 400."""
    spec = _spec("remunerasi")
    with_period = [(path, m) for path, item in spec["paths"].items() if "{period}" in path for m in item]
    assert len(with_period) >= 8
    for path, method in with_period:
        assert "400" in spec["paths"][path][method]["responses"], (path, method)
    bkpsdm = auth_header("199001012015011001", "32.73.06", "bkpsdm")
    with Client(load_app("remunerasi")) as c:
        for path in ("/payroll/2026-13", "/payroll/x", "/payroll/0000-01/results"):
            r = c.http.get(path, headers=bkpsdm)
            assert status_code(r) == (400, "validation_failed"), (path, r.body)
            assert json.loads(r.body)["error"]["details"]["fields"][0]["field"] == "period"
        r = c.http.post("/payroll/2026-1/actions/verify", headers={**bkpsdm, **JSON_CT}, body="{}")
        assert status_code(r) == (400, "validation_failed"), r.body


def test_an_integral_json_number_is_an_integer_as_json_schema_says() -> None:
    from replika.core.errors import ValidationFailed
    from replika.core.http import parse_body

    class Versioned(BaseModel):
        version: int
        amount: float = 0

    assert parse_body(Versioned, b'{"version": 413.0, "amount": 2.0}') == Versioned(version=413, amount=2)
    assert parse_body(Versioned, b'{"version": 1, "amount": 2.5}').amount == 2.5
    for raw in (b'{"version": 1.5}', b'{"version": "1"}', b'{"version": true}'):
        with pytest.raises(ValidationFailed):
            parse_body(Versioned, raw)


def test_every_apps_cursor_is_documented_as_opaque(region_stack: dict[str, str]) -> None:
    from replika.core.pagination import CURSOR_PATTERN
    from replika_infra.local.gateway import app_names

    seen = 0
    for name in app_names():
        for item in _spec(name)["paths"].values():
            for op in item.values():
                for p in op.get("parameters", []):
                    if p["name"] == "cursor":
                        seen += 1
                        assert p["schema"].get("x-opaque") is True, (name, op["operationId"])
                        assert p["schema"]["pattern"] == CURSOR_PATTERN, (name, op["operationId"])
    assert seen


def test_the_served_document_states_the_regions_wbs_categories(region_stack: dict[str, str]) -> None:
    from replika.wbs import service

    doc = load_module("wbs").api.document()
    category = doc["components"]["schemas"]["ReportIn"]["properties"]["category"]
    assert category["enum"] == list(service.policy().categories)


def test_retention_due_lists_only_purgeable_statuses_and_says_so(region_stack: dict[str, str]) -> None:
    doc = load_module("wbs").api.document()
    status = next(p for p in doc["paths"]["/retention/due"]["get"]["parameters"] if p["name"] == "status")
    ref = status["schema"]["$ref"].rsplit("/", 1)[-1] if "$ref" in status["schema"] else None
    enum = doc["components"]["schemas"][ref]["enum"] if ref else status["schema"]["enum"]
    assert sorted(enum) == ["closed", "rejected"]


def test_rate_limited_and_not_found_answers_are_declared(region_stack: dict[str, str]) -> None:
    assert "429" in _spec("wbs")["paths"]["/reporter/session"]["post"]["responses"]
    paths = _spec("remunerasi")["paths"]
    for path in ("/entries", "/entries/evidence-upload", "/sentences", "/decisions"):
        assert "404" in paths[path]["post"]["responses"], path


def test_every_reference_in_every_document_resolves(region_stack: dict[str, str]) -> None:
    from replika_infra.local.gateway import app_names

    for name in app_names():
        doc = load_module(name).api.document()
        refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)))
        assert refs <= set(doc["components"]["schemas"]), (name, refs - set(doc["components"]["schemas"]))


def test_a_rejection_needs_a_reason_and_the_document_says_so(region_stack: dict[str, str]) -> None:
    import jsonschema

    doc = _spec("remunerasi")
    schema = {**doc["components"]["schemas"]["DecisionIn"], "components": doc["components"]}
    entry = {"entry_id": "0", "nip": "000000000000000000", "version": 1}
    valid = jsonschema.Draft202012Validator(schema).is_valid
    assert not valid({"action": "reject", "entries": [entry]})
    assert not valid({"action": "reject", "entries": [entry], "reason": "  "})
    assert valid({"action": "reject", "entries": [entry], "reason": "salah"})
    assert valid({"action": "approve", "entries": [entry]})


def test_perizinan_documents_its_cross_field_rules(region_stack: dict[str, str]) -> None:
    import jsonschema

    doc = _spec("perizinan")

    def valid(model: str, value: Any) -> bool:
        schema = {**doc["components"]["schemas"][model], "components": doc["components"]}
        return jsonschema.Draft202012Validator(schema).is_valid(value)

    assert not valid("PaymentIn", {"receipt_number": None, "waiver_reason": None})
    assert not valid("PaymentIn", {"receipt_number": "KW-1", "waiver_reason": "dibebaskan"})
    assert valid("PaymentIn", {"receipt_number": "KW-1"}) and valid(
        "PaymentIn", {"waiver_reason": "dibebaskan"}
    )
    form = next(s for s in doc["components"]["schemas"].values() if "form_schema" in s.get("properties", {}))
    assert form["properties"]["form_schema"]["properties"]["type"] == {"const": "object"}


def test_a_second_answer_format_is_declared(region_stack: dict[str, str]) -> None:
    ok = _spec("sabilulungan")["paths"]["/public/recipients"]["get"]["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "text/csv"} and ok["text/csv"]["schema"] == {"type": "string"}


def test_a_run_before_go_live_is_a_declared_400(region_stack: dict[str, str]) -> None:
    assert "400" in _spec("remunerasi")["paths"]["/payroll/{period}/run"]["post"]["responses"]
    bkpsdm = auth_header("199001012015011001", "32.73.06", "bkpsdm")
    with Client(load_app("remunerasi")) as c:
        assert c.http.post("/payroll/1000-01/run", headers=bkpsdm).status_code == 400


def test_acting_declares_its_404_and_states_its_cross_field_rules(region_stack: dict[str, str]) -> None:
    """An acting assignment names two different employees of the directory, ends on or after it
    starts: the document declares the 404 and states the rules JSON Schema cannot (extensions)."""
    from replika.core.openapi import CROSS_FIELD_RULES

    doc = _spec("remunerasi")
    assert "404" in doc["paths"]["/acting"]["post"]["responses"]
    acting = doc["components"]["schemas"]["ActingIn"]
    assert acting["x-distinct"] == [["acting_nip", "for_nip"]] and acting["x-not-before"] == [
        ["end", "start"]
    ]
    assert doc["components"]["schemas"]["ActivityUpdate"]["x-same-as-path"] == ["code"]
    assert {"x-distinct", "x-not-before", "x-same-as-path", "x-unique-by"} == set(CROSS_FIELD_RULES)
    hr = {**auth_header("199001012015011001", "32.73.06", "bkpsdm"), **JSON_CT}
    with Client(load_app("remunerasi")) as c:
        body = {"acting_nip": "1" * 18, "for_nip": "2" * 18, "start": "2026-01-01", "end": "2026-01-31"}
        assert status_code(c.http.post("/acting", headers=hr, body=json.dumps(body)))[0] == 404
        same = {**body, "for_nip": "1" * 18}
        assert status_code(c.http.post("/acting", headers=hr, body=json.dumps(same))) == (
            400,
            "invalid_acting",
        )
        backwards = {**body, "end": "2025-12-31"}
        assert status_code(c.http.post("/acting", headers=hr, body=json.dumps(backwards))) == (
            400,
            "invalid_range",
        )


def test_perizinan_states_which_fields_a_stage_and_an_application_need(region_stack: dict[str, str]) -> None:
    import jsonschema

    doc = _spec("perizinan")
    assert "404" in doc["paths"]["/applications"]["post"]["responses"]

    def valid(model: str, value: Any) -> bool:
        schema = {**doc["components"]["schemas"][model], "components": doc["components"]}
        return jsonschema.Draft202012Validator(schema).is_valid(value)

    stage = {"code": "teknis", "name": "Tim teknis", "role": "pegawai", "sla_days": 3}
    assert not valid("StageIn", stage) and not valid("StageIn", {**stage, "opd": None})
    assert valid("StageIn", {**stage, "opd": "32.73.06"}) and valid("StageIn", {**stage, "role": "dpmptsp"})
    visit = {**stage, "opd": "32.73.06", "site_visit": True}  # a site visit only on a technical stage
    assert not valid("StageIn", visit) and valid("StageIn", {**visit, "kind": "technical"})
    signing = {**stage, "opd": "32.73.06", "kind": "signature"}  # a signature is DPMPTSP's
    assert not valid("StageIn", signing) and valid("StageIn", {**signing, "role": "dpmptsp"})
    business = {
        "name": "Toko",
        "kbli": "47111",
        "capital_total": 1,
        "kecamatan": "32.73.01",
        "address": "Jl. Asia Afrika 1",
    }
    assert not valid("ApplicationIn", {"type_code": "IMB"})
    assert not valid("ApplicationIn", {"type_code": "IMB", "kind": "perpanjangan"})
    assert valid("ApplicationIn", {"type_code": "IMB", "kind": "perpanjangan", "renews": "503/IMB/1"})
    assert valid("ApplicationIn", {"type_code": "IMB", "business": business})


def test_sakip_states_year_keys_and_upload_types(region_stack: dict[str, str]) -> None:
    """A per-year map's keys are years and an upload's content type is one the route takes: the
    document says so, as the validators and the presign check do."""
    doc = _spec("sakip")
    schemas = doc["components"]["schemas"]
    assert schemas["IndicatorIn"]["properties"]["targets"]["propertyNames"] == {"pattern": "^[0-9]{4}$"}
    pagu = json.dumps(schemas["NodeIn"]["properties"]["pagu"])
    assert '"propertyNames": {"pattern": "^[0-9]{4}$"}' in pagu

    def content_types(path: str) -> list[str]:
        ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[-1]]["properties"]["content_type"]["enum"]

    assert content_types("/evidence/{owner}/upload") == ["application/pdf", "image/jpeg", "image/png"]
    assert content_types("/agreements/{year}/{owner}/signed-upload") == ["application/pdf"]


def test_the_served_document_states_the_regions_go_live_month(region_stack: dict[str, str]) -> None:
    from replika.remunerasi import service
    from replika.remunerasi.models import periods_from

    doc = load_module("remunerasi").api.document()
    params = doc["paths"]["/payroll/{period}/run"]["post"]["parameters"]
    period = next(p for p in params if p["name"] == "period")
    go_live = service.region().remunerasi.go_live
    assert period["schema"]["pattern"] == periods_from(go_live)
    assert not re.match(period["schema"]["pattern"], "2024-12") and re.match(
        period["schema"]["pattern"], go_live
    )


def test_every_served_document_is_valid_openapi(region_stack: dict[str, str]) -> None:
    from openapi_spec_validator import validate

    from replika_infra.local.gateway import app_names

    for name in app_names():
        validate(load_module(name).api.document())  # the region hooks' additions included
