"""Structured logs and metrics (Powertools), with a redactor for network identifiers.

* :func:`get_logger` — a Powertools ``Logger`` per service (the app name), JSON lines on stdout,
  whose formatter drops redacted keys at any depth (:func:`redact`).
* :func:`get_metrics` — a Powertools ``Metrics`` (EMF) in the ``Replika`` namespace.
* :func:`bind_request` — correlation id (= request id) and route on every following log line.

Redaction drops (not masks) keys that identify a reporter's network or device or carry a secret:
``ip``, ``*_ip`` (``source_ip``, ``sourceIp``, ``client_ip``), ``x-forwarded-for``,
``user_agent`` / ``User-Agent``, ``receipt*`` (the WBS reporter's receipt code),
``authorization``, ``cookie``. Key names are compared after camelCase -> snake_case,
lower-casing and ``-`` -> ``_``. :class:`RedactFilter` does the same for plain ``logging``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

__all__ = [
    "METRICS_NAMESPACE",
    "RedactFilter",
    "RedactingFormatter",
    "bind_request",
    "get_logger",
    "get_metrics",
    "is_redacted_key",
    "redact",
]

METRICS_NAMESPACE = "Replika"

_EXACT = frozenset(
    {
        "ip",
        "ip_address",
        "remote_addr",
        "x_forwarded_for",
        "forwarded",
        "x_real_ip",
        "user_agent",
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
    }
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _normalise(key: str) -> str:
    return _CAMEL.sub("_", key).lower().replace("-", "_").strip("_ ")


def is_redacted_key(key: object) -> bool:
    """Whether a log key must be dropped (see the module docstring)."""
    if not isinstance(key, str):
        return False
    k = _normalise(key)
    return (
        k in _EXACT
        or k.endswith("_ip")
        or k.startswith("ip_")
        or "user_agent" in k
        or k.startswith("receipt")
        or k.endswith("_receipt")
        or "authorization" in k
    )


def redact(value: Any) -> Any:
    """A copy of ``value`` without redacted keys, in nested dicts/lists too."""
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items() if not is_redacted_key(k)}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """The Powertools JSON formatter, dropping redacted keys from the final log dict — appended
    keys, ``extra=`` keys and dict messages alike."""

    def serialize(self, log: Any) -> str:
        return super().serialize(redact(log))


class RedactFilter(logging.Filter):
    """For plain ``logging`` handlers: removes redacted ``extra=`` attributes and redacts dict
    messages/args on the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in [n for n in vars(record) if is_redacted_key(n)]:
            delattr(record, name)
        if isinstance(record.msg, Mapping):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = redact(record.args)
        return True


_lock = threading.Lock()
_loggers: dict[str, Logger] = {}


#: Libraries that log secrets at DEBUG (botocore: request/response bodies, e.g. a Secrets Manager
#: value or a KMS plaintext data key; urllib3/s3transfer: URLs and headers). Never below WARNING.
SENSITIVE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


class _AtLeastWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def quiet_sensitive_loggers() -> None:
    """Hold :data:`SENSITIVE_LOGGERS` at WARNING or above whatever level the function logs at: the
    level is raised and a filter drops any lower record even if someone lowers it again."""
    children = [n for n in list(logging.root.manager.loggerDict) if n.split(".", 1)[0] in SENSITIVE_LOGGERS]
    for name in {*SENSITIVE_LOGGERS, *children}:
        lg = logging.getLogger(name)
        if name in SENSITIVE_LOGGERS or lg.level != logging.NOTSET:
            lg.setLevel(max(lg.level, logging.WARNING))
        if not any(isinstance(f, _AtLeastWarning) for f in lg.filters):
            lg.addFilter(_AtLeastWarning())


def get_logger(service: str) -> Logger:
    """The JSON logger of ``service`` (one per process and service; level from ``POWERTOOLS_LOG_LEVEL``
    or ``LOG_LEVEL``, INFO by default). The sensitive library loggers stay at WARNING."""
    with _lock:
        logger = _loggers.get(service)
        if logger is None:
            logger = Logger(service=service, logger_formatter=RedactingFormatter(), utc=True)
            _loggers[service] = logger
    quiet_sensitive_loggers()
    return logger


def get_metrics(service: str) -> Metrics:
    """EMF metrics in the ``Replika`` namespace with a ``service`` dimension. Powertools shares the
    metric set between instances; flush with ``@metrics.log_metrics`` on the handler."""
    return Metrics(namespace=METRICS_NAMESPACE, service=service)


def bind_request(logger: Logger, request_id: str | None, route: str | None) -> None:
    """Put the request id (as correlation id) and route on every later line of this invocation."""
    logger.set_correlation_id(request_id)
    logger.append_keys(request_id=request_id, route=route)
