"""Logging to stderr: one line per event, naming the provider and the sync run when known.

Two formats: ``text`` for people (the default) and ``json`` for log shippers, one JSON
object per line. The provider and run come from ``extra={"provider": ..., "run_id": ...}``
or, for lines logged deeper down while a sync runs (an HTTP retry, say), from
``log_context``, which ``sync.run_sync`` sets for the duration of each run.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from catalogsync.text import printable

LOG_FORMATS = ("text", "json")
_CONTEXT = ("provider", "run_id")
_OURS = "catalogsync_handler"
_current: ContextVar[dict[str, Any]] = ContextVar("catalogsync_log_context")


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Name ``fields`` (``provider``, ``run_id``) on every line logged inside the block."""
    token = _current.set({**_current.get({}), **fields})
    try:
        yield
    finally:
        _current.reset(token)


def set_log_context(**fields: Any) -> None:
    """Add ``fields`` to the innermost ``log_context`` (e.g. the run id once it is known)."""
    _current.set({**_current.get({}), **fields})


class ContextFilter(logging.Filter):
    """Fill in ``provider`` and ``run_id`` from ``log_context`` when a line does not give them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _current.get({}).items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


def _utc(record: logging.LogRecord) -> datetime:
    return datetime.fromtimestamp(record.created, UTC)


class TextFormatter(logging.Formatter):
    """``2026-11-21T22:44:31Z INFO  provider=akool run=12 sync started``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(context)s%(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return _utc(record).strftime("%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{'run' if key == 'run_id' else key}={getattr(record, key)}"
            for key in _CONTEXT
            if getattr(record, key, None) is not None
        ]
        record.context = printable(" ".join(parts)) + " " if parts else ""
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        # One event, one line: a message quoting provider text shows its control
        # characters escaped, so a newline in it cannot forge a line of its own.
        record.message = printable(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, provider, run_id (and exc_info)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _utc(record).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "provider": getattr(record, "provider", None),
            "run_id": getattr(record, "run_id", None),
        }
        if record.exc_info:
            document["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exc_info"] = record.exc_text
        return json.dumps(document, ensure_ascii=False, default=str)


def error_line(what: str, message: str, log_format: str = "text") -> str:
    """A fatal error as the command's last line on stderr: ``catalogsync: error: ...`` for
    people, or, with ``--log-format json``, one JSON object like every other log line."""
    if log_format != "json":
        return f"catalogsync: {what}: {printable(message)}"
    return notice_line(message, log_format, "ERROR", error=what)


def notice_line(message: str, log_format: str, level: str = "WARNING", **extra: str) -> str:
    """A line a command writes to stderr itself (``catalogsync: MESSAGE``), as one JSON
    object with ``--log-format json``, so that a log shipper reads every line alike."""
    if log_format != "json":
        return f"catalogsync: {printable(message)}"
    document = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "logger": "catalogsync.cli",
        "message": message,
        "provider": None,
        "run_id": None,
        **extra,
    }
    return json.dumps(document, ensure_ascii=False)


def configure_logging(
    verbosity: int = 0, stream: IO[str] | None = None, log_format: str = "text"
) -> None:
    """Log to stderr: warnings with ``-q``, info by default, debug with ``-v``."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    ours = logging.getLogger("catalogsync")
    ours.handlers[:] = [handler]
    ours.setLevel(level)
    ours.propagate = False
    # Warnings of other libraries go through the same handler (so that a JSON log stays
    # one JSON object a line), replacing the one a previous call installed.
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, _OURS, False)]
    root_handler = logging.StreamHandler(stream or sys.stderr)
    root_handler.setFormatter(handler.formatter)
    root_handler.setLevel(logging.WARNING)
    root_handler.addFilter(ContextFilter())
    setattr(root_handler, _OURS, True)
    root.addHandler(root_handler)
    # stamina announces each retry; catalogsync.http logs it with the provider and run instead.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    # APScheduler says when it skips a run because the previous one is still going; at
    # `@every` intervals that is noise, and our own lines say what matters.
    scheduler = logging.getLogger("apscheduler")
    scheduler.handlers[:] = [handler]
    scheduler.setLevel(logging.ERROR if verbosity <= 0 else logging.INFO)
    scheduler.propagate = False
    # httpx logs every request at INFO; our own lines say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING if verbosity <= 0 else logging.INFO)
