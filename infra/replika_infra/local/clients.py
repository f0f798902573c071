"""The local stack's AWS clients: made once per process from one boto3 session (a client loads its
service model, about 0.1-0.2 s), for moto in-process or a moto server."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3

_sessions: list[boto3.Session] = []
#: The default session's clients by (service, endpoint, environment endpoint, region): a client is
#: made once per process (0.1 s each) and moto's interception applies to it inside every mock.
_shared_clients: dict[Any, Any] = {}


def _region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def default_session() -> boto3.Session:
    """One boto3 session per process for the stack's clients: its loader reads each service's
    model once (a new session reads them again, about 0.2 s a client). Region and endpoint are
    resolved from the environment for each new client, credentials once per process (the local
    stack and the tests use fixed stand-in credentials)."""
    if not _sessions:
        _sessions.append(boto3.Session())
    return _sessions[0]


@dataclass
class Clients:
    session: boto3.Session
    endpoint_url: str | None
    cache: dict[Any, Any] = field(default_factory=dict)

    def __call__(self, service: str) -> Any:
        pool = _shared_clients if self.session is default_session() else self.cache
        where = (service, self.endpoint_url, os.environ.get("AWS_ENDPOINT_URL"), _region())
        if where not in pool:
            pool[where] = self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        return pool[where]
