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
