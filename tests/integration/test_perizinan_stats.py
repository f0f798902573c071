"""Perizinan's public statistics per type and year (applications, decided, issued, median working
days to decision, share within SLA, fiktif positif, SKM index), the applicant's satisfaction survey
after issue, and the renewal and withdrawal paths; in moto, through the app."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

from replika.core import runtime
from tests.conftest import auth_header
from tests.integration.test_perizinan_api import (
    OFFICE,
    SIGNER,
    TEKNIS_OPD,
    _setup,
    _type,
    act,
    apply,
    call,
)
from tests.integration.test_perizinan_api import client as client

TEKNIS = auth_header("199001012015011001", TEKNIS_OPD, "pegawai")
ALL_4 = [4] * 9
ALL_3 = [3] * 9


def _apply(c: Client, who: dict[str, str], capital: int, type_code: str = "SIUP", **kw: Any) -> Any:
    st, app = apply(c, who, type_code, capital, **kw)
    assert st == 201, app
    return app


def _issue(c: Client, number: str) -> Any:
    for who in (OFFICE, TEKNIS, SIGNER):  # the last stage: the region's signing official
        st, app = call(c, "POST", f"/applications/{number}/actions", who, {"action": "advance"})
        assert st == 200, app
    st, app = call(c, "POST", f"/applications/{number}/payment", OFFICE, {"receipt_number": f"STS-{number}"})
    assert st == 200 and app["status"] == "issued", app
    return app


def _stats(c: Client, year: int) -> dict[str, Any]:
    st, out = call(c, "GET", f"/public/stats?year={year}")
    assert st == 200 and out["year"] == year
    return {t["type_code"]: t for t in out["types"]}


def test_stats_and_the_satisfaction_survey(client: Client) -> None:
    applicant = _setup(client)
    small = _apply(client, applicant, 100_000_000)  # report-only: registered at once
    assert small["status"] == "registered"
    from replika.perizinan.service import common

    year = common.today().year  # the region's date of submission
    staged = _apply(client, applicant, 600_000_000)
    # no survey before the permit is issued, nor for someone else's application
    st, err = call(client, "POST", f"/applications/{staged['number']}/survey", applicant, {"answers": ALL_4})
    assert st == 409 and err["error"]["code"] == "not_issued"
    other = auth_header("a2", None, "pemohon")
    assert (
        call(client, "POST", f"/applications/{small['number']}/survey", other, {"answers": ALL_4})[0] == 404
    )
    assert (
        call(client, "POST", f"/applications/{small['number']}/survey", OFFICE, {"answers": ALL_4})[0] == 403
    )
    for bad in ([5] * 9, [4] * 8, [0] * 9):
        assert (
            call(client, "POST", f"/applications/{small['number']}/survey", applicant, {"answers": bad})[0]
            == 400
        )
    st, answered = call(
        client, "POST", f"/applications/{small['number']}/survey", applicant, {"answers": ALL_4}
    )
    assert st == 201 and answered["answers"] == ALL_4
    st, err = call(client, "POST", f"/applications/{small['number']}/survey", applicant, {"answers": ALL_3})
    assert st == 409 and err["error"]["code"] == "survey_answered"
    assert call(client, "GET", f"/applications/{small['number']}/survey", applicant)[1]["answers"] == ALL_4
    assert call(client, "GET", f"/applications/{small['number']}/survey", other)[0] == 404
    issued = _issue(client, staged["number"])
    st, _ = call(client, "POST", f"/applications/{issued['number']}/survey", applicant, {"answers": ALL_3})
    assert st == 201
    rejected = _apply(client, applicant, 700_000_000)
    st, _ = act(client, rejected["number"], OFFICE, "reject", reason="KBLI tidak sesuai")
    assert st == 200
    _apply(client, applicant, 800_000_000)  # still open: counted as an application only
    siup = _stats(client, year)["SIUP"]
    assert siup == {
        "type_code": "SIUP",
        "type_name": "Izin SIUP",
        "applications": 4,
        "decided": 3,
        "issued": 2,
        "median_working_days": "0",  # all decided on the day they were submitted
        "within_sla_pct": "100.00",
        "fiktif_positif": 0,
        "skm_responses": 2,
        "skm_index": "87.50",  # (4 + 3) / 2 per element, x 25
        "skm_grade": "B",
    }
    assert _stats(client, year - 1) == {}
    assert call(client, "GET", "/public/stats?year=1999")[0] == 400
    assert call(client, "GET", "/public/stats")[0] == 400


def test_fiktif_positif_counts_as_a_late_decision(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from replika.core.config import PerizinanPolicy
    from replika.perizinan.service import clock, common, permits

    applicant = _setup(client)
    call(client, "POST", "/catalogue", OFFICE, _type("NOFEE", fee=0))
    app = _apply(client, applicant, 600_000_000, type_code="NOFEE")
    pol = PerizinanPolicy(fiktif_positif=True)
    for module in (common, clock, permits):
        monkeypatch.setattr(module, "policy", lambda: pol)
    from datetime import date

    due = date.fromisoformat(app["total_due"])
    assert clock.run(on=due + timedelta(days=1)).granted == [app["number"]]
    nofee = _stats(client, common.today().year)["NOFEE"]
    assert (nofee["decided"], nofee["issued"], nofee["fiktif_positif"], nofee["within_sla_pct"]) == (
        1,
        1,
        1,
        "0.00",
    )
    assert int(nofee["median_working_days"]) >= 5  # the total SLA (1 + 3 + 1) has passed


def test_renewal_starts_from_the_permit_it_renews(client: Client) -> None:
    applicant = _setup(client)
    first = _issue(client, _apply(client, applicant, 600_000_000)["number"])
    permit = first["permit_number"]
    st, renewal = call(
        client,
        "POST",
        "/applications",
        applicant,
        {
            "type_code": "SIUP",
            "kind": "perpanjangan",
            "renews": permit,
            "form": {"luas_m2": 5},
            "documents": ["ktp"],
        },
    )
    assert st == 201 and renewal["kind"] == "perpanjangan" and renewal["status"] == "in_review"
    assert renewal["business"] == first["business"]  # taken from the renewed permit's application
    # another applicant cannot renew it; a renewal must name a permit; another type cannot renew it
    other = auth_header("a2", None, "pemohon")
    call(client, "PUT", "/me", other, {"name": "Budi", "nik": "3273010101900002"})
    body = {
        "type_code": "SIUP",
        "kind": "perpanjangan",
        "renews": permit,
        "form": {"luas_m2": 5},
        "documents": ["ktp"],
    }
    assert call(client, "POST", "/applications", other, body)[0] == 404
    assert call(client, "POST", "/applications", applicant, {**body, "renews": None})[0] == 400
    call(client, "POST", "/catalogue", OFFICE, _type("IMB"))
    st, err = call(client, "POST", "/applications", applicant, {**body, "type_code": "IMB"})
    assert st == 400 and err["error"]["code"] == "not_renewable"
    # a revoked permit is not renewable
    assert (
        call(client, "POST", f"/permits/{permit}/revoke", OFFICE, {"reason": "Data modal tidak benar"})[0]
        == 200
    )
    st, err = call(client, "POST", "/applications", applicant, body)
    assert st == 400 and err["error"]["code"] == "not_renewable"


def test_withdrawal_by_the_applicant_only_while_open(client: Client) -> None:
    applicant = _setup(client)
    app = _apply(client, applicant, 600_000_000)
    number = app["number"]
    other = auth_header("a2", None, "pemohon")
    assert call(client, "POST", f"/applications/{number}/withdraw", other)[0] == 404
    assert call(client, "POST", f"/applications/{number}/withdraw", OFFICE)[0] == 403
    call(client, "POST", f"/applications/{number}/actions", OFFICE, {"action": "advance"})
    st, ret = act(client, number, TEKNIS, "return", reason="denah kurang")
    assert st == 200 and ret["status"] == "returned"
    st, gone = call(client, "POST", f"/applications/{number}/withdraw", applicant)
    assert st == 200 and gone["status"] == "withdrawn"
    assert call(client, "GET", "/queue?role=pegawai", TEKNIS)[1]["items"] == []  # out of every queue
    assert call(client, "POST", f"/applications/{number}/withdraw", applicant)[0] == 409  # once
    assert call(client, "POST", f"/applications/{number}/resubmit", applicant, {})[0] == 409
    issued = _issue(client, _apply(client, applicant, 600_000_000)["number"])
    assert call(client, "POST", f"/applications/{issued['number']}/withdraw", applicant)[0] == 409


def test_catalogue_csv_import_all_or_nothing(client: Client) -> None:
    from replika.perizinan.rules.catalogue_csv import COLUMNS

    header = ",".join(COLUMNS) + "\n"
    good = (
        "UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2\n"
        "PBG,Bangunan Gedung,2500000,0,tinggi,tidak,ktp;gambar,,terima,Front office,dpmptsp,,1\n"
        f"PBG,,,,,,,,teknis,Tim teknis,pegawai,{TEKNIS_OPD},5\n"
    )
    csv = {"Content-Type": "text/csv"}

    def post(text: str, who: dict[str, str] = OFFICE) -> Any:
        r = client.http.request("POST", "/catalogue/import/csv", headers={**who, **csv}, body=text.encode())
        return r.status_code, json.loads(r.body)

    # a bad row anywhere: 400 with the row, nothing saved (not even the good types before it)
    st, err = post(header + good + "IMB,Izin Bangunan,0,0,,ya,ktp,,terima,Terima,kepala,,1\n")
    assert st == 400 and err["error"]["code"] == "invalid_csv"
    assert err["error"]["details"]["problems"][0]["type"] == "IMB"
    assert call(client, "GET", "/public/catalogue/UMK")[0] == 404
    st, err = post(header + "UMK,Izin,0,0,,mungkin,ktp,,v,V,dpmptsp,,2\n")
    assert st == 400 and err["error"]["details"]["problems"] == [
        {"row": 2, "problem": err["error"]["details"]["problems"][0]["problem"]}
    ]
    assert post(header + good, TEKNIS)[0] == 403
    st, out = post(header + good)
    assert st == 200 and out == {"versions": {"UMK": 1, "PBG": 1}}
    st, pbg = call(client, "GET", "/public/catalogue/PBG")
    assert (
        st == 200 and [s["code"] for s in pbg["stages"]] == ["terima", "teknis"] and pbg["fee"] == 2_500_000
    )
    assert post(header + good)[1] == {"versions": {"UMK": 2, "PBG": 2}}  # a re-import is a new version
    r = client.http.request("POST", "/catalogue/import/csv", headers={**OFFICE, **csv}, body=b"\xff\xfe")
    assert r.status_code == 400


def test_every_status_change_is_in_the_oss_feed(client: Client) -> None:
    from replika.perizinan.service import common

    applicant = _setup(client)
    call(
        client,
        "PUT",
        "/me",
        applicant,
        {"name": "Siti Aminah", "nik": "3273010101900001", "nib": "1234567890123"},
    )
    small = _apply(client, applicant, 100_000_000)
    app = _apply(client, applicant, 600_000_000)
    number = app["number"]
    call(client, "POST", f"/applications/{number}/actions", OFFICE, {"action": "advance"})
    call(
        client,
        "POST",
        f"/applications/{number}/actions",
        TEKNIS,
        {"action": "return", "reason": "denah kurang"},
    )
    call(client, "POST", f"/applications/{number}/resubmit", applicant, {})
    issued = _issue_from(client, number, TEKNIS)
    st, _ = call(
        client,
        "POST",
        f"/permits/{issued['permit_number']}/revoke",
        OFFICE,
        {"reason": "Data modal tidak benar"},
    )
    assert st == 200
    day = common.today().isoformat()
    assert call(client, "GET", f"/feed?day={day}", TEKNIS)[0] == 403
    assert call(client, "GET", f"/feed?day={day}", applicant)[0] == 403
    assert call(client, "GET", "/feed?day=kemarin", OFFICE)[0] == 400
    st, page = call(client, "GET", f"/feed?day={day}&limit=500", OFFICE)
    assert st == 200
    mine = [r for r in page["items"] if r["application"] == number]
    assert [(r["status"], r["status_code"]) for r in mine] == [
        ("in_review", "10"),
        ("returned", "20"),
        ("in_review", "10"),
        ("approved", "40"),
        ("issued", "50"),
        ("revoked", "99"),
    ]
    assert all(r["nib"] == "1234567890123" and r["permit_code"] == "SIUP" for r in mine)
    assert mine[1]["remark"] == "denah kurang" and mine[-1]["remark"] == "Data modal tidak benar"
    assert mine[4]["permit_number"] == issued["permit_number"] and mine[4]["status_name"] == "Izin terbit"
    (reg,) = [r for r in page["items"] if r["application"] == small["number"]]
    assert (reg["status"], reg["status_code"], reg["permit_number"]) == (
        "registered",
        "50",
        small["permit_number"],
    )
    assert call(client, "GET", "/feed?day=2001-01-01", OFFICE)[1]["items"] == []


def _issue_from(c: Client, number: str, teknis: dict[str, str]) -> Any:
    """From the technical stage on: advance it and the signature, pay the fee."""
    for who in (teknis, SIGNER):
        st, app = call(c, "POST", f"/applications/{number}/actions", who, {"action": "advance"})
        assert st == 200, app
    st, app = call(c, "POST", f"/applications/{number}/payment", OFFICE, {"receipt_number": f"STS-{number}"})
    assert st == 200 and app["status"] == "issued", app
    return app


def _recompute() -> dict[int, dict[str, dict[str, Any]]]:
    """The public figures computed again from the applications and surveys themselves (a scan:
    fine in a test), independently of the aggregates: year -> type -> figures."""
    import statistics
    from datetime import date
    from decimal import Decimal

    from replika.perizinan.rules import sla
    from replika.perizinan.service import common
    from replika.perizinan.tables import PerizinanItem

    cal = common.calendar()
    apps = {i.number: i.data or {} for i in PerizinanItem.scan() if i.kind == "application"}
    surveys = [(i.pk.split("#", 1)[1], i.data or {}) for i in PerizinanItem.scan() if i.kind == "survey"]
    raw: dict[int, dict[str, dict[str, Any]]] = {}
    for data in apps.values():
        per = raw.setdefault(int(data["submitted_on"][:4]), {}).setdefault(
            data["type_code"], {"applications": 0, "days": [], "within": 0, "issued": 0, "fp": 0, "skm": []}
        )
        per["applications"] += 1
        per["issued"] += bool(data.get("permit_number"))
        if data["status"] == "registered":
            per["days"].append(0)
            per["within"] += 1
        elif data.get("decided_on"):
            days = sla.working_days_taken(
                cal,
                date.fromisoformat(data["submitted_on"]),
                date.fromisoformat(data["decided_on"]),
                int(data.get("paused_days") or 0),
            )
            per["days"].append(days)
            per["fp"] += bool(data.get("fiktif_positif"))
            per["within"] += not data.get("fiktif_positif") and days <= int(data["total_sla"])
    for number, answer in surveys:
        data = apps[number]
        raw[int(data["submitted_on"][:4])][data["type_code"]]["skm"].append(answer["answers"])
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for year, types in raw.items():
        for code, per in types.items():
            n = len(per["days"])
            skm = per["skm"]
            index = (
                (sum(Decimal(sum(col)) / len(skm) for col in zip(*skm, strict=True)) / 9 * 25).quantize(
                    Decimal("0.01")
                )
                if skm
                else None
            )
            out.setdefault(year, {})[code] = {
                "applications": per["applications"],
                "decided": n,
                "issued": per["issued"],
                "median_working_days": Decimal(str(statistics.median(per["days"]))) if n else None,
                "within_sla_pct": (Decimal(per["within"] * 100) / n).quantize(Decimal("0.01")) if n else None,
                "fiktif_positif": per["fp"],
                "skm_responses": len(skm),
                "skm_index": index,
            }
    return out


def test_the_aggregates_equal_a_recomputation_and_a_request_reads_a_few_items_per_type(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, time
    from decimal import Decimal

    from replika.perizinan import keys
    from replika.perizinan.service import clock, common, permits
    from replika.perizinan.tables import PerizinanItem

    applicant = _setup(client)
    call(client, "POST", "/catalogue", OFFICE, _type("NOFEE", fee=0))
    cal, real_today = common.calendar(), common.today()
    days = [cal.working_days_back(real_today, n) for n in range(12, 0, -1)]

    def on(i: int) -> None:
        at = datetime.combine(days[i], time(9, 0), tzinfo=cal.zone).astimezone(UTC)
        monkeypatch.setattr(common, "now", lambda: at)

    def step(number: str, who: dict[str, str], action: str = "advance", **kw: Any) -> None:
        st, out = act(client, number, who, action, **kw)
        assert st == 200, out

    on(0)
    _apply(client, applicant, 100_000_000)  # registered: 0 days
    quick, rejected, paused, late = (_apply(client, applicant, 600_000_000)["number"] for _ in range(4))
    fp = _apply(client, applicant, 600_000_000, type_code="NOFEE")
    on(1)
    step(quick, OFFICE)
    step(paused, OFFICE)
    step(late, OFFICE)
    on(2)
    step(rejected, OFFICE, "reject", reason="KBLI tidak sesuai")
    step(quick, TEKNIS)
    step(paused, TEKNIS, "return", reason="denah kurang")
    on(3)
    step(quick, SIGNER)
    call(client, "POST", f"/applications/{quick}/payment", OFFICE, {"receipt_number": "STS-Q-1"})
    on(6)
    call(client, "POST", f"/applications/{paused}/resubmit", applicant, {})
    step(paused, TEKNIS)
    step(late, TEKNIS)
    on(8)
    step(paused, SIGNER)
    on(10)
    _apply(client, applicant, 600_000_000)  # still open: an application, not a decision
    step(late, SIGNER)
    call(
        client, "POST", f"/applications/{late}/payment", OFFICE, {"waiver_reason": "Usaha terdampak bencana"}
    )
    call(client, "POST", f"/applications/{quick}/survey", applicant, {"answers": ALL_4})
    call(client, "POST", f"/applications/{late}/survey", applicant, {"answers": [2, 3, 4, 1, 2, 3, 4, 4, 3]})
    pol = runtime.current().region.perizinan.model_copy(update={"fiktif_positif": True})
    for module in (common, clock, permits):
        monkeypatch.setattr(module, "policy", lambda: pol)
    assert clock.run(on=days[11]).granted == [fp["number"]]

    # a counter item of the earlier layout (one per metric) is not an aggregate: never read
    PerizinanItem(keys.stats_pk(days[0].year), "SIUP#decided#0", kind="stat", tally=99).save()
    expected = _recompute()
    for year, types in expected.items():
        published = _stats(client, year)
        assert set(published) == set(types)
        for code, figures in types.items():
            got = published[code]
            for name in ("median_working_days", "within_sla_pct", "skm_index"):
                got[name] = None if got[name] is None else Decimal(got[name])
            assert {k: got[k] for k in figures} == figures, code
        # bounded: one aggregate item per type and shard, however many distinct day counts
        items = list(
            PerizinanItem.query(keys.stats_pk(year), PerizinanItem.sk.startswith(keys.STATS_AGGREGATE))
        )
        assert len(items) <= keys.DUE_SHARDS * len(types)
    siup = expected[days[0].year]["SIUP"]
    # registered, quick, rejected, paused, late: five decisions over several distinct day counts
    assert (siup["applications"], siup["decided"], siup["issued"]) == (6, 5, 3)
