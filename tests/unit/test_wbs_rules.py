"""Pure WBS rules: the status machine, who may see a report, receipts, guessing window, retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from replika.core.auth import Principal, Role
from replika.wbs import rules
from replika.wbs.rules import ForwardTarget, Status, TransitionError, Viewer

ALLOWED = {
    (Status.RECEIVED, Status.VERIFICATION),
    (Status.RECEIVED, Status.REJECTED),
    (Status.VERIFICATION, Status.INVESTIGATION),
    (Status.VERIFICATION, Status.FORWARDED),
    (Status.VERIFICATION, Status.REJECTED),
    (Status.INVESTIGATION, Status.FORWARDED),
    (Status.INVESTIGATION, Status.CLOSED),
    (Status.INVESTIGATION, Status.REJECTED),
    (Status.FORWARDED, Status.CLOSED),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("to", list(Status))
def test_every_pair_of_statuses(current: Status, to: Status) -> None:
    kwargs = {"reason": "alasan", "forwarded_to": ForwardTarget.KPK}
    if (current, to) in ALLOWED:
        rules.check_transition(current, to, **kwargs)
    else:
        with pytest.raises(TransitionError) as err:
            rules.check_transition(current, to, **kwargs)
        assert err.value.code == "invalid_transition"


def test_rejection_needs_a_reason_and_forwarding_a_recipient() -> None:
    with pytest.raises(TransitionError, match="alasan") as err:
        rules.check_transition(Status.RECEIVED, Status.REJECTED, reason="  ", forwarded_to=None)
    assert err.value.code == "reason_required"
    with pytest.raises(TransitionError) as err:
        rules.check_transition(Status.VERIFICATION, Status.FORWARDED, reason=None, forwarded_to=None)
    assert err.value.code == "forward_target_required"


def test_closed_and_rejected_are_terminal() -> None:
    assert rules.TRANSITIONS[Status.CLOSED] == rules.TRANSITIONS[Status.REJECTED] == frozenset()


def viewer(*roles: Role, nip: str = "1" * 18, nip_mac: str = "n-me", opd_mac: str = "o-insp") -> Viewer:
    p = Principal(subject="s", username="u", roles=frozenset(roles), nip=nip, opd="x")
    return Viewer(principal=p, nip_mac=nip_mac, opd_mac=opd_mac)


def see(
    v: Viewer, *, assignee: str | None = None, forbid: bool = True, nip: str = "n-x", opd: str = "o-x"
) -> bool:
    return rules.can_see(
        v, reported_nip_mac=nip, reported_opd_mac=opd, assignee_nip=assignee, forbid_same_opd=forbid
    )


def test_head_sees_every_report_without_a_conflict() -> None:
    assert see(viewer(Role.INSPEKTORAT_KEPALA))


def test_handler_sees_only_reports_assigned_to_them() -> None:
    handler = viewer(Role.INSPEKTORAT)
    assert not see(handler)
    assert not see(handler, assignee="2" * 18)
    assert see(handler, assignee="1" * 18)


@pytest.mark.parametrize("role", [Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA])
def test_the_reported_person_never_sees_it(role: Role) -> None:
    assert not see(viewer(role), assignee="1" * 18, nip="n-me")
    assert not see(viewer(role), assignee="1" * 18, nip="n-me", forbid=False)


@pytest.mark.parametrize("role", [Role.INSPEKTORAT])
def test_same_opd_follows_the_region_policy(role: Role) -> None:
    assert not see(viewer(role), assignee="1" * 18, opd="o-insp")
    assert see(viewer(role), assignee="1" * 18, opd="o-insp", forbid=False)


def test_head_sees_reports_about_their_own_staff() -> None:
    """Review item 1: the same-OPD rule binds handlers, not the head (it used to hide every report
    about the Inspektorat's own staff from everyone). The head still never sees one about the head."""
    head = viewer(Role.INSPEKTORAT_KEPALA)
    assert see(head, assignee="1" * 18, opd="o-insp")
    assert see(head, opd="o-insp", forbid=False)
    assert not see(head, opd="o-insp", nip="n-me")


@pytest.mark.parametrize("role", [Role.PEGAWAI, Role.ADMIN, Role.BKPSDM, Role.BPKAD])
def test_other_roles_see_nothing(role: Role) -> None:
    assert not see(viewer(role), assignee="1" * 18)


def test_unknown_reported_nip_or_opd_is_no_conflict() -> None:
    v = viewer(Role.INSPEKTORAT_KEPALA)
    assert rules.can_see(
        v, reported_nip_mac=None, reported_opd_mac=None, assignee_nip=None, forbid_same_opd=True
    )


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("1234-5678-9012-3456", "1234567890123456"),
        ("1234 5678 9012 3456", "1234567890123456"),
        ("1234567890123456", "1234567890123456"),
        ("123456789012345", None),
        ("12345678901234567", None),
        ("1234-5678-9012-345a", None),
        ("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦", None),  # Arabic-Indic digits are not ASCII
        ("", None),
    ],
)
def test_normalise_receipt(text: str, digits: str | None) -> None:
    assert rules.normalise_receipt(text) == digits


