"""Logging to stderr: one line per event, naming the provider and the sync run when known."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import IO

_CONTEXT = ("provider", "run_id")


class TextFormatter(logging.Formatter):
    """``2026-11-21T22:44:31Z INFO  provider=akool run=12 sync started``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(context)s%(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{'run' if key == 'run_id' else key}={getattr(record, key)}"
            for key in _CONTEXT
            if getattr(record, key, None) is not None
        ]
        record.context = " ".join(parts) + " " if parts else ""
        return super().format(record)


def configure_logging(verbosity: int = 0, stream: IO[str] | None = None) -> None:
    """Log to stderr: warnings with ``-q``, info by default, debug with ``-v``."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(TextFormatter())
    root = logging.getLogger("catalogsync")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO; our own lines say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING if verbosity <= 0 else logging.INFO)
