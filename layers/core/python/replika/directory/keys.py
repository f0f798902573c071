"""Key builders of the directory table (the storage layout is described in :mod:`.tables`).

Items: OPD ``OPD#<code>``/``OPD``; unit ``OPD#<opd>``/``UNIT#<code>``; position ``POS#<code>``/``POS``;
employee ``EMP#<nip>``/``EMP``. Other apps (e-Remunerasi) read employees with these builders.
"""

from __future__ import annotations

#: Sort keys of the four kinds (also the ``kind`` of the by_kind index).
OPD, UNIT, POS, EMP = "OPD", "UNIT", "POS", "EMP"
OPD_PREFIX = "OPD#"
UNIT_PREFIX = "UNIT#"
POS_PREFIX = "POS#"
EMP_PREFIX = "EMP#"


def opd_key(code: str) -> str:
    return f"{OPD_PREFIX}{code}"


def unit_sk(code: str) -> str:
    return f"{UNIT_PREFIX}{code}"


def pos_key(code: str) -> str:
    return f"{POS_PREFIX}{code}"


def emp_key(nip: str) -> str:
    return f"{EMP_PREFIX}{nip}"


def nip_of(pk: str) -> str:
    """The NIP of an employee item's ``pk``."""
    return pk.removeprefix(EMP_PREFIX)


def opd_code_of(pk: str) -> str:
    """The code of an OPD item's ``pk``."""
    return pk.removeprefix(OPD_PREFIX)
