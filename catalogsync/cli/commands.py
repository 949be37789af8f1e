"""The commands: each parses nothing and queries nothing; it calls the library and renders.

A handler takes the ``App`` (what the global options lead to: settings, the database)
and the parsed arguments, writes its document to ``app.out`` and returns the exit code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import IO

from catalogsync import api
from catalogsync.config import Settings
from catalogsync.errors import ConfigError
from catalogsync.logs import notice_line
from catalogsync.present.registry import DEFAULT, render
from catalogsync.results import SyncReport

Handler = Callable[["App", argparse.Namespace], int]


class App:
    """What a command needs, built lazily from the global options."""

    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        self.args = args
        self.out = out

    @cached_property
    def settings(self) -> Settings:
        return api.load_configuration(self.args.config, os.environ, Path.cwd())

    @cached_property
    def database(self) -> api.Database:
        return api.open_database(self.args.database_url or self.settings.database_url)

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        if "database" in self.__dict__:
            self.database.close()

    def provider_name(self, name: str | None) -> str | None:
        """``name`` if it is an installed provider (or ``None``); else a ``ConfigError``."""
        return None if name is None else api.installed_provider(self.settings, name)

    def ready(self) -> api.Database:
        """The database, after checking that the schema is current."""
        api.check_schema(self.database)
        return self.database

    def render(self, document: object, args: argparse.Namespace) -> None:
        """Write ``document`` to the output in the format asked for (``--format``)."""
        render(document, getattr(args, "format", DEFAULT), self.out)


def cmd_db_upgrade(app: App, args: argparse.Namespace) -> int:
    app.render(api.upgrade_database(app.database), args)
    return 0


def cmd_sync(app: App, args: argparse.Namespace) -> int:
    report = api.sync(
        app.ready(), app.settings, args.providers, allow_mass_removal=args.allow_mass_removal
    )
    return _sync_report(app, args, report)


def cmd_import(app: App, args: argparse.Namespace) -> int:
    if args.file == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            raw = Path(args.file).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {args.file}: {exc.strerror}") from None
    report = api.import_catalog(
        app.ready(),
        app.settings,
        args.provider,
        raw,
        args.observed_at,
        allow_mass_removal=args.allow_mass_removal,
        allow_future=args.allow_future,
    )
    return _sync_report(app, args, report)


def _sync_report(app: App, args: argparse.Namespace, report: SyncReport) -> int:
    app.render(report, args)
    return 0 if report.ok else 1


def cmd_rebuild(app: App, args: argparse.Namespace) -> int:
    report = api.rebuild(app.ready(), app.settings, args.providers, dry_run=args.dry_run)
    app.render(report, args)
    return 0 if report.ok else 1


def cmd_versions(app: App, args: argparse.Namespace) -> int:
    db = app.ready()
    app.render(api.versions(db, app.provider_name(args.provider)), args)
    return 0


def cmd_models(app: App, args: argparse.Namespace) -> int:
    db = app.ready()
    app.render(api.catalogs(db, app.settings, args.provider, args.as_of), args)
    return 0


def cmd_diff(app: App, args: argparse.Namespace) -> int:
    provider = app.provider_name(args.provider)
    assert provider is not None  # a required argument
    at = args.at or ()
    if len(at) > 2 or (at and (args.from_version or args.to_version)):
        raise ConfigError("diff takes --at once or twice, and not with --from or --to")
    app.render(api.diff(app.ready(), provider, args.from_version, args.to_version, at), args)
    return 0


def cmd_demo(app: App, args: argparse.Namespace) -> int:
    result = api.demo(app.settings, args.database_url)
    app.render(result, args)
    return 0 if result.sync.ok else 1


def cmd_daemon(app: App, args: argparse.Namespace) -> int:
    from catalogsync.scheduler import run_daemon

    return run_daemon(
        app.ready(),
        app.settings,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
    )


def cmd_status(app: App, args: argparse.Namespace) -> int:
    from catalogsync.present.status import stale_messages

    settings = app.settings
    report = api.status(app.ready(), settings, max_age=args.max_age)
    app.render(dataclasses.replace(report, verbose=args.verbose > 0), args)
    messages = stale_messages(report)
    for message in messages:
        print(notice_line(message, args.log_format), file=sys.stderr)
    return 1 if messages else 0


def cmd_runs_list(app: App, args: argparse.Namespace) -> int:
    db = app.ready()
    app.render(api.runs(db, app.provider_name(args.provider), args.limit), args)
    return 0


def cmd_runs_show(app: App, args: argparse.Namespace) -> int:
    detail = api.run(app.ready(), args.run_id, require_payload=args.raw)
    if args.raw:
        from catalogsync.present.runs import render_run_raw

        render_run_raw(detail, app.out)
    else:
        app.render(detail, args)
    return 0
