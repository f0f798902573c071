"""e-Remunerasi rules, continued: the payroll run's state machine (every state x action x role) and
the one month input shared by the payroll and the dashboards."""

from __future__ import annotations

import itertools

import pytest

from replika.core.auth import Role
from replika.core.errors import Conflict, Forbidden, ValidationFailed
from replika.core.http import status_of
from replika.remunerasi.rules import (
    PayrollAction,
    PayrollState,
    allowed_actions,
    transition,
)
from tests.unit.test_remunerasi_rules import (
    DEFAULT,
    PERIOD,
    WIB,
    D,
)

# =============================================================================================
# 5. Payroll run state machine: every state × action × role
# =============================================================================================

EXPECTED = {
    ("draft", "recompute"): "draft",
    ("verified", "recompute"): "draft",
    ("draft", "verify"): "verified",
    ("verified", "approve"): "approved",
    ("approved", "lock"): "locked",
}
ACTION_ROLE = {"recompute": "bkpsdm", "verify": "bkpsdm", "approve": "bpkad", "lock": "bpkad"}


@pytest.mark.parametrize(
    ("state", "action", "role"),
    list(itertools.product([s.value for s in PayrollState], [a.value for a in PayrollAction], list(Role))),
)
def test_state_machine_every_state_action_role(state: str, action: str, role: Role) -> None:
    if role.value != ACTION_ROLE[action]:
        with pytest.raises(Forbidden) as forbidden:
            transition(state, action, role)
        assert status_of(forbidden.value) == 403
        assert forbidden.value.details == {"required_roles": [ACTION_ROLE[action]]}
    elif (state, action) in EXPECTED:
        assert transition(state, action, role) == EXPECTED[(state, action)]
    else:
        with pytest.raises(Conflict) as conflict:
            transition(state, action, role)
        assert status_of(conflict.value) == 409
        assert conflict.value.details["state"] == state


def test_full_run_and_recompute_resets_verification() -> None:
    s = PayrollState.DRAFT
    s = transition(s, PayrollAction.VERIFY, Role.BKPSDM)
    assert s is PayrollState.VERIFIED
    s = transition(s, "recompute", "bkpsdm")  # BKPSDM changes its mind: back to draft
    assert s is PayrollState.DRAFT
    s = transition(transition(s, "verify", "bkpsdm"), "approve", "bpkad")
    assert s is PayrollState.APPROVED
    with pytest.raises(Conflict, match="disetujui"):
        transition(s, "recompute", "bkpsdm")
    s = transition(s, "lock", "bpkad")
    assert s is PayrollState.LOCKED
    for action, role in ACTION_ROLE.items():
        with pytest.raises(Conflict, match="dikunci"):
            transition(s, action, role)


def test_unknown_action_and_state() -> None:
    with pytest.raises(ValidationFailed):
        transition("draft", "publish", "bkpsdm")
    with pytest.raises(ValueError):
        transition("archived", "verify", "bkpsdm")


def test_allowed_actions() -> None:
    assert allowed_actions("draft", "bkpsdm") == (PayrollAction.RECOMPUTE, PayrollAction.VERIFY)
    assert allowed_actions("verified", "bkpsdm") == (PayrollAction.RECOMPUTE,)
    assert allowed_actions("verified", "bpkad") == (PayrollAction.APPROVE,)
    assert allowed_actions("approved", "bpkad") == (PayrollAction.LOCK,)
    assert allowed_actions("locked", "bpkad") == ()
    assert allowed_actions("draft", "admin") == ()


class TestMonthInput:
    """``rules.month_input``: the one mapping from a month total to :class:`TkdInput`."""

    class Record:
        def __init__(self, days: dict[int, int], att: dict[int, int], pct: float | None = None) -> None:
            self._days, self._att = days, att
            self.sentence_pct = pct
            self.sentence_level = "sedang" if pct else None

        def day_minutes(self) -> dict[int, int]:
            return dict(self._days)

        def day_attendance(self) -> dict[int, tuple[int, str]]:
            return {d: (bp, "TL1") for d, bp in self._att.items()}

    def test_maps_minutes_attendance_and_sentence(self) -> None:
        from replika.remunerasi.rules import month_input

        rec = self.Record({3: 400, 8: 350, 9: 0}, {5: 50, 12: 100}, 30.0)
        got = month_input(PERIOD, "1" * 18, kelas=9, opd_code="X", record=rec, calendar=WIB, policy=DEFAULT)
        # 3 Aug (Mon) capped at 300; 8 Aug (Sat) overtime, capped at 300
        assert (got.approved_minutes, got.countable_minutes) == (750, 600)
        assert got.attendance_deduction_pct == D("1.5")
        assert [s.cut_pct for s in got.sentences] == [D("30.0")]

    def test_refuses_what_the_run_cannot_pay(self) -> None:
        from replika.remunerasi.rules import month_input

        kw: dict[str, object] = {"calendar": WIB, "policy": DEFAULT}
        with pytest.raises(ValueError, match="31"):
            month_input("2026-09", "1" * 18, kelas=9, opd_code="X", record=self.Record({31: 10}, {}), **kw)
        with pytest.raises(ValueError, match="kelas"):
            month_input(PERIOD, "1" * 18, kelas=None, opd_code="X", record=None, **kw)
        with pytest.raises(ValueError, match="OPD"):
            month_input(PERIOD, "1" * 18, kelas=9, opd_code=None, record=None, **kw)
