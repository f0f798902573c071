"""A local stack that fails while coming up leaves the process as it found it: the environment
(no endpoint pointing at a dead moto server for the next test or command) and the moto port."""

from __future__ import annotations

import os
import socket

import pytest

from replika.core.config import load_region_config, region_config_path
from replika_infra.local import dev, stack


def test_a_failed_start_restores_the_environment_and_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the template did not deploy")

    monkeypatch.setattr(stack, "create_region_stack", broken)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        moto_port = int(s.getsockname()[1])
    before = dict(os.environ)
    config = load_region_config(region_config_path("kota-bandung"))
    with pytest.raises(RuntimeError, match="did not deploy"):
        dev.start_local_stack(config, port=0, moto_port=moto_port, seed_data=False)
    assert dict(os.environ) == before
    with socket.socket() as s:
        s.bind(("127.0.0.1", moto_port))  # free again: the moto server was stopped
