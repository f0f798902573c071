"""Review #10's pure rules: separation of duties (a table test), the evaluation checklist and the
duplicate matcher's evasions, each case written out."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from replika.core.errors import Conflict
from replika.sabilulungan.rules import duties
from replika.sabilulungan.rules import evaluation as checklist
from replika.sabilulungan.rules.duties import Duty
from replika.sabilulungan.rules.flow import Action, State
from replika.sabilulungan.rules.matcher import (
    Candidate,
    blocking_grants,
    find_matches,
    identity_digests,
    normal_address,
    normal_name,
    similarity,
)

#: step -> the steps whose person may not do it (issue #10: the one who entered/submitted may not
#: do the administrative check or the evaluation; the evaluator may not verify the LPJ nor set the
#: amount)
SOD = {
    "admin_check": {"entry", "submission"},
    "evaluation": {"entry", "submission", "admin_check"},
    "amount_setting": {"evaluation"},
    "approval": {"evaluation", "amount_setting"},
    "disbursement": {"amount_setting"},
    "lpj_verification": {"entry", "submission", "evaluation", "lpj_submission"},
}


@pytest.mark.parametrize(("duty", "earlier"), list(itertools.product(Duty, Duty)), ids=str)
def test_separation_of_duties_table(duty: Duty, earlier: Duty) -> None:
    acted = {earlier.value: ["nip:198001012005011002"]}
    duties.check(duty, "nip:198001012005011009", acted)  # somebody else: always allowed
    if earlier.value in SOD.get(duty.value, set()):
        with pytest.raises(Conflict) as err:
            duties.check(duty, "nip:198001012005011002", acted)
        assert err.value.code == "separation_of_duties"
        assert err.value.details == {"step": duty.value, "conflicts_with": [earlier.value]}
    else:
        duties.check(duty, "nip:198001012005011002", acted)


@pytest.mark.parametrize(
    ("state", "action", "duty"),
    [
        (State.DRAFT, Action.SUBMIT, Duty.SUBMISSION),
        (State.RETURNED, Action.RESUBMIT, Duty.SUBMISSION),
        (State.SUBMITTED, Action.FORWARD, Duty.ADMIN_CHECK),
        (State.SUBMITTED, Action.RETURN, Duty.ADMIN_CHECK),  # returning is doing the check too
        (State.EVALUATION, Action.REJECT, Duty.EVALUATION),
        (State.EVALUATION, Action.RECOMMEND, Duty.EVALUATION),
        (State.SETTING, Action.SET_AMOUNT, Duty.AMOUNT_SETTING),
        (State.LPJ_SUBMITTED, Action.VERIFY_LPJ, Duty.LPJ_VERIFICATION),
        (State.LPJ_SUBMITTED, Action.RETURN_LPJ, Duty.LPJ_VERIFICATION),
        (State.DNC, Action.WITHDRAW, None),
        (State.APPROVED, Action.CANCEL, None),
        (State.DISBURSED, Action.MARK_OVERDUE, None),
    ],
)
def test_the_step_an_action_is(state: State, action: Action, duty: Duty | None) -> None:
    assert duties.duty_of(state, action) is duty


def test_acted_records_each_person_once_per_step() -> None:
    acted = duties.record(Duty.ENTRY, "nip:1", {})
    acted = duties.record(Duty.SUBMISSION, "nip:1", acted)
    acted = duties.record(Duty.SUBMISSION, "nip:1", acted)
    assert acted == {"entry": ["nip:1"], "submission": ["nip:1"]}
    with pytest.raises(Conflict) as err:
        duties.check(Duty.EVALUATION, "nip:1", acted)
    assert err.value.details["conflicts_with"] == ["entry", "submission"]


ALL_TICKED = {
    "prices_match_ssh": True,
    "organisation_verified": True,
    "no_grant_previous_year": True,
    "ktp_verified": True,
    "legal_entity": True,
}


@pytest.mark.parametrize(
    ("ticks", "organisation", "report", "photos", "blocking", "failed"),
    [
        ({}, True, True, 1, [], []),
        ({}, True, False, 0, [], ["site_visit_report", "site_visit_photos"]),  # ticked, not backed
        ({}, True, True, 0, [], ["site_visit_photos"]),
        ({"prices_match_ssh": False}, True, True, 3, [], ["prices_match_ssh"]),
        ({"organisation_verified": False}, True, True, 1, [], ["organisation_verified"]),
        ({"ktp_verified": False}, True, True, 1, [], ["ktp_verified"]),
        ({"legal_entity": False}, True, True, 1, [], ["legal_entity"]),
        ({"legal_entity": False}, False, True, 1, [], []),  # an individual (bansos): no legal body
        ({}, True, True, 1, ["HBH-2026-000001"], ["no_grant_previous_year"]),  # the tick denies it
        ({"no_grant_previous_year": False}, True, True, 1, ["HBH-2026-000001"], []),  # said as it is
    ],
)
def test_evaluation_checklist(
    ticks: dict[str, bool],
    organisation: bool,
    report: bool,
    photos: int,
    blocking: list[str],
    failed: list[str],
) -> None:
    got = checklist.failed_items(
        {**ALL_TICKED, **ticks},
        organisation=organisation,
        report_uploaded=report,
        photos_uploaded=photos,
        blocking_grants=blocking,
    )
    assert got == failed
    if failed:
        with pytest.raises(Conflict) as err:
            checklist.require_complete(got, blocking)
        assert err.value.code == "checklist_incomplete" and err.value.details["failed"] == failed


def cand(
    ref: str, name: str, address: str, year: int = 2026, state: str = "completed", **ids: str
) -> Candidate:
    digests = {kind: frozenset(v.split("|")) for kind, v in ids.items()}
    return Candidate(ref, normal_name(name), normal_address(address), digests, year=year, state=state)


ADDRESS = "Jl. Cibiru Hilir No. 12, Kel. Cisurupan, Kec. Cibiru"


def test_an_extra_word_does_not_defeat_the_name_similarity() -> None:
    """Evasion (a): token-set similarity tolerant of one extra word, threshold 0.85 unchanged."""
    long, short = "Yayasan Al Ikhlas Sejahtera Bandung", "Yys. Al-Ikhlas Sejahtera"
    assert similarity(normal_name(long), normal_name(short)) == Decimal("1.00")  # plain ratio: 0.83
    me = cand("me", long, "Kel. Cisurupan, Kec. Cibiru, Jln Cibiru Hilir 12", 2027, "evaluation")
    [m] = find_matches(me, [cand("a", short, ADDRESS)])
    assert m.reasons == ("name_address",)
    # still a different organisation: two extra words, or one word beside a one-word name
    assert similarity(
        normal_name("Masjid Al Ikhlas"), normal_name("Masjid Al Ikhlas Cibiru Bandung")
    ) < Decimal("0.85")
    assert find_matches(me, [cand("b", "Yayasan Ikhlas", ADDRESS)]) == []
    assert find_matches(me, [cand("c", "Yayasan Al Ikhlas Sejahtera Bandung Raya Mandiri", ADDRESS)]) == []
    assert similarity(normal_name("Yayasan Nurul Huda"), normal_name("Yayasan Nurul Iman")) == Decimal("0.70")


def test_an_identity_changed_after_the_draft_still_matches() -> None:
    """Evasion (c): a proposal keeps the digests of every identity it carried."""
    assert identity_digests({"bank_account": "new"}, {"bank_account": ["old"], "npwp": ["n1"]}) == {
        "bank_account": frozenset({"new", "old"}),
        "npwp": frozenset({"n1"}),
    }
    me = cand("me", "Perkumpulan Baru", "Jl. Lain 1", 2027, "evaluation", bank_account="new|old")
    [m] = find_matches(me, [cand("a", "Yayasan Lama", ADDRESS, bank_account="old")])
    assert m.reasons == ("bank_account",)


def test_the_window_looks_both_ways() -> None:
    """Evasion (d): a later year's grant approved first, and another OPD's proposal of the same year."""
    me = cand("me", "Yayasan Al Ikhlas", ADDRESS, 2027, "dnc", npwp="n")
    later = cand("later", "Yayasan Al Ikhlas", ADDRESS, 2028, "approved", npwp="n")
    same = Candidate(
        **{**cand("same", "Yayasan Al Ikhlas", ADDRESS, 2027, "approved", npwp="n").__dict__, "opd": "2.01"}
    )
    far = cand("far", "Yayasan Al Ikhlas", ADDRESS, 2029, "approved", npwp="n")
    found = find_matches(me, [later, same, far])
    blocking = blocking_grants(found, 2027, 1, {"approved"})
    assert sorted(m.other.ref for m in blocking) == ["later", "same"]
    # and the earlier proposal finds the later one as the later one finds it
    assert [m.other.ref for m in find_matches(same, [me])] == ["me"]


@pytest.mark.parametrize(
    ("states", "assigned"),
    [
        (["draft", "submitted", "disposition"], False),
        (["draft", "submitted", "disposition", "pertimbangan"], True),
    ],
)
def test_a_proposal_stored_before_the_assignment_keeps_its_opd_once_disposed(
    states: list[str], assigned: bool
) -> None:
    from replika.sabilulungan.store import ProposalDoc

    stored = {
        "id": "0" * 32,
        "kind": "hibah",
        "year": 2027,
        "opd": "1.02",
        "owner": "sub:x",
        "title": "t",
        "purpose": "p",
        "activity_plan": "a",
        "applicant_name": "n",
        "public_name": "n",
        "kelurahan": "k",
        "kecamatan": "k",
        "rab": [],
        "requested": 1,
        "stages": [{"state": s, "at": "2027-01-01T00:00:00Z"} for s in states],
        "created_at": "2027-01-01T00:00:00Z",
        "changed_at": "2027-01-01T00:00:00Z",
    }
    assert ProposalDoc.model_validate(stored).opd_assigned is assigned
    assert ProposalDoc.model_validate({**stored, "opd_assigned": False}).opd_assigned is False
