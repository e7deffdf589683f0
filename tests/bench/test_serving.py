"""Structured logs for `schwarm serve`: JSON lines, access fields, no secrets."""

from __future__ import annotations

import json
import logging

from schwarm import logs


def _record(name: str, msg, args=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_app_log_line_is_json_with_extra_fields():
    line = logs.JsonFormatter().format(_record("schwarm", "saved %s", ("päge",), user="anna"))
    entry = json.loads(line)
    assert entry["message"] == "saved päge" and entry["level"] == "info"
    assert entry["logger"] == "schwarm" and entry["user"] == "anna" and "time" in entry


def test_access_line_has_fields_and_redacts_tokens():
    atoms = {"m": "GET", "U": "/feeds/stream.atom", "q": "token=swf_secret&x=1", "s": "200",
             "B": 512, "D": 12345, "h": "127.0.0.1", "a": "curl/8"}
    record = _record("gunicorn.access", "%(r)s", None)
    record.args = atoms  # gunicorn passes its atoms as the mapping argument
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["path"] == "/feeds/stream.atom" and entry["status"] == 200
    assert entry["duration_ms"] == 12.35 and entry["bytes"] == 512
    assert "swf_secret" not in json.dumps(entry) and "REDACTED" in entry["query"]


def test_exceptions_are_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("schwarm", logging.ERROR, __file__, 1, "failed", None,
                                   sys.exc_info())
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


def test_gunicorn_config_module():
    config = logs.logconfig_dict
    assert config["formatters"]["json"]["()"] == "schwarm.logs.JsonFormatter"
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["stdout"]
    assert logs.redact_query("") == "" and logs.redact_query("q=a&key=b") == "q=a&key=REDACTED"
