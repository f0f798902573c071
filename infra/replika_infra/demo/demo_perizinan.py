"""Hayu / Perizinan demo: the catalogue (one type small businesses may only report, two staged
types) and a month of applications seeded through the real use cases, each on its own day (the
use cases read the clock of :mod:`replika.perizinan.service.common`, set here day by day: the one
migration-like step), then a curl walk-through that works as printed.

What the month leaves behind: registrations by report (one revoked), permits issued on time with
their fees paid, one application overdue at the technical stage, one returned (its clock
stopped), one issued by **fiktif positif** (the SLA clock run for today), SKM answers behind the
public statistics, and the demo business's clinic application waiting at the front office.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig
from replika.perizinan import models as m
from replika.perizinan.service import applications, catalogue, clock, common, files, permits, stats

PU_OPD = "32.73.11"  # Dinas Pekerjaan Umum: the building team
FORM = {"type": "object", "properties": {"catatan": {"type": "string", "maxLength": 500}}}
BUILDING_FORM = {
    "type": "object",
    "required": ["luas_bangunan_m2", "lantai"],
    "properties": {
        "luas_bangunan_m2": {"type": "integer", "minimum": 1},
        "lantai": {"type": "integer", "minimum": 1, "maximum": 40},
    },
}


#: the catalogue as DPMPTSP keeps it (rules/catalogue_csv.py: one row per stage, with the optional
#: stage kind and site-visit columns); the forms are set after reading
CATALOGUE_CSV = """\
code,name,fee,validity_months,risk,allows_report,documents,form_schema,stage_code,stage_name,\
stage_role,stage_opd,stage_sla_days,stage_kind,stage_site_visit
UMK,Izin Usaha Mikro dan Kecil,0,0,,ya,ktp,,verifikasi,Verifikasi,dpmptsp,,2,document-check,
PBG,Persetujuan Bangunan Gedung,2500000,0,menengah-tinggi,tidak,ktp;sertifikat-tanah;gambar-teknis,,\
terima,Front office,dpmptsp,,1,receive,
PBG,,,,,,,,berkas,Pemeriksaan berkas,dpmptsp,,1,document-check,
PBG,,,,,,,,teknis,Tim teknis,pegawai,{pu},5,technical,
PBG,,,,,,,,rekomendasi,Rekomendasi,dpmptsp,,1,recommendation,
PBG,,,,,,,,ttd,Penandatanganan,dpmptsp,,1,signature,
KLINIK,Izin Operasional Klinik Pratama,500000,60,tinggi,tidak,ktp;str-dokter;denah,,\
terima,Front office,dpmptsp,,1,receive,
KLINIK,,,,,,,,visitasi,Visitasi,pegawai,{technical},3,technical,ya
KLINIK,,,,,,,,ttd,Penandatanganan,dpmptsp,,1,signature,
"""


def catalogue_types(technical_opd: str) -> list[dict[str, Any]]:
    """UMK (report-only when small and low risk; one verification stage, no signature: issued in
    the name of the region's official), PBG (buildings) and KLINIK (clinics, reviewed by the demo
    pegawai's OPD, with a site visit)."""
    from replika.perizinan.rules import catalogue_csv

    types = catalogue_csv.parse(CATALOGUE_CSV.format(pu=PU_OPD, technical=technical_opd))
    return [{**t, "form_schema": BUILDING_FORM if t["code"] == "PBG" else FORM} for t in types]


SKM_ANSWERS = [4, 3, 3, 4, 4, 3, 4, 3, 3]
DOCS = {
    "UMK": ["ktp"],
    "PBG": ["ktp", "sertifikat-tanah", "gambar-teknis"],
    "KLINIK": ["ktp", "str-dokter", "denah"],
}


@dataclass
class DemoPerizinan:
    types: list[str]
    applications: int = 0
    registered: int = 0
    issued: int = 0
    overdue: list[str] = field(default_factory=list)
    returned: str = ""
    revoked: str = ""
    fiktif_positif: str = ""
    walk: str = ""  # the demo business's clinic application, at the front office
    year: int = 0


@contextlib.contextmanager
def _on(day: date) -> Iterator[None]:
    """The use cases' clock at 09:00 region time on ``day``."""
    real = common.now
    at = datetime.combine(day, time(9, 0), tzinfo=common.calendar().zone).astimezone(UTC)
    common.now = lambda: at
    try:
        yield
    finally:
        common.now = real


def _staff(user: dict[str, str], role: Role) -> Principal:
    return Principal(
        f"demo-{user['username']}", user["username"], frozenset({role}), user["nip"], user["opd"]
    )


def _applicant(subject: str) -> Principal:
    return Principal(subject, subject, frozenset({Role.PEMOHON}), applicant=True)


def _business(name: str, kbli: str, capital: int, kec: str, address: str) -> dict[str, Any]:
    return {
        "name": name,
        "kbli": kbli,
        "capital_total": capital,
        "land_buildings_value": capital // 3,
        "kecamatan": kec,
        "address": address,
    }


#: what the demo's uploads store: placeholder bytes (the server only HEAD-checks that the object is there)
JPEG = b"\xff\xd8\xff\xe0 replika demo placeholder \xff\xd9"


def _put(link: m.UploadOut) -> None:
    from replika.core import storage

    storage.put_bytes(link.key, JPEG, "image/jpeg")


def documents_for(who: Principal, codes: list[str]) -> None:
    """The applicant's required documents, uploaded to their library (link, then the object)."""
    for code in codes:
        body = m.DocumentUploadIn(
            code=code, filename=f"{code}.jpg", content_type="image/jpeg", size=len(JPEG)
        )
        _put(files.upload_document(body, who, None))


class _Desk:
    def __init__(self, office: Principal, opd: dict[str, Principal], signer: Principal) -> None:
        self.office, self.opd, self.signer = office, opd, signer

    def submit(
        self, who: Principal, type_code: str, business: dict[str, Any], form: dict[str, Any]
    ) -> m.ApplicationOut:
        body = m.ApplicationIn.model_validate(
            {"type_code": type_code, "business": business, "form": form, "documents": DOCS[type_code]}
        )
        return applications.submit(body, who, None)

    def advance(self, out: m.ApplicationOut, **kw: Any) -> m.ApplicationOut:
        stage = out.stage
        assert stage is not None
        who = (
            (self.signer if stage.kind == "signature" else self.office)  # the official signs
            if stage.role == "dpmptsp"
            else self.opd[PU_OPD if out.type_code == "PBG" else "technical"]
        )
        if stage.site_visit:
            self.visit(out.number, who)
        return applications.act(out.number, m.ActionIn.model_validate({"action": "advance", **kw}), who, None)

    def visit(self, number: str, who: Principal) -> None:
        """The technical team's visit: the report, then a photo uploaded to its link."""
        report = m.VisitIn(
            date=common.today().isoformat(),
            officers=[who.username, "Tim teknis Dinas Kesehatan"],
            findings="Ruang periksa, ruang tindakan dan wastafel sesuai denah; APAR tersedia.",
            recommendation="Layak diberikan izin operasional.",
        )
        applications.record_visit(number, report, who, None)
        photo = m.VisitPhotoIn(filename="visitasi.jpg", content_type="image/jpeg", size=len(JPEG))
        _put(applications.upload_visit_photo(number, photo, who, None))

    def to_end(self, out: m.ApplicationOut, receipt: str) -> m.ApplicationOut:
        while out.status == "in_review":
            out = self.advance(out, note="Sesuai")
        if out.status == "approved":
            out = applications.pay(out.number, m.PaymentIn(receipt_number=receipt), self.office, None)
        return out


def seed_perizinan(config: RegionConfig, users: dict[str, dict[str, str]]) -> DemoPerizinan:
    office = _staff(users["dpmptsp"], Role.DPMPTSP)
    technical = users["pegawai"]["opd"]
    opd = {
        "technical": _staff(users["pegawai"], Role.PEGAWAI),
        PU_OPD: Principal("demo-pu", "demo-pu", frozenset({Role.PEGAWAI}), users["pegawai"]["nip"], PU_OPD),
    }
    # the signer is the region's official (kota-bandung: the head of DPMPTSP, demo-kepala-dpmptsp)
    pol = config.perizinan
    signer = Principal(
        "demo-kepala-dpmptsp",
        "demo-kepala-dpmptsp",
        frozenset({Role.DPMPTSP}),
        pol.official_nip,
        users["dpmptsp"]["opd"],
    )
    desk = _Desk(office, opd, signer)
    cal = common.calendar()
    today = common.today()
    days = [cal.working_days_back(today, n) for n in range(22, 0, -1)]  # a month of working days
    demo = DemoPerizinan(types=[], year=today.year)
    with _on(days[0]):
        for body in catalogue_types(technical):
            catalogue.save_type(m.PermitTypeIn.model_validate(body), office, None)
            demo.types.append(body["code"])
    people = [
        ("Euis Rahayu", "Warung Nasi Ceu Euis", "56101", "Jl. Cikutra No. 10"),
        ("Dadang Suryana", "Toko Kelontong Berkah", "47111", "Jl. Antapani Lama No. 4"),
        ("Rina Wulandari", "Laundry Bersih Wangi", "96200", "Jl. Sukaluyu No. 2"),
        ("Agus Hidayat", "Bengkel Motor Jaya", "45407", "Jl. Cicadas No. 77"),
        ("Siti Lestari", "Katering Sehat", "56210", "Jl. Arcamanik No. 15"),
        ("Budi Permana", "CV Bangun Sentosa", "41011", "Jl. Soekarno Hatta No. 300"),
        ("dr. Wawan Setiawan", "Klinik Pratama Medika", "86103", "Jl. Terusan Jakarta No. 7"),
    ]
    who = []
    for i, (name, *_rest) in enumerate(people):
        p = _applicant(f"demo-biz-{i}")
        applications.put_profile(m.ProfileIn(name=name, nik=f"32730101019{i:05d}"), p, None)
        documents_for(p, sorted({c for codes in DOCS.values() for c in codes}))
        who.append(p)
    kec = [f"{config.kode}.{n:02d}" for n in (31, 32, 33, 37, 39)]
    # report-only registrations over the month; one is revoked later
    for i in range(8):
        person = i % 5
        _, biz, _kbli, addr = people[person]
        kbli = ("56101", "47111", "47722", "56102", "47191")[person]  # retail and food: low risk
        with _on(days[i * 2 + 1]):
            out = desk.submit(
                who[person], "UMK", _business(biz, kbli, 60_000_000 + i * 45_000_000, kec[i % 5], addr), {}
            )
        assert out.status == "registered", out
        demo.registered += 1
        if i == 3:
            with _on(days[i * 2 + 4]):
                permits.revoke(
                    str(out.permit_number), "Modal yang dilaporkan tidak sesuai akta", office, None
                )
            demo.revoked = str(out.permit_number)
    # staged permits decided on time, fees paid
    building = _business("CV Bangun Sentosa", "41011", 2_000_000_000, kec[1], "Jl. Soekarno Hatta No. 300")
    clinic = _business("Klinik Pratama Medika", "86103", 1_200_000_000, kec[4], "Jl. Terusan Jakarta No. 7")
    for n, (type_code, business, form, person) in enumerate(
        [
            ("PBG", building, {"luas_bangunan_m2": 420, "lantai": 3}, 5),
            ("KLINIK", clinic, {}, 6),
            ("PBG", {**building, "name": "Gudang Sentosa"}, {"luas_bangunan_m2": 900, "lantai": 1}, 5),
            ("KLINIK", {**clinic, "name": "Klinik Pratama Sehati"}, {}, 6),
        ]
    ):
        start = days[2 + n * 3]
        with _on(start):
            out = desk.submit(who[person], type_code, business, form)
        for k, stage_day in enumerate(cal.working_days(start, days[min(2 + n * 3 + 4, len(days) - 1)])):
            if out.status != "in_review":
                break
            with _on(stage_day):
                out = desk.advance(out, note="Berita acara visitasi terlampir" if k == 1 else "Sesuai")
        with _on(days[min(2 + n * 3 + 5, len(days) - 1)]):
            out = desk.to_end(out, f"STS-{today.year}-{n + 1:04d}")
        assert out.status == "issued", out
        demo.issued += 1
        answers = SKM_ANSWERS[n:] + SKM_ANSWERS[:n]
        with _on(days[-1]):
            stats.answer_survey(out.number, m.SurveyIn(answers=answers), who[person], None)
    # one overdue at the technical stage (its total SLA not yet passed); one returned (clock stopped)
    with _on(days[-4]):  # the visit (3 days) was due yesterday; the total SLA (5) runs to tomorrow
        late = desk.submit(who[6], "KLINIK", {**clinic, "name": "Klinik Pratama Bakti"}, {})
        late = desk.advance(late)
    demo.overdue.append(late.number)
    with _on(days[-4]):
        back = desk.submit(who[6], "KLINIK", {**clinic, "name": "Klinik Pratama Harapan"}, {})
        back = desk.advance(back)
        back = applications.act(
            back.number,
            m.ActionIn(action="return", reason="Denah ruang tindakan belum mencantumkan wastafel"),
            opd["technical"],
            None,
        )
    demo.returned = back.number
    # fiktif positif: a staged UMK (capital above the threshold) nobody decided in time
    with _on(days[5]):
        lapsed = desk.submit(
            who[3],
            "UMK",
            _business("Bengkel Motor Jaya", "45407", 650_000_000, kec[3], "Jl. Cicadas No. 77"),
            {},
        )
    assert lapsed.status == "in_review"
    run = clock.run(on=today)
    assert run.granted == [lapsed.number], run
    demo.fiktif_positif = lapsed.number
    # the demo business (the `pemohon-usaha` account) and its clinic application of today
    biz_user = users.get("pemohon-usaha")
    if biz_user:
        mine = _applicant(biz_user["sub"])
        applications.put_profile(m.ProfileIn(name=biz_user["name"], nik="3273015505850003"), mine, None)
        documents_for(mine, sorted({c for codes in DOCS.values() for c in codes}))
        out = desk.submit(mine, "KLINIK", {**clinic, "name": "Klinik Pratama Ceu Euis"}, {})
        demo.walk = out.number
    demo.applications = demo.registered + demo.issued + 4 + (1 if demo.walk else 0)
    return demo


def _curl(
    gw: str, method: str, path: str, token: str | None, body: dict[str, Any] | None = None, note: str = ""
) -> None:
    import json

    auth = f' -H "Authorization: Bearer ${token}"' if token else ""
    tail = f"  # {note}" if note else ""
    if body is None:
        verb = "" if method == "GET" else f" -X {method}"
        print(f'  curl -s{verb}{auth} "{gw}/perizinan{path}"{tail}')
        return
    print(f"  curl -s -X {method}{auth} -H 'Content-Type: application/json' {gw}/perizinan{path} \\")
    print(f"    -d '{json.dumps(body, ensure_ascii=False)}'{tail}")


def _upload(gw: str, path: str, token: str, body: dict[str, Any], filename: str) -> None:
    """An upload link from the app, then the file posted with its fields to the bucket."""
    import json

    link = filename.rsplit(".", 1)[0] + "-link.json"
    print(f"  curl -s -X POST -H \"Authorization: Bearer ${token}\" -H 'Content-Type: application/json' \\")
    print(f"    {gw}/perizinan{path} -d '{json.dumps(body)}' -o {link}  # 201")
    fields = '.fields|to_entries|map("-F \\(.key)=\\(.value)")|join(" ")'
    print(f"  curl -s $(jq -r '{fields}' {link}) -F file=@{filename} \"$(jq -r .url {link})\"")


def print_guide(gw: str, demo: DemoPerizinan, config: RegionConfig) -> None:
    """The walk-through. ``<permit_number>``, ``<verify_code>`` and ``<qr>``: copy them from the
    answer of the step before (they are made when the permit is issued)."""
    pol = config.perizinan
    types = ", ".join(demo.types)
    print(f"\nHayu / Perizinan — catalogue {types}; {demo.applications} applications this month:")
    print(
        f"  {demo.registered} registered by report (revoked: {demo.revoked}), {demo.issued} issued on time,"
    )
    print(f"  overdue: {', '.join(demo.overdue)}; returned: {demo.returned}")
    print(f"  fiktif positif: {demo.fiktif_positif}")
    threshold = f"{pol.report_only_capital_below:,}".replace(",", ".")
    print(f"  risk mapping: below Rp {threshold} of capital (land and buildings excluded) and risk")
    rules = ", ".join(
        f"KBLI {r.kbli_prefix}*{f' from Rp {r.capital_from:,}'.replace(',', '.') if r.capital_from else ''}"
        f" -> {r.risk}"
        for r in pol.risk_rules
    )
    print(f"  {'/'.join(pol.report_only_risks)} only report; {rules}; otherwise {pol.default_risk}")
    print("  U=$(.venv/bin/replika token --role pemohon-usaha)   # the demo business (applicants' pool)")
    print("  D=$(.venv/bin/replika token --role dpmptsp); P=$(.venv/bin/replika token --role pegawai)")
    print(
        f"  K=$(.venv/bin/replika token --role kepala-dpmptsp)   # the signing official, {pol.official_name}"
    )
    print("  # required documents: each code uploaded once to the applicant's library (the demo")
    print("  # business's are there already); a submission lists them and the server HEAD-checks each")
    doc = {"code": "ktp", "filename": "ktp.jpg", "content_type": "image/jpeg", "size": 2048}
    _upload(gw, "/documents", "U", doc, "ktp.jpg")
    print("  # register a small business by report: registered at once, with its certificate")
    business = {
        "name": "Warung Kopi Ceu Euis",
        "kbli": "56303",
        "capital_total": 180_000_000,
        "land_buildings_value": 60_000_000,
        "kecamatan": f"{config.kode}.31",
        "address": "Jl. Cikutra No. 12",
    }
    _curl(
        gw,
        "POST",
        "/applications",
        "U",
        {"type_code": "UMK", "business": business, "documents": ["ktp"]},
        "201",
    )
    _curl(gw, "GET", "/permits/<permit_number>", "U")
    _curl(gw, "GET", "/public/verify/<verify_code>", None)
    print("  # offline: only the region's public key and the QR text (the permit's \"qr\")")
    print(f"  curl -s {gw}/perizinan/public/key -o hayu-key.json")
    print("  .venv/bin/replika permit-verify --key hayu-key.json --qr '<qr>'")
    if demo.walk:
        n = demo.walk
        print(f"  # a staged permit: the clinic application {n}, each stage by its role, with its due date")
        _curl(gw, "GET", f"/public/applications/{n}", None)
        _curl(gw, "GET", "/queue?role=dpmptsp", "D")
        _curl(gw, "POST", f"/applications/{n}/actions", "P", {"action": "advance"}, "403 not your stage")
        _curl(gw, "POST", f"/applications/{n}/actions", "D", {"action": "advance"})
        print("  # the site visit: the report, then a photo (a presigned POST straight to the bucket)")
        _curl(gw, "POST", f"/applications/{n}/actions", "P", {"action": "advance"}, "409 visit_incomplete")
        visit = {
            "date": date.today().isoformat(),
            "officers": ["Tim teknis Dinas Kesehatan"],
            "findings": "Ruang periksa dan ruang tindakan sesuai denah; wastafel dan APAR tersedia.",
            "recommendation": "Layak diberikan izin operasional.",
        }
        _curl(gw, "PUT", f"/applications/{n}/visit", "P", visit)
        photo = {"kind": "foto", "filename": "visitasi.jpg", "content_type": "image/jpeg", "size": 2048}
        _upload(gw, f"/applications/{n}/visit/photos", "P", photo, "visitasi.jpg")
        _curl(
            gw,
            "POST",
            f"/applications/{n}/actions",
            "P",
            {"action": "advance", "note": "Visitasi: sesuai denah"},
        )
        _curl(gw, "GET", f"/applications/{n}/files", "D")
        _curl(
            gw,
            "POST",
            f"/applications/{n}/actions",
            "K",
            {"action": "advance", "note": "Ditandatangani"},
        )
        _curl(gw, "POST", f"/applications/{n}/payment", "D", {"receipt_number": f"STS-{demo.year}-0999"})
        _curl(gw, "GET", "/permits/<permit_number>/document", "U")
        _curl(gw, "POST", f"/applications/{n}/survey", "U", {"answers": [4, 4, 3, 4, 4, 4, 3, 4, 4]}, "201")
    print("  # staff queues by due date (overdue flagged), the public statistics")
    _curl(gw, "GET", "/queue?role=pegawai", "P")
    _curl(gw, "GET", f"/public/applications/{demo.fiktif_positif}", None)
    _curl(gw, "GET", f"/public/stats?year={demo.year}", None)
