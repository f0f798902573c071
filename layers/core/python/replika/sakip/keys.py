"""Every key of e-SAKIP in one place: table keys (layout in :mod:`.tables`) and audit streams.

``<p>`` is a planning period (``2025-2029``), ``<owner>`` an OPD code or ``pemda``, ``<subject>``
the evaluated party of an LKE (an OPD code or ``pemda``).

Keys (pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk):
- planning period: ``PERIODS`` | ``<p>``
- node: ``CASCADE#<p>`` | ``N#<code>`` | ``KIDS#<p>#<parent>`` / ``<order>#<code>`` |
  ``LVL#<p>#<level>`` / ``<owner>#<code>``
- node revision: ``NREV#<p>#<code>`` | ``<version:06d>``
- quarter realisation: ``REAL#<p>#<year>`` | ``<code>#Q<q>`` |
  ``REALOPD#<p>#<year>#<owner>`` / ``<code>#Q<q>``
- quarter reopening: ``REOPEN#<year>#Q<q>`` | ``<owner>``
- performance agreement (PK): ``PK#<year>`` | ``<owner>``
- LKE evaluation: ``LKE#<year>#<subject>`` | ``LKE`` | ``LKESUBJ#<subject>`` / ``<year>`` |
  ``LKEYEAR#<year>`` / ``<subject>``; its criteria: ``LKE#<year>#<subject>`` | ``C#<criterion>``
- E-RK link: ``ERKLINK#<p>`` | ``<activity>#<opd or *>`` |
  ``ERKSUB#<p>#<sub-activity>`` / ``<activity>#<opd>``
- E-RK roll-up of an OPD's quarter: ``ERKMIN#<year>#Q<q>`` | ``<opd>``
- an employee's E-RK quarter: ``ERKEMP#<nip>`` | ``<year>#Q<q>#<opd>``

Audit streams: cascade revisions after a PK per owner (``sakip/cascade/<owner>``), realisation
written while a quarter is reopened per owner (``sakip/realisation/<owner>``), reopenings
(``sakip/quarters``), agreements (``sakip/pk``), the LKE per subject (``sakip/lke/<subject>``) and
E-RK links (``sakip/erk``).
"""

from __future__ import annotations

PERIODS = "PERIODS"
NODE_PREFIX = "N#"
LKE_SK = "LKE"
CRITERION_PREFIX = "C#"
ANY_OPD = "*"  # an E-RK link that applies to every OPD without one of its own

AUDIT_PK = "sakip/pk"
AUDIT_QUARTERS = "sakip/quarters"
AUDIT_ERK = "sakip/erk"


def cascade_pk(period: str) -> str:
    return f"CASCADE#{period}"


def node_key(period: str, code: str) -> tuple[str, str]:
    return cascade_pk(period), f"{NODE_PREFIX}{code}"


def kids_pk(period: str, parent: str) -> str:
    return f"KIDS#{period}#{parent}"


def kids_sk(order: int, code: str) -> str:
    return f"{order:06d}#{code}"


def level_pk(period: str, level: str) -> str:
    return f"LVL#{period}#{level}"


def level_sk(owner: str, code: str) -> str:
    return f"{owner}#{code}"


def revision_key(period: str, code: str, version: int) -> tuple[str, str]:
    return revision_pk(period, code), f"{version:06d}"


def revision_pk(period: str, code: str) -> str:
    return f"NREV#{period}#{code}"


def realisation_pk(period: str, year: int) -> str:
    return f"REAL#{period}#{year}"


def realisation_sk(code: str, quarter: int) -> str:
    return f"{code}#Q{quarter}"


def realisation_opd_pk(period: str, year: int, owner: str) -> str:
    return f"REALOPD#{period}#{year}#{owner}"


def reopen_key(year: int, quarter: int, owner: str) -> tuple[str, str]:
    return reopen_pk(year, quarter), owner


def reopen_pk(year: int, quarter: int) -> str:
    return f"REOPEN#{year}#Q{quarter}"


def agreement_pk(year: int) -> str:
    return f"PK#{year}"


def agreement_key(year: int, owner: str) -> tuple[str, str]:
    return agreement_pk(year), owner


def lke_pk(year: int, subject: str) -> str:
    return f"LKE#{year}#{subject}"


def lke_subject_pk(subject: str) -> str:
    return f"LKESUBJ#{subject}"


def lke_year_pk(year: int) -> str:
    return f"LKEYEAR#{year}"


def criterion_sk(criterion: str) -> str:
    return f"{CRITERION_PREFIX}{criterion}"


def link_pk(period: str) -> str:
    return f"ERKLINK#{period}"


def link_sk(activity: str, opd: str) -> str:
    return f"{activity}#{opd}"


def link_sub_pk(period: str, sub_activity: str) -> str:
    return f"ERKSUB#{period}#{sub_activity}"


def erk_rollup_key(year: int, quarter: int, opd: str) -> tuple[str, str]:
    return erk_rollup_pk(year, quarter), opd


def erk_rollup_pk(year: int, quarter: int) -> str:
    return f"ERKMIN#{year}#Q{quarter}"


def erk_employee_key(nip: str, year: int, quarter: int, opd: str) -> tuple[str, str]:
    """Per OPD too: an employee who moved OPD within a quarter has one item per OPD."""
    return erk_employee_pk(nip), f"{year}#Q{quarter}#{opd}"


def erk_employee_pk(nip: str) -> str:
    return f"ERKEMP#{nip}"


def cascade_stream(owner: str) -> str:
    return f"sakip/cascade/{owner}"


def realisation_stream(owner: str) -> str:
    return f"sakip/realisation/{owner}"


def lke_stream(subject: str) -> str:
    return f"sakip/lke/{subject}"