def test_format_receipt() -> None:
    assert rules.format_receipt("1234567890123456") == "1234-5678-9012-3456"


def test_sliding_window_weights_the_previous_window() -> None:
    window = 900
    start = rules.window_start(10_000, window)
    assert start == 9_900
    assert rules.sliding_count(2, 4, start, window) == 6  # window just began: all of the previous
    assert rules.sliding_count(2, 4, start + 450, window) == 4  # half-way: half of it
    assert rules.sliding_count(2, 4, start + 899, window) == pytest.approx(2 + 4 / 900)


def test_purge_cutoff() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert rules.purge_cutoff(now, 365) == datetime(2025, 6, 1, tzinfo=UTC)
    assert rules.purge_cutoff(now, 365, ahead_days=30) == datetime(2025, 7, 1, tzinfo=UTC)


# -- review: every report reaches someone (item 1) ------------------------------------------------

HEAD_NIP, STAFF_NIP, OUT_NIP, UNKNOWN_NIP, SEKDA_NIP = "1" * 18, "2" * 18, "3" * 18, "4" * 18, "5" * 18
DIRECTORY = {HEAD_NIP: "insp", STAFF_NIP: "insp", OUT_NIP: "dinas", SEKDA_NIP: "setda"}


def _mac(value: str | None) -> str | None:
    return f"m-{value}" if value else None


def _principal_viewer(role: Role, nip: str) -> Viewer:
    p = Principal("s", "u", frozenset({role}), nip=nip, opd=DIRECTORY.get(nip))
    return Viewer(principal=p, nip_mac=_mac(nip), opd_mac=_mac(DIRECTORY.get(nip)))


@pytest.mark.parametrize("forbid", [True, False])
@pytest.mark.parametrize("insp_opd", ["insp", None])
@pytest.mark.parametrize("escalation", [Role.SEKDA, Role.APIP_PROVINSI])
@pytest.mark.parametrize(
    ("nip", "given_opd"),
    [
        (HEAD_NIP, None),
        (HEAD_NIP, "insp"),
        (HEAD_NIP, "dinas"),  # the reporter names the head with a wrong OPD
        (STAFF_NIP, None),
        (OUT_NIP, "dinas"),
        (OUT_NIP, None),
        (UNKNOWN_NIP, None),
        (UNKNOWN_NIP, "insp"),
        (UNKNOWN_NIP, "dinas"),
        (None, "insp"),
        (None, "dinas"),
        (None, None),
    ],
)
def test_every_report_reaches_someone_entitled(
    nip: str | None, given_opd: str | None, escalation: Role, insp_opd: str | None, forbid: bool
) -> None:
    """Enumerates who the report names x the region's settings: the head or the escalation desk
    always sees it, the head never sees one about the head, and always sees one about their staff."""
    directory_opd = DIRECTORY.get(nip) if nip else None
    desk = rules.desk_for(
        reported_nip=nip, directory_opd=directory_opd, given_opd=given_opd, inspektorat_opd=insp_opd
    )
    opd = directory_opd or given_opd

    def sees(v: Viewer) -> bool:
        return rules.can_see(
            v,
            reported_nip_mac=_mac(nip),
            reported_opd_mac=_mac(opd),
            assignee_nip=None,
            forbid_same_opd=forbid,
            desk=desk,
            escalation_role=escalation,
        )

    head, desk_officer = (
        _principal_viewer(Role.INSPEKTORAT_KEPALA, HEAD_NIP),
        _principal_viewer(escalation, SEKDA_NIP),
    )
    assert sees(head) or sees(desk_officer)
    if nip == HEAD_NIP:
        assert not sees(head) and sees(desk_officer)
    if nip == STAFF_NIP:
        assert sees(head)


