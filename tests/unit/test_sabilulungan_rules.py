"""Sabilulungan's pure rules: the state machine table, the amount invariants, the LPJ deadline in
WIB and WITA around midnight of 10/11 January, the duplicate matcher, eligibility."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from replika.core.config import SabilulunganPolicy
from replika.core.errors import Conflict, Forbidden
from replika.sabilulungan import keys
from replika.sabilulungan.rules import amounts, eligibility, lpj
from replika.sabilulungan.rules.amounts import RabLine
from replika.sabilulungan.rules.flow import Action, Actor, State, transition
from replika.sabilulungan.rules.matcher import (
    Candidate,
    blocking_grants,
    find_matches,
    normal_address,
    normal_name,
)

S, A, R = State, Action, Actor
#: Every allowed (state, action) -> (actor, next). Everything else is refused.
ALLOWED = {
    (S.DRAFT, A.SUBMIT): (R.OWNER, S.SUBMITTED),
    (S.SUBMITTED, A.FORWARD): (R.TU, S.DISPOSITION),
    (S.DISPOSITION, A.DISPOSE): (R.KEPALA_DAERAH, S.PERTIMBANGAN),
    (S.PERTIMBANGAN, A.CONSIDER): (R.TAPD, S.EVALUATION),
    (S.EVALUATION, A.RECOMMEND): (R.OPD, S.SETTING),
    (S.SETTING, A.SET_AMOUNT): (R.TAPD, S.DNC),
    (S.DNC, A.APPROVE): (R.KEPALA_DAERAH, S.APPROVED),
    (S.APPROVED, A.SIGN_NPHD): (R.OPD, S.NPHD_SIGNED),
    (S.NPHD_SIGNED, A.DISBURSE): (R.BPKAD, S.DISBURSED),
    (S.DISBURSED, A.SUBMIT_LPJ): (R.OWNER, S.LPJ_SUBMITTED),
    (S.LPJ_OVERDUE, A.SUBMIT_LPJ): (R.OWNER, S.LPJ_SUBMITTED),
    (S.DISBURSED, A.MARK_OVERDUE): (R.SYSTEM, S.LPJ_OVERDUE),
    (S.LPJ_SUBMITTED, A.VERIFY_LPJ): (R.OPD, S.COMPLETED),
    (S.LPJ_SUBMITTED, A.RETURN_LPJ): (R.OPD, S.DISBURSED),
    (S.RETURNED, A.RESUBMIT): (R.OWNER, S.EVALUATION),  # returned_from=evaluation below
}
REVIEWERS = {
    S.SUBMITTED: R.TU,
    S.DISPOSITION: R.KEPALA_DAERAH,
    S.PERTIMBANGAN: R.TAPD,
    S.EVALUATION: R.OPD,
    S.SETTING: R.TAPD,
    S.DNC: R.KEPALA_DAERAH,
}
for _s, _r in REVIEWERS.items():
    ALLOWED[(_s, A.RETURN)] = (_r, S.RETURNED)
    ALLOWED[(_s, A.REJECT)] = (_r, S.REJECTED)
# the owner withdraws before the head of region's approval; afterwards only the head of region
# cancels, and only until the disbursement
for _s in (S.DRAFT, S.RETURNED, *REVIEWERS):
    ALLOWED[(_s, A.WITHDRAW)] = (R.OWNER, S.WITHDRAWN)
ALLOWED[(S.APPROVED, A.CANCEL)] = (R.KEPALA_DAERAH, S.CANCELLED)
ALLOWED[(S.NPHD_SIGNED, A.CANCEL)] = (R.KEPALA_DAERAH, S.CANCELLED)


@pytest.mark.parametrize(
    ("state", "actor", "action"),
    list(itertools.product(State, Actor, Action)),
    ids=lambda v: v.value,
)
def test_state_machine_table(state: State, actor: Actor, action: Action) -> None:
    expected = ALLOWED.get((state, action))
    call = lambda: transition(state, actor, action, returned_from=S.EVALUATION, reason="berkas kurang")  # noqa: E731
    if expected is None:
        with pytest.raises(Conflict):
            call()
    elif expected[0] is not actor:
        with pytest.raises(Forbidden):
            call()
    else:
        step = call()
        assert step.after is expected[1]
        if expected[1] is S.RETURNED:
            assert step.returned_from is state  # it comes back to the same step


def test_return_and_reject_need_a_reason_and_resubmit_returns_to_the_same_step() -> None:
    with pytest.raises(Conflict, match="Alasan"):
        transition(S.SETTING, R.TAPD, A.RETURN, reason="")
    step = transition(S.SETTING, R.TAPD, A.RETURN, reason="RAB belum rinci")
    assert (step.after, step.returned_from) == (S.RETURNED, S.SETTING)
    assert transition(S.RETURNED, R.OWNER, A.RESUBMIT, returned_from=step.returned_from).after is S.SETTING
    with pytest.raises(Conflict):
        transition(S.RETURNED, R.OWNER, A.RESUBMIT, returned_from=None)


def test_rab_totals() -> None:
    lines = [RabLine("Sewa tenda", 2, "unit", 1_500_000), RabLine("Konsumsi", 10, "paket", 75_000)]
    assert [ln.total for ln in lines] == [3_000_000, 750_000]
    assert amounts.rab_total(lines) == 3_750_000
    amounts.check_requested(3_750_000, 3_750_000)
    with pytest.raises(Conflict) as err:
        amounts.check_requested(3_750_001, 3_750_000)
    assert err.value.code == "requested_exceeds_rab"


def test_amount_invariants() -> None:
    amounts.check_recommended(40_000_000, 50_000_000)
    with pytest.raises(Conflict, match="rekomendasi"):
        amounts.check_recommended(50_000_001, 50_000_000)
    amounts.check_set(40_000_000, 40_000_000, 50_000_000, None)
    with pytest.raises(Conflict) as err:
        amounts.check_set(45_000_000, 40_000_000, 50_000_000, "")
    assert err.value.code == "set_exceeds_recommended"
    amounts.check_set(45_000_000, 40_000_000, 50_000_000, "harga SSH 2027 naik 12%")  # with a reason
    with pytest.raises(Conflict):
        amounts.check_set(50_000_001, 40_000_000, 50_000_000, "alasan yang panjang sekali")
    amounts.check_disbursed(45_000_000, 45_000_000)
    with pytest.raises(Conflict, match="pencairan"):
        amounts.check_disbursed(45_000_001, 45_000_000)


def test_ceiling() -> None:
    amounts.check_ceiling(2027, 100_000_000, 60_000_000, 40_000_000)  # exactly to the ceiling
    with pytest.raises(Conflict) as err:
        amounts.check_ceiling(2027, 100_000_000, 60_000_000, 40_000_001)
    assert err.value.code == "ceiling_exceeded"
    assert "sisa Rp 40.000.000" in err.value.message
    with pytest.raises(Conflict, match="belum ditetapkan"):
        amounts.check_ceiling(2027, None, 0, 1)
    with pytest.raises(Conflict):
        amounts.check_new_ceiling(2027, 50, 60)


@pytest.mark.parametrize(
    ("tz", "last_ok", "first_late"),
    [
        ("Asia/Jakarta", "2028-01-10T16:59:59+00:00", "2028-01-10T17:00:00+00:00"),  # WIB 23:59:59 / 00:00
        ("Asia/Makassar", "2028-01-10T15:59:59+00:00", "2028-01-10T16:00:00+00:00"),  # WITA
    ],
)
def test_lpj_deadline_around_midnight(tz: str, last_ok: str, first_late: str) -> None:
    disbursed = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
    assert lpj.due_date(disbursed, tz) == date(2028, 1, 10)
    assert not lpj.is_overdue(disbursed, datetime.fromisoformat(last_ok), tz)
    assert lpj.is_overdue(disbursed, datetime.fromisoformat(first_late), tz)


def test_lpj_year_is_the_local_year_of_disbursement() -> None:
    new_year_wib = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 1 Jan 2027 00:30 WIB
    assert lpj.due_date(new_year_wib, "Asia/Jakarta") == date(2028, 1, 10)
    assert lpj.due_date(new_year_wib, "Asia/Makassar") == date(2028, 1, 10)  # 01:30 WITA
    old_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 23:30 WIB on 31 Dec 2026
    assert lpj.due_date(old_year, "Asia/Jakarta") == date(2027, 1, 10)
    assert lpj.due_date(old_year, "Asia/Makassar") == date(2028, 1, 10)  # 00:30 WITA, 1 Jan 2027


def cand(
    ref: str, name: str, address: str, year: int = 2026, state: str = "disbursed", **digests: str
) -> Candidate:
    ids = {kind: frozenset(v.split("|")) for kind, v in digests.items()}  # "a|b": a past and a new digest
    return Candidate(ref, normal_name(name), normal_address(address), ids, year=year, state=state)


ME = cand("me", "Yayasan Nurul Huda", "Jl. Merdeka No. 5, Kel. Citarum, Kec. Bandung Wetan", 2027, "setting")


@pytest.mark.parametrize(
    ("other", "reasons"),
    [
        (
            cand("a", "Yys. Nurul Huda", "Jl. Merdeka No. 5, Kel. Citarum, Kec. Bandung Wetan"),
            ("name_address",),
        ),
        (cand("b", "Yayasan Nurul Hudha", "Jln Merdeka 5 Citarum Bandung Wetan"), ("name_address",)),  # typo
        (
            cand("c", "YAYASAN NURUL HUDA", "Kelurahan Citarum, Bandung Wetan, Jalan Merdeka 5"),
            ("name_address",),
        ),
        (
            cand("d", "Yayasan Nurul Iman", "Jl. Merdeka No. 5, Kel. Citarum, Kec. Bandung Wetan"),
            None,
        ),  # other org
        (
            cand("e", "Yayasan Nurul Huda", "Jl. Soekarno Hatta 120, Kel. Cijawura, Kec. Buahbatu"),
            None,
        ),  # namesake
        (cand("f", "Perkumpulan Pemuda Cibiru", "Jl. Cibiru 9", npwp="x1"), None),
    ],
)
def test_matcher_cases(other: Candidate, reasons: tuple[str, ...] | None) -> None:
    found = find_matches(ME, [other])
    assert (tuple(found[0].reasons) if found else None) == reasons


def test_matcher_exact_identifiers_and_scores() -> None:
    me = cand("me", "Budi Santoso", "Jl. Dago 1", 2027, nik="d1")
    other = cand("o", "Bd. Santosa", "Gg. Lain 3", 2025, nik="d1")  # different spelling, same NIK digest
    [m] = find_matches(me, [other])
    assert m.reasons == ("nik",)
    assert normal_name("Yys. Al-Falah") == normal_name("Yayasan Al Falah")
    [m] = find_matches(
        ME, [cand("b", "Yayasan Nurul Hudha", "Jl. Merdeka No. 5, Kel. Citarum, Kec. Bandung Wetan")]
    )
    assert m.name_score == Decimal("0.95") and m.address_score == Decimal("1.00")


def test_not_every_year_blocks_previous_year_only() -> None:
    others = [
        cand("y26", "Yayasan Nurul Huda", "Jl. Merdeka 5 Citarum Bandung Wetan", 2026, "completed"),
        cand("y25", "Yayasan Nurul Huda", "Jl. Merdeka 5 Citarum Bandung Wetan", 2025, "completed"),
        cand("r26", "Yayasan Nurul Huda", "Jl. Merdeka 5 Citarum Bandung Wetan", 2026, "rejected"),
    ]
    blocking = blocking_grants(find_matches(ME, others), 2027, 1, {"completed"})
    assert [m.other.ref for m in blocking] == ["y26"]


def test_eligibility() -> None:
    pol = SabilulunganPolicy()
    ok = eligibility.Applicant("AHU-0012345.AH.01.04", "32.73", date(2020, 3, 1), False)
    kw = {"policy": pol, "region_kode": "32.73", "today": date(2027, 2, 1), "individual": False}
    assert eligibility.reasons(ok, **kw) == []  # type: ignore[arg-type]
    bad = eligibility.Applicant(None, "32.04", date(2025, 3, 1), True)
    assert eligibility.reasons(bad, **kw) == [  # type: ignore[arg-type]
        "not_legal_body",
        "not_domiciled",
        "registered_too_recently",
        "overdue_lpj",
    ]
    assert eligibility.full_years(date(2024, 2, 29), date(2027, 2, 28)) == 2
    assert eligibility.reasons(bad, **{**kw, "individual": True}) == ["overdue_lpj"]  # type: ignore[arg-type]
    with pytest.raises(Conflict) as err:
        eligibility.require_eligible(bad, **kw)
    assert err.value.code == "not_eligible"


def test_public_number() -> None:
    assert keys.public_number("hibah", 2027, 123) == "HBH-2027-000123"
    assert keys.public_number("bansos", 2027, 7) == "BSS-2027-000007"
    assert keys.NUMBER_RE.match("HBH-2027-000123") and not keys.NUMBER_RE.match("HBH-２０２７-000123")


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        ("2026-12-26T16:59:59+00:00", "Asia/Jakarta", False),  # 26 Dec 23:59:59 WIB: 15 days before
        ("2026-12-26T17:00:00+00:00", "Asia/Jakarta", True),  # 27 Dec 00:00 WIB: 14 days before
        ("2026-12-26T16:00:00+00:00", "Asia/Makassar", True),  # 27 Dec 00:00 WITA
        ("2027-01-03T01:00:00+00:00", "Asia/Jakarta", True),  # the schedule's day
        ("2027-01-10T16:59:59+00:00", "Asia/Jakarta", True),  # 10 Jan 23:59:59 WIB: the due date
        ("2027-01-10T17:00:00+00:00", "Asia/Jakarta", False),  # 11 Jan WIB: overdue, not reminded
        ("2027-01-10T16:00:00+00:00", "Asia/Makassar", False),  # 11 Jan 00:00 WITA
    ],
)
def test_lpj_reminder_window(now: str, tz: str, expected: bool) -> None:
    disbursed = datetime.fromisoformat("2026-06-01T03:00:00+00:00")
    assert lpj.reminder_due(disbursed, datetime.fromisoformat(now), tz) is expected


def test_sp2d_date_rules_and_the_lpj_deadline_from_it() -> None:
    from datetime import date

    from replika.core.errors import BadRequest, Conflict
    from replika.sabilulungan.rules import lpj

    assert lpj.due_after_sp2d(date(2027, 12, 31)) == date(2028, 1, 10)
    ok = {"today": date(2027, 3, 1), "approved_on": date(2027, 2, 1), "year": 2027}
    lpj.check_sp2d_date(date(2027, 3, 1), **ok)  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        lpj.check_sp2d_date(date(2027, 3, 2), **ok)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lpj.check_sp2d_date(date(2027, 1, 31), **ok)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lpj.check_sp2d_date(date(2026, 12, 31), **{**ok, "approved_on": None})  # type: ignore[arg-type]
