"""The backend's JSON logs: one access line per request, not one more per embedder call."""

import json
import logging

import pytest

from backend.logs import JsonFormatter, configure_json_logging, request_id


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def test_the_http_client_logs_only_its_warnings(restored_logging):
    configure_json_logging(logging.INFO)
    assert logging.getLogger("facegate.access").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)


def test_a_line_carries_the_request_id_and_its_fields():
    record = logging.LogRecord("facegate.access", logging.INFO, "", 0, "GET / 200", (), None)
    record.fields = {"status": 200}
    token = request_id.set("req-7")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["request_id"] == "req-7" and line["status"] == 200
    assert line["message"] == "GET / 200" and line["level"] == "info"
