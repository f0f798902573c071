"""NIP validation and the all-or-nothing HR-export CSV (pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from replika.directory.rules import DirectoryFileError, nip_problem, parse_directory_csv, parse_nip

TODAY = date(2026, 11, 24)
HEADER = "nip,nama,opd_kode,opd_nama,unit_kode,unit_nama,jabatan_kode,jabatan_nama,kelas_jabatan,atasan_nip\n"
HEAD = "198001012005011001"
STAFF = "199002022015032002"


def row(
    nip: str, sup: str = "", opd: str = "32.73.08", opd_name: str = "Dinas Kesehatan", kelas: str = "9"
) -> str:
    return (
        f"{nip},Nama {nip[-3:]},{opd},{opd_name},{opd}.01,Sekretariat,{opd}.J{kelas},Analis,{kelas},{sup}\n"
    )


class TestNip:
    def test_valid_nip_parts(self) -> None:
        parts = parse_nip("198503152010011001", today=TODAY)
        assert parts.birth_date == date(1985, 3, 15)
        assert (parts.recruitment_year, parts.recruitment_month) == (2010, 1)
        assert parts.sex == "L"
        assert parts.sequence == 1

    @pytest.mark.parametrize(
        ("nip", "reason"),
        [
            ("19850315201001100", "18 digit"),  # 17 digits
            ("19850315201001100X", "18 digit"),
            ("198502302010011001", "tanggal lahir"),  # 30 February
            ("198503152010131001", "bulan pengangkatan"),  # month 13
            ("198503152027011001", "masa depan"),  # recruited after today
            ("198503152002011001", "usia 18"),  # recruited at 16
            ("198503152010013001", "jenis kelamin"),  # sex digit 3
            ("198503152010011000", "nomor urut"),  # sequence 000
        ],
    )
    def test_invalid_nip_reasons(self, nip: str, reason: str) -> None:
        problem = nip_problem(nip, today=TODAY)
        assert problem is not None and reason in problem

    def test_recruitment_exactly_at_18_is_valid(self) -> None:
        assert nip_problem("198503152003032001", today=TODAY) is None  # March 2003, born March 1985


class TestCsv:
    def test_good_file_builds_organisation(self) -> None:
        f = parse_directory_csv(HEADER + row(HEAD) + row(STAFF, HEAD), today=TODAY)
        assert set(f.employees) == {HEAD, STAFF}
        assert f.employees[STAFF].supervisor_nip == HEAD
        assert f.employees[HEAD].supervisor_nip is None
        assert list(f.opds) == ["32.73.08"]
        assert f.positions["32.73.08.J9"].kelas == 9

    def test_semicolon_and_bom_from_spreadsheets(self) -> None:
        text = "\ufeff" + (HEADER + row(HEAD)).replace(",", ";")
        f = parse_directory_csv(text.encode("utf-8"), today=TODAY)
        assert HEAD in f.employees

    def test_every_bad_row_reported_with_line_number(self) -> None:
        data = (
            HEADER
            + row(HEAD)  # line 2 fine
            + row("198502302010011001")  # line 3 bad birth date
            + row(STAFF, HEAD, kelas="18")  # line 4 kelas out of range
            + row(HEAD)  # line 5 duplicate of line 2
            + row("199105052016041003", "197001012000011999")  # line 6 unknown supervisor
        )
        with pytest.raises(DirectoryFileError) as exc:
            parse_directory_csv(data, today=TODAY)
        got = {(p.line, p.column) for p in exc.value.problems}
        assert got == {(3, "nip"), (4, "kelas_jabatan"), (5, "nip"), (6, "atasan_nip")}
        dup = next(p for p in exc.value.problems if p.line == 5)
        assert "baris 2" in dup.reason

    def test_supervisor_already_in_directory_is_accepted(self) -> None:
        outside = "197001012000011999"
        f = parse_directory_csv(HEADER + row(STAFF, outside), known_nips=frozenset({outside}), today=TODAY)
        assert f.employees[STAFF].supervisor_nip == outside

    def test_missing_column_is_line_one(self) -> None:
        with pytest.raises(DirectoryFileError) as exc:
            parse_directory_csv("nip,nama\n" + HEAD + ",X\n", today=TODAY)
        assert exc.value.problems[0].line == 1
        assert "opd_kode" in exc.value.problems[0].reason

    def test_conflicting_opd_names_rejected(self) -> None:
        data = HEADER + row(HEAD) + row(STAFF, HEAD, opd_name="Dinas Lain")
        with pytest.raises(DirectoryFileError) as exc:
            parse_directory_csv(data, today=TODAY)
        assert [(p.line, p.column) for p in exc.value.problems] == [(3, "opd_nama")]

    def test_supervisor_cycle_rejected(self) -> None:
        data = HEADER + row(HEAD, STAFF) + row(STAFF, HEAD)
        with pytest.raises(DirectoryFileError) as exc:
            parse_directory_csv(data, today=TODAY)
        assert any("melingkar" in p.reason for p in exc.value.problems)

    def test_self_supervision_rejected(self) -> None:
        with pytest.raises(DirectoryFileError) as exc:
            parse_directory_csv(HEADER + row(HEAD, HEAD), today=TODAY)
        assert exc.value.problems[0].column == "atasan_nip"

    def test_empty_file_rejected(self) -> None:
        with pytest.raises(DirectoryFileError):
            parse_directory_csv(HEADER, today=TODAY)
