"""The directory reads e-Remunerasi needs (one item per employee; the directory owns the table)."""

from __future__ import annotations

from collections.abc import Sequence

from replika.directory.tables import EMP, OPD, DirectoryItem
from replika.remunerasi import keys

__all__ = ["DirectoryItem", "active_nips", "active_opds", "batch_get", "get", "headcount", "opd_names"]

BATCH_GET = 100


def get(nip: str) -> DirectoryItem | None:
    """The employee with this NIP; ``None`` for an unknown or malformed one (a storage key is never
    built from arbitrary client text)."""
    if len(nip) != 18 or not nip.isdigit() or not nip.isascii():
        return None
    try:
        return DirectoryItem.get(keys.emp_key(nip), keys.EMP)
    except DirectoryItem.DoesNotExist:
        return None


#: What the payroll run reads of a directory employee (the rest is never read in a run).
PAYROLL_ATTRIBUTES = ("pk", "sk", "nip", "name", "opd_code", "position_name", "kelas")
#: What the run's list of employees reads of each.
_LISTING = ["pk", "nip", "active"]


def batch_get(nips: Sequence[str], attributes: Sequence[str] | None = None) -> dict[str, DirectoryItem]:
    """Employees by NIP, ``BATCH_GET`` keys per BatchGetItem (absent ones are left out); only
    ``attributes`` of each when given (the others read as ``None``)."""
    out: dict[str, DirectoryItem] = {}
    unique = list(dict.fromkeys(nips))
    for i in range(0, len(unique), BATCH_GET):
        batch = [(keys.emp_key(n), keys.EMP) for n in unique[i : i + BATCH_GET]]
        for item in DirectoryItem.batch_get(
            batch, attributes_to_get=None if attributes is None else list(attributes)
        ):
            out[item.nip or keys.nip_of(item.pk)] = item
    return out


def active_nips() -> list[str]:
    """Every active employee's NIP, sorted: the directory's ``by_kind`` query (paginated, as
    ``directory.service.iter_employees``; only the key, NIP and active flag read)."""
    query = DirectoryItem.by_kind.query(EMP, attributes_to_get=_LISTING)
    nips = {item.nip or keys.nip_of(item.pk) for item in query if item.active is not False}
    return sorted(nips)


def opd_names() -> dict[str, str]:
    """OPD code -> name (one Query of the by_kind index)."""
    return {i.code or keys.opd_code_of(i.pk): i.name for i in DirectoryItem.by_kind.query(OPD)}


def active_opds() -> list[str]:
    """The codes of the directory's active OPDs, sorted (one Query of the by_kind index)."""
    return sorted(
        {i.code or keys.opd_code_of(i.pk) for i in DirectoryItem.by_kind.query(OPD) if i.active is not False}
    )


def headcount(opd: str) -> int:
    """Active employees of ``opd``: a ``Select=COUNT`` Query of the by_opd index."""
    return int(
        DirectoryItem.by_opd.count(
            opd,
            DirectoryItem.pk.startswith(keys.EMP_PREFIX),
            filter_condition=DirectoryItem.active == True,  # noqa: E712 - a DynamoDB condition
        )
    )
