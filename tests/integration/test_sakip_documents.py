"""Documents: the cascade's XLSX round trip (export -> import changes nothing; a planner's edit and a
planner-built sheet import exactly; a bad sheet writes nothing and names its rows; a change to a
signed year needs a reason), the LKjIP as XLSX and PDF, and the import over HTTP."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from replika.core.errors import BadRequest, Forbidden
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    return region_stack


def exported(opd: str | None = None) -> bytes:
    from replika.sakip import cascade_xlsx, common, store

    period = common.get_period(s.PERIOD)
    nodes = [n for n in store.all_nodes(s.PERIOD) if opd is None or n.owner == opd]
    return cascade_xlsx.export_xlsx(period, nodes, "Kaskade uji")


def rows(data: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True))


def edit(data: bytes, fn: Any) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    fn(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def do_import(data: bytes, *, dry_run: bool = False, reason: str | None = None) -> Any:
    from replika.sakip import cascade_xlsx

    return cascade_xlsx.import_xlsx(
        s.BAPPEDA, s.PERIOD, data, dry_run=dry_run, reason=reason, request_id="imp"
    )


def test_export_then_import_changes_nothing(sakip: dict[str, str]) -> None:
    data = exported()
    table = rows(data)
    assert table[0][:7] == ("Level", "Kode", "Kode induk", "Uraian", "Pemilik", "Bobot", "Urutan")
    assert [r[1] for r in table[1:6]] == ["V", "M1", "T1", "S1", "A.SS1"]  # the tree's order
    summary = do_import(data)
    assert (summary.nodes, summary.created, summary.updated, summary.unchanged) == (15, 0, 0, 15)
    assert rows(exported()) == table


def test_a_planners_edit_and_a_planner_built_sheet(sakip: dict[str, str]) -> None:
    from replika.sakip import cascade

    header = rows(exported())[0]
    col = {name: i + 1 for i, name in enumerate(header)}

    def retarget(ws: Any) -> None:
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, col["Kode"]).value == "A.SS1":
                ws.cell(r, col["Target 2027"]).value = 92.5
                ws.cell(r, col["Uraian"]).value = "=Meningkatnya mutu layanan"
                ws.cell(r, col["Uraian"]).data_type = "s"  # a text cell that starts with "=" stays text
        row = [None] * len(header)
        values = {
            "Level": "Program",
            "Kode": "A.P2",
            "Kode induk": "A.SS1",
            "Uraian": "Program baru",
            "Pemilik": s.OPD_A,
            "Kode indikator": "O1",
            "Indikator": "Cakupan layanan",
            "Satuan": "%",
            "Polaritas": "maksimal",
            "Agregasi": "akhir",
            **{f"Target {y}": 50 + y - 2025 for y in s.YEARS},
        }
        for name, v in values.items():
            row[col[name] - 1] = v
        ws.append(row)

    data = edit(exported(), retarget)
    dry = do_import(data, dry_run=True)
    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    assert cascade.get_node(s.BAPPEDA, s.PERIOD, "A.SS1").version == 1  # a dry run writes nothing
    done = do_import(data)
    assert (done.created, done.updated, done.unchanged) == (1, 1, 14)
    node = cascade.get_node(s.BAPPEDA, s.PERIOD, "A.SS1")
    assert node.version == 2 and node.indicators[0].targets["2027"] == Decimal("92.5")
    assert node.name == "=Meningkatnya mutu layanan"
    new = cascade.get_node(s.BAPPEDA, s.PERIOD, "A.P2")
    assert new.indicators[0].targets == {str(y): Decimal(50 + y - 2025) for y in s.YEARS}
    again = exported()
    assert do_import(again).unchanged == 16
    line = next(r for r in rows(again) if r[1] == "A.SS1")
    assert line[col["Target 2027"] - 1] == 92.5 and line[col["Uraian"] - 1] == "=Meningkatnya mutu layanan"


def test_a_bad_sheet_writes_nothing_and_names_its_rows(sakip: dict[str, str]) -> None:
    from replika.sakip import cascade, store

    header = rows(exported())[0]
    col = {name: i + 1 for i, name in enumerate(header)}

    def spoil(ws: Any) -> None:
        ws.cell(3, col["Uraian"]).value = "Visi yang diubah"
        ws.cell(4, col["Level"]).value = "Sasaran entah"
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, col["Kode"]).value == "A.P1":
                ws.cell(r, col["Target 2029"]).value = None
                ws.cell(r, col["Kode induk"]).value = "TIDAK.ADA"

    before = len(store.all_nodes(s.PERIOD))
    with pytest.raises(BadRequest) as exc:
        do_import(edit(exported(), spoil))
    assert exc.value.code == "import_rejected"
    lines = {p["line"] for p in exc.value.details["problems"]}
    assert 4 in lines and len(lines) >= 2
    assert len(store.all_nodes(s.PERIOD)) == before
    assert cascade.get_node(s.BAPPEDA, s.PERIOD, "V").name == "Node V"
    with pytest.raises(BadRequest) as exc:
        do_import(b"not a workbook")
    assert exc.value.code == "import_rejected"


def test_an_import_that_revises_a_signed_year_needs_a_reason(sakip: dict[str, str]) -> None:
    from replika.core import audit, storage
    from replika.sakip import agreement
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    upload = agreement.signed_upload(
        s.BAPPEDA, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=9)
    )
    storage.put_bytes(upload.key, b"%PDF-1.4", "application/pdf")
    agreement.sign(s.BAPPEDA, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), None)
    header = rows(exported())[0]
    col = {name: i + 1 for i, name in enumerate(header)}

    def retarget(ws: Any) -> None:
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, col["Kode"]).value in ("A.SS1", "B.SS1"):
                ws.cell(r, col["Target 2026"]).value = 88

    data = edit(exported(), retarget)
    with pytest.raises(BadRequest) as exc:
        do_import(data)
    assert exc.value.code == "reason_required" and exc.value.details["codes"] == ["A.SS1"]
    done = do_import(data, reason="Penyesuaian APBD perubahan")
    assert (done.updated, done.revisions) == (2, 1)
    [record] = audit.trail(f"sakip:node#{s.PERIOD}#A.SS1").items
    assert record.after["reason"] == "Penyesuaian APBD perubahan"


def test_import_over_http_is_bappedas(sakip: dict[str, str]) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = exported()
    with Client(load_app("sakip")) as client:
        h = {**s.headers_of(s.STAFF_A), "Content-Type": xlsx}
        assert client.http.post(f"/cascade/{s.PERIOD}/import", headers=h, body=data).status_code == 403
        h = {**s.headers_of(s.BAPPEDA), "Content-Type": xlsx}
        r = client.http.post(f"/cascade/{s.PERIOD}/import?dry_run=true", headers=h, body=data)
        assert r.status_code == 200 and json.loads(r.body)["unchanged"] == 15, r.body
        r = client.http.post(
            f"/cascade/{s.PERIOD}/import", headers={**h, "Content-Type": "text/csv"}, body=b"a,b"
        )
        assert r.status_code == 415
        r = client.http.get(f"/cascade/{s.PERIOD}/export?opd={s.OPD_A}", headers=s.headers_of(s.STAFF_A))
        assert r.status_code == 200 and json.loads(r.body)["filename"] == f"kaskade-{s.PERIOD}-{s.OPD_A}.xlsx"
        r = client.http.get(f"/cascade/{s.PERIOD}/export?opd={s.OPD_B}", headers=s.headers_of(s.STAFF_A))
        assert r.status_code == 403


def test_lkjip_xlsx_and_pdf(sakip: dict[str, str]) -> None:
    from openpyxl import load_workbook

    from replika.core import storage
    from replika.sakip import realisation, reports
    from replika.sakip.models import RealisationIn

    def put(who: Any, code: str, values: dict[str, str], budget: int | None = None) -> None:
        body = RealisationIn.model_validate(
            {"values": {k: {"value": v} for k, v in values.items()}, "budget_realised": budget}
        )
        realisation.put_quarter(who, 2026, code, 2, body, None)

    put(s.STAFF_A, "A.SS1", {"K1": "81"})
    put(s.STAFF_A, "A.P1.K1.S1", {"D1": "10"}, 400_000)
    put(s.BAPPEDA, "S1", {"KEMISKINAN": "6.3"})
    link = reports.lkjip(s.STAFF_A, 2026, s.OPD_A, "xlsx")
    assert link.filename == f"LKjIP-2026-{s.OPD_A}.xlsx"
    wb = load_workbook(io.BytesIO(storage.get_bytes(f"sakip/lkjip/2026/{s.OPD_A}.xlsx")))
    perf = list(wb.worksheets[0].iter_rows(min_row=4, values_only=True))
    assert perf[0][1] == "Node A.SS1" and perf[0][4:7] == (90, 81, 90)  # target, realisation, attainment
    assert perf[0][9] == 90 and perf[0][10] == 90  # the final year's target and attainment against it
    budget = list(wb.worksheets[1].iter_rows(min_row=4, values_only=True))
    assert budget[0][:4] == ("A.P1", "Node A.P1", 4_000_000, 400_000) and budget[0][4] == 10
    reports.lkjip(s.BAPPEDA, 2026, None, "pdf")
    assert storage.get_bytes("sakip/lkjip/2026/pemda.pdf").startswith(b"%PDF")
    reports.lkjip(s.STAFF_A, 2026, s.OPD_A, "pdf")
    assert storage.get_bytes(f"sakip/lkjip/2026/{s.OPD_A}.pdf").startswith(b"%PDF")
    reports.lkjip(s.TEAM_LEAD, 2026, None, "xlsx")
    region = load_workbook(io.BytesIO(storage.get_bytes("sakip/lkjip/2026/pemda.xlsx")))
    iku = list(region.worksheets[0].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in iku] == ["Node S1", "Node S2"] and iku[0][6] == 110  # (2 - 6.3 / 7) x 100
    per_opd = {r[0]: r for r in region.worksheets[1].iter_rows(min_row=4, values_only=True)}
    assert per_opd[s.OPD_A][2:4] == (4_000_000, 400_000)
    with pytest.raises(Forbidden):  # the region's report is Bappeda's and the Inspektorat's
        reports.lkjip(s.STAFF_A, 2026, None, "xlsx")


def _sign_a_2026() -> None:
    from replika.core import storage
    from replika.sakip import agreement
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    upload = agreement.signed_upload(
        s.BAPPEDA, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=9)
    )
    storage.put_bytes(upload.key, b"%PDF-1.4", "application/pdf")
    agreement.sign(s.BAPPEDA, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), None)


def _renamed_all() -> bytes:
    """Every node renamed, and A.SS1's 2026 target (a revision of the signed 2026 agreement)."""
    header = rows(exported())[0]
    col = {name: i + 1 for i, name in enumerate(header)}

    def rename(ws: Any) -> None:
        for r in range(3, ws.max_row + 1):
            code = ws.cell(r, col["Kode"]).value
            ws.cell(r, col["Uraian"]).value = f"Baru {code}"
            if code == "A.SS1":
                ws.cell(r, col["Target 2026"]).value = 88

    return edit(exported(), rename)


