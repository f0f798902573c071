"""The directory's HTTP contract: auth, errors, all-or-nothing import, pagination, OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from replika_infra.demo import seed
from replika_infra.local.gateway import load_app
from tests.conftest import auth_header

PEOPLE = seed.demo_employees(n_opd=4, n_employees=60)
CSV = seed.to_csv(PEOPLE)
STAFF = next(e for e in PEOPLE if e.supervisor_nip and e.kelas < 12)
CHIEF = next(e for e in PEOPLE if e.nip == STAFF.supervisor_nip)
OUTSIDER = next(e for e in PEOPLE if e.opd_code != STAFF.opd_code and e.supervisor_nip)
HR = auth_header("199001012015011001", "32.73.06", "bkpsdm")
ME = auth_header(STAFF.nip, STAFF.opd_code, "pegawai")


@pytest.fixture
def client(region_stack: dict[str, str]) -> Iterator[Client]:
    with Client(load_app("directory")) as c:
        yield c


@pytest.fixture
def seeded(client: Client) -> Client:
    r = post_csv(client, CSV, HR)
    assert r.status_code == 200, r.body
    return client


def post_csv(client: Client, data: bytes, headers: dict[str, str], query: str = "", **extra: str) -> Any:
    return client.http.post(
        f"/import{query}", body=data, headers={**headers, "Content-Type": "text/csv", **extra}
    )


def body(r: Any) -> Any:
    return json.loads(r.body)


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.body
    err = body(r)["error"]
    assert err["code"] == code
    assert set(err) >= {"code", "message", "details"}
    assert r.headers["X-Request-Id"] == err["request_id"]
    return err  # type: ignore[no-any-return]


def directory_item_count() -> int:
    from replika.directory.tables import DirectoryItem

    return sum(1 for _ in DirectoryItem.scan())  # test inspection only; request paths never scan


class TestAuth:
    def test_no_token_is_401(self, client: Client) -> None:
        assert_error(client.http.get("/opds"), 401, "unauthorized")

    def test_pegawai_cannot_import_403(self, client: Client) -> None:
        assert_error(post_csv(client, CSV, ME), 403, "forbidden")
        assert directory_item_count() == 0

    def test_other_opd_employee_list_403(self, seeded: Client) -> None:
        r = seeded.http.get(f"/employees?opd={OUTSIDER.opd_code}", headers=ME)
        assert_error(r, 403, "forbidden")

    def test_other_opd_employee_is_404_not_a_leak(self, seeded: Client) -> None:
        r = seeded.http.get(f"/employees/{OUTSIDER.nip}", headers=ME)
        assert_error(r, 404, "not_found")

    def test_supervisor_reads_report_and_reports_list(self, seeded: Client) -> None:
        boss = auth_header(CHIEF.nip, CHIEF.opd_code, "pegawai")
        assert seeded.http.get(f"/employees/{STAFF.nip}", headers=boss).status_code == 200
        r = seeded.http.get(f"/employees/{CHIEF.nip}/reports?limit=100", headers=boss)
        assert STAFF.nip in {e["nip"] for e in body(r)["items"]}
        r = seeded.http.get(f"/employees/{CHIEF.nip}/reports", headers=ME)
        assert_error(r, 403, "forbidden")


class TestReads:
    def test_me(self, seeded: Client) -> None:
        r = seeded.http.get("/me", headers=ME)
        assert r.status_code == 200
        assert body(r)["nip"] == STAFF.nip
        assert body(r)["supervisor_nip"] == CHIEF.nip

    def test_me_without_nip_is_404_with_code(self, seeded: Client) -> None:
        assert_error(
            seeded.http.get("/me", headers=auth_header(None, None, "admin")), 404, "no_employee_record"
        )

    def test_opd_detail_and_unknown_opd(self, seeded: Client) -> None:
        r = seeded.http.get(f"/opds/{STAFF.opd_code}", headers=ME)
        assert body(r)["name"] == STAFF.opd_name
        assert STAFF.unit_code in {u["code"] for u in body(r)["units"]}
        assert_error(seeded.http.get("/opds/99.99", headers=ME), 404, "not_found")

    def test_pagination_walks_every_employee_once(self, seeded: Client) -> None:
        seen: list[str] = []
        cursor = ""
        for _ in range(20):
            r = seeded.http.get(f"/employees?limit=7{'&cursor=' + cursor if cursor else ''}", headers=HR)
            page = body(r)
            assert len(page["items"]) <= 7
            seen += [e["nip"] for e in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(e.nip for e in PEOPLE)

    def test_tampered_cursor_400(self, seeded: Client) -> None:
        r = seeded.http.get("/employees?limit=2", headers=HR)
        cursor = body(r)["next_cursor"]
        forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        assert_error(
            seeded.http.get(f"/employees?limit=2&cursor={forged}", headers=HR), 400, "invalid_cursor"
        )

    def test_bad_query_400_with_field_details(self, seeded: Client) -> None:
        err = assert_error(seeded.http.get("/employees?limit=0", headers=HR), 400, "validation_failed")
        assert err["details"]["fields"][0]["field"] == "limit"


class TestImport:
    def test_bad_file_reports_lines_and_writes_nothing(self, client: Client) -> None:
        lines = CSV.decode().splitlines()
        lines[3] = lines[3].replace(lines[3].split(",")[0], "198502302010011001")  # 30 February
        cells = lines[5].split(",")
        cells[8] = "18"  # kelas jabatan out of 1..17
        lines[5] = ",".join(cells)
        r = post_csv(client, ("\n".join(lines) + "\n").encode(), HR)
        err = assert_error(r, 400, "import_rejected")
        assert {(p["line"], p["column"]) for p in err["details"]["problems"]} >= {
            (4, "nip"),
            (6, "kelas_jabatan"),
        }
        assert all(set(p) == {"line", "column", "reason"} for p in err["details"]["problems"])
        assert directory_item_count() == 0

    def test_reimport_is_idempotent_and_changes_update_in_place(self, seeded: Client) -> None:
        before = directory_item_count()
        again = body(post_csv(seeded, CSV, HR))
        assert (again["created"], again["updated"]) == (0, 0)
        assert directory_item_count() == before

        moved = [
            e
            if e.nip != STAFF.nip
            else seed.SeedEmployee(
                e.nip,
                e.name,
                OUTSIDER.opd_code,
                OUTSIDER.opd_name,
                OUTSIDER.unit_code,
                OUTSIDER.unit_name,
                OUTSIDER.position_code,
                OUTSIDER.position_name,
                OUTSIDER.kelas,
                OUTSIDER.supervisor_nip,
            )
            for e in PEOPLE
        ]
        result = body(post_csv(seeded, seed.to_csv(moved), HR))
        assert (result["created"], result["updated"]) == (0, 1)
        assert directory_item_count() == before
        new_opd = body(seeded.http.get(f"/employees?opd={OUTSIDER.opd_code}&limit=100", headers=HR))
        old_opd = body(seeded.http.get(f"/employees?opd={STAFF.opd_code}&limit=100", headers=HR))
        assert STAFF.nip in {e["nip"] for e in new_opd["items"]}
        assert STAFF.nip not in {e["nip"] for e in old_opd["items"]}

    def test_dry_run_writes_nothing(self, client: Client) -> None:
        r = post_csv(client, CSV, HR, "?dry_run=true")
        assert body(r)["created"] > 0 and body(r)["dry_run"] is True
        assert directory_item_count() == 0

    def test_wrong_content_type_415(self, client: Client) -> None:
        r = client.http.post("/import", body=CSV, headers={**HR, "Content-Type": "application/json"})
        assert_error(r, 415, "unsupported_media_type")

    def test_import_is_audited_in_a_verifiable_chain(self, seeded: Client) -> None:
        from replika.core import audit

        result = audit.verify("directory")
        assert result.ok and result.count == 1

    def test_retried_post_with_idempotency_key_runs_once(self, client: Client) -> None:
        key = {"Idempotency-Key": "import-2026-11-a"}
        first = post_csv(client, CSV, HR, **key)
        second = post_csv(client, CSV, HR, **key)
        assert first.status_code == second.status_code == 200
        assert body(first) == body(second)  # the stored first result, not a re-run (which says created 0)
        assert body(second)["created"] > 0
        from replika.core import audit

        assert audit.verify("directory").count == 1

    def test_same_key_different_body_409(self, client: Client) -> None:
        key = {"Idempotency-Key": "import-2026-11-b"}
        assert post_csv(client, CSV, HR, **key).status_code == 200
        other = seed.to_csv(PEOPLE[:10])
        assert_error(post_csv(client, other, HR, **key), 409, "idempotency_key_reused")


def test_openapi_is_valid_openapi_3(client: Client) -> None:
    from openapi_spec_validator import validate

    r = client.http.get("/openapi.json")
    assert r.status_code == 200
    spec = body(r)
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert {"/opds", "/employees", "/employees/{nip}", "/me", "/import"} <= set(spec["paths"])
    assert "text/csv" in spec["paths"]["/import"]["post"]["requestBody"]["content"]


def test_an_applicant_token_reaches_no_staff_route(seeded: Client) -> None:
    """A self-signed-up applicant gets 403 even on routes open to any signed-in staff member."""
    applicant = auth_header(None, None, "pemohon")
    for path in ("/opds", "/employees?opd=32.73.01", "/me"):
        r = seeded.http.get(path, headers=applicant)
        assert r.status_code == 403, (path, r.body)
    assert seeded.http.get("/opds", headers=HR).status_code == 200


def test_the_cli_import_shows_its_progress(
    region_stack: dict[str, str], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``replika import`` (off a terminal) tells how many items are written out of how many."""
    from replika_infra.cli import main

    path = tmp_path / "hr.csv"
    path.write_bytes(CSV)
    assert main(["import", "--file", str(path), "--aws"]) == 0
    err = capsys.readouterr().err.splitlines()
    total = directory_item_count()
    assert err[0].startswith("import: items written: 25/")
    assert err[-1].startswith(f"import: items written: {total}/{total} done in ")
