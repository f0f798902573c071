"""One runtime object per function: settings, region config, table bindings and AWS clients.

A function builds it once at cold start with :func:`init` (``functions/<app>/app.py``). The
environment is validated there against the app's manifest (the env vars of every resource the app
declares as required): a missing variable raises :class:`RuntimeConfigError` at init, loudly, and
never surfaces as a wrong table at the first request. Nothing has a silent default that points at
a real resource.

Everything that used to be an import-time global lives here:

* :attr:`Runtime.settings` (the validated environment),
* :attr:`Runtime.region` (the region config, read once, lazily),
* :meth:`Runtime.client` (botocore clients, created lazily and cached per runtime),
* the table names of the PynamoDB models (bound by :meth:`Runtime.bind_tables`).

The CLI, the local stack and the tests switch stacks inside one process: :func:`reset` drops the
runtime, and the next :func:`current` builds a new one from the environment (clients, caches and
table bindings included), so there is one mechanism for "the environment changed".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from replika.core.settings import ENV_VARS, Settings, settings_from_env

if TYPE_CHECKING:
    from replika.core.config import RegionConfig

__all__ = [
    "Runtime",
    "RuntimeConfigError",
    "current",
    "current_region",
    "env_or",
    "get_settings",
    "init",
    "on_reset",
    "rebind_tables",
    "register_reset",
    "register_table",
    "require",
    "reset",
    "table_name",
]

#: PynamoDB model -> env var of its table name; bound by every runtime.
_TABLES: list[tuple[Any, str]] = []
#: Caches outside the runtime (e.g. an app's decrypted secret) to drop on :func:`reset`.
_RESETS: list[Callable[[], None]] = []
_lock = threading.RLock()
_current: Runtime | None = None
_botocore_session: Any = None


class RuntimeConfigError(RuntimeError):
    """The function's environment does not satisfy its app's manifest."""


def unset_table(env_var: str) -> str:
    """The table name a model carries until a runtime binds it: never a real table."""
    return f"unset-{env_var.lower().replace('_', '-')}"


def table_name(env_var: str) -> str:
    """For PynamoDB ``Meta`` classes: the env's table name if set, else :func:`unset_table`."""
    return os.environ.get(env_var) or unset_table(env_var)


def register_table(model: Any, env_var: str) -> None:
    """Remember which env var names a model's table; the current runtime binds it now."""
    with _lock:
        _TABLES.append((model, env_var))
        if _current is not None:
            _current.bind_tables()


def on_reset(fn: Callable[[], None]) -> Callable[[], None]:
    """Register a cache to drop whenever the runtime is rebuilt."""
    _RESETS.append(fn)
    return fn


class Runtime:
    """What one function needs at run time, built once from a validated environment."""

    def __init__(self, settings: Settings, app: str | None = None) -> None:
        self.app = app
        self.settings = settings
        self._region: RegionConfig | None = None
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    @property
    def region(self) -> RegionConfig:
        """The deployment's region config (read once per runtime)."""
        if self._region is None:
            from replika.core.config import load_region_config, region_file_for

            self._region = load_region_config(region_file_for(self.settings))
        return self._region

    def client(self, service: str) -> Any:
        """A client per service (and endpoint), created on first use from the process's one botocore
        session (boto3 is not imported: it costs cold-start time and adds nothing to a client).
        S3 clients sign with SigV4 and use virtual-host addressing (presigned URLs depend on both).
        The DynamoDB client is the one every PynamoDB model and transaction uses
        (:mod:`replika.core.table`), and powertools' idempotency store: PynamoDB's own settings."""
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        key = (service, endpoint)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = _session().create_client(
                    service,
                    region_name=self.settings.aws_region,
                    endpoint_url=endpoint,
                    config=_client_config(service),
                )
                self._clients[key] = found
            return found

    def bind_tables(self) -> None:
        """Point every registered PynamoDB model at this runtime's table names."""
        for model, env_var in list(_TABLES):
            field = ENV_VARS[env_var]
            name = getattr(self.settings, field, None) or unset_table(env_var)
            if model.Meta.table_name != name:
                model.Meta.table_name = name
                model._connection = None  # PynamoDB caches the table connection per model


def _session() -> Any:
    """One botocore session per process: its loader reads each service model file once."""
    global _botocore_session
    with _lock:
        if _botocore_session is None:
            import botocore.session

            _botocore_session = botocore.session.get_session()
        return _botocore_session


def _client_config(service: str) -> Any:
    from botocore.config import Config

    if service == "s3":
        return Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    if service == "dynamodb":  # what PynamoDB gives its own clients (pynamodb.settings defaults)
        return Config(
            parameter_validation=False,
            connect_timeout=15,
            read_timeout=30,
            max_pool_connections=10,
            retries={"total_max_attempts": 4, "mode": "standard"},
        )
    return None


def _missing(environ: Mapping[str, str], required: Iterable[str]) -> list[str]:
    return sorted(env for env in required if not environ.get(env))


def required_env(app: str) -> frozenset[str]:
    """The env vars an app's function cannot run without, from its manifest."""
    from replika.core.manifest import manifest_for

    return frozenset(manifest_for(app).required_env())


def init(app: str, environ: Mapping[str, str] | None = None) -> Runtime:
    """Build the function's runtime at cold start; raise if its manifest's env is incomplete."""
    global _current
    env = os.environ if environ is None else environ
    missing = _missing(env, required_env(app))
    if missing:
        raise RuntimeConfigError(
            f"{app}: required environment variables are not set: {', '.join(missing)} "
            "(they come from the app's manifest; `replika package` passes them as parameters)"
        )
    rt = Runtime(settings_from_env(env), app)
    with _lock:
        _current = rt
        rt.bind_tables()
    return rt


def current() -> Runtime:
    """The process's runtime: the one :func:`init` built, or (CLI, tests, local stack) one read
    from the environment without an app's requirements."""
    global _current
    with _lock:
        if _current is None:
            _current = Runtime(settings_from_env())
            _current.bind_tables()
        return _current


def get_settings() -> Settings:
    """The current runtime's settings."""
    return current().settings


def current_region() -> RegionConfig:
    """The deployment's region config, read once per runtime."""
    return current().region


def require(value: str | None, env_var: str, why: str | None = None) -> str:
    """A setting the caller cannot work without (its app's manifest requires it); ``why``: what
    its absence most likely means, said in the error instead of the generic sentence."""
    if not value:
        raise RuntimeConfigError(
            f"{env_var} is not set: {why}" if why else f"{env_var} is not set in this function's environment"
        )
    return value


def env_or(name: str, default: str) -> str:
    """For PynamoDB ``Meta`` classes: the env's table name, else a name that is never a table
    (``default`` is the name it had before the runtime: kept for the callers' readability)."""
    return table_name(name)


def reset() -> None:
    """Follow a changed environment: the next :func:`current` builds a new runtime."""
    global _current, _botocore_session
    with _lock:
        _botocore_session = None  # credentials and config are read again too
        app = _current.app if _current is not None else None
        _current = Runtime(settings_from_env(), app)
        for fn in _RESETS:
            fn()
        _current.bind_tables()


#: Names kept from before the runtime object (one mechanism underneath).
register_reset = on_reset
rebind_tables = reset
