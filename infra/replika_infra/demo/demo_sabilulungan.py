"""Sabilulungan demo: three budget years of hibah and bansos proposals, seeded through the real use
cases (each step by its role, audited), plus a curl walk-through that works as printed.

What the seed leaves behind (``Y`` = the current budget year in region time):

- a ceiling for Y-2, Y-1 and Y set by TAPD; proposals of Y-2 and Y-1 disbursed and reported (LPJ
  verified), one of Y-1 **overdue**: its disbursement is dated back to March of Y-1 (the one
  migration-like step: the use case stamps the disbursement with the current time) and the
  11 January job marks it, so it shows on the dashboard and its recipient is ineligible;
- a **duplicate recipient**: "Yys. Al-Ikhlas Cibiru" asks again in Y under another account, with
  the address parts reordered; the matcher finds last year's grant to "Yayasan Al Ikhlas Cibiru"
  and the head of region's approval is refused (409) until an override reason is given;
- the demo organisation's draft for Y with its 12 documents uploaded, ready to be submitted in
  the walk-through, and an individual bansos recipient entered by Dinas Sosial (NIK kept as a
  keyed digest, initials only in public).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from replika.core import storage
from replika.core.auth import Principal, Role
from replika.core.config import RegionConfig
from replika.sabilulungan import models as m
from replika.sabilulungan import store
from replika.sabilulungan.service import applicants, evaluation, grant, proposals, reports

PDF = b"%PDF-1.4\n% replika demo document\n"
JPEG = b"\xff\xd8\xff\xe0 replika demo photo\xff\xd9"
CHECKLIST = {
    "prices_match_ssh": True,
    "organisation_verified": True,
    "no_grant_previous_year": True,
    "ktp_verified": True,
    "legal_entity": True,
}
#: (name, street, kelurahan, kecamatan, registered) of the seeded organisations
ORGANISATIONS = [
    ("Yayasan Al Ikhlas Cibiru", "Jl. Cibiru Hilir No. 12", "Cisurupan", "Cibiru", "2015-03-02"),
    ("Perkumpulan Seni Sunda Giri Harja", "Jl. Jelekong No. 3", "Cijawura", "Buahbatu", "2012-07-19"),
    (
        "Yayasan Pendidikan Bina Putra",
        "Jl. Kiaracondong No. 88",
        "Babakan Sari",
        "Kiaracondong",
        "2010-01-11",
    ),
    ("Karang Taruna Sukaluyu", "Jl. Sukaluyu No. 21", "Sukaluyu", "Cibeunying Kaler", "2016-09-30"),
    (
        "Yayasan Kesehatan Ibu Anak Melati",
        "Jl. Terusan Jakarta No. 7",
        "Antapani Tengah",
        "Antapani",
        "2014-05-05",
    ),
    (
        "Lembaga Pemberdayaan Masyarakat Cigadung",
        "Jl. Cigadung Raya No. 45",
        "Cigadung",
        "Cibeunying Kaler",
        "2013-02-14",
    ),
]
TITLES = [
    ("Pelatihan keterampilan pemuda", "Pelatihan menjahit dan sablon 40 pemuda putus sekolah"),
    ("Pentas seni budaya Sunda", "Pagelaran calung, degung dan wayang golek untuk warga"),
    ("Renovasi ruang belajar", "Perbaikan atap dan lantai dua ruang belajar"),
    ("Posyandu keliling", "Pemeriksaan ibu hamil dan balita di enam RW"),
]


@dataclass
class DemoSabilulungan:
    years: list[int]
    proposals: int = 0
    overdue: str = ""
    duplicate_id: str = ""
    duplicate: str = ""
    duplicate_version: int = 0
    draft_id: str = ""
    draft_version: int = 0
    ready_id: str = ""  # in evaluation with its site visit uploaded: the recommendation's turn
    ready_version: int = 0
    bansos: str = ""
    technical_opd: str = ""
    today: str = ""  # region date of the seed (the walk-through's site visit)
    ceilings: dict[int, int] = field(default_factory=dict)


def _staff(user: dict[str, str], role: Role) -> Principal:
    return Principal(
        subject=f"demo-{user['username']}",
        username=user["username"],
        roles=frozenset({role}),
        nip=user["nip"] or None,
        opd=user["opd"] or None,
    )


def _applicant(subject: str, email: str) -> Principal:
    return Principal(
        subject=subject, username=email, roles=frozenset({Role.PEMOHON}), applicant=True, email=email
    )


def _profile(i: int, name: str, street: str, kel: str, kec: str, registered: str, kode: str) -> m.ProfileIn:
    return m.ProfileIn.model_validate(
        {
            "name": name,
            "legal_body_number": f"AHU-{1_000_123 + i * 7919:07d}.AH.01.04",
            "registered_on": registered,
            "npwp": f"{i + 1:02d}.{234 + i:03d}.567.8-429.000",
            "address": {"street": street, "kelurahan": kel, "kecamatan": kec, "region_code": kode},
            "management": [{"position": "Ketua", "name": f"Pengurus {i + 1}"}],
            "bank_account": {"bank": "bjb", "number": f"00{12345678 + i * 1111:08d}", "holder": name},
        }
    )


def _proposal(year: int, opd: str, title: tuple[str, str], scale: int, **extra: Any) -> m.ProposalIn:
    rab = [
        {
            "description": "Bahan dan peralatan",
            "quantity": 10 * scale,
            "unit": "paket",
            "unit_price": 850_000,
        },
        {"description": "Honor pelatih/narasumber", "quantity": 12, "unit": "OH", "unit_price": 500_000},
    ]
    total = sum(r["quantity"] * r["unit_price"] for r in rab)  # type: ignore[operator]
    return m.ProposalIn.model_validate(
        {
            "kind": "hibah",
            "year": year,
            "opd": opd,
            "title": title[0],
            "purpose": title[1],
            "activity_plan": "Triwulan II-III: persiapan, pelaksanaan, pelaporan",
            "rab": rab,
            "requested": total,
            **extra,
        }
    )


class _Flow:
    """One proposal moved through the real use cases, each step by its role."""

    def __init__(self, who: dict[str, Principal]) -> None:
        self.who = who

    def opd(self, code: str, officer: int = 1) -> Principal:
        """An officer of OPD ``code``: the demo pegawai (1), or a colleague (2: who verifies the
        LPJ, since the evaluator may not)."""
        base = self.who["opd"]
        if officer == 1:
            return Principal(base.subject, base.username, base.roles, base.nip, code)
        nip = (base.nip or "198001012005011002")[:-2] + f"9{officer}"
        return Principal(f"{base.subject}-{officer}", f"{base.username}-{officer}", base.roles, nip, code)

    def draft(self, owner: Principal, body: m.ProposalIn) -> m.ProposalOut:
        p = proposals.create(owner, body, None)
        for d in p.documents:
            link = proposals.upload_document(
                owner,
                p.id,
                m.UploadIn(
                    code=d.code, filename=f"{d.code}.pdf", content_type="application/pdf", size=len(PDF)
                ),
            )
            storage.put_bytes(link.key, PDF, "application/pdf")
        return proposals.get(owner, p.id)

    def _t(self, who: Principal, p: m.ProposalOut, action: str, reason: str = "") -> m.ProposalOut:
        body = m.TransitionIn.model_validate({"action": action, "version": p.version, "reason": reason})
        return proposals.act(who, p.id, body, None)

    def site_visited(self, p: m.ProposalOut) -> m.ProposalOut:
        """From TU's check to the technical OPD's evaluation, its site visit recorded and uploaded."""
        p = self._t(self.who["tu"], p, "forward")
        disposition = m.DispositionIn.model_validate({"version": p.version, "opd": p.opd})
        p = evaluation.dispose(self.who["kdh"], p.id, disposition, None)
        p = self._t(self.who["tapd"], p, "consider")
        opd = self.opd(p.opd)
        for code, ctype, data in (("berita-acara", "application/pdf", PDF), ("foto", "image/jpeg", JPEG)):
            upload = m.UploadIn(code=code, filename=f"{code}.bin", content_type=ctype, size=len(data))
            storage.put_bytes(evaluation.site_visit_upload(opd, p.id, upload).key, data, ctype)
        visit = {"version": p.version + 2, "number": f"BA-SV/{p.number}", "visited_on": p.stages[-1].at[:10]}
        return evaluation.record_site_visit(opd, p.id, m.SiteVisitIn.model_validate(visit), None)

    def to_dnc(
        self,
        owner: Principal,
        p: m.ProposalOut,
        amount: int,
        *,
        returned: bool = False,
        previous_grant: bool = False,
    ) -> m.ProposalOut:
        p = proposals.submit(owner, p.id, p.version, None)
        if returned:  # TU returns it once; it comes back to the same step
            p = self._t(self.who["tu"], p, "return", "Surat domisili sudah kedaluwarsa, mohon diperbarui")
            p = self._t(owner, p, "resubmit")
        p = self.site_visited(p)
        checklist = {**CHECKLIST, "no_grant_previous_year": not previous_grant}
        rec = m.RecommendationIn.model_validate(
            {"version": p.version, "amount": amount, "checklist": checklist, "note": "Sesuai SSH"}
        )
        p = evaluation.recommend(self.opd(p.opd), p.id, rec, None)
        return proposals.set_amount(
            self.who["tapd"], p.id, m.AmountIn.model_validate({"version": p.version, "amount": amount}), None
        )

    def to_disbursed(self, p: m.ProposalOut, sp2d: str, override: str = "") -> m.ProposalOut:
        body = m.ApprovalIn.model_validate({"version": p.version, "override_reason": override})
        p = proposals.approve(self.who["kdh"], p.id, body, None)
        opd = self.opd(p.opd)
        _put_file(opd, p, "nphd")
        from replika.sabilulungan.service import common

        today = common.today()
        if p.year < today.year:  # an earlier year's grant: approved in that year's April
            _backdate_approval(p.id, p.year)
        p = grant.sign_nphd(opd, p.id, proposals.get(opd, p.id).version, None)
        sp2d_date = f"{p.year}-04-15" if p.year < today.year else today.isoformat()
        body2 = m.DisbursementIn.model_validate(
            {"version": p.version, "sp2d_number": sp2d, "sp2d_date": sp2d_date, "amount": p.approved}
        )
        return grant.disburse(self.who["bpkad"], p.id, body2, None)

    def report(self, owner: Principal, p: m.ProposalOut) -> m.ProposalOut:
        _put_file(owner, p, "lpj")
        p = grant.submit_lpj(owner, p.id, proposals.get(owner, p.id).version, None)
        return self._t(self.opd(p.opd, officer=2), p, "verify_lpj")


def _put_file(who: Principal, p: m.ProposalOut, what: str) -> None:
    """The signed NPHD scan (``nphd``) or the LPJ (``lpj``), uploaded through its link."""
    upload = m.UploadIn(code=what, filename=f"{what}.pdf", content_type="application/pdf", size=len(PDF))
    storage.put_bytes(grant.upload_link(who, p.id, what, upload).key, PDF, "application/pdf")


def _backdate_approval(proposal_id: str, year: int) -> None:
    """Migration-like, like :func:`_backdate_disbursement`: an earlier year's grant was approved in
    that year's April, so its SP2D (dated in that year, after the approval) is accepted."""
    from replika.sabilulungan.service import common

    doc = store.get_proposal(proposal_id)
    before = doc.model_copy(deep=True)
    doc.stages = [
        s.model_copy(update={"at": f"{year}-04-01T03:00:00Z"}) if s.state == "approved" else s
        for s in doc.stages
    ]
    common.commit(doc, before, actor="seed:demo-migration", action="approval_backdated", request_id=None)


