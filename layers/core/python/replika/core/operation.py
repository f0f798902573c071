"""What one HTTP operation declares: the metadata both the HTTP adapter (:mod:`replika.core.http`)
and the OpenAPI generator (:mod:`replika.core.openapi`) read. It depends on neither of them, so the
dependency runs one way: http -> openapi -> operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from replika.core.auth import Role

__all__ = ["JSON", "MAX_PATH_PARAM", "Documented", "Operation", "PathPattern"]

JSON = "application/json"
MAX_PATH_PARAM = 128  # the length bound of every path parameter (ids, NIPs, periods, codes)


@dataclass(frozen=True)
class PathPattern:
    """The regex (anchored ``^…$``) a path parameter must match, and the status of a value that
    does not: 404 by default (it names no resource), 400 ``validation_failed`` where a malformed
    value is a client's input error (a period ``YYYY-MM``). The document states both."""

    pattern: str
    status: int = 404


@dataclass
class Operation:
    method: str
    path: str
    name: str
    summary: str
    roles: frozenset[Role]
    public: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    idempotent: bool
    tags: list[str] = field(default_factory=list)
    body_content_types: tuple[str, ...] = (JSON,)
    response_content_type: str = JSON
    raw_body: tuple[str, ...] = ()  # content types of a non-JSON body the handler reads itself
    errors: frozenset[int] = frozenset()  # statuses beyond those the route's shape implies (openapi)
    raw_example: str | None = None  # one valid non-JSON body, for the document
    #: what a path parameter must match (checked here, stated by the document)
    path_patterns: dict[str, PathPattern] = field(default_factory=dict)
    #: other content types the success answer may have (e.g. ``?format=csv``): a text body
    also_returns: tuple[str, ...] = ()
    #: redirect statuses the success may take instead (e.g. 303 to a presigned download), no body
    redirects: tuple[int, ...] = ()


class _Named(Protocol):
    @property
    def app_name(self) -> str: ...


class Documented(Protocol):
    """What the OpenAPI document is built from (:class:`replika.core.http.Api` is one)."""

    @property
    def app(self) -> _Named: ...
    @property
    def title(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def base_path(self) -> str: ...
    @property
    def operations(self) -> Sequence[Operation]: ...
