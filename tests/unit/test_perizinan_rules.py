"""Perizinan's pure rules: the report-only threshold, risk, SLA due dates (WIB and WITA, weekends,
holidays, region days, the clock stopped on return), fiktif positif, the state machine table and
the permit's signed payload."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from replika.core.calendar import RegionCalendar
from replika.core.config import PerizinanPolicy, RiskRule
from replika.core.errors import Conflict, Forbidden, ValidationFailed
from replika.perizinan.rules import permit, risk, sla
from replika.perizinan.rules.workflow import TABLE, Action, Caller, Status, allowed, next_status

POLICY = PerizinanPolicy()
WIB = RegionCalendar("Asia/Jakarta")


# -- report-only threshold and risk --------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "land", "report_only"),
    [
        (499_999_999, 0, True),
        (500_000_000, 0, False),
        (500_000_001, 0, False),
        (900_000_000, 400_000_001, True),  # land and buildings excluded: 499,999,999
        (900_000_000, 400_000_000, False),  # exactly 500,000,000 left
        (0, 0, True),
    ],
)
def test_report_only_threshold_with_land_and_buildings_excluded(
    total: int, land: int, report_only: bool
) -> None:
    capital = risk.business_capital(total, land)
    level = risk.risk_of("47111", capital, POLICY)  # retail: rendah
    assert level == "rendah"
    assert risk.is_report_only(capital, level, POLICY) is report_only


def test_land_worth_more_than_the_total_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        risk.business_capital(100, 101)


def test_risk_mapping_longest_prefix_then_highest_capital_band() -> None:
    assert risk.risk_of("56101", 9_999_999_999, POLICY) == "rendah"
    assert risk.risk_of("56101", 10_000_000_000, POLICY) == "menengah-rendah"
    assert risk.risk_of("41011", 10_000_000, POLICY) == "menengah-tinggi"
    assert risk.risk_of("86103", 1, POLICY) == "tinggi"
    assert risk.risk_of("99999", 1, POLICY) == POLICY.default_risk  # unmapped: reviewed
    custom = PerizinanPolicy(
        risk_rules=[RiskRule(kbli_prefix="4", risk="tinggi"), RiskRule(kbli_prefix="47", risk="rendah")]
    )
    assert risk.risk_of("47111", 1, custom) == "rendah"
    assert risk.risk_of("41011", 1, custom) == "tinggi"


def test_small_but_not_low_risk_is_reviewed_and_the_threshold_is_policy() -> None:
    assert not risk.is_report_only(10_000_000, "menengah-tinggi", POLICY)
    generous = PerizinanPolicy(
        report_only_capital_below=1_000_000_000, report_only_risks=["rendah", "menengah-rendah"]
    )
    assert risk.is_report_only(999_999_999, "menengah-rendah", generous)
    assert risk.risk_for_type("tinggi", "47111", 1, POLICY) == "tinggi"  # a type's fixed risk wins


# -- SLA in working days -------------------------------------------------------------------------


def test_due_date_skips_weekend_and_independence_day() -> None:
    # Fri 14 Aug 2026 + 3 working days: Tue 18, Wed 19, Thu 20 (Mon 17 Aug is a holiday)
    assert sla.due_date(WIB, date(2026, 8, 14), 3) == date(2026, 8, 20)
    # received on a Saturday: day 1 is Monday
    assert sla.due_date(WIB, date(2026, 8, 8), 1) == date(2026, 8, 10)


def test_region_extra_day_off_and_extra_working_day() -> None:
    mataram = RegionCalendar("Asia/Makassar", extra_holidays=[date(2026, 8, 6)])
    # Wed 5 Aug + 2: Thu 6 is Mataram's day off -> Fri 7, Mon 10
    assert sla.due_date(mataram, date(2026, 8, 5), 2) == date(2026, 8, 10)
    assert sla.due_date(WIB, date(2026, 8, 5), 2) == date(2026, 8, 7)
    saturday_works = RegionCalendar("Asia/Jakarta", extra_working_days=[date(2026, 8, 8)])
    assert sla.due_date(saturday_works, date(2026, 8, 7), 1) == date(2026, 8, 8)


def test_wib_and_wita_disagree_on_today_near_midnight() -> None:
    instant = datetime(2026, 8, 20, 16, 30, tzinfo=UTC)  # 23:30 WIB Thu, 00:30 WITA Fri
    wita = RegionCalendar("Asia/Makassar")
    due = date(2026, 8, 20)
    assert not sla.is_lapsed(due, WIB.local_date(instant))
    assert sla.is_lapsed(due, wita.local_date(instant))


def test_clock_stops_on_return_and_restarts_on_resubmission() -> None:
    due = date(2026, 8, 20)  # Thursday
    # returned Tue 18 Aug: Wed 19, Thu 20 left
    left = sla.remaining_working_days(WIB, date(2026, 8, 18), due)
    assert left == 2
    # resubmitted Fri 28 Aug: Mon 31, Tue 1 Sep
    assert sla.resumed_due(WIB, date(2026, 8, 28), left) == date(2026, 9, 1)
    # returned on the due date itself: one more working day after resubmission
    assert sla.remaining_working_days(WIB, due, due) == 0
    assert sla.resumed_due(WIB, date(2026, 8, 21), 0) == date(2026, 8, 24)


def test_lapse_is_the_day_after_the_due_date_and_the_outcome_is_policy() -> None:
    due = date(2026, 8, 20)
    assert not sla.is_lapsed(due, date(2026, 8, 20))
    assert sla.is_lapsed(due, date(2026, 8, 21))
    assert sla.lapse_outcome(True) == "fiktif_positif"
    assert sla.lapse_outcome(False) == "escalate"


# -- the state machine table -----------------------------------------------------------------------

EXPECTED = {
    ("in_review", "advance", "stage"): "in_review",
    ("in_review", "return", "stage"): "returned",
    ("in_review", "reject", "stage"): "rejected",
    ("in_review", "withdraw", "owner"): "withdrawn",
    ("in_review", "fiktif_positif", "system"): "approved",
    ("in_review", "escalate", "system"): "in_review",
    ("in_review", "grant", "head"): "approved",
    ("in_review", "refuse", "head"): "rejected",
    ("in_review", "reassign", "head"): "in_review",
    ("returned", "resubmit", "owner"): "in_review",
    ("returned", "withdraw", "owner"): "withdrawn",
    ("approved", "pay", "dpmptsp"): "issued",
    ("approved", "waive", "dpmptsp"): "issued",
    ("issued", "revoke", "dpmptsp"): "revoked",
    ("registered", "revoke", "dpmptsp"): "revoked",
}
CASES = [(s, a, c) for s in Status for a in Action for c in Caller]


@pytest.mark.parametrize(("status", "action", "caller"), CASES, ids=[f"{s}-{a}-{c}" for s, a, c in CASES])
def test_every_state_action_caller(status: Status, action: Action, caller: Caller) -> None:
    key = (status.value, action.value, caller.value)
    has_action = (status, action) in TABLE
    if key in EXPECTED:
        assert allowed(status, action, caller)
        assert (
            next_status(status, action, frozenset({caller}), reason="alasan tertulis").value == EXPECTED[key]
        )
    elif has_action:
        assert not allowed(status, action, caller)
        with pytest.raises(Forbidden):
            next_status(status, action, frozenset({caller}), reason="alasan")
    else:
        with pytest.raises(Conflict):
            next_status(status, action, frozenset({caller}), reason="alasan")


def test_the_last_stage_decides_and_reasons_are_required() -> None:
    assert (
        next_status(Status.IN_REVIEW, Action.ADVANCE, frozenset({Caller.STAGE}), last_stage=True)
        is Status.APPROVED
    )
    for action in (Action.RETURN, Action.REJECT):
        with pytest.raises(ValidationFailed):
            next_status(Status.IN_REVIEW, action, frozenset({Caller.STAGE}), reason="  ")
    with pytest.raises(ValidationFailed):
        next_status(Status.ISSUED, Action.REVOKE, frozenset({Caller.DPMPTSP}))


# -- permits ---------------------------------------------------------------------------------------


def test_permit_number_validity_and_public_status() -> None:
    n = permit.format_number(
        POLICY.permit_number_format, type_code="SIUP", kecamatan="32.73.09", on=date(2026, 8, 14), seq=7
    )
    assert n == "SK-SIUP-327309-14082026-007"
    assert permit.valid_until(date(2026, 1, 31), 12) == date(2027, 1, 30)
    assert permit.valid_until(date(2028, 2, 29), 12) == date(2029, 2, 27)
    assert permit.valid_until(date(2026, 1, 1), 0) is None
    until = date(2027, 1, 30)
    assert permit.public_status(revoked=False, valid_until=until, today=until) == "valid"
    assert permit.public_status(revoked=False, valid_until=until, today=date(2027, 1, 31)) == "expired"
    assert permit.public_status(revoked=True, valid_until=until, today=date(2026, 2, 1)) == "revoked"


def sample_fields(**overrides: Any) -> dict[str, Any]:
    """A permit's signed fields (payload v2); ``overrides`` replace :func:`permit.signed_fields`
    arguments (the offline verifier's tests use it too)."""
    args: dict[str, Any] = {
        "number": "SK-SIUP-327309-14082026-007",
        "verify_code": "ABCDEFGHJKLMNPQR",
        "type_code": "SIUP",
        "type_name": "Izin Usaha",
        "holder": "Siti",
        "business": "Warung Siti",
        "kecamatan": "32.73.09",
        "valid_from": date(2026, 8, 14),
        "valid_until": date(2031, 8, 13),
        "official_name": "Kepala DPMPTSP",
        "official_nip": "197001011995031001",
        "official_plt": False,
        "address": "Jl. Asia Afrika 1",
        "kbli": "47111",
        "nib": "1234567890123",
        "registration": False,
        "fiktif_positif": False,
    }
    return permit.signed_fields(**{**args, **overrides})


def _signed(fields: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """(payload, signature, DER public key) with a fresh P-256 key."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = permit.canonical(fields)
    return payload, key.sign(payload, ec.ECDSA(hashes.SHA256())), der


def test_signature_over_the_payload_verifies_and_a_tampered_field_fails() -> None:
    from replika.perizinan.service.permits import verify_signature

    fields = sample_fields(official_plt=True)
    payload, signature, der = _signed(fields)
    assert verify_signature(payload, signature, der)
    tampered = permit.canonical({**fields, "until": "2041-08-13"})
    assert not verify_signature(tampered, signature, der)
    qr = permit.qr_text("https://x/verify/", "ABCDEFGHJKLMNPQR", payload, signature)
    d = qr.split("?d=")[1].split("&s=")[0]
    assert permit.b64u_decode(d) == payload
    assert permit.public_key_pem(der).startswith("-----BEGIN PUBLIC KEY-----\n")


def test_the_signed_payload_covers_everything_the_pdf_prints() -> None:
    """Address, KBLI, NIB, registration-or-permit and fiktif positif are signed (payload v2)."""
    from replika.perizinan.service.permits import verify_signature

    fields = sample_fields()
    assert fields["v"] == permit.PAYLOAD_VERSION == 2
    assert permit.PAYLOAD_VERSION in permit.KNOWN_PAYLOAD_VERSIONS
    payload, signature, der = _signed(fields)
    assert verify_signature(payload, signature, der)
    changes = {
        "address": "Jl. Braga 99",
        "kbli": "86101",
        "nib": "9999999999999",
        "reg": True,
        "fp": True,
    }
    for name, value in changes.items():
        assert fields[name] != value
        tampered = permit.canonical({**fields, name: value})
        assert not verify_signature(tampered, signature, der), name
