"""Sabilulungan e-mails the applicant through SES (moto) when a proposal is returned, rejected,
approved or disbursed, when its LPJ falls due (reminder) and when it is overdue, from the region's
sender identity (``sabilulungan.sender``, verified by the data stack); a failed send keeps the
message in the proposal's outbox and never fails the request."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from tests.conftest import auth_header
from tests.integration.test_sabilulungan_api import (
    KDH,
    TAPD,
    TU,
    Api,
    disburse,
    sign_nphd,
    step,
    submitted,
    through_setting,
)
from tests.integration.test_sabilulungan_api import api as api

SENDER = "sabilulungan@bandung.go.id"  # templates/regions/kota-bandung.toml


def sent_mail() -> list[dict[str, Any]]:
    """What moto's SES accepted: sender, recipient, subject and body of each message."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-3"]
    return [
        {"from": m.source, "to": m.destinations["ToAddresses"], "subject": m.subject, "body": m.body}
        for m in backend.sent_messages
    ]


def outbox(region_stack: dict[str, str], pid: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name="ap-southeast-3").query(
        TableName=region_stack["SABILULUNGAN_TABLE"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
        ExpressionAttributeValues={":pk": {"S": f"PROPOSAL#{pid}"}, ":mail": {"S": "MAIL#"}},
    )["Items"]
    import json

    return [json.loads(i["data"]["S"]) for i in items]


def test_the_sender_identity_is_the_regions_and_verified(region_stack: dict[str, str]) -> None:
    assert region_stack["SABILULUNGAN_SENDER"] == SENDER
    ses = boto3.client("ses", region_name="ap-southeast-3")
    assert SENDER in ses.list_identities(IdentityType="EmailAddress")["Identities"]


def test_applicant_is_mailed_at_each_decision(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    applicant = auth_header("41", None, "pemohon")
    to = ["applicant-41@example.invalid"]
    p = submitted(api, region_stack, applicant)
    assert sent_mail() == []  # submitting sends nothing
    p = step(api, p, TU, "return", reason="Surat domisili kedaluwarsa")
    mails = sent_mail()
    assert len(mails) == 1 and mails[0]["from"] == SENDER and mails[0]["to"] == to
    assert mails[0]["subject"] == f"Usulan dikembalikan untuk dilengkapi: {p['number']}"
    assert "Surat domisili kedaluwarsa" in mails[0]["body"]
    p = step(api, p, applicant, "resubmit")
    p = through_setting(api, p)
    api("PUT", "/budgets/2027", TAPD, {"ceiling": 100_000_000})
    p = api("POST", f"/proposals/{p['id']}/amount", TAPD, {"version": p["version"], "amount": 30_000_000})
    p = api("POST", f"/proposals/{p['id']}/approval", KDH, {"version": p["version"]})
    assert sent_mail()[-1]["subject"] == f"Usulan disetujui: {p['number']}"
    assert "Rp 30.000.000" in sent_mail()[-1]["body"]
    p = disburse(api, monkeypatch, sign_nphd(api, p), sp2d_number="SP2D-7/2027")
    assert sent_mail()[-1]["subject"] == f"Dana hibah/bansos telah dicairkan: {p['number']}"
    assert p["lpj_due"] in sent_mail()[-1]["body"]
    from replika.sabilulungan.service import reports

    # the reminder a week before the deadline (3 January, region time), then the 11 January job
    due = date.fromisoformat(p["lpj_due"])
    assert reports.remind_lpj_due(datetime(due.year - 1, 12, 20, 1, 0, tzinfo=UTC)).reminded == []
    assert reports.remind_lpj_due(datetime(due.year, 1, 3, 1, 0, tzinfo=UTC)).reminded == [p["number"]]
    assert sent_mail()[-1]["subject"] == f"LPJ jatuh tempo: {p['number']}"
    assert p["lpj_due"] in sent_mail()[-1]["body"]
    reports.mark_overdue(datetime(2029, 1, 10, 17, 0, tzinfo=UTC))
    assert sent_mail()[-1]["subject"] == f"LPJ terlambat: {p['number']}"
    assert reports.remind_lpj_due(datetime(2029, 1, 3, 1, 0, tzinfo=UTC)).reminded == []  # overdue now
    assert [m["to"] for m in sent_mail()] == [to] * 5
    kept = outbox(region_stack, p["id"])
    assert len(kept) == 5 and all(m.get("sent_at") and m.get("message_id") for m in kept)


def test_rejection_is_mailed(api: Api, region_stack: dict[str, str]) -> None:
    applicant = auth_header("42", None, "pemohon")
    p = submitted(api, region_stack, applicant)
    p = step(api, p, TU, "reject", reason="Bukan badan hukum yang terdaftar")
    assert p["state"] == "rejected"
    (mail,) = sent_mail()
    assert mail["subject"] == f"Usulan ditolak: {p['number']}" and "Bukan badan hukum" in mail["body"]


def test_a_failed_send_keeps_the_message_and_the_decision(
    api: Api, region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SES refuses (here: the identity is no longer verified): the return stands (200), the
    message stays in the outbox without ``sent_at``."""
    boto3.client("ses", region_name="ap-southeast-3").delete_identity(Identity=SENDER)
    applicant = auth_header("43", None, "pemohon")
    p = submitted(api, region_stack, applicant)
    p = step(api, p, TU, "return", reason="Foto sekretariat buram")
    assert p["state"] == "returned" and sent_mail() == []
    (kept,) = outbox(region_stack, p["id"])
    assert kept["subject"].startswith("Usulan dikembalikan") and "sent_at" not in kept
