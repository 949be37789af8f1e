"""The ``catalogsync`` command: parse arguments, call the library, print, pick the exit code.

Exit codes: 0 success; 1 at least one provider failed, or the database failed;
2 usage or configuration error (including a database that needs ``db upgrade``).
Data goes to stdout (one JSON document with ``--format json``), logs to stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from catalogsync import __version__
from catalogsync.config import Settings, find_config_file, load_settings
from catalogsync.db.migrate import require_current_schema, upgrade
from catalogsync.db.session import make_engine, reading
from catalogsync.errors import CatalogSyncError, ConfigError, NotFoundError, SchemaNotReadyError
from catalogsync.logs import configure_logging
from catalogsync.providers import default_base_urls
from catalogsync.queries import (
    VersionRow,
    changed_model_ids,
    list_versions,
    load_catalog,
    table_counts,
    version_as_of,
)
from catalogsync.render import (
    console,
    counts_table,
    model_dict,
    models_table,
    outcome_dict,
    outcomes_table,
    print_json,
    version_dict,
    versions_table,
)
from catalogsync.sync import SyncOutcome, import_payload, sync_providers

DEMO_DATABASE_URL = "sqlite:///catalogsync-demo.db"

Handler = Callable[["App", argparse.Namespace], int]


class App:
    """What a command needs, built lazily from the global options."""

    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        self.args = args
        self.out = out

    @cached_property
    def settings(self) -> Settings:
        path = find_config_file(self.args.config, os.environ, Path.cwd())
        return load_settings(path, os.environ, default_base_urls())

    @cached_property
    def engine(self) -> Engine:
        url = self.args.database_url or self.settings.database_url
        return make_engine(url)

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def provider_name(self, name: str | None) -> str | None:
        """``name`` if it is an installed provider (or ``None``); else a ``ConfigError``."""
        if name is not None and name not in self.settings.providers:
            known = ", ".join(self.settings.providers)
            raise ConfigError(f"unknown provider {name!r}; installed: {known}")
        return name

    def ready_engine(self) -> Engine:
        """The engine, after checking that the schema is current."""
        require_current_schema(self.engine)
        return self.engine


def cmd_db_upgrade(app: App, args: argparse.Namespace) -> int:
    before, after = upgrade(app.engine)
    url = app.engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"database {url} is already at revision {after}", file=app.out)
    else:
        print(f"database {url} upgraded from {before or 'empty'} to {after}", file=app.out)
    return 0


def cmd_sync(app: App, args: argparse.Namespace) -> int:
    outcomes = sync_providers(
        app.ready_engine(), app.settings, args.providers, allow_mass_removal=args.allow_mass_removal
    )
    return _print_outcomes(app, args, outcomes)


def cmd_import(app: App, args: argparse.Namespace) -> int:
    if args.file == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            raw = Path(args.file).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {args.file}: {exc.strerror}") from None
    observed_at = args.observed_at or datetime.now(UTC)
    outcome = import_payload(
        app.ready_engine(),
        app.settings,
        args.provider,
        raw,
        observed_at,
        allow_mass_removal=args.allow_mass_removal,
    )
    return _print_outcomes(app, args, [outcome])


def cmd_versions(app: App, args: argparse.Namespace) -> int:
    with reading(app.ready_engine()) as conn:
        rows = list_versions(conn, app.provider_name(args.provider))
    if args.format == "json":
        print_json([version_dict(r) for r in rows], app.out)
    else:
        console(app.out).print(versions_table(rows))
    return 0


def cmd_models(app: App, args: argparse.Namespace) -> int:
    engine = app.ready_engine()
    names = [args.provider] if app.provider_name(args.provider) else list(app.settings.providers)
    with reading(engine) as conn:
        if args.as_of is None:
            catalogs = [load_catalog(conn, name) for name in names]
        else:
            catalogs = [
                load_catalog(conn, name, version)
                for name in names
                if (version := version_as_of(conn, name, args.as_of)) is not None
            ]
    title = (
        "current models"
        if args.as_of is None
        else f"models as of {args.as_of:%Y-%m-%d %H:%M:%S} UTC"
    )
    if args.format == "json":
        print_json([model_dict(c.provider, m) for c in catalogs for m in c.models], app.out)
    else:
        console(app.out).print(models_table(catalogs, title))
    return 0


def cmd_diff(app: App, args: argparse.Namespace) -> int:
    # Reports are imported by the commands that print them: a sync from cron starts faster.
    from catalogsync.diff import diff_catalogs
    from catalogsync.reports.diffs import diff_document, diff_text

    provider = app.provider_name(args.provider)
    assert provider is not None
    with reading(app.ready_engine()) as conn:
        versions = {v.version: v for v in list_versions(conn, provider)}
        if not versions:
            raise NotFoundError(f"{provider} has no catalog versions yet: run `catalogsync sync`")
        to_number = args.to_version if args.to_version is not None else max(versions)
        from_number = args.from_version if args.from_version is not None else to_number - 1
        new = _version(versions, provider, to_number)
        old = _version(versions, provider, from_number) if from_number >= 1 else None
        # Only the models whose rows changed in between can differ: load just those.
        only = changed_model_ids(conn, old, new) if old else None
        diff = diff_catalogs(
            load_catalog(conn, provider, old, only=only) if old else None,
            load_catalog(conn, provider, new, only=only),
        )
    if args.format == "json":
        print_json(diff_document(provider, old, new, diff), app.out)
    else:
        console(app.out).print(diff_text(provider, old, new, diff))
    return 0


def _version(versions: dict[int, VersionRow], provider: str, number: int) -> VersionRow:
    try:
        return versions[number]
    except KeyError:
        raise NotFoundError(
            f"{provider} has no version {number}; it has versions 1 to {max(versions)}"
        ) from None


def cmd_report_prices(app: App, args: argparse.Namespace) -> int:
    from catalogsync.reports.formats import (
        render_csv,
        render_json,
        render_markdown,
        render_table,
    )
    from catalogsync.reports.html import render_html
    from catalogsync.reports.prices import price_series, query_price_changes

    provider = app.provider_name(args.provider)
    until = _end_of_day(args.until)
    with reading(app.ready_engine()) as conn:
        rows = query_price_changes(
            conn, provider=provider, model=args.model, since=args.since, until=until
        )
        series = (
            price_series(conn, list(dict.fromkeys((r.provider, r.model_id) for r in rows)))
            if args.format == "html"
            else {}
        )
    title = (
        "Price changes"
        + (f": {provider}" if provider else "")
        + (f" / {args.model}" if args.model else "")
    )
    period = _period_text(args.since, until)
    text = None
    if args.format == "json":
        text = render_json(rows)
    elif args.format == "csv":
        text = render_csv(rows)
    elif args.format == "markdown":
        text = render_markdown(rows, f"{title} ({period})")
    elif args.format == "html":
        text = render_html(rows, series, title=title, generated_at=datetime.now(UTC), period=period)
    if args.output:
        path = Path(args.output)
        try:
            if text is None:
                with path.open("w", encoding="utf-8") as handle:
                    Console(file=handle, width=160).print(render_table(rows, title))
            else:
                path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
        print(f"wrote {len(rows)} price changes to {path}", file=sys.stderr)
    elif text is None:
        console(app.out).print(render_table(rows, title))
    else:
        app.out.write(text)
    return 0


def _end_of_day(until: datetime | None) -> datetime | None:
    """``--until 2026-06-30`` means the whole of that day."""
    if until is not None and until == until.replace(hour=0, minute=0, second=0, microsecond=0):
        return until + timedelta(days=1) - timedelta(microseconds=1)
    return until


def _period_text(since: datetime | None, until: datetime | None) -> str:
    start = f"{since:%Y-%m-%d %H:%M}" if since else "the first version"
    end = f"{until:%Y-%m-%d %H:%M}" if until else "now"
    return f"from {start} to {end} (UTC)"


def cmd_demo(app: App, args: argparse.Namespace) -> int:
    engine = make_engine(args.database_url or DEMO_DATABASE_URL)
    try:
        return _demo(app, engine)
    finally:
        engine.dispose()


def _demo(app: App, engine: Engine) -> int:
    from catalogsync.samples import sample_transport

    upgrade(engine)
    outcomes = sync_providers(
        engine, app.settings, (), transport=sample_transport(), require_keys=False, trigger="demo"
    )
    out = console(app.out)
    out.print(outcomes_table(outcomes))
    with reading(engine) as conn:
        out.print(counts_table(table_counts(conn)))
        out.print(
            models_table([load_catalog(conn, o.provider) for o in outcomes], "current models")
        )
    url = engine.url.render_as_string(hide_password=True)
    out.print(f"The demo database is {url}: query it with SQL, e.g. SELECT * FROM current_prices;")
    return 0 if all(o.ok for o in outcomes) else 1


def _print_outcomes(app: App, args: argparse.Namespace, outcomes: Sequence[SyncOutcome]) -> int:
    if args.format == "json":
        print_json([outcome_dict(o) for o in outcomes], app.out)
    else:
        console(app.out).print(outcomes_table(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def cmd_daemon(app: App, args: argparse.Namespace) -> int:
    from catalogsync.scheduler import run_daemon

    return run_daemon(
        app.ready_engine(),
        app.settings,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
    )


def cmd_status(app: App, args: argparse.Namespace) -> int:
    from catalogsync.status import provider_statuses, stale_message, status_dict, status_table

    enabled = {name: p.enabled for name, p in app.settings.providers.items()}
    with reading(app.ready_engine()) as conn:
        statuses = provider_statuses(conn, enabled)
    now = datetime.now(UTC)
    if args.format == "json":
        print_json([status_dict(s, now, args.max_age) for s in statuses], app.out)
    else:
        console(app.out).print(status_table(statuses, now, args.max_age))
    if args.max_age is None:
        return 0
    stale = [s for s in statuses if s.is_stale(args.max_age, now)]
    for status in stale:
        print(f"catalogsync: {stale_message(status, now, args.max_age)}", file=sys.stderr)
    return 1 if stale else 0


def cmd_runs_list(app: App, args: argparse.Namespace) -> int:
    from catalogsync.runs_view import list_runs, run_dict, runs_table

    with reading(app.ready_engine()) as conn:
        runs = list_runs(conn, app.provider_name(args.provider), args.limit)
    if args.format == "json":
        print_json([run_dict(r) for r in runs], app.out)
    else:
        console(app.out).print(runs_table(runs))
    return 0


def cmd_runs_show(app: App, args: argparse.Namespace) -> int:
    from catalogsync.runs_view import find_run, payload_dict, run_dict, run_payload, run_table

    with reading(app.ready_engine()) as conn:
        run = find_run(conn, args.run_id)
        if run is None:
            raise NotFoundError(f"there is no sync run {args.run_id}")
        payload = run_payload(conn, run)
    if args.raw:
        if payload is None:
            raise NotFoundError(f"sync run {run.id} kept no payload (nothing arrived)")
        _write_bytes(app.out, payload.data)
    elif args.format == "json":
        print_json(run_dict(run) | payload_dict(payload), app.out)
    else:
        console(app.out).print(run_table(run))
        if payload is None:
            print("no payload was kept (nothing arrived)", file=app.out)
        else:
            where = "this run" if payload.source == "run" else f"catalog {payload.source}"
            print(f"payload ({len(payload.data)} bytes, kept with {where}):", file=app.out)
            try:
                text = payload.data.decode("utf-8")
            except UnicodeDecodeError:
                text = "(not UTF-8 text: see it with --raw)"
            print(text, file=app.out)
    return 0


def _write_bytes(out: IO[str], data: bytes) -> None:
    """Bytes as they are: to the binary stream under ``out`` when there is one."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode("utf-8", "surrogateescape"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def parse_run_id(text: str) -> int:
    """A sync run id: a positive whole number."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a run id: {text!r}")
    return int(text)


def parse_limit(text: str) -> int:
    """``--limit``: a positive whole number."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def parse_duration_option(text: str) -> timedelta:
    """``--max-age``: ``90s``, ``15m``, ``2h``, ``1d``..."""
    from catalogsync.status import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_port(text: str) -> int:
    """A TCP port number; 0 picks a free one."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 date or time (UTC when no offset is given), or ``@<unix seconds>``."""
    try:
        if text.startswith("@"):
            return datetime.fromtimestamp(float(text[1:]), UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a timestamp: {text!r} (use ISO 8601, e.g. 2026-01-31T12:00:00Z)"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On subcommands the defaults are SUPPRESS, so an option given before the command
    # name is not reset by the subparser: both `catalogsync --config c.toml sync` and
    # `catalogsync sync --config c.toml` work.
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config", metavar="PATH", default=default, help="configuration file (TOML)"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=default,
        help="database URL, overriding the configuration",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if top else argparse.SUPPRESS,
        help="more logging",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="warnings only",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text" if top else argparse.SUPPRESS,
        help="log lines for people (text, the default) or log shippers (json, one object a line)",
    )


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="catalogsync",
        description="Pull AI and media model catalogs into normalized, versioned tables.",
    )
    parser.add_argument("--version", action="version", version=f"catalogsync {__version__}")
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, top=False)

    def add(sub: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = sub.add_parser(
            name, parents=[common], help=help_text, description=help_text
        )
        command.set_defaults(handler=handler)
        return command

    db = commands.add_parser(
        "db", help="manage the database schema", description="Manage the database schema."
    )
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    add(
        db_commands,
        "upgrade",
        cmd_db_upgrade,
        "create or migrate the database to the newest schema",
    )

    sync = add(commands, "sync", cmd_sync, "pull each enabled provider (or those named) once")
    sync.add_argument(
        "providers", nargs="*", metavar="PROVIDER", help="providers to sync (default: all enabled)"
    )
    sync.add_argument(
        "--allow-mass-removal",
        action="store_true",
        help="store a catalog even if it removes more than the allowed share of current models",
    )
    _format_option(sync)

    imp = add(
        commands,
        "import",
        cmd_import,
        "store a saved catalog payload as if it had been fetched then",
    )
    imp.add_argument("provider", metavar="PROVIDER")
    imp.add_argument("file", metavar="FILE", help="the saved payload ('-' for standard input)")
    imp.add_argument(
        "--observed-at",
        type=parse_timestamp,
        metavar="TIMESTAMP",
        help="when the payload was fetched (ISO 8601, UTC unless an offset is given; default: now)",
    )
    imp.add_argument("--allow-mass-removal", action="store_true", help="as for sync")
    _format_option(imp)

    versions = add(commands, "versions", cmd_versions, "list catalog versions")
    versions.add_argument("provider", nargs="?", metavar="PROVIDER")
    _format_option(versions)

    models = add(
        commands, "models", cmd_models, "list the current catalog, or the one of a past moment"
    )
    models.add_argument("provider", nargs="?", metavar="PROVIDER")
    models.add_argument(
        "--as-of",
        type=parse_timestamp,
        metavar="TIMESTAMP",
        help="the catalog as it stood then (ISO 8601, UTC unless an offset is given)",
    )
    _format_option(models)

    diff = add(
        commands,
        "diff",
        cmd_diff,
        "what changed between two catalog versions (default: the last two)",
    )
    diff.add_argument("provider", metavar="PROVIDER")
    diff.add_argument("--from", dest="from_version", type=int, metavar="N", help="older version")
    diff.add_argument(
        "--to", dest="to_version", type=int, metavar="M", help="newer version (default: newest)"
    )
    _format_option(diff)

    report = commands.add_parser("report", help="reports", description="Reports for analysts.")
    reports = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    prices = add(
        reports,
        "prices",
        cmd_report_prices,
        "every price change in a period, with old and new amounts",
    )
    prices.add_argument("--provider", metavar="P", help="only this provider")
    prices.add_argument("--model", metavar="M", help="only this model id")
    prices.add_argument("--since", type=parse_timestamp, metavar="T", help="changes at or after T")
    prices.add_argument(
        "--until",
        type=parse_timestamp,
        metavar="T",
        help="changes at or before T (a date alone: that whole day)",
    )
    prices.add_argument(
        "--format",
        choices=("table", "json", "csv", "markdown", "html"),
        default="table",
        help="output format",
    )
    prices.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )

    add(
        commands,
        "demo",
        cmd_demo,
        "offline demo: sync the bundled sample payloads into a SQLite database and show the result",
    )
    daemon = add(
        commands,
        "daemon",
        cmd_daemon,
        "run the configured schedule until SIGTERM or SIGINT",
    )
    daemon.add_argument(
        "--metrics-port",
        type=parse_port,
        metavar="N",
        help="serve Prometheus metrics at http://HOST:N/metrics (default: [daemon] metrics_port)",
    )
    daemon.add_argument(
        "--metrics-host",
        metavar="H",
        help="address to serve metrics on (default: [daemon] metrics_host, else 0.0.0.0)",
    )

    status = add(
        commands,
        "status",
        cmd_status,
        "per provider: last success and failure, newest data, versions; alert on stale ones",
    )
    status.add_argument(
        "--max-age",
        type=parse_duration_option,
        metavar="DURATION",
        help="exit 1 when an enabled provider's last success is older (e.g. 90s, 2h, 1d)",
    )
    _format_option(status)

    runs = commands.add_parser(
        "runs",
        help="sync runs: how each attempt ended and what it received",
        description="Sync runs: how each attempt ended and what it received.",
    )
    runs_commands = runs.add_subparsers(dest="runs_command", required=True, metavar="COMMAND")
    runs_list = add(runs_commands, "list", cmd_runs_list, "list sync runs, newest first")
    runs_list.add_argument("provider", nargs="?", metavar="PROVIDER")
    runs_list.add_argument(
        "--limit", type=parse_limit, default=20, metavar="N", help="at most N runs (default 20)"
    )
    _format_option(runs_list)
    runs_show = add(
        runs_commands,
        "show",
        cmd_runs_show,
        "one run's fields and the payload it received (a failed run's own, or its version's)",
    )
    runs_show.add_argument("run_id", type=parse_run_id, metavar="ID")
    runs_show.add_argument(
        "--raw",
        action="store_true",
        help="print only the payload's bytes, as received (for piping to jq)",
    )
    _format_option(runs_show)
    return parser


def run() -> int:
    """The ``catalogsync`` command (and ``python -m catalogsync``): ``main``, then exit.

    ``gc.freeze()`` before the interpreter shuts down: its shutdown runs the cycle
    collector over every object still alive (SQLAlchemy's, psycopg's...), several times,
    which took 0.15 to 0.2 s of every command. Frozen objects are skipped; the process
    is ending, so nothing is lost. ``main`` itself leaves the collector alone: tests call
    it in a process that goes on.
    """
    code = main()
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
        print(f"catalogsync: error: {exc}", file=sys.stderr)
        return 2
    except CatalogSyncError as exc:
        print(f"catalogsync: error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        print(
            f"catalogsync: database error: {detail[0] if detail else type(exc).__name__}",
            file=sys.stderr,
        )
        return 1
    finally:
        app.close()
