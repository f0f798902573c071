"""The catalogue's CSV layout (rules/catalogue_csv.py): one row per stage, a type's rows together."""

from __future__ import annotations

import pytest

from replika.perizinan.models import PermitTypeIn
from replika.perizinan.rules.catalogue_csv import COLUMNS, CsvProblems, parse

HEADER = ",".join(COLUMNS)
UMK_ROW = "UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2"
GOOD = (
    HEADER
    + "\n"
    + "UMK,Izin Usaha Mikro,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2\n"
    + 'PBG,Bangunan Gedung,2500000,0,tinggi,tidak,ktp;gambar,"{""type"":""object"",""required"":[""luas""]}",'
    + "terima,Front office,dpmptsp,,1\n"
    + "PBG,,,,,,,,teknis,Tim teknis,pegawai,32.73.11,5\n"
)


def test_rows_become_types_with_their_stages_in_order() -> None:
    umk, pbg = (PermitTypeIn.model_validate(t) for t in parse(GOOD))
    assert (umk.code, umk.allows_report, umk.fee, umk.risk, umk.documents) == ("UMK", True, 0, None, ["ktp"])
    assert umk.form_schema == {"type": "object"}
    assert [s.code for s in pbg.stages] == ["terima", "teknis"] and pbg.stages[1].opd == "32.73.11"
    assert (pbg.fee, pbg.risk, pbg.allows_report, pbg.documents) == (
        2_500_000,
        "tinggi",
        False,
        ["ktp", "gambar"],
    )
    assert pbg.form_schema["required"] == ["luas"]


def test_a_byte_order_mark_and_reordered_columns_are_fine() -> None:
    cols = list(reversed(COLUMNS))
    row = dict(
        zip(
            COLUMNS,
            UMK_ROW.split(","),
            strict=True,
        )
    )
    text = "\ufeff" + ",".join(cols) + "\n" + ",".join(row[c] for c in cols) + "\n"
    assert parse(text)[0]["stages"][0]["code"] == "verifikasi"


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("code,name\nUMK,x\n", 1, "kolom tidak ada"),
        (HEADER + "\n", 2, "tidak ada baris"),
        (HEADER + "\n,x,0,0,,ya,ktp,,v,V,dpmptsp,,2\n", 2, "kosong"),
        (HEADER + "\nUMK,Izin,0,0,,mungkin,ktp,,v,V,dpmptsp,,2\n", 2, "allows_report"),
        (HEADER + "\nUMK,Izin,0,0,,ya,ktp,{bukan json,v,V,dpmptsp,,2\n", 2, "form_schema"),
        (GOOD + "UMK,,,,,,,,kedua,Kedua,dpmptsp,,1\n", 5, "berurutan"),
    ],
)
def test_problems_name_their_row(text: str, row: int, words: str) -> None:
    with pytest.raises(CsvProblems) as err:
        parse(text)
    assert err.value.problems[0]["row"] == row and words in err.value.problems[0]["problem"]


def test_a_cell_over_the_csv_field_limit_is_a_row_problem_not_a_crash() -> None:
    import csv

    big = "x" * (csv.field_size_limit() + 10)
    text = GOOD + f'KLINIK,Klinik,0,0,,tidak,ktp,"{big}",terima,Front office,dpmptsp,,1\n'
    with pytest.raises(CsvProblems) as caught:
        parse(text)
    assert caught.value.problems[0]["row"] == 5
    assert "CSV tidak dapat dibaca" in caught.value.problems[0]["problem"]


def test_a_deeply_nested_form_schema_is_a_row_problem_not_a_crash() -> None:
    deep = "[" * 50_000 + "]" * 50_000  # under the CSV field limit, over the recursion limit
    text = HEADER + "\n" + f'UMK,Izin Usaha Mikro,0,0,,ya,ktp,"{deep}",verifikasi,Verifikasi,dpmptsp,,2\n'
    with pytest.raises(CsvProblems) as caught:
        parse(text)
    assert caught.value.problems == [{"row": 2, "problem": "form_schema bersarang terlalu dalam"}]


def test_only_local_refs_in_a_form_schema() -> None:
    from replika.core.errors import ValidationFailed
    from replika.perizinan.rules.forms import check_schema, validate_form

    ok = {
        "type": "object",
        "$defs": {"luas": {"type": "integer", "minimum": 1}},
        "properties": {"luas": {"$ref": "#/$defs/luas"}},
    }
    check_schema(ok)
    validate_form(ok, {"luas": 3})
    for ref in ("https://example.com/s.json", "other.json", "//host/x", ""):
        bad = {"type": "object", "properties": {"a": {"items": [{"$ref": ref}]}, "b": {"$ref": ref}}}
        with pytest.raises(ValidationFailed) as caught:
            check_schema({**bad, "properties": {"b": {"$ref": ref}}})
        assert caught.value.code == "invalid_form_schema"
    with pytest.raises(ValidationFailed) as caught:
        check_schema({"type": "object", "properties": {"b": {"$dynamicRef": "https://x/y"}}})
    with pytest.raises(ValidationFailed) as caught:
        check_schema({"type": "object", "properties": {"b": {"$ref": "#/$defs/missing"}}})
    assert caught.value.code == "invalid_form_schema"
    # a schema saved before this check: submitting is a 4xx, not a crash
    with pytest.raises(ValidationFailed):
        validate_form({"type": "object", "properties": {"b": {"$ref": "#/$defs/missing"}}}, {"b": 1})


def test_the_optional_stage_kind_and_site_visit_columns() -> None:
    text = (
        HEADER
        + ",stage_kind,stage_site_visit\n"
        + "KLINIK,Klinik,0,0,,tidak,ktp,,terima,Terima,dpmptsp,,1,receive,\n"
        + "KLINIK,,,,,,,,visitasi,Visitasi,pegawai,32.73.11,3,technical,ya\n"
        + "KLINIK,,,,,,,,ttd,Tanda tangan,dpmptsp,,1,signature,tidak\n"
    )
    (klinik,) = (PermitTypeIn.model_validate(t) for t in parse(text))
    assert [(s.kind, s.site_visit) for s in klinik.stages] == [
        ("receive", False),
        ("technical", True),
        ("signature", False),
    ]
    (old,) = (PermitTypeIn.model_validate(t) for t in parse(HEADER + "\n" + UMK_ROW + "\n"))
    assert old.stages[0].kind == "review"  # a sheet without the columns: plain review stages