def test_the_wrong_escalation_role_sees_nothing() -> None:
    apip = _principal_viewer(Role.APIP_PROVINSI, SEKDA_NIP)
    assert not rules.can_see(
        apip,
        reported_nip_mac=_mac(HEAD_NIP),
        reported_opd_mac=_mac("insp"),
        assignee_nip=None,
        forbid_same_opd=True,
        desk=rules.DESK_ESCALATION,
        escalation_role=Role.SEKDA,
    )


# -- review: missing claims fail closed (item 8) --------------------------------------------------


@pytest.mark.parametrize(
    ("role", "nip", "opd"),
    [
        (Role.INSPEKTORAT, "1" * 18, None),  # no OPD claim: the same-OPD rule cannot be checked
        (Role.INSPEKTORAT_KEPALA, None, "x"),  # no NIP claim: cannot tell whether they are reported
        (Role.SEKDA, None, "x"),
    ],
)
def test_missing_claims_fail_closed(role: Role, nip: str | None, opd: str | None) -> None:
    p = Principal("s", "u", frozenset({role}), nip=nip, opd=opd)
    v = Viewer(principal=p, nip_mac=_mac(nip), opd_mac=_mac(opd))
    assert not rules.can_see(
        v,
        reported_nip_mac="m-other",
        reported_opd_mac="m-elsewhere",
        assignee_nip=nip,
        forbid_same_opd=True,
        desk=rules.DESK_ESCALATION,
        escalation_role=Role.SEKDA,
    )


# -- review: proof of work (item 3) ---------------------------------------------------------------


def test_pow_difficulty_rises_with_the_failure_rate() -> None:
    free = rules.pow_bits(199, 200, 4, 5)
    assert free == 0
    levels = [rules.pow_bits(200 * 2**k, 200, 0, 5) for k in range(8)]
    assert levels[0] == rules.POW_BASE_BITS
    assert levels == sorted(levels)
    assert levels[3] == rules.POW_BASE_BITS + 3 * rules.POW_STEP_BITS
    assert rules.pow_bits(10**9, 200, 0, 5) == rules.POW_MAX_BITS
    assert rules.pow_bits(0, 200, 5, 5) == rules.POW_BASE_BITS  # one hot bucket asks for work too


def test_pow_check() -> None:
    nonce = rules.solve_pow("c", 8)
    assert rules.pow_ok("c", nonce, 8)
    assert rules.leading_zero_bits(b"\x00\x0f") == 12
    assert rules.pow_ok("c", "anything", 0)


# -- review: ASCII digits only (item 7) -----------------------------------------------------------

FULLWIDTH_NIP = "１９８５０３１５２０１００１１００１"


def test_models_take_ascii_digits_only() -> None:
    from pydantic import ValidationError

    from replika.directory.models import EmployeeOut
    from replika.remunerasi import models as remunerasi_models
    from replika.wbs.models import AssignIn, ReportedPerson

    with pytest.raises(ValidationError):
        ReportedPerson(name="Budi", nip=FULLWIDTH_NIP)
    with pytest.raises(ValidationError):
        AssignIn(handler_nip=FULLWIDTH_NIP)
    assert ReportedPerson(name="Budi", nip="198503152010011001").nip == "198503152010011001"
    import re

    assert not re.match(remunerasi_models.NIP, FULLWIDTH_NIP)
    assert not re.match(remunerasi_models.PERIOD, "２０２６-01")
    nip_pattern = EmployeeOut.model_fields["nip"].metadata
    assert "\\d" not in str(nip_pattern)


def test_no_model_uses_backslash_d() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "layers/core/python/replika"
    offenders = [str(p) for p in root.glob("*/models.py") if "\\d" in p.read_text(encoding="utf-8")]
    assert offenders == []
