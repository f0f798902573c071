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
