"""Pure rules of the organisation directory: NIP validation and the HR-export CSV.

No I/O here. The CSV is the flat export of the HR system (one row per employee, the OPD, unit and
position denormalised on each row). Parsing is all-or-nothing: :func:`parse_directory_csv` returns
either every organisation record or every problem, each with its line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from replika.core.tabular import CsvFile, RowProblem

NIP_LENGTH = 18
MIN_AGE_AT_RECRUITMENT = 18

REQUIRED_COLUMNS = (
    "nip",
    "nama",
    "opd_kode",
    "opd_nama",
    "unit_kode",
    "unit_nama",
    "jabatan_kode",
    "jabatan_nama",
    "kelas_jabatan",
    "atasan_nip",
)
MAX_TEXT = 200


@dataclass(frozen=True)
class NipParts:
    birth_date: date
    recruitment_year: int
    recruitment_month: int
    sex: str  # "L" (laki-laki, digit 1) or "P" (perempuan, digit 2)
    sequence: int


def nip_problem(nip: str, *, today: date | None = None) -> str | None:
    """Why ``nip`` is not a valid civil-servant number, or ``None`` when it is.

    Layout (18 digits): birth date ``YYYYMMDD``, recruitment ``YYYYMM``, sex digit (1 = male,
    2 = female), sequence ``001``–``999``. The recruitment month cannot precede the 18th birthday or
    lie in the future.
    """
    if len(nip) != NIP_LENGTH or not nip.isdigit():
        return "NIP harus 18 digit angka"
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return "tanggal lahir dalam NIP tidak sah"
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12:
        return "bulan pengangkatan dalam NIP tidak sah"
    today = today or date.today()
    if (year, month) > (today.year, today.month):
        return "tanggal pengangkatan dalam NIP di masa depan"
    if (year, month) < (born.year + MIN_AGE_AT_RECRUITMENT, born.month):
        return "pengangkatan dalam NIP sebelum usia 18 tahun"
    if nip[14] not in "12":
        return "digit jenis kelamin dalam NIP harus 1 atau 2"
    if nip[15:18] == "000":
        return "nomor urut dalam NIP tidak boleh 000"
    return None


def parse_nip(nip: str, *, today: date | None = None) -> NipParts:
    problem = nip_problem(nip, today=today)
    if problem:
        raise ValueError(problem)
    return NipParts(
        birth_date=date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8])),
        recruitment_year=int(nip[8:12]),
        recruitment_month=int(nip[12:14]),
        sex="L" if nip[14] == "1" else "P",
        sequence=int(nip[15:18]),
    )


@dataclass(frozen=True)
class Opd:
    code: str
    name: str


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    opd_code: str


@dataclass(frozen=True)
class Position:
    code: str
    name: str
    kelas: int
    opd_code: str


@dataclass(frozen=True)
class Employee:
    nip: str
    name: str
    opd_code: str
    unit_code: str
    position_code: str
    position_name: str
    kelas: int
    supervisor_nip: str | None


@dataclass
class DirectoryFile:
    opds: dict[str, Opd] = field(default_factory=dict)
    units: dict[tuple[str, str], Unit] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)


class DirectoryFileError(ValueError):
    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} baris bermasalah")


def _check_same(
    seen: dict[str, Any], key: str, value: object, line: int, what: str, problems: list[RowProblem]
) -> None:
    if key in seen:
        first, first_line = seen[key]
        if first != value:
            problems.append(RowProblem(line, what, f"{what} '{key}' berbeda dengan baris {first_line}"))
    else:
        seen[key] = (value, line)


def parse_directory_csv(
    data: bytes | str, *, known_nips: frozenset[str] = frozenset(), today: date | None = None
) -> DirectoryFile:
    """Parse and check a whole HR export; raise :class:`DirectoryFileError` listing every problem.

    ``known_nips`` are employees already in the directory: a supervisor may be one of them.
    """
    f = CsvFile(data)
    if problem := f.missing(REQUIRED_COLUMNS):
        raise DirectoryFileError([problem])
    problems: list[RowProblem] = []
    opds: dict[str, tuple[str, int]] = {}
    units: dict[str, tuple[tuple[str, str], int]] = {}
    positions: dict[str, tuple[tuple[str, int, str], int]] = {}
    employees: dict[str, tuple[Employee, int]] = {}
    rows = 0
    for line, values, overlong in f.rows():
        rows += 1
        if overlong:
            problems.append(RowProblem(line, None, "jumlah kolom lebih banyak dari judul"))
            continue
        v = {k: values.get(k, "") for k in REQUIRED_COLUMNS}
        row_problems: list[RowProblem] = []
        for col in REQUIRED_COLUMNS:
            if col != "atasan_nip" and not v[col]:
                row_problems.append(RowProblem(line, col, "wajib diisi"))
            elif len(v[col]) > MAX_TEXT:
                row_problems.append(RowProblem(line, col, f"lebih dari {MAX_TEXT} karakter"))
        if v["nip"] and (p := nip_problem(v["nip"], today=today)):
            row_problems.append(RowProblem(line, "nip", p))
        if v["atasan_nip"]:
            if p := nip_problem(v["atasan_nip"], today=today):
                row_problems.append(RowProblem(line, "atasan_nip", p))
            elif v["atasan_nip"] == v["nip"]:
                row_problems.append(
                    RowProblem(line, "atasan_nip", "pegawai tidak boleh menjadi atasan sendiri")
                )
        kelas = 0
        if v["kelas_jabatan"]:
            if not v["kelas_jabatan"].isdigit() or not 1 <= int(v["kelas_jabatan"]) <= 17:
                row_problems.append(RowProblem(line, "kelas_jabatan", "kelas jabatan harus 1 sampai 17"))
            else:
                kelas = int(v["kelas_jabatan"])
        if v["nip"] in employees:
            row_problems.append(RowProblem(line, "nip", f"NIP sudah ada di baris {employees[v['nip']][1]}"))
        if row_problems:
            problems.extend(row_problems)
            continue
        _check_same(opds, v["opd_kode"], v["opd_nama"], line, "opd_nama", problems)
        _check_same(units, v["unit_kode"], (v["unit_nama"], v["opd_kode"]), line, "unit_nama", problems)
        _check_same(
            positions,
            v["jabatan_kode"],
            (v["jabatan_nama"], kelas, v["opd_kode"]),
            line,
            "jabatan_nama",
            problems,
        )
        employees[v["nip"]] = (
            Employee(
                nip=v["nip"],
                name=v["nama"],
                opd_code=v["opd_kode"],
                unit_code=v["unit_kode"],
                position_code=v["jabatan_kode"],
                position_name=v["jabatan_nama"],
                kelas=kelas,
                supervisor_nip=v["atasan_nip"] or None,
            ),
            line,
        )
    if rows == 0:
        problems.append(RowProblem(1, None, "berkas tidak berisi data pegawai"))
    problems.extend(_supervisor_problems(employees, known_nips))
    if problems:
        raise DirectoryFileError(sorted(problems, key=lambda p: (p.line, p.column or "")))
    out = DirectoryFile()
    out.opds = {code: Opd(code, name) for code, (name, _) in opds.items()}
    out.units = {(opd, code): Unit(code, name, opd) for code, ((name, opd), _) in units.items()}
    out.positions = {
        code: Position(code, name, kelas, opd) for code, ((name, kelas, opd), _) in positions.items()
    }
    out.employees = {nip: emp for nip, (emp, _) in employees.items()}
    return out


def _supervisor_problems(
    employees: dict[str, tuple[Employee, int]], known_nips: frozenset[str]
) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for emp, line in employees.values():
        sup = emp.supervisor_nip
        if sup and sup not in employees and sup not in known_nips:
            problems.append(
                RowProblem(line, "atasan_nip", f"atasan {sup} tidak ada di berkas maupun direktori")
            )
    # A chain of supervisors inside the file must end: A -> B -> A is a mistake in the export.
    reported: set[str] = set()
    for start, (_, line) in employees.items():
        path: list[str] = []
        nip: str | None = start
        while nip is not None and nip in employees and nip not in path:
            path.append(nip)
            nip = employees[nip][0].supervisor_nip
        if nip is not None and nip in path and start == nip and start not in reported:
            cycle = path[path.index(nip) :]
            reported.update(cycle)
            problems.append(
                RowProblem(line, "atasan_nip", "rantai atasan melingkar: " + " -> ".join([*cycle, nip]))
            )
    return problems
