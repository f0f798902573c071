"""Every key of e-SAKIP in one place: table keys (layout in :mod:`.tables`) and audit streams.

``<p>`` is a planning period (``2025-2029``), ``<owner>`` an OPD code or ``pemda``, ``<subject>``
the evaluated party of an LKE (an OPD code or ``pemda``).

Keys (pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk):
- planning period: ``PERIODS`` | ``<p>``
- node: ``CASCADE#<s>`` | ``N#<code>`` | ``KIDS#<s>#<parent>`` / ``<order>#<code>`` |
  ``LVL#<s>#<level>`` / ``<owner>#<code>``, where ``<s>`` is the period's active key space (the
  period's ``space``: ``<p>`` until an XLSX import switches it to ``<p>@<import>``)
- an import's staged revisions: ``IMPORT#<p>#<import>`` | ``R#<code>``
- node revision: ``NREV#<p>#<code>`` | ``<version:06d>``
- quarter realisation: ``REAL#<p>#<year>`` | ``<code>#Q<q>`` |
  ``REALOPD#<p>#<year>#<owner>`` / ``<code>#Q<q>``
- quarter reopening: ``REOPEN#<year>#Q<q>`` | ``<owner>``
- performance agreement (PK): ``PK#<year>`` | ``<owner>``
- LKE evaluation: ``LKE#<year>#<subject>`` | ``LKE`` | ``LKESUBJ#<subject>`` / ``<year>`` |
  ``LKEYEAR#<year>`` / ``<subject>``; its criteria: ``LKE#<year>#<subject>`` | ``C#<criterion>``;
  each evaluator proposal: ``LKE#<year>#<subject>`` | ``P#<criterion>#<criterion version:06d>``
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
PROPOSAL_PREFIX = "P#"
ANY_OPD = "*"  # an E-RK link that applies to every OPD without one of its own

AUDIT_PK = "sakip/pk"
AUDIT_QUARTERS = "sakip/quarters"
AUDIT_ERK = "sakip/erk"


def import_space(period: str, import_id: str) -> str:
    """The key space an XLSX import stages its cascade in (active once the import switches)."""
    return f"{period}@{import_id}"


def staged_pk(period: str, import_id: str) -> str:
    return f"IMPORT#{period}#{import_id}"


def staged_sk(code: str) -> str:
    return f"R#{code}"


def cascade_pk(space: str) -> str:
    return f"CASCADE#{space}"


def node_key(space: str, code: str) -> tuple[str, str]:
    return cascade_pk(space), f"{NODE_PREFIX}{code}"


def kids_pk(space: str, parent: str) -> str:
    return f"KIDS#{space}#{parent}"


def level_pk(space: str, level: str) -> str:
    return f"LVL#{space}#{level}"


def node_index_keys(
    space: str, code: str, *, parent: str | None, order: int, level: str, owner: str
) -> dict[str, str]:
    """A node's index keys: among its parent's children (gsi1) and in its level (gsi2)."""
    return {
        "gsi1pk": kids_pk(space, parent or "-"),
        "gsi1sk": f"{order:06d}#{code}",
        "gsi2pk": level_pk(space, level),
        "gsi2sk": f"{owner}#{code}",
    }


def revision_pk(period: str, code: str) -> str:
    return f"NREV#{period}#{code}"


def revision_key(period: str, code: str, version: int) -> tuple[str, str]:
    return revision_pk(period, code), f"{version:06d}"


def realisation_pk(period: str, year: int) -> str:
    return f"REAL#{period}#{year}"


def realisation_sk(code: str, quarter: int) -> str:
    return f"{code}#Q{quarter}"


def realisation_opd_pk(period: str, year: int, owner: str) -> str:
    return f"REALOPD#{period}#{year}#{owner}"


def reopen_pk(year: int, quarter: int) -> str:
    return f"REOPEN#{year}#Q{quarter}"


def reopen_key(year: int, quarter: int, owner: str) -> tuple[str, str]:
    return reopen_pk(year, quarter), owner


def agreement_pk(year: int) -> str:
    return f"PK#{year}"


def agreement_key(year: int, owner: str) -> tuple[str, str]:
    return agreement_pk(year), owner


def lke_pk(year: int, subject: str) -> str:
    return f"LKE#{year}#{subject}"


def lke_index_keys(year: int, subject: str) -> dict[str, str]:
    """An evaluation's index keys: its subject's history (gsi1) and its year's list (gsi2)."""
    return {
        "gsi1pk": lke_subject_pk(subject),
        "gsi1sk": str(year),
        "gsi2pk": lke_year_pk(year),
        "gsi2sk": subject,
    }


def lke_subject_pk(subject: str) -> str:
    return f"LKESUBJ#{subject}"


def lke_year_pk(year: int) -> str:
    return f"LKEYEAR#{year}"


def criterion_sk(criterion: str) -> str:
    return f"{CRITERION_PREFIX}{criterion}"


def proposal_sk(criterion: str, version: int) -> str:
    return f"{PROPOSAL_PREFIX}{criterion}#{version:06d}"


def link_pk(period: str) -> str:
    return f"ERKLINK#{period}"


def link_sk(activity: str, opd: str) -> str:
    return f"{activity}#{opd}"


def link_sub_pk(period: str, sub_activity: str) -> str:
    return f"ERKSUB#{period}#{sub_activity}"


def erk_rollup_pk(year: int, quarter: int) -> str:
    return f"ERKMIN#{year}#Q{quarter}"


def erk_rollup_key(year: int, quarter: int, opd: str) -> tuple[str, str]:
    return erk_rollup_pk(year, quarter), opd


def erk_employee_pk(nip: str) -> str:
    return f"ERKEMP#{nip}"


def erk_employee_key(nip: str, year: int, quarter: int, opd: str) -> tuple[str, str]:
    """Per OPD too: an employee who moved OPD within a quarter has one item per OPD."""
    return erk_employee_pk(nip), f"{year}#Q{quarter}#{opd}"


def stream(kind: str, owner: str) -> str:
    """The audit stream ``sakip/<kind>/<owner>``: ``cascade`` (revisions after a PK, per owner),
    ``realisation`` (entered while reopened, per owner), ``lke`` (per evaluated subject)."""
    return f"sakip/{kind}/{owner}"
