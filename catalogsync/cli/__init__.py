"""The ``catalogsync`` command: parse arguments, call the library, render, pick the exit code.

Exit codes: 0 success; 1 at least one provider failed, or the database failed;
2 usage or configuration error (including a database that needs ``db upgrade``).
Data goes to stdout (one JSON document with ``--format json``), logs to stderr.

``parser`` holds the grammar, ``commands`` one handler per command; this module maps
the library's errors to exit codes, and nothing else does.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import IO

from catalogsync.cli.commands import App
from catalogsync.cli.parser import build_parser
from catalogsync.errors import (
    CatalogSyncError,
    ConfigError,
    DatabaseAccessError,
    SchemaNotReadyError,
)
from catalogsync.logs import configure_logging
from catalogsync.text import printable

__all__ = ["App", "build_parser", "main", "run"]


EXIT_PIPE_CLOSED = 141
"""The exit code when stdout was closed early: 128 + SIGPIPE, as a shell reports it."""


def run() -> int:
    """The ``catalogsync`` command (and ``python -m catalogsync``): ``main``, then exit.

    ``gc.freeze()`` before the interpreter shuts down: its shutdown runs the cycle
    collector over every object still alive (SQLAlchemy's, psycopg's...), several times,
    a noticeable part of every command (see the README's performance section). Frozen
    objects are skipped; the process is ending, so nothing is lost. ``main`` itself
    leaves the collector alone: tests call it in a process that goes on.
    """
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`catalogsync models | head`): stop quietly, as other
        # command-line tools do, and keep the interpreter from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_PIPE_CLOSED
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    configure_logging(-1 if args.quiet else args.verbose, log_format=args.log_format)
    app = App(args, out or sys.stdout)
    try:
        return int(args.handler(app, args))
    except (ConfigError, SchemaNotReadyError) as exc:
        _say("error", exc)
        return 2
    except DatabaseAccessError as exc:
        _say("database error", exc)
        return 1
    except CatalogSyncError as exc:
        _say("error", exc)
        return 1
    finally:
        app.close()


def _say(what: str, exc: BaseException) -> None:
    """``catalogsync: error: ...`` on stderr, on one line (the message may quote a provider)."""
    print(f"catalogsync: {what}: {printable(str(exc))}", file=sys.stderr)
