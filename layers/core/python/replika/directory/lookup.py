"""One employee by NIP: what the other apps (WBS, e-Remunerasi) read of the directory, without the
directory's use cases (the import, the lists and their response models) on their cold start."""

from __future__ import annotations

from replika.directory.keys import EMP, emp_key
from replika.directory.rules import NIP_LENGTH
from replika.directory.tables import DirectoryItem

__all__ = ["find_employee"]


def find_employee(nip: str) -> DirectoryItem | None:
    """The employee with this NIP; ``None`` for an unknown or malformed one (never a storage key
    built from arbitrary client text)."""
    if len(nip) != NIP_LENGTH or not nip.isdigit():
        return None
    try:
        return DirectoryItem.get(emp_key(nip), EMP)
    except DirectoryItem.DoesNotExist:
        return None
