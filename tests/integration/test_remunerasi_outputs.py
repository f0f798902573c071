"""Payroll outputs: the slip PDF, the payroll XLSX, generation per run generation, download links."""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from replika.core import runtime, storage
from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig, load_region_config, region_config_path
from replika.core.errors import Forbidden, NotFound
from replika.core.runtime import get_settings

PERIOD = "2026-08"
ANI = "196501011990032001"  # 18 digits: as a number it would lose its last digits
BUDI = "198702142010011003"
CICI = "199112312019022005"
GAGAL = "199305052020121007"
OPD_A, OPD_B = "32.73.06", "32.73.11"


@pytest.fixture
def stack(region_stack: dict[str, str]) -> Iterator[dict[str, str]]:
    storage.reset_client()
    # The local stack applies the bucket policy without its TLS-only statement (stack.py).
    yield region_stack
    storage.reset_client()
    runtime.reset()


@pytest.fixture
def region() -> RegionConfig:
    return load_region_config(region_config_path("kota-bandung"))


def who(nip: str | None, opd: str | None, *roles: Role) -> Principal:
    return Principal(subject=f"s-{nip}", username=f"u-{nip}", roles=frozenset(roles), nip=nip, opd=opd)


def result(nip: str, opd: str, *, generation: int = 2, status: str = "ok", **kw: Any) -> Any:
    """A PayrollResult as payroll.py writes it (a kelas 9 month by default)."""
    from replika.remunerasi.tables import PayrollResult

    values: dict[str, Any] = {
        "period": PERIOD,
        "nip": nip,
        "generation": generation,
        "status": status,
        "name": f"Pegawai {nip[-3:]}",
        "position_name": "Analis Kebijakan",
        "opd_code": opd,
        "kelas": 9,
        "base": 3_450_000,
        "approved_minutes": 6_100,
        "countable_minutes": 6_000,
        "kinerja_ratio": "1.0000",
        "kinerja": 2_070_000,
        "attendance_deduction_pct": "1.5",
        "disiplin": 1_359_300,
        "sentence_cut_pct": "0",
        "sentence_cut": 0,
        "gross": 3_429_300,
        "bpjs_employer": 137_172,
        "bpjs_employee": 34_293,
        "net": 3_395_007,
        "computed_at": "2026-09-01T01:00:00Z",
    }
    if status != "ok":
        values = {k: values[k] for k in ("period", "nip", "generation", "name", "opd_code")}
        values.update(status=status, reason="kelas jabatan tidak ada dalam tabel tarif")
    values.update(kw)
    from replika.remunerasi import keys

    return PayrollResult(
        *keys.RESULTS.key(PERIOD, nip), gsi1pk=keys.RESULTS.opd_pk(PERIOD, opd, nip), gsi1sk=nip, **values
    )


def cici_result() -> Any:
    """Cici's result: a 20 % sentence cut."""
    return result(
        CICI,
        OPD_B,
        sentence_cut_pct="20",
        sentence_cut=685_860,
        gross=2_743_440,
        bpjs_employer=109_738,
        bpjs_employee=27_434,
        net=2_716_006,
    )


def run(generation: int = 2, state: str = "draft") -> Any:
    from replika.remunerasi.tables import PayrollRun

    item = PayrollRun(f"RUN#{PERIOD}", "RUN", period=PERIOD, state=state, generation=generation)
    item.save()
    return item


def seed_period() -> None:
    """Generation 2 is current: OPD A has Ani and Budi, OPD B has Cici (sentenced 20 %) and Gagal
    (failed), and one result left over from generation 1 (that NIP was not in the new run)."""
    run(2)
    result(ANI, OPD_A).save()
    result(
        BUDI,
        OPD_A,
        approved_minutes=3_000,
        countable_minutes=3_000,
        kinerja=1_035_000,
        kinerja_ratio="0.5000",
        gross=2_394_300,
        bpjs_employer=95_772,
        bpjs_employee=23_943,
        net=2_370_357,
        attendance_deduction_pct="0",
    ).save()
    cici_result().save()
    result(GAGAL, OPD_B, status="failed").save()
    result("197001011995031009", OPD_B, generation=1).save()  # left from generation 1: ignored


