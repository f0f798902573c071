"""e-SAKIP's document and server agree (issue 14 §1): decimals on the wire, the level rules of a
new node, unique indicator ids; what depends on stored data is a 409 (or 404 for an unknown
parent); an export survives a stored name XLSX cannot hold."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from chalice.test import Client
from pydantic import BaseModel, ValidationError

from replika_infra.local.gateway import load_app
from tests.contract.schemathesis_stage import _make_unique
from tests.integration import sakip_support as s


def _agree(model: type[BaseModel], body: dict[str, Any]) -> bool:
    """Whether the document's schema of ``model`` and the model itself both accept ``body`` (an
    assertion error when they disagree)."""
    schema = model.model_json_schema()
    doc = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        model.model_validate(body)
        server = True
    except ValidationError:
        server = False
    assert doc == server, (body, doc, server)
    return server


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("98.5", True),
        ("-3", True),
        ("1234567890123456.1234", True),
        (80, True),
        (-(10**16) + 1, True),
        (1.5, False),  # a fraction as a binary float: send it as a string
        ("1.23456", False),
        ("1e3", False),
        (" 1", False),
        ("", False),
        (True, False),
        (10**16, False),
        ("12345678901234567", False),
        (None, False),
    ],
)
def test_a_decimal_is_an_integer_or_a_decimal_string(value: Any, valid: bool) -> None:
    from replika.sakip.models import ValueIn

    assert _agree(ValueIn, {"value": value}) is valid


@pytest.mark.parametrize(
    ("weight", "valid"),
    [
        ("0.0001", True),
        ("0.5", True),
        ("1000", True),
        ("1000.0000", True),
        (1, True),
        (1000, True),
        ("999.9999", True),
        (0, False),
        ("0", False),
        ("0.0000", False),
        ("1000.0001", False),
        (1001, False),
        ("01", False),
        (2.5, False),
    ],
)
def test_a_weight_is_in_0_to_1000(weight: Any, valid: bool) -> None:
    from replika.sakip.models import IndicatorIn

    body = {"id": "I1", "name": "Indikator", "unit": "%", "targets": {"2025": "1"}, "weight": weight}
    assert _agree(IndicatorIn, body) is valid
    target = {**body, "weight": None, "targets": {"2025": weight}}
    if isinstance(weight, str) and weight.startswith("0") and "." not in weight:
        return  # "0"/"01": a target may be zero and need not be canonical
    _agree(IndicatorIn, target)


def test_decimals_from_python_keep_their_bounds() -> None:
    from replika.sakip.models import ValueIn

    assert ValueIn.model_validate({"value": Decimal("2.5")}).value == Decimal("2.5")
    assert ValueIn.model_validate({"value": 5.0}).value == 5  # JSON 5.0 is the integer 5
    with pytest.raises(ValidationError):
        ValueIn.model_validate({"value": Decimal("1.00001")})


IND = {"id": "I1", "name": "Indikator", "unit": "%", "targets": {"2025": "1"}}


@pytest.mark.parametrize(
    ("node", "valid"),
    [
        ({"level": "vision", "owner": "pemda"}, True),
        ({"level": "vision", "owner": "pemda", "parent": "X"}, False),
        ({"level": "vision", "owner": "32.73.06"}, False),
        ({"level": "mission", "owner": "pemda", "parent": "V"}, True),
        ({"level": "mission", "owner": "pemda"}, False),
        ({"level": "goal", "owner": "pemda", "parent": "M", "indicators": [IND]}, True),
        ({"level": "goal", "owner": "pemda", "parent": "M"}, False),
        ({"level": "strategic_target", "owner": "pemda", "parent": "T", "indicators": []}, False),
        ({"level": "opd_target", "owner": "32.73.06", "parent": "S", "indicators": [IND]}, True),
        ({"level": "opd_target", "owner": "pemda", "parent": "S", "indicators": [IND]}, False),
        ({"level": "programme", "owner": "A", "parent": "S", "indicators": [IND], "pagu": {"2025": 1}}, True),
        ({"level": "goal", "owner": "pemda", "parent": "M", "indicators": [IND], "pagu": {"2025": 1}}, False),
        ({"level": "goal", "owner": "pemda", "parent": "M", "indicators": [IND], "pagu": {}}, True),
        ({"level": "activity", "owner": "A", "parent": "P", "indicators": [IND, IND]}, False),
    ],
)
def test_the_level_rules_of_a_new_node_are_in_the_document(node: dict[str, Any], valid: bool) -> None:
    from replika.sakip.models import NodeIn

    body = json.loads(json.dumps({"code": "N1", "name": "Node uji", **node}))  # items not shared
    if not valid and node.get("indicators") == [IND, IND]:  # unique ids: the x-unique-by rule
        assert NodeIn.model_json_schema()["x-unique-by"] == {"indicators": "id"}
        with pytest.raises(ValidationError):
            NodeIn.model_validate(body)
        _make_unique(body["indicators"], "id")
        assert [i["id"] for i in body["indicators"]] == ["I1", "I2"]
        assert _agree(NodeIn, body)
        return
    assert _agree(NodeIn, body) is valid


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    return region_stack


def _post(client: Client, who: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    r = client.http.post(f"/cascade/{s.PERIOD}/nodes", headers=s.headers_of(who), body=json.dumps(body))
    return r.status_code, json.loads(r.body)


def test_what_depends_on_stored_data_is_409_and_an_unknown_parent_404(sakip: dict[str, str]) -> None:
    prog = {
        "code": "A.P9",
        "level": "programme",
        "owner": s.OPD_A,
        "parent": "A.SS1",
        "name": "Program uji",
        "indicators": [s.indicator("O1")],
    }
    with Client(load_app("sakip")) as client:
        status, body = _post(client, s.STAFF_A, {**prog, "parent": "NOPE"})
        assert (status, body["error"]["code"]) == (404, "unknown_parent")
        status, body = _post(client, s.STAFF_A, {**prog, "pagu": {"2031": 5}})
        assert (status, body["error"]["code"]) == (409, "invalid_node")
        assert [p["code"] for p in body["error"]["details"]["problems"]] == ["pagu_year"]
        status, body = _post(client, s.STAFF_A, {**prog, "indicators": []})
        assert (status, body["error"]["code"]) == (400, "validation_failed")  # the level's own rule
        status, body = _post(client, s.STAFF_A, {**prog, "weight": 1.5})
        assert (status, body["error"]["code"]) == (400, "validation_failed")
        status, body = _post(client, s.STAFF_A, {**prog, "weight": "1.5"})
        assert status == 201, body


def test_an_export_replaces_what_xlsx_cannot_hold(sakip: dict[str, str]) -> None:
    from openpyxl import load_workbook

    from replika.sakip import cascade, cascade_xlsx, common, store
    from replika.sakip.models import NodeUpdate

    current = cascade.get_node(s.STAFF_A, s.PERIOD, "A.SS1")
    body = current.model_dump(include={"name", "parent", "weight", "order", "indicators", "pagu"})
    body["name"] = "Sasaran\x03 uji"
    cascade.update_node(s.STAFF_A, s.PERIOD, "A.SS1", NodeUpdate.model_validate({**body, "version": 1}), None)
    data = cascade_xlsx.export_xlsx(common.get_period(s.PERIOD), store.all_nodes(s.PERIOD), "Kaskade")
    names = [r[3] for r in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=3, values_only=True)]
    assert "Sasaran\ufffd uji" in names


def test_the_documented_import_example_is_a_sheet_any_period_accepts(sakip: dict[str, str]) -> None:
    from replika.sakip import store

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    before = len(store.all_nodes(s.PERIOD))
    with Client(load_app("sakip")) as client:
        doc = json.loads(client.http.get("/openapi.json").body)
        content = doc["paths"]["/cascade/{period}/import"]["post"]["requestBody"]["content"][xlsx]
        example = content["schema"]["examples"][0]
        h = {**s.headers_of(s.BAPPEDA), "Content-Type": xlsx}
        r = client.http.post(f"/cascade/{s.PERIOD}/import", headers=h, body=example.encode("utf-8"))
        assert r.status_code == 200, r.body
        assert json.loads(r.body) == {
            "rows": 0,
            "nodes": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "revisions": 0,
            "dry_run": False,
        }
        r = client.http.post(f"/cascade/{s.PERIOD}/import", headers=h, body=b"0")
        assert r.status_code == 400  # not a workbook: the document's example is the shape to send
    assert len(store.all_nodes(s.PERIOD)) == before


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("abc", True),
        ("a b", True),
        ("  abc  ", True),
        ("  a ", False),
        (" ab", False),
        ("\u3000ab\u3000", False),
    ],
)
def test_a_text_minimum_holds_after_stripping_in_the_document_too(name: str, valid: bool) -> None:
    from replika.sakip.models import IndicatorIn

    body = {"id": "I1", "name": name, "unit": "%", "targets": {"2025": "1"}}
    assert _agree(IndicatorIn, body) is valid


def test_a_well_formed_owner_that_is_not_stored_is_a_404(sakip: dict[str, str]) -> None:
    """An agreement, an LKE or a reopening for an OPD the directory does not hold: the request is
    well-formed and names stored state that is not there (404 ``unknown_opd``, never a 400)."""
    until = (s.TODAY + timedelta(days=2)).isoformat()
    with Client(load_app("sakip")) as client:
        calls = [
            (s.BAPPEDA, "/agreements/2026/99.99.99", None),
            (s.TEAM_LEAD, "/lke/2026/99.99.99", None),
            (
                s.BAPPEDA,
                "/quarters/2026/1/reopen",
                {"owner": "99.99.99", "until": until, "reason": "Koreksi"},
            ),
        ]
        for who, url, body in calls:
            r = client.http.post(url, headers=s.headers_of(who), body=json.dumps(body) if body else None)
            assert (r.status_code, json.loads(r.body)["error"]["code"]) == (404, "unknown_opd"), url