def _backdate_disbursement(proposal_id: str, year: int) -> None:
    """The migration-like step: a grant of an earlier year was disbursed in that year's April
    (the use case stamps ``now``); the LPJ deadline follows (10 January of the next year)."""
    doc = store.get_proposal(proposal_id)
    before = doc.model_copy(deep=True)
    doc.disbursed_at = f"{year}-04-15T03:00:00Z"
    doc.lpj_due = datetime(year + 1, 1, 10).date()
    from replika.sabilulungan.service import common

    common.commit(doc, before, actor="seed:demo-migration", action="disbursement_backdated", request_id=None)


def seed_sabilulungan(config: RegionConfig, users: dict[str, dict[str, str]]) -> DemoSabilulungan:
    rng = random.Random(3273)  # noqa: S311 - deterministic demo data
    pol = config.sabilulungan
    this_year = datetime.now(UTC).astimezone(ZoneInfo(config.timezone)).year
    years = [this_year - 2, this_year - 1, this_year]
    demo = DemoSabilulungan(years=years, technical_opd=users["pegawai"]["opd"])
    demo.today = datetime.now(UTC).astimezone(ZoneInfo(config.timezone)).date().isoformat()
    who = {
        "tu": _staff(users["tu"], Role.PEGAWAI),
        "kdh": _staff(users["kepala-daerah"], Role.KEPALA_DAERAH),
        "tapd": _staff(users["tapd"], Role.TAPD),
        "bpkad": _staff(users["bpkad"], Role.BPKAD),
        "opd": _staff(users["pegawai"], Role.PEGAWAI),
        "dinsos": _staff(users["dinsos"], Role.PEGAWAI),
    }
    flow = _Flow(who)
    for y, ceiling in zip(years, (750_000_000, 900_000_000, 1_000_000_000), strict=True):
        reports.set_ceiling(who["tapd"], y, ceiling, None)
        demo.ceilings[y] = ceiling
    orgs = []
    for i, (name, street, kel, kec, reg) in enumerate(ORGANISATIONS):
        owner = _applicant(f"demo-org-{i}", f"org{i}@demo.invalid")
        applicants.put_profile(owner, _profile(i, name, street, kel, kec, reg, config.kode), None)
        orgs.append(owner)
    opds = [demo.technical_opd, "32.73.22", "32.73.08"]  # Dinkes (demo pegawai), Dispora, Disdik
    # Y-2 and Y-1: granted, disbursed and reported, each organisation once (the region blocks a
    # grant in consecutive years): even ones in Y-2, odd ones and Al Ikhlas (0) in Y-1
    for i, owner in enumerate(orgs):
        y = years[0] if i % 2 == 0 and i != 0 else years[1]
        p = flow.draft(owner, _proposal(y, opds[i % 3], TITLES[i % len(TITLES)], rng.randint(2, 6)))
        p = flow.to_dnc(owner, p, p.requested - p.requested % 1_000_000, returned=i == 1)
        p = flow.to_disbursed(p, f"SP2D-{y}-{i + 1:04d}")
        demo.proposals += 1
        if i == 5:  # the one that never reports
            _backdate_disbursement(p.id, y)
            demo.overdue = p.number or ""
            continue
        flow.report(owner, p)
    marked = reports.mark_overdue(request_id="seed")
    assert demo.overdue in marked.marked, (demo.overdue, marked)
    # Y: the duplicate (another account, abbreviated name, reordered address) waits for approval
    dup = _applicant("demo-org-dup", "alikhlas.baru@demo.invalid")
    dup_profile = _profile(
        9,
        "Yys. Al-Ikhlas Cibiru",
        "Kel. Cisurupan, Kec. Cibiru, Jln Cibiru Hilir 12",
        "Cisurupan",
        "Cibiru",
        "2015-03-02",
        config.kode,
    )
    applicants.put_profile(dup, dup_profile, None)
    p = flow.draft(dup, _proposal(years[2], opds[0], TITLES[0], 3))
    p = flow.to_dnc(dup, p, 25_000_000, previous_grant=True)  # the matcher found it at evaluation
    demo.duplicate_id, demo.duplicate, demo.duplicate_version = p.id, p.number or "", p.version
    demo.proposals += 1
    # Y: two more granted and disbursed this year (not yet due), one rejected
    for i in (2, 4):  # granted in Y-2: not blocked
        p = flow.draft(orgs[i], _proposal(years[2], opds[i % 3], TITLES[(i + 1) % len(TITLES)], 4))
        p = flow.to_disbursed(flow.to_dnc(orgs[i], p, 30_000_000), f"SP2D-{years[2]}-{i + 1:04d}")
        demo.proposals += 1
    p = flow.draft(orgs[1], _proposal(years[2], opds[1], TITLES[1], 2))
    p = proposals.submit(orgs[1], p.id, p.version, None)
    flow._t(who["tu"], p, "reject", "Kegiatan yang sama sudah dibiayai APBD melalui kelurahan")
    demo.proposals += 1
    # Y: one in evaluation, its site visit (berita acara and a photo) uploaded, to be recommended
    ready = _applicant("demo-org-ready", "paguyuban@demo.invalid")
    applicants.put_profile(
        ready,
        _profile(
            8,
            "Paguyuban Seni Reak Cinambo",
            "Jl. Cinambo No. 40",
            "Cisaranten Wetan",
            "Cinambo",
            "2011-08-17",
            config.kode,
        ),
        None,
    )
    r = flow.draft(ready, _proposal(years[2], demo.technical_opd, TITLES[1], 3))
    r = flow.site_visited(proposals.submit(ready, r.id, r.version, None))
    demo.ready_id, demo.ready_version = r.id, r.version
    demo.proposals += 1
    # Y: an individual bansos recipient entered by Dinas Sosial, at the technical OPD's step
    bansos = _proposal(
        years[2],
        who["dinsos"].opd or "",
        ("Bantuan sosial rehabilitasi rumah", "Rehabilitasi rumah tidak layak huni"),
        1,
        kind="bansos",
        individual={
            "nik": "3273010101800001",
            "name": "Siti Nurhaliza",
            "address": {
                "street": "Gg. Sukamaju 3",
                "kelurahan": "Cibangkong",
                "kecamatan": "Batununggal",
                "region_code": config.kode,
            },
        },
    )
    b = flow.draft(who["dinsos"], bansos)
    b = proposals.submit(who["dinsos"], b.id, b.version, None)
    demo.bansos = b.number or ""
    demo.proposals += 1
    # the demo organisation (the `pemohon` demo account): profile and a draft for Y, documents up
    pemohon = users.get("pemohon")
    if pemohon:
        owner = _applicant(pemohon["sub"], pemohon["username"])
        applicants.put_profile(
            owner,
            _profile(
                7, pemohon["name"], "Jl. Merdeka No. 5", "Citarum", "Bandung Wetan", "2018-05-01", config.kode
            ),
            None,
        )
        d = flow.draft(owner, _proposal(years[2], demo.technical_opd, TITLES[3], 3))
        demo.draft_id, demo.draft_version = d.id, d.version
        demo.proposals += 1
    assert pol.tu_opd == users["tu"]["opd"], "the demo TU user works in the region's tu_opd"
    return demo


