"""Deterministic demo organisation: about 40 OPDs and 2,000 employees shaped like Kota Bandung's.

The same seed always gives the same CSV (the HR-export format of :mod:`replika.directory.rules`),
so the demo and the tests see the same people.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from replika.directory.rules import REQUIRED_COLUMNS

OPD_NAMES = [
    "Sekretariat Daerah",
    "Sekretariat DPRD",
    "Inspektorat",
    "Badan Perencanaan Pembangunan Daerah",
    "Badan Pengelolaan Keuangan dan Aset Daerah",
    "Badan Kepegawaian dan Pengembangan SDM",
    "Badan Pendapatan Daerah",
    "Dinas Pendidikan",
    "Dinas Kesehatan",
    "Dinas Sosial",
    "Dinas Pekerjaan Umum",
    "Dinas Perumahan dan Kawasan Permukiman",
    "Dinas Perhubungan",
    "Dinas Lingkungan Hidup",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Dinas Penanaman Modal dan PTSP",
    "Dinas Komunikasi dan Informatika",
    "Dinas Koperasi dan UKM",
    "Dinas Perdagangan dan Perindustrian",
    "Dinas Tenaga Kerja",
    "Dinas Kebudayaan dan Pariwisata",
    "Dinas Pemuda dan Olahraga",
    "Dinas Ketahanan Pangan dan Pertanian",
    "Dinas Arsip dan Perpustakaan",
    "Dinas Pemadam Kebakaran",
    "Satuan Polisi Pamong Praja",
    "Badan Kesatuan Bangsa dan Politik",
    "Badan Penanggulangan Bencana Daerah",
    "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
    "Dinas Sumber Daya Air dan Bina Marga",
    "Kecamatan Andir",
    "Kecamatan Antapani",
    "Kecamatan Arcamanik",
    "Kecamatan Astanaanyar",
    "Kecamatan Bandung Kulon",
    "Kecamatan Bandung Wetan",
    "Kecamatan Batununggal",
    "Kecamatan Bojongloa Kaler",
    "Kecamatan Buahbatu",
    "Kecamatan Cibeunying Kidul",
]
UNIT_NAMES = [
    "Sekretariat",
    "Bidang Perencanaan",
    "Bidang Pelayanan",
    "Bidang Pengendalian",
    "Bidang Pembinaan",
]
FIRST = [
    "Asep",
    "Dadang",
    "Euis",
    "Iis",
    "Neng",
    "Ujang",
    "Cecep",
    "Yayan",
    "Rina",
    "Dewi",
    "Budi",
    "Siti",
    "Agus",
    "Rahmat",
    "Nining",
    "Tati",
    "Dedi",
    "Wawan",
    "Lilis",
    "Yuyun",
    "Hendra",
    "Rini",
    "Ade",
    "Iwan",
]
LAST = [
    "Sutisna",
    "Permana",
    "Hidayat",
    "Suryana",
    "Kurniawan",
    "Rahayu",
    "Nurhayati",
    "Saputra",
    "Gunawan",
    "Setiawan",
    "Hermawan",
    "Lestari",
    "Wulandari",
    "Firmansyah",
    "Mulyana",
    "Komara",
]
HEADER = list(REQUIRED_COLUMNS)  # the HR-export columns the directory import reads


@dataclass(frozen=True)
class SeedEmployee:
    nip: str
    name: str
    opd_code: str
    opd_name: str
    unit_code: str
    unit_name: str
    position_code: str
    position_name: str
    kelas: int
    supervisor_nip: str


def opd_code(region_kode: str, index: int) -> str:
    return f"{region_kode}.{index + 1:02d}"


class _NipFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self) -> str:
        while True:
            y = self.rng.randint(1966, 1998)
            born = f"{y}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
            ry = self.rng.randint(y + 20, min(y + 35, 2024))
            sex, seq = self.rng.choice("12"), self.rng.randint(1, 999)
            nip = f"{born}{ry}{self.rng.randint(1, 12):02d}{sex}{seq:03d}"
            if nip not in self.used:
                self.used.add(nip)
                return nip


def demo_employees(
    region_kode: str = "32.73", n_opd: int = 40, n_employees: int = 2000, seed: int = 3273
) -> list[SeedEmployee]:
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not security
    nips = _NipFactory(rng)
    names = iter(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n_employees * 2))
    out: list[SeedEmployee] = []

    def hire(
        code: str, oname: str, unit: tuple[str, str], post: tuple[str, str], kelas: int, boss: str
    ) -> str:
        """Add the next employee (its NIP is drawn before its name, as the demo's seed expects)."""
        out.append(SeedEmployee(nips.make(), next(names), code, oname, *unit, *post, kelas, boss))
        return out[-1].nip

    per_opd = [n_employees // n_opd + (1 if i < n_employees % n_opd else 0) for i in range(n_opd)]
    for i, size in enumerate(per_opd):
        code = opd_code(region_kode, i)
        oname = OPD_NAMES[i % len(OPD_NAMES)] + ("" if i < len(OPD_NAMES) else f" {i}")
        head = hire(code, oname, (f"{code}.00", "Pimpinan"), (f"{code}.J01", f"Kepala {oname}"), 15, "")
        n_units = min(len(UNIT_NAMES), max(2, size // 12))
        left = size - 1
        for u in range(n_units):
            unit_size = left // (n_units - u)
            left -= unit_size
            if unit_size == 0:
                continue
            unit = (f"{code}.{u + 1:02d}", UNIT_NAMES[u])
            chief = hire(code, oname, unit, (f"{unit[0]}.J01", f"Kepala {unit[1]}"), 12, head)
            for k in range(unit_size - 1):
                kelas = 9 if k % 5 == 0 else rng.choice([5, 6, 7, 8])
                title = {
                    9: "Analis",
                    8: "Pengelola",
                    7: "Pengadministrasi",
                    6: "Pengadministrasi",
                    5: "Pengemudi",
                }[kelas]
                hire(code, oname, unit, (f"{unit[0]}.J{kelas:02d}", f"{title} {unit[1]}"), kelas, chief)
    return out


def to_csv(employees: list[SeedEmployee]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for e in employees:
        w.writerow(
            [
                e.nip,
                e.name,
                e.opd_code,
                e.opd_name,
                e.unit_code,
                e.unit_name,
                e.position_code,
                e.position_name,
                e.kelas,
                e.supervisor_nip,
            ]
        )
    return buf.getvalue().encode("utf-8")
