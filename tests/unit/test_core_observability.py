from __future__ import annotations

import io
import json
import logging
import uuid

import pytest

from replika.core import observability
from replika.core.observability import RedactFilter, RedactingFormatter, is_redacted_key, redact


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_redactor_drops_network_keys_from_json_log(capsys: pytest.CaptureFixture[str]) -> None:
    logger = observability.get_logger(f"wbs-{uuid.uuid4().hex[:6]}")
    observability.bind_request(logger, "req-123", "/wbs/reports")
    logger.append_keys(source_ip="203.0.113.9")  # even appended keys are dropped
    logger.info(
        "report received",
        extra={
            "report_id": "r-1",
            "ip": "203.0.113.9",
            "user_agent": "Mozilla/5.0",
            "receipt": "RCPT-XYZ",
            "authorization": "Bearer abc",
            "event": {
                "requestContext": {"identity": {"sourceIp": "203.0.113.9", "userAgent": "UA"}},
                "headers": {"User-Agent": "UA", "X-Forwarded-For": "203.0.113.9", "Accept": "*/*"},
            },
        },
    )
    logger.info({"msg": "dict message", "receipt_code": "RCPT-XYZ", "count": 2})
    out = capsys.readouterr().out
    assert "203.0.113.9" not in out and "RCPT-XYZ" not in out and "Mozilla" not in out and "Bearer" not in out
    first, second = _lines(out)
    assert first["message"] == "report received"
    assert first["report_id"] == "r-1"
    assert first["correlation_id"] == "req-123"
    assert first["request_id"] == "req-123"
    assert first["route"] == "/wbs/reports"
    assert first["level"] == "INFO"
    for key in ("ip", "user_agent", "receipt", "authorization", "source_ip"):
        assert key not in first
    assert first["event"] == {"requestContext": {"identity": {}}, "headers": {"Accept": "*/*"}}
    assert second["message"] == {"msg": "dict message", "count": 2}


@pytest.mark.parametrize(
    "key",
    [
        "ip",
        "IP",
        "source_ip",
        "sourceIp",
        "client_ip",
        "x-forwarded-for",
        "User-Agent",
        "userAgent",
        "receipt",
        "receipt_code",
        "Authorization",
        "cookie",
    ],
)
def test_redacted_keys(key: str) -> None:
    assert is_redacted_key(key)


@pytest.mark.parametrize("key", ["nip", "zip", "description", "recipient", "opd", "tip_count", "status"])
def test_kept_keys(key: str) -> None:
    assert not is_redacted_key(key)


def test_redact_nested_lists() -> None:
    assert redact([{"ip": "1", "a": [{"userAgent": "x", "b": 1}]}]) == [{"a": [{"b": 1}]}]


def test_formatter_with_own_stream() -> None:
    from aws_lambda_powertools import Logger

    buf = io.StringIO()
    logger = Logger(service=f"t-{uuid.uuid4().hex[:6]}", logger_formatter=RedactingFormatter(), stream=buf)
    logger.warning("x", extra={"sourceIp": "10.0.0.1", "ok": True})
    (line,) = _lines(buf.getvalue())
    assert line["ok"] is True and "sourceIp" not in line


def test_plain_logging_filter() -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    handler.addFilter(RedactFilter())
    log = logging.getLogger(f"plain-{uuid.uuid4().hex[:6]}")
    log.propagate = False
    log.addHandler(handler)
    log.warning("hello %(who)s", {"who": "you", "source_ip": "10.0.0.1"}, extra={"user_agent": "UA", "n": 1})
    (record,) = records
    assert record.getMessage() == "hello you"
    assert record.args == {"who": "you"}
    assert not hasattr(record, "user_agent")
    assert getattr(record, "n", None) == 1


def test_get_logger_is_cached_and_metrics_namespace() -> None:
    assert observability.get_logger("remunerasi") is observability.get_logger("remunerasi")
    metrics = observability.get_metrics("remunerasi")
    assert metrics.namespace == "Replika"
    assert metrics.service == "remunerasi"