def pdf_text(data: bytes) -> str:
    """Every stream of the PDF, inflated where compressed, as Latin-1 text (PDF string escapes of
    parentheses undone)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = m.group(1)
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        out.append(raw.decode("latin-1"))
    return "\n".join(out).replace("\\(", "(").replace("\\)", ")")  # PDF string escapes


def open_xlsx(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def s3_keys(prefix: str) -> list[str]:
    resp = storage.s3_client().list_objects_v2(Bucket=get_settings().documents_bucket, Prefix=prefix)
    return sorted(o["Key"] for o in resp.get("Contents", []))


# -- slip ------------------------------------------------------------------------------------------
class TestSlipPdf:
    def test_slip_is_a_pdf_with_the_employee_and_amounts(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_pdf

        r = cici_result()
        data = slip_pdf(r, region=region)
        assert data.startswith(b"%PDF")
        text = pdf_text(data)
        for expected in (
            CICI,
            "Pegawai 005",
            "PEMERINTAH KOTA BANDUNG",
            "Agustus 2026",
            "Kelas jabatan",
            "Rp 3.450.000",  # base
            "6.000 menit",  # countable and target
            "1,5 %",  # attendance deduction
            "20 %",  # sentence cut
            "(Rp 685.860)",
            "Rp 2.743.440",  # gross
            "Rp 109.738",  # BPJS employer
            "(Rp 27.434)",  # BPJS employee, withheld
            "Rp 2.716.006",  # net
        ):
            assert expected in text, expected

    def test_uncompressed_slip_and_deterministic_bytes(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_pdf

        r = result(ANI, OPD_A, name="Siti Nurhaliza ā “Nur”")  # outside Latin-1: folded, no crash
        plain = slip_pdf(r, region=region, compress=False)
        assert ANI.encode() in plain
        assert b"Siti Nurhaliza a ?Nur?" in plain
        assert slip_pdf(r, region=region) == slip_pdf(r, region=region)


# -- sheet -----------------------------------------------------------------------------------------
class TestPayrollXlsx:
    def test_header_rows_text_nip_and_totals(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import SHEET_HEADERS, payroll_xlsx

        rows = [
            result(
                BUDI,
                OPD_A,
                approved_minutes=3_000,
                kinerja=1_035_000,
                gross=2_394_300,
                bpjs_employer=95_772,
                bpjs_employee=23_943,
                net=2_370_357,
                attendance_deduction_pct="0",
            ),
            result(ANI, OPD_A, name='=HYPERLINK("x")'),  # a formula-looking name stays text
            result(GAGAL, OPD_A, status="failed"),
        ]
        ws = open_xlsx(payroll_xlsx(rows, title="Daftar TKD 32.73.06 - Agustus 2026"))
        values = [[c.value for c in row] for row in ws.iter_rows()]
        assert values[0][0] == "Daftar TKD 32.73.06 - Agustus 2026"
        assert tuple(values[1]) == SHEET_HEADERS
        assert len(values) == 5  # title, header, 2 ok rows (sorted by NIP), totals; failed left out
        ani, budi, totals = values[2], values[3], values[4]
        assert ani[:4] == [ANI, '=HYPERLINK("x")', "Analis Kebijakan", 9]
        assert ani[4:7] == [3_450_000, 6_100, 2_070_000]
        assert ani[7] == pytest.approx(0.015)
        assert ani[8:] == [1_359_300, 0, 3_429_300, 137_172, 34_293, 3_395_007, OPD_A]
        assert budi[0] == BUDI and budi[7] == 0
        assert totals[:2] == ["JUMLAH", "2 pegawai"]
        assert totals[4:7] == [6_900_000, 9_100, 3_105_000]
        assert totals[8:14] == [2_718_600, 0, 5_823_600, 232_944, 58_236, 5_765_364]
        cell = ws.cell(row=3, column=1)
        assert cell.data_type == "s" and cell.number_format == "@"
        assert ws.cell(row=3, column=2).data_type == "s"  # not a formula
        assert ws.cell(row=3, column=11).number_format == "#,##0"
        assert isinstance(ws.cell(row=3, column=11).value, int)
        assert ws.cell(row=3, column=8).number_format == "0.00%"


# -- generation -----------------------------------------------------------------------------------
class TestGenerateOutputs:
    def test_writes_region_and_opd_sheets_and_records_them(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import generate_outputs
        from replika.remunerasi.tables import PayrollRun

        seed_period()
        files = generate_outputs(PERIOD, 2)
        prefix = f"remunerasi/{PERIOD}/g2/sheets/"
        assert files == {
            "region": prefix + "region.xlsx",
            f"opd:{OPD_A}": prefix + f"opd-{OPD_A}.xlsx",
            f"opd:{OPD_B}": prefix + f"opd-{OPD_B}.xlsx",
        }
        assert s3_keys(f"remunerasi/{PERIOD}/") == sorted(files.values())
        region_ws = open_xlsx(storage.get_bytes(files["region"]))
        nips = [row[0].value for row in region_ws.iter_rows(min_row=3)]
        assert nips == [ANI, BUDI, CICI, "JUMLAH"]  # no failed, no generation-1 result
        b_ws = open_xlsx(storage.get_bytes(files[f"opd:{OPD_B}"]))
        assert [row[0].value for row in b_ws.iter_rows(min_row=3)] == [CICI, "JUMLAH"]

        recorded: Any = PayrollRun.get(f"RUN#{PERIOD}", "RUN").outputs
        outputs = recorded.as_dict()
        assert int(outputs["generation"]) == 2
        assert outputs["files"] == files
        assert int(outputs["employees"]) == 3 and int(outputs["failed"]) == 1

    def test_twice_gives_the_same_keys_and_no_duplicates(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import generate_outputs

        seed_period()
        first = generate_outputs(PERIOD, 2)
        second = generate_outputs(PERIOD, 2)
        assert first == second
        assert s3_keys("remunerasi/") == sorted(first.values())

    def test_stale_generation_is_skipped(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import generate_outputs
        from replika.remunerasi.tables import PayrollRun

        seed_period()
        assert generate_outputs(PERIOD, 1) == {}
        assert s3_keys("remunerasi/") == []
        assert PayrollRun.get(f"RUN#{PERIOD}", "RUN").outputs is None

    def test_missing_run_is_skipped(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import generate_outputs

        assert generate_outputs(PERIOD, 1) == {}

    def test_generation_moving_on_midway_is_not_recorded(
        self, stack: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from replika.remunerasi.payroll import outputs
        from replika.remunerasi.tables import PayrollRun

        seed_period()
        real = outputs._results

        def racing(period: str, generation: int) -> list[Any]:
            found = real(period, generation)
            run(3, state="computing")  # a recompute starts while the sheets are being written
            return found

        monkeypatch.setattr(outputs, "_results", racing)
        assert outputs.generate_outputs(PERIOD, 2) == {}
        current = PayrollRun.get(f"RUN#{PERIOD}", "RUN")
        assert int(current.generation) == 3 and current.outputs is None


# -- links -----------------------------------------------------------------------------------------
class TestLinks:
    def test_own_slip_is_generated_once_and_presigned(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_link

        seed_period()
        link = slip_link(PERIOD, ANI, who(ANI, OPD_A, Role.PEGAWAI), region=region)
        key = f"remunerasi/{PERIOD}/g2/slips/{ANI}.pdf"
        assert key in link.url and link.expires_in == 300 and link.generation == 2
        assert link.filename == f"slip-tkd-{PERIOD}-{ANI}.pdf"
        body = storage.get_bytes(key)
        assert body.startswith(b"%PDF") and ANI in pdf_text(body)
        again = slip_link(PERIOD, ANI, who(ANI, OPD_A, Role.PEGAWAI), region=region)
        assert key in again.url
        assert s3_keys(f"remunerasi/{PERIOD}/g2/slips/") == [key]

    def test_someone_elses_slip_is_403_even_same_opd(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_link

        seed_period()
        with pytest.raises(Forbidden):
            slip_link(PERIOD, ANI, who(BUDI, OPD_A, Role.PEGAWAI), region=region)
        with pytest.raises(Forbidden):  # 403 before lookup: says nothing about existence
            slip_link(PERIOD, "199999999999999999", who(BUDI, OPD_A, Role.PEGAWAI), region=region)
        assert s3_keys("remunerasi/") == []

    @pytest.mark.parametrize("role", [Role.BKPSDM, Role.BPKAD, Role.ADMIN])
    def test_region_roles_get_any_slip(self, stack: Any, region: RegionConfig, role: Role) -> None:
        from replika.remunerasi.payroll.outputs import slip_link

        seed_period()
        link = slip_link(PERIOD, CICI, who("199001012015011001", "32.73.02", role), region=region)
        assert f"slips/{CICI}.pdf" in link.url

    def test_slip_404_without_run_stale_result_or_failed(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_link

        hr = who(None, None, Role.BKPSDM)
        with pytest.raises(NotFound):
            slip_link(PERIOD, ANI, hr, region=region)  # no run yet
        seed_period()
        for nip in (GAGAL, "197001011995031009", "199999999999999999"):  # failed, stale, absent
            with pytest.raises(NotFound):
                slip_link(PERIOD, nip, hr, region=region)

    def test_recompute_serves_a_new_slip(self, stack: Any, region: RegionConfig) -> None:
        from replika.remunerasi.payroll.outputs import slip_link

        seed_period()
        me = who(ANI, OPD_A, Role.PEGAWAI)
        assert "/g2/" in slip_link(PERIOD, ANI, me, region=region).url
        run(3, state="computing")
        with pytest.raises(NotFound):  # results of generation 3 not written yet
            slip_link(PERIOD, ANI, me, region=region)
        run(3)
        result(ANI, OPD_A, generation=3, net=3_000_000).save()
        link = slip_link(PERIOD, ANI, me, region=region)
        assert "/g3/" in link.url and link.generation == 3
        assert "Rp 3.000.000" in pdf_text(storage.get_bytes(f"remunerasi/{PERIOD}/g3/slips/{ANI}.pdf"))

    def test_sheet_links(self, stack: Any) -> None:
        from replika.remunerasi.payroll.outputs import generate_outputs, outputs_of, sheet_link

        hr = who(None, None, Role.BPKAD)
        with pytest.raises(Forbidden):
            sheet_link(PERIOD, OPD_A, who(ANI, OPD_A, Role.PEGAWAI))  # even their own OPD
        with pytest.raises(NotFound):
            sheet_link(PERIOD, None, hr)  # no run
        seed_period()
        with pytest.raises(NotFound):
            sheet_link(PERIOD, None, hr)  # run, but outputs not generated yet
        generate_outputs(PERIOD, 2)
        region_link = sheet_link(PERIOD, None, hr)
        assert "g2/sheets/region.xlsx" in region_link.url
        assert region_link.filename == f"tkd-{PERIOD}-seluruh-opd.xlsx"
        assert f"opd-{OPD_B}.xlsx" in sheet_link(PERIOD, OPD_B, who(None, None, Role.BKPSDM)).url
        with pytest.raises(NotFound):
            sheet_link(PERIOD, "32.73.99", hr)  # no such OPD in this run
        assert outputs_of(PERIOD, hr).files[f"opd:{OPD_A}"].endswith(f"opd-{OPD_A}.xlsx")
        run(3, state="computing")  # recompute: the generation-2 sheets are no longer offered
        with pytest.raises(NotFound):
            sheet_link(PERIOD, None, hr)
