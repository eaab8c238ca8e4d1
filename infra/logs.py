"""Process logging: text (the default) or one JSON object per line (`RTW_LOG_FORMAT=json`).

Log lines name what happened to which case id, never to whom: no name, e-mail, note, condition
or free text a caller sent. Two guards back that up here: HTTP requests are logged by rtw's own
access line (method, route template, status, duration; see `api.tracing`), and should uvicorn's
own access log be switched on, its query strings are cut off before any handler sees them.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from opentelemetry import trace

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
ACCESS_LOGGER = "rtw.access"


def trace_ids() -> tuple[str | None, str | None]:
    """The current span's trace and span ids, hex, or None outside a span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, trace_id (and span_id)."""

    def format(self, record: logging.LogRecord) -> str:
        trace_id, span_id = trace_ids()
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": trace_id,
        }
        if span_id:
            entry["span_id"] = span_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class DropUvicornAccessLine(logging.Filter):
    """uvicorn's access line holds the raw path and query, which may carry anything a caller
    typed (a name in a query string, an unmatched path); rtw's own access line replaces it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def formatter(log_format: Literal["text", "json"]) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: Literal["text", "json"] = "text", level: str = "INFO") -> None:
    """Send every logger of the process to stderr in `log_format` (replacing earlier setup)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    guard_access_log()


def guard_access_log() -> None:
    """Silence uvicorn's access logger for good (idempotent)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropUvicornAccessLine) for f in access.filters):
        access.addFilter(DropUvicornAccessLine())


def uvicorn_logging() -> dict[str, object]:
    """Options for `uvicorn.run`: its loggers go through ours, and rtw writes the access line."""
    return {"log_config": None, "access_log": False}
