"""Quarterly realisation: the submission windows, closing and Bappeda's audited reopening, the year's
rule per indicator (sum / last / average), evidence files, and the attainment views built on them
(roll-up with weights, budget absorption, IKU and the OPD ranking)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from replika.core.errors import BadRequest, Conflict, Forbidden
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    return region_stack


def enter(
    who: Any,
    code: str,
    quarter: int,
    values: dict[str, str],
    budget: int | None = None,
    on: date | None = None,
    version: int | None = None,
    **kw: Any,
) -> Any:
    from replika.sakip import realisation
    from replika.sakip.models import RealisationIn

    body = RealisationIn.model_validate(
        {
            "values": {k: {"value": v} for k, v in values.items()},
            "budget_realised": budget,
            "version": version,
            **kw,
        }
    )
    return realisation.put_quarter(who, 2026, code, quarter, body, "req", on=on)


def test_windows_closing_and_reopening(sakip: dict[str, str]) -> None:
    from replika.core import audit
    from replika.sakip import realisation
    from replika.sakip.models import ReopenIn

    status = realisation.quarters_status(s.STAFF_A, 2026, None)
    assert [q.state for q in status.quarters] == ["closed", "open", "not_open", "not_open"]
    assert status.quarters[3].closes == date(2027, 1, 20)  # Q4's window ends in January
    enter(s.STAFF_A, "A.P1.K1.S1", 2, {"D1": "5"}, 250_000)
    with pytest.raises(Conflict) as exc:
        enter(s.STAFF_A, "A.P1.K1.S1", 3, {"D1": "5"})
    assert exc.value.code == "quarter_not_open"
    with pytest.raises(Conflict) as exc:
        enter(s.STAFF_A, "A.P1.K1.S1", 1, {"D1": "5"})
    assert exc.value.code == "quarter_closed"
    with pytest.raises(Forbidden):
        enter(s.STAFF_B, "A.P1.K1.S1", 2, {"D1": "5"})
    with pytest.raises(Conflict):  # the quarter exists: name its version
        enter(s.STAFF_A, "A.P1.K1.S1", 2, {"D1": "6"})
    with pytest.raises(Conflict) as exc:  # Q2 is open: nothing to reopen
        realisation.reopen(
            s.BAPPEDA, 2026, 2, ReopenIn(owner=s.OPD_A, until=s.TODAY, reason="Salah input"), None
        )
    assert exc.value.code == "quarter_not_closed"
    with pytest.raises(BadRequest):
        realisation.reopen(
            s.BAPPEDA,
            2026,
            1,
            ReopenIn(owner=s.OPD_A, until=s.TODAY + timedelta(days=61), reason="Terlalu lama"),
            None,
        )
    reopened = realisation.reopen(
        s.BAPPEDA,
        2026,
        1,
        ReopenIn(owner=s.OPD_A, until=s.TODAY + timedelta(days=3), reason="Data BPS terlambat"),
        "req-open",
    )
    assert reopened.until == s.TODAY + timedelta(days=3)
    [record] = audit.trail(f"sakip:quarter#2026#Q1#{s.OPD_A}").items
    assert (record.action, record.after["reason"], record.request_id) == (
        "quarter.reopen",
        "Data BPS terlambat",
        "req-open",
    )
    late = enter(s.STAFF_A, "A.P1.K1.S1", 1, {"D1": "4"}, 100_000)
    assert late.quarters[0].late and late.quarters[0].state == "reopened"
    [late_record] = audit.trail("sakip:realisation#2026#A.P1.K1.S1#Q1").items
    assert late_record.action == "realisation.late" and late_record.after["values"]["D1"]["value"] == "4"
    with pytest.raises(Conflict):  # only for the OPD it was reopened for
        enter(s.STAFF_B, "B.P1.K1.S1", 1, {"D1": "4"})
    with pytest.raises(Conflict):  # and only until the date
        enter(s.STAFF_A, "A.P1.K1.S1", 1, {"D1": "4"}, version=1, on=s.TODAY + timedelta(days=4))
    assert realisation.reopenings(2026, 1).items[0].owner == s.OPD_A


def test_http_reopen_is_bappedas(sakip: dict[str, str]) -> None:
    body = {"owner": s.OPD_A, "until": (s.TODAY + timedelta(days=2)).isoformat(), "reason": "Koreksi data"}
    with Client(load_app("sakip")) as client:
        r = client.http.post(
            "/quarters/2026/1/reopen", headers=s.headers_of(s.STAFF_A), body=json.dumps(body)
        )
        assert r.status_code == 403
        r = client.http.post(
            "/quarters/2026/1/reopen", headers=s.headers_of(s.BAPPEDA), body=json.dumps(body)
        )
        assert r.status_code == 201, r.body
        r = client.http.post(
            "/quarters/2026/5/reopen", headers=s.headers_of(s.BAPPEDA), body=json.dumps(body)
        )
        assert r.status_code == 404 and json.loads(r.body)["error"]["code"] == "unknown_quarter"
        r = client.http.get("/quarters/2026", headers=s.headers_of(s.STAFF_A))
        assert [q["state"] for q in json.loads(r.body)["quarters"]] == [
            "reopened",
            "open",
            "not_open",
            "not_open",
        ]


def test_the_year_follows_each_indicators_rule(sakip: dict[str, str]) -> None:
    """S1 (sum, target 20): 4 + 9 = 13 -> 65 %; S2 (average, lower, target 10): (12 + 8) / 2 = 10 ->
    100 %; the activity rolls up its sub-activities with weights 1 and 3."""
    q1 = s.TODAY.replace(month=4, day=1)
    enter(s.STAFF_A, "A.P1.K1.S1", 1, {"D1": "4"}, 200_000, on=q1)
    enter(s.STAFF_A, "A.P1.K1.S1", 2, {"D1": "9"}, 300_000)
    enter(s.STAFF_A, "A.P1.K1.S2", 1, {"D1": "12"}, 1_000_000, on=q1)
    enter(s.STAFF_A, "A.P1.K1.S2", 2, {"D1": "8"}, 500_000)
    from replika.sakip import attainment, realisation

    got = realisation.node_realisation(s.STAFF_A, 2026, "A.P1.K1.S1").node
    assert (got.indicators[0].realisation, got.attainment) == (Decimal("13.0000"), Decimal("65.00"))
    assert (got.pagu, got.realised, got.absorption) == (1_000_000, 500_000, Decimal("50.00"))
    assert got.efficiency == Decimal("15.00")
    s2 = realisation.node_realisation(s.STAFF_A, 2026, "A.P1.K1.S2").node
    assert (s2.indicators[0].realisation, s2.attainment) == (Decimal("10.0000"), Decimal("100.00"))
    view = attainment.opd_attainment(s.STAFF_A, 2026, s.OPD_A)
    by = {n.code: n for n in view.nodes}
    assert by["A.P1.K1"].attainment == Decimal("91.25")  # (65 x 1 + 100 x 3) / 4
    assert by["A.P1.K1"].own_attainment is None  # its own indicator has no realisation
    assert (by["A.P1"].pagu, by["A.P1"].realised) == (4_000_000, 2_000_000)
    assert by["A.SS1"].attainment == Decimal("91.25") and view.attainment == Decimal("91.25")
    assert view.iku_attainment is None  # the OPD target's own indicator is not measured
    through_q1 = attainment.opd_attainment(s.STAFF_A, 2026, s.OPD_A, through=1)
    assert {n.code: n.attainment for n in through_q1.nodes}["A.P1.K1.S1"] == Decimal("20.00")  # 4 / 20
    with pytest.raises(Forbidden):
        attainment.opd_attainment(s.STAFF_B, 2026, s.OPD_A)


def test_region_iku_and_ranking(sakip: dict[str, str]) -> None:
    from replika.sakip import attainment

    enter(s.BAPPEDA, "S1", 2, {"KEMISKINAN": "6.3"})  # lower, target 7: (2 - 0.9) x 100 = 110
    enter(s.BAPPEDA, "S2", 2, {"IKM": "78"})  # 78 / 82 = 95.12
    enter(s.STAFF_A, "A.SS1", 2, {"K1": "81"})  # 90 %
    enter(s.STAFF_B, "B.SS1", 2, {"K1": "99"})  # 110 %
    with pytest.raises(Forbidden):
        enter(s.STAFF_A, "S1", 2, {"KEMISKINAN": "6"}, version=1)  # the region's level is Bappeda's
    region = attainment.region_attainment(s.BAPPEDA, 2026)
    assert region.iku_attainment == Decimal("102.56")  # (110 + 95.1219...) / 2
    assert [(r.rank, r.opd, r.iku_attainment) for r in region.ranking] == [
        (1, s.OPD_B, Decimal("110.00")),
        (2, s.OPD_A, Decimal("90.00")),
    ]
    upper = {n.code: n for n in region.upper}
    assert upper["S1"].own_attainment == Decimal("110.00") and upper["S1"].attainment == Decimal("90.00")
    with Client(load_app("sakip")) as client:
        r = client.http.get("/attainment/2026/region?quarter=2", headers=s.headers_of(s.STAFF_A))
        assert r.status_code == 200 and json.loads(r.body)["through_quarter"] == 2


def test_realisation_checks(sakip: dict[str, str]) -> None:
    from replika.core import storage
    from replika.sakip import realisation
    from replika.sakip.models import UploadIn

    with pytest.raises(BadRequest) as exc:
        enter(s.STAFF_A, "A.P1.K1.S1", 2, {"XX": "1"})
    assert exc.value.code == "unknown_indicator"
    with pytest.raises(BadRequest) as exc:
        enter(s.STAFF_A, "A.SS1", 2, {"K1": "1"}, 5)
    assert exc.value.code == "budget_not_allowed"
    with pytest.raises(BadRequest) as exc:
        enter(s.STAFF_A, "A.P1.K1.S1", 2, {}, None)
    assert exc.value.code == "empty_realisation"
    upload = realisation.evidence_upload(
        s.STAFF_A, s.OPD_A, UploadIn(filename="foto.jpg", content_type="image/jpeg", size=2048)
    )
    with pytest.raises(BadRequest) as exc:
        enter(s.STAFF_A, "A.P1.K1.S1", 2, {"D1": "1"}, evidence=[{"key": upload.key, "name": "Foto"}])
    assert exc.value.code == "evidence_missing"
    storage.put_bytes(upload.key, b"\xff\xd8 jpeg", "image/jpeg")
    done = enter(s.STAFF_A, "A.P1.K1.S1", 2, {"D1": "1"}, evidence=[{"key": upload.key, "name": "Foto"}])
    assert [(e.key, e.by) for e in done.quarters[1].evidence] == [(upload.key, s.STAFF_A.actor)]
    other = realisation.evidence_upload(
        s.STAFF_B, s.OPD_B, UploadIn(filename="x.pdf", content_type="application/pdf", size=10)
    )
    storage.put_bytes(other.key, b"%PDF", "application/pdf")
    with pytest.raises(BadRequest) as exc:
        enter(
            s.STAFF_A,
            "A.P1.K1.S1",
            2,
            {"D1": "1"},
            version=1,
            evidence=[{"key": other.key, "name": "Bukan milik A"}],
        )
    assert exc.value.code == "foreign_evidence"
    with pytest.raises(Forbidden):
        realisation.evidence_upload(
            s.STAFF_A, s.OPD_B, UploadIn(filename="x.pdf", content_type="application/pdf", size=10)
        )
