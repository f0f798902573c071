"""Repositories of e-Remunerasi: the only modules that touch PynamoDB (one per aggregate).

- :mod:`.catalogue` activities; :mod:`.entries` the activity log; :mod:`.totals` month totals
  (per employee and per OPD); :mod:`.attendance` which (OPD, day) attendance was imported;
  :mod:`.people` acting supervisors (Plt) and sentences; :mod:`.runs` the payroll run, its
  chunks and the period lock; :mod:`.results` payroll results; :mod:`.employees` the directory
  reads e-Remunerasi needs.

Services reach PynamoDB only through these modules (``service/`` imports no ``pynamodb``).

A write that spans aggregates is one transaction: stores offer ``..._in(tx, ...)`` helpers that
add their part to a :data:`Tx`, and the service composes them (with the audit record).
"""

from __future__ import annotations

from pynamodb.transactions import TransactWrite as Tx

__all__ = ["Tx", "transaction"]


def transaction() -> Tx:
    """A new transaction on the audit table's connection (every table of the region is there)."""
    from replika.core import audit

    return Tx(connection=audit.connection())
