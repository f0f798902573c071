"""The runtime object: a function's environment is validated against its manifest at init."""

from __future__ import annotations

import os

import pytest

from replika.core import runtime
from replika.core.manifest import manifest_for
from replika.core.runtime import get_settings


def full_env(app: str) -> dict[str, str]:
    return {env: f"value-{env.lower()}" for env in manifest_for(app).required_env()}


@pytest.mark.parametrize("app", ["directory", "remunerasi", "sakip", "wbs"])
def test_a_missing_variable_fails_at_init_naming_it(app: str) -> None:
    env = full_env(app)
    runtime.init(app, env)  # complete: fine
    for missing in sorted(env):
        partial = {k: v for k, v in env.items() if k != missing}
        with pytest.raises(runtime.RuntimeConfigError, match=missing):
            runtime.init(app, partial)
    runtime.reset()


def test_init_binds_the_tables_and_reset_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from replika.directory.tables import DirectoryItem

    env = {**full_env("directory"), "DIRECTORY_TABLE": "region-a-directory"}
    rt = runtime.init("directory", env)
    assert rt.app == "directory" and DirectoryItem.Meta.table_name == "region-a-directory"
    monkeypatch.setenv("DIRECTORY_TABLE", "region-b-directory")
    runtime.reset()
    assert DirectoryItem.Meta.table_name == "region-b-directory"
    assert get_settings().directory_table == "region-b-directory"
    monkeypatch.delenv("DIRECTORY_TABLE")
    runtime.reset()
    # no silent default that names a real table
    assert DirectoryItem.Meta.table_name == runtime.unset_table("DIRECTORY_TABLE")
    assert get_settings().directory_table is None
    monkeypatch.setenv("DIRECTORY_TABLE", os.environ.get("DIRECTORY_TABLE", "replika-test-directory"))
    runtime.reset()


def test_clients_are_created_once_per_runtime() -> None:
    rt = runtime.current()
    assert rt.client("s3") is rt.client("s3")
    runtime.reset()
    assert runtime.current() is not rt
