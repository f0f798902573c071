"""The PynamoDB side of the runtime: every table model and every transaction of a process talks
through the runtime's one DynamoDB client.

Left alone, PynamoDB gives each model's table connection, and each ``TransactWrite`` connection,
a client of its own, each from a new botocore session that reads the service model, endpoint and
partition files again (about 100 ms of a cold start each). The table models of every app derive
from :class:`Model`, and transactions take :func:`connection`. The client is created with
PynamoDB's own settings (see :meth:`replika.core.runtime.Runtime.client`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.connection.table import TableConnection
from pynamodb.models import Model as PynamoModel

from replika.core import runtime

__all__ = ["Model", "connection", "get_or_none", "share_client"]

_M = TypeVar("_M", bound=PynamoModel)


def share_client(conn: Connection) -> Connection:
    """``conn`` on the runtime's DynamoDB client (unless it has a client already)."""
    if conn._client is None:
        conn._client = runtime.current().client("dynamodb")
    return conn


class Model(PynamoModel):
    """A PynamoDB model whose table connection uses the runtime's DynamoDB client."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        share_client(table.connection)
        return table


def connection() -> Connection:
    """A connection on the runtime's client, for ``TransactWrite(connection=...)``."""
    return share_client(Connection(region=runtime.current().settings.aws_region))


def get_or_none(
    model: type[_M], hash_key: Any, range_key: Any = None, *, consistent: bool = False
) -> _M | None:
    """``model``'s item at the key (a GetItem), ``None`` when there is none."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except model.DoesNotExist:
        return None
