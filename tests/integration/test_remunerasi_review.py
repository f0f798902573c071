"""Review findings for the e-Remunerasi HTTP routes: client input that used to give a 500, and an
authorization hole. Each test failed before its fix (fixtures from test_remunerasi_api)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.test_remunerasi_api import (  # noqa: F401  (client is a fixture)
    BOSS,
    CHIEF,
    FINANCE,
    HR,
    ME,
    OTHER,
    STAFF,
    body,
    client,
    err,
    log,
    post,
)

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def api(client: Client) -> Client:  # noqa: F811  (the imported fixture, by its name)
    return client


def csv_post(c: Client, path: str, data: bytes) -> Any:
    return c.http.post(path, body=data, headers={**HR, "Content-Type": "text/csv"})


class TestPeriodInPath:
    """app.py built PeriodQuery(...) directly: pydantic's ValidationError escaped as a 500."""

    @pytest.mark.parametrize("period", ["2026-13", "abc", "2026-1"])
    def test_bad_payroll_period_is_400(self, api: Client, period: str) -> None:
        err(api.http.get(f"/payroll/{period}", headers=FINANCE), 400, "validation_failed")
        err(api.http.post(f"/payroll/{period}/run", headers=HR), 400, "validation_failed")

    def test_bad_behaviour_period_is_400(self, api: Client) -> None:
        r = api.http.put(
            f"/employees/{STAFF.nip}/behaviour/2026-13",
            body=json.dumps({"score": 80}),
            headers={**BOSS, **JSON},
        )
        err(r, 400, "validation_failed")


class TestPeriodYearRange:
    """models.PERIOD accepted year 0000 (parse_period refuses it: ValueError -> 500), and
    period_bounds('9999-12') overflowed computing the 1st of year 10000 (500)."""

    def test_year_zero_is_400_everywhere(self, api: Client) -> None:
        err(api.http.get(f"/employees/{STAFF.nip}/attendance?period=0000-01", headers=ME), 400)
        r = api.http.put(
            f"/employees/{STAFF.nip}/behaviour/0000-01",
            body=json.dumps({"score": 80}),
            headers={**BOSS, **JSON},
        )
        err(r, 400, "validation_failed")
        r = post(
            api,
            "/sentences",
            {"nip": STAFF.nip, "level": "berat", "start_period": "0000-01", "end_period": "0000-02"},
            HR,
        )
        err(r, 400, "validation_failed")

    def test_last_representable_period(self, api: Client) -> None:
        r = api.http.get(f"/employees/{STAFF.nip}/attendance?period=9999-12", headers=ME)
        assert r.status_code == 200, r.body
        assert body(r)["days"] == {}


def test_deeply_nested_json_is_400(api: Client) -> None:
    """json.loads raises RecursionError (not ValueError) on deep nesting: http._json_body gave 500."""
    r = api.http.post("/entries", body="[" * 100_000 + "]" * 100_000, headers={**ME, **JSON})
    err(r, 400, "invalid_json")


class TestCsvEdges:
    def test_bytes_that_are_neither_utf8_nor_cp1252_are_400(self, api: Client) -> None:
        """0x81 is undefined in cp1252: the fallback decode raised UnicodeDecodeError (500)."""
        e = err(csv_post(api, "/activities/import", b"kode,nama,menit\nK1,Rapat \x81 satu,30\n"), 400)
        assert e["code"] == "import_rejected"
        data = f"nip,tanggal,masuk,pulang,keterangan\n{STAFF.nip},2026-11-19,07:30,16:00,\x81\n".encode()
        err(csv_post(api, "/attendance/import", data), 400, "import_rejected")

    def test_cell_over_the_csv_field_limit_is_400(self, api: Client) -> None:
        """csv.Error ('field larger than field limit') escaped as a 500, in a row or the header."""
        row = b'kode,nama,menit\nK1,"' + b"x" * 200_000 + b'",30\n'
        e = err(csv_post(api, "/activities/import", row), 400, "import_rejected")
        assert e["details"]["problems"][0]["line"] == 2
        header = b'"' + b"x" * 200_000 + b'",nama,menit\nK1,Rapat,30\n'
        err(csv_post(api, "/activities/import", header), 400, "import_rejected")

    @pytest.mark.parametrize(
        "data",
        [
            b"kode,nama,menit\n",  # header only
            b"kode,nama,menit\nK1\n",  # fewer cells
            b"\xff\xfek\x00o\x00d\x00e\x00",  # UTF-16
        ],
    )
    def test_other_edges_stay_400(self, api: Client, data: bytes) -> None:
        err(csv_post(api, "/activities/import", data), 400, "import_rejected")

    def test_bom_and_semicolons(self, api: Client) -> None:
        r = csv_post(api, "/activities/import", b"\xef\xbb\xbfKode;Nama;Menit\nK1;Kegiatan satu;30\n")
        assert body(r) == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0}


def test_plt_cannot_rate_their_own_behaviour(api: Client) -> None:
    """A Plt is often a subordinate of the absent chief (e.g. the sekretaris). rate_behaviour had no
    self check, so STAFF as Plt of CHIEF rated STAFF."""
    r = post(
        api,
        "/acting",
        {"acting_nip": STAFF.nip, "for_nip": CHIEF.nip, "start": "2026-11-01", "end": "2026-11-30"},
        HR,
    )
    assert r.status_code == 201, r.body
    r = api.http.put(
        f"/employees/{STAFF.nip}/behaviour/2026-11", body=json.dumps({"score": 100}), headers={**ME, **JSON}
    )
    err(r, 403, "forbidden")


class TestLeadFollowUps:
    """Follow-ups to the review: malformed keys are 404 (never a storage key from arbitrary text)
    and a stale pending-queue cursor is a 400."""

    def test_malformed_nip_and_entry_id_are_404(self, api: Client) -> None:
        long_nip = "9" * 3000
        r = api.http.get(f"/employees/{long_nip}/entries?period=2026-11", headers=HR)
        assert r.status_code == 404
        r = api.http.patch(
            f"/entries/{STAFF.nip}/20261119-{'a' * 2000}",
            body=json.dumps({"version": 1}),
            headers={**ME, "Content-Type": "application/json"},
        )
        assert r.status_code == 404

    def test_pending_cursor_is_bound_to_the_callers_queues(self, api: Client) -> None:
        for _ in range(3):
            log(api)
        page = json.loads(api.http.get("/pending?limit=2", headers=BOSS).body)
        assert page["next_cursor"]
        other = api.http.get(f"/pending?limit=2&cursor={page['next_cursor']}", headers=OTHER)
        assert other.status_code == 400 and json.loads(other.body)["error"]["code"] == "invalid_cursor"
