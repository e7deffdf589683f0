"""Structured logs: one JSON object per line, for the app and for gunicorn.

``schwarm serve`` passes this module to gunicorn as its config
(``--config python:schwarm.logs``): gunicorn reads ``logconfig_dict`` from it,
so its error log, its access log and the app's own loggers all write JSON
lines (error and app logs to stderr, the access log to stdout).

Access lines carry method, path, status, bytes, duration in milliseconds,
remote address and user agent as fields. Secrets in query strings (feed
tokens: ``?token=``) are replaced by ``REDACTED`` before anything is written.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

SECRET_PARAMETERS = frozenset({"token", "key", "password", "secret"})
# LogRecord attributes that are not "extra" fields given by the caller.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}


def redact_query(query: str) -> str:
    """``query`` with the values of secret parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "REDACTED" if k.lower() in SECRET_PARAMETERS else v)
                      for k, v in pairs])


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(self._access(record.args))
        else:
            entry["message"] = record.getMessage()
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | None) \
                    else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)

    @staticmethod
    def _access(atoms: dict) -> dict:
        """The fields of a gunicorn access line (its "atoms")."""
        status = str(atoms.get("s", ""))
        sent = atoms.get("B")
        return {
            "message": "request",
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": redact_query(atoms.get("q") or ""),
            "status": int(status) if status.isdigit() else status,
            "bytes": sent if isinstance(sent, int) else None,
            "duration_ms": round(int(atoms.get("D", 0)) / 1000, 2),
            "remote_addr": atoms.get("h"),
            "user_agent": atoms.get("a"),
        }


def gunicorn_logconfig(level: str = "INFO") -> dict:
    """A ``logging.config.dictConfig`` mapping for gunicorn's ``logconfig_dict``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "schwarm.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stderr"},
            "stdout": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stdout"},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
            # Flask's app logger; its default handler would print plain text as well.
            "schwarm": {"level": level, "handlers": ["stderr"], "propagate": False},
        },
    }


# Read by gunicorn when started with ``--config python:schwarm.logs``.
logconfig_dict = gunicorn_logconfig()
