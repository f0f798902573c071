"""A local stack (moto server, template-made region stack, seeded demo region, gateway on a free
port) per e2e module. Module scope, not session: the stack points the process's AWS endpoint at
the moto server while it runs, and the other tests in the same worker need it back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from replika.core.config import load_region_config, region_config_path
    from replika_infra.local.dev import start_local_stack

    config = load_region_config(region_config_path("kota-bandung"))
    running = start_local_stack(config, port=free_port(), moto_port=free_port())
    try:
        yield running
    finally:
        running.stop()
