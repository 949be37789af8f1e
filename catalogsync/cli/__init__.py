"""The ``catalogsync`` command: parse arguments, call the library, render, pick the exit code.

Exit codes: 0 success; 1 at least one provider failed, or the database failed;
2 usage or configuration error (including a database that needs ``db upgrade``).
Data goes to stdout (one JSON document with ``--format json``), logs to stderr.

``parser`` holds the grammar, ``commands`` one handler per command; this module maps
the library's errors to exit codes, and nothing else does.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import IO

from catalogsync.cli.commands import App
from catalogsync.cli.parser import build_parser
from catalogsync.errors import (
    CatalogSyncError,
    ConfigError,
    DatabaseAccessError,
    NoDatabaseError,
    SchemaNotReadyError,
)
from catalogsync.logs import configure_logging, error_line

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
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    configure_logging(-1 if args.quiet else args.verbose, log_format=args.log_format)
    app = App(args, out or sys.stdout)
    log_format = args.log_format
    try:
        if not getattr(args, "reports_config_itself", False):
            app.settings  # noqa: B018 - every command checks the whole file first, alike
        return int(args.handler(app, args))
    except (ConfigError, SchemaNotReadyError, NoDatabaseError) as exc:
        _say("error", exc, log_format)
        return 2
    except DatabaseAccessError as exc:
        _say("database error", exc, log_format)
        return 1
    except CatalogSyncError as exc:
        _say("error", exc, log_format)
        return 1
    except Exception as exc:
        if log_format != "json":
            raise  # a traceback, as Python prints it
        # A log shipper reads one JSON object a line: the traceback goes inside one.
        line = json.loads(error_line("internal error", f"{type(exc).__name__}: {exc}", "json"))
        line["exc_info"] = traceback.format_exc()
        print(json.dumps(line, ensure_ascii=False), file=sys.stderr)
        return 1
    finally:
        app.close()


def _parse(argv: list[str]) -> argparse.Namespace:
    """The parsed command line; a usage error (exit 2) is one JSON line on stderr too
    when ``--log-format json`` was asked for, as every other message then is."""
    if not _json_logs(argv):
        return build_parser().parse_args(argv)
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return build_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code == 0:
            sys.stderr.write(said.getvalue())
        else:
            lines = said.getvalue().strip().splitlines() or ["invalid usage"]
            print(error_line("usage error", lines[-1], "json"), file=sys.stderr)
        raise


def _json_logs(argv: list[str]) -> bool:
    """Whether ``argv`` asks for JSON logs (read before the grammar, which may refuse it)."""
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return "--log-format=json" in argv or ("--log-format", "json") in pairs


def _say(what: str, exc: BaseException, log_format: str) -> None:
    """``catalogsync: error: ...`` on stderr, on one line (the message may quote a provider),
    or one JSON object with ``--log-format json``."""
    print(error_line(what, str(exc), log_format), file=sys.stderr)
