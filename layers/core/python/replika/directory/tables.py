"""Storage contract of the directory: one DynamoDB table (``DirectoryTable`` in region.yaml).

Access patterns (no request path scans):
- read an OPD / position / employee by code or NIP         -> GetItem pk, sk
- list OPDs, or every employee of the region, by code/NIP   -> Query by_kind (kind, pk)
- list units of an OPD                                      -> Query pk = OPD#code, sk begins_with UNIT#
- list employees (or positions) of an OPD                   -> Query by_opd (opd_code, pk begins_with EMP#)
- list direct reports of a supervisor                       -> Query by_supervisor (supervisor_nip, pk)

Items: OPD ``OPD#<code>``/``OPD``; unit ``OPD#<opd>``/``UNIT#<code>``; position ``POS#<code>``/``POS``;
employee ``EMP#<nip>``/``EMP``. An employee carries its position's name and kelas jabatan so the
payroll reads one item per employee.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex

from replika.core.runtime import register_table
from replika.core.table import Model
from replika.core.tables import all_index, table_meta
from replika.directory.keys import EMP, OPD, POS, UNIT, emp_key, opd_key, pos_key

__all__ = [
    "EMP",
    "OPD",
    "POS",
    "UNIT",
    "DirectoryItem",
    "emp_key",
    "opd_key",
    "pos_key",
]


class DirectoryItem(Model):
    Meta = table_meta("DIRECTORY_TABLE", "replika-directory")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    code = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    opd_code = UnicodeAttribute(null=True)
    unit_code = UnicodeAttribute(null=True)
    unit_name = UnicodeAttribute(null=True)
    position_code = UnicodeAttribute(null=True)
    position_name = UnicodeAttribute(null=True)
    kelas = NumberAttribute(null=True)
    nip = UnicodeAttribute(null=True)
    supervisor_nip = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute(null=True)

    by_kind: GlobalSecondaryIndex[DirectoryItem] = all_index("kind", "pk")
    by_opd: GlobalSecondaryIndex[DirectoryItem] = all_index("opd_code", "pk")
    by_supervisor: GlobalSecondaryIndex[DirectoryItem] = all_index("supervisor_nip", "pk")

    def fields(self) -> dict[str, object]:
        """The business attributes, for change detection and audit (no timestamps)."""
        return {k: v for k, v in self.attribute_values.items() if v is not None and k != "updated_at"}


register_table(DirectoryItem, "DIRECTORY_TABLE")
