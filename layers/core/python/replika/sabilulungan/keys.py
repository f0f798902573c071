"""Every key string of the Sabilulungan table, and the public proposal number. Nowhere else.

Items (``pk`` / ``sk``):

- applicant profile        ``APPLICANT#<cognito sub>`` / ``PROFILE``
- proposal                 ``PROPOSAL#<id>`` / ``META``; gsi1 = its queue, gsi2 = its owner's list
- public projection        ``NUMBER#<public number>`` / ``PUBLIC``; gsi1 ``RECIPIENTS#<year>`` /
                           ``<number>`` once an amount is approved (sparse)
- matcher entry            ``MATCH#<budget year>`` / ``<proposal id>`` (staff only)
- budget year              ``BUDGET`` / ``<year>``: ceiling, allocated, disbursed, counts
- number counter           ``COUNTER`` / ``<HBH|BSS>#<year>``
- notification outbox      ``PROPOSAL#<id>`` / ``MAIL#<at>#<uuid>``
"""

from __future__ import annotations

import re

PROFILE = "PROFILE"
META = "META"
PUBLIC = "PUBLIC"
BUDGET = "BUDGET"
COUNTER = "COUNTER"
PREFIX = {"hibah": "HBH", "bansos": "BSS"}
NUMBER_RE = re.compile(r"^(HBH|BSS)-[0-9]{4}-[0-9]{6}$")
ID_RE = re.compile(r"^[0-9a-f]{32}$")


def applicant_pk(subject: str) -> str:
    return f"APPLICANT#{subject}"


def proposal_pk(proposal_id: str) -> str:
    return f"PROPOSAL#{proposal_id}"


def number_pk(number: str) -> str:
    return f"NUMBER#{number}"


def recipients_pk(year: int) -> str:
    return f"RECIPIENTS#{year}"


def match_pk(year: int) -> str:
    return f"MATCH#{year}"


def budget_sk(year: int) -> str:
    return f"{year:04d}"


def counter_sk(kind: str, year: int) -> str:
    return f"{PREFIX[kind]}#{year}"


def queue_pk(state: str, opd: str | None) -> str:
    """The queue a proposal waits in: per state, and per OPD for the OPDs' own steps."""
    return f"QUEUE#{state}#{opd or '-'}"


def owner_pk(owner: str) -> str:
    return f"OWNER#{owner}"


def mail_sk(at: str, uid: str) -> str:
    return f"MAIL#{at}#{uid}"


def public_number(kind: str, year: int, seq: int) -> str:
    """``public_number("hibah", 2027, 123)`` -> ``"HBH-2027-000123"``."""
    if not 1 <= seq <= 999_999:
        raise ValueError("sequence out of range")
    return f"{PREFIX[kind]}-{year:04d}-{seq:06d}"