def _curl(
    gw: str, method: str, path: str, token: str | None, body: dict[str, Any] | None = None, note: str = ""
) -> None:
    """One curl line (and its body); ``note`` (``# 409 ...``) says what the call answers if not 2xx."""
    auth = f' -H "Authorization: Bearer ${token}"' if token else ""
    tail = f"  # {note}" if note else ""
    if body is None:
        verb = "" if method == "GET" else f" -X {method}"
        print(f'  curl -s{verb}{auth} "{gw}/sabilulungan{path}"{tail}')
        return
    print(f"  curl -s -X {method}{auth} -H 'Content-Type: application/json' {gw}/sabilulungan{path} \\")
    print(f"    -d '{json.dumps(body, ensure_ascii=False)}'{tail}")


def print_guide(gw: str, demo: DemoSabilulungan) -> None:
    """A curl walk-through that works as printed on the running demo. Each step answers the
    proposal with its new ``version``; the printed versions are those the steps produce in order."""
    years = ", ".join(map(str, demo.years))
    print(f"\nSabilulungan (hibah/bansos) — budget years {years}: {demo.proposals} proposals seeded")
    print(f"  LPJ overdue: {demo.overdue}; a duplicate recipient awaits approval: {demo.duplicate}")
    print("  A=$(.venv/bin/replika token --role pemohon)   # the demo organisation (applicants' pool)")
    print("  TU=$(.venv/bin/replika token --role tu); KDH=$(.venv/bin/replika token --role kepala-daerah)")
    print("  TAPD=$(.venv/bin/replika token --role tapd); OPD=$(.venv/bin/replika token --role pegawai)")
    if demo.draft_id:
        pid, v = demo.draft_id, demo.draft_version
        print("  # submit as the organisation (its draft has the 12 documents uploaded): a public number")
        _curl(gw, "POST", f"/proposals/{pid}/submit", "A", {"version": v})
        print("  # each role takes its step (another role gets 403, a stale version 409)")
        _curl(
            gw, "POST", f"/proposals/{pid}/transition", "TAPD", {"action": "forward", "version": v + 1}, "403"
        )
        _curl(gw, "POST", f"/proposals/{pid}/transition", "TU", {"action": "forward", "version": v + 1})
        print("  # the head of region assigns the technical OPD (the applicant only suggested it)")
        disposition = {"version": v + 2, "opd": demo.technical_opd}
        _curl(gw, "POST", f"/proposals/{pid}/disposition", "KDH", disposition)
        _curl(gw, "POST", f"/proposals/{pid}/transition", "TAPD", {"action": "consider", "version": v + 3})
        _curl(gw, "GET", f"/proposals/{pid}/matches", "OPD")
        print("  # the technical OPD's site visit: berita acara number/date, then its scan and photos go")
        print("  # to presigned links; until they are uploaded the recommendation is refused")
        visit = {"version": v + 4, "number": "BA-SV/001", "visited_on": demo.today}
        _curl(gw, "POST", f"/proposals/{pid}/site-visit", "OPD", visit)
        upload = {"code": "foto", "filename": "depan.jpg", "content_type": "image/jpeg", "size": 250000}
        _curl(gw, "POST", f"/proposals/{pid}/site-visit/upload", "OPD", upload, "201")
        body = {"version": v + 6, "amount": 20_000_000, "checklist": CHECKLIST}
        _curl(gw, "POST", f"/proposals/{pid}/recommendation", "OPD", body, "409 checklist_incomplete")
    if demo.ready_id:
        rid, rv = demo.ready_id, demo.ready_version
        print("  # a proposal whose site visit is uploaded: recommended, amount set, approved")
        body = {"version": rv, "amount": 20_000_000, "checklist": CHECKLIST}
        _curl(gw, "POST", f"/proposals/{rid}/recommendation", "OPD", body)
        _curl(gw, "GET", f"/proposals/{rid}/evaluation", "TAPD")
        _curl(gw, "POST", f"/proposals/{rid}/amount", "TAPD", {"version": rv + 1, "amount": 20_000_000})
        _curl(gw, "POST", f"/proposals/{rid}/approval", "KDH", {"version": rv + 2})
        _curl(gw, "GET", f"/proposals/{rid}", "TAPD")
    print("  # the duplicate recipient: its matches; approval refused (409) until the head of region")
    print("  # gives a reason (audited)")
    dup, dv = demo.duplicate_id, demo.duplicate_version
    _curl(gw, "GET", f"/proposals/{dup}/matches", "TAPD")
    _curl(gw, "POST", f"/proposals/{dup}/approval", "KDH", {"version": dv}, "409 duplicate_recipient")
    reason = "Sekretariat terbakar; bantuan khusus atas persetujuan kepala daerah"
    _curl(gw, "POST", f"/proposals/{dup}/approval", "KDH", {"version": dv, "override_reason": reason})
    print("  # staff views, and the public pages (no token, nothing personal)")
    _curl(gw, "GET", f"/dashboard?year={demo.years[1]}", "TAPD")
    _curl(gw, "GET", "/queue?state=submitted", "TU")
    _curl(gw, "GET", f"/public/proposals/{demo.overdue}", None)
    _curl(gw, "GET", f"/public/recipients?year={demo.years[1]}", None)
    _curl(gw, "GET", f"/public/recipients?year={demo.years[1]}&format=csv", None)
    _curl(gw, "GET", "/public/summary", None)
    _curl(gw, "GET", f"/public/proposals/{demo.bansos}", None)