def _state() -> tuple[dict[str, tuple[str, int]], dict[str, int], int]:
    """Each node's (name, version), each node's revision count, the A.SS1 audit records."""
    from replika.core import audit
    from replika.sakip import cascade, store

    nodes = {n.code: (n.name, int(n.version)) for n in store.all_nodes(s.PERIOD)}
    revs = {c: len(cascade.revisions(s.BAPPEDA, s.PERIOD, c, 50, None).items) for c in nodes}
    return nodes, revs, len(audit.trail(f"sakip:node#{s.PERIOD}#A.SS1").items)


def test_an_import_that_fails_midway_changes_nothing_and_a_rerun_finishes_once(
    sakip: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while the new cascade is staged: readers still see the whole old cascade (names,
    versions, revisions, no audit), and single-node writes wait (409) until the rerun; the rerun of
    the same file lands every change with one revision each and one audit record."""
    from replika.core.errors import Conflict
    from replika.sakip import cascade, cascade_import, store

    _sign_a_2026()
    data = _renamed_all()
    before = _state()
    moved = cascade_import._moved
    calls = {"n": 0}

    def crash_after_seven(n: Any, sp: str) -> Any:
        calls["n"] += 1
        if calls["n"] > 7:
            raise RuntimeError("Lambda timed out")
        return moved(n, sp)

    monkeypatch.setattr(cascade_import, "_moved", crash_after_seven)
    with pytest.raises(RuntimeError):
        do_import(data, reason="APBD perubahan")
    assert _state() == before  # nothing of the import is visible
    assert len(store.level_nodes(s.PERIOD, "sub_activity")) == 4
    node = cascade.get_node(s.BAPPEDA, s.PERIOD, "V")
    body = node.model_dump(include={"name", "parent", "weight", "order", "indicators", "pagu"})
    from replika.sakip.models import NodeUpdate

    with pytest.raises(Conflict) as exc:  # the crashed import still holds the period
        cascade.update_node(s.BAPPEDA, s.PERIOD, "V", NodeUpdate.model_validate({**body, "version": 1}), None)
    assert exc.value.code == "cascade_importing"

    monkeypatch.setattr(cascade_import, "_moved", moved)
    done = do_import(data, reason="APBD perubahan")  # the same file takes the period over
    assert (done.updated, done.revisions) == (15, 5)  # a name counts in every year: A.* revise 2026
    nodes, revs, audits = _state()
    assert nodes == {c: (f"Baru {c}", v + 1) for c, (_, v) in before[0].items()}
    assert revs == {c: n + 1 for c, n in before[1].items()} and audits == 1
    assert cascade.get_node(s.BAPPEDA, s.PERIOD, "A.SS1").indicators[0].targets["2026"] == 88
    assert [n.code for n in store.children(s.PERIOD, "A.P1.K1")] == ["A.P1.K1.S1", "A.P1.K1.S2"]
    assert do_import(data, reason="APBD perubahan").unchanged == 15  # and again: nothing doubles
    assert _state() == (nodes, revs, audits)


def test_a_crash_after_the_switch_is_finished_by_the_next_import_once(
    sakip: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from replika.sakip import cascade_import

    _sign_a_2026()
    data = _renamed_all()
    before = _state()
    record = cascade_import._record

    def crash(*args: Any, **kw: Any) -> None:
        raise RuntimeError("Lambda timed out")

    monkeypatch.setattr(cascade_import, "_record", crash)
    with pytest.raises(RuntimeError):
        do_import(data, reason="APBD perubahan")
    nodes, revs, audits = _state()
    assert nodes == {c: (f"Baru {c}", v + 1) for c, (_, v) in before[0].items()}  # switched: all of it
    assert revs == before[1] and audits == 0  # its revisions are not recorded yet
    monkeypatch.setattr(cascade_import, "_record", record)
    assert do_import(data, reason="APBD perubahan").unchanged == 15
    assert _state() == (nodes, {c: n + 1 for c, n in before[1].items()}, 1)
    do_import(data, reason="APBD perubahan")
    assert _state() == (nodes, {c: n + 1 for c, n in before[1].items()}, 1)


def _zip(*members: tuple[str, str]) -> bytes:
    import zipfile

    from replika.sakip import xlsx_example as x

    buf = io.BytesIO()
    parts = [("[Content_Types].xml", x._CONTENT_TYPES), ("_rels/.rels", x._RELS), *members]
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts:
            z.writestr(name, text)
    return buf.getvalue()


def _other_sheet() -> bytes:
    from openpyxl import Workbook

    from replika.sakip import cascade_xlsx

    wb = Workbook()
    wb.active.title = "Lembar1"
    wb.active.append(cascade_xlsx.headers(s.YEARS))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_body_without_the_cascade_sheet_is_a_400_that_writes_nothing(sakip: dict[str, str]) -> None:
    """No worksheet at all, no sheet ``Kaskade``, a sheet whose XML is broken, a ZIP that is no
    workbook, bytes that are no ZIP: each a 400 import_rejected JSON error, never a 5xx."""
    from replika.sakip import xlsx_example as x

    workbook = x._WORKBOOK.format(sheet="Kaskade")
    bodies = {
        "no worksheet": _zip(
            ("xl/workbook.xml", workbook.replace('<sheet name="Kaskade" sheetId="1" r:id="rId1"/>', "")),
            ("xl/_rels/workbook.xml.rels", x._WORKBOOK_RELS),
        ),
        "other sheet": _other_sheet(),
        "broken sheet": _zip(
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", x._WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r=1><c></row>"),
        ),
        "zip, no workbook": _zip(("readme.txt", "hello")),
        "not a zip": b"PK\x03\x04 truncated",
    }
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    h = {**s.headers_of(s.BAPPEDA), "Content-Type": xlsx}
    with Client(load_app("sakip")) as client:
        for what, body in bodies.items():
            r = client.http.post(f"/cascade/{s.PERIOD}/import", headers=h, body=body)
            assert r.status_code == 400, (what, r.status_code, r.body)
            error = json.loads(r.body)["error"]
            assert error["code"] == "import_rejected", what
            assert error["details"]["problems"][0]["reason"], what
    from replika.sakip import store

    nodes = store.all_nodes(s.PERIOD)  # nothing was written, nothing is held
    assert len(nodes) == 15 and all(int(n.version) == 1 for n in nodes)
    assert not store.import_running(s.PERIOD)


def test_a_signature_waits_while_an_import_holds_the_period(sakip: dict[str, str]) -> None:
    """An import reads the signed years after it claims the period: a signature landing meanwhile
    would let its unreasoned changes revise a signed agreement, so it is refused (409) until the
    import is done."""
    from replika.core import storage
    from replika.core.dynamodb import translate
    from replika.core.errors import Conflict
    from replika.sakip import agreement, cascade_import, common
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    upload = agreement.signed_upload(
        s.BAPPEDA, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=9)
    )
    storage.put_bytes(upload.key, b"%PDF-1.4", "application/pdf")
    held = cascade_import.claim(common.get_period(s.PERIOD), "digest-of-a-file")
    with pytest.raises(Exception) as exc:
        agreement.sign(s.BAPPEDA, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), None)
    assert isinstance(translate(exc.value), Conflict)
    assert agreement.get(s.STAFF_A, 2026, s.OPD_A).status == "draft"
    cascade_import.release(s.PERIOD, held)
    signed = agreement.sign(s.BAPPEDA, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), None)
    assert signed.status == "signed"
