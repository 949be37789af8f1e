"""The command line's grammar: every command, its options, and the types of their values."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from catalogsync import __version__
from catalogsync.cli import config_check, notify, reports
from catalogsync.cli import help as help_texts
from catalogsync.cli.commands import (
    Handler,
    cmd_daemon,
    cmd_db_upgrade,
    cmd_demo,
    cmd_diff,
    cmd_import,
    cmd_models,
    cmd_rebuild,
    cmd_runs_list,
    cmd_runs_show,
    cmd_status,
    cmd_sync,
    cmd_versions,
)
from catalogsync.cli.costing import register as register_costing
from catalogsync.cli.serve import register as register_serve
from catalogsync.durations import is_relative, parse_duration, time_ago
from catalogsync.present.registry import DEFAULT, format_names
from catalogsync.results import (
    ModelList,
    RebuildReport,
    RunDetail,
    RunList,
    StatusReport,
    SyncReport,
    VersionDiff,
    VersionList,
)

MAX_ID = 2**63 - 1  # the largest id a database column holds
MAX_LIMIT = 1_000_000
MAX_VERSION = 2**31 - 1
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # exclusive: a day later must still be a time


def _whole_number(text: str, what: str, maximum: int) -> int:
    """A whole number from 1 to ``maximum``, else a clear usage error."""
    if not text.isdigit() or len(text) > len(str(maximum)) or not 1 <= int(text) <= maximum:
        raise argparse.ArgumentTypeError(
            f"not {what} (a whole number from 1 to {maximum}): {text!r}"
        )
    return int(text)


def parse_run_id(text: str) -> int:
    """A sync run id: a positive whole number."""
    return _whole_number(text, "a run id", MAX_ID)


def parse_limit(text: str) -> int:
    """``--limit``: a positive whole number."""
    return _whole_number(text, "a number of rows", MAX_LIMIT)


def parse_version(text: str) -> int:
    """A catalog version number (1, 2, 3... per provider)."""
    return _whole_number(text, "a version number", MAX_VERSION)


def parse_duration_option(text: str) -> timedelta:
    """``--max-age``: ``90s``, ``15m``, ``2h``, ``1d``..."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except OverflowError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} is too long") from None


def parse_port(text: str) -> int:
    """A TCP port number; 0 picks a free one."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 date or time (UTC when no offset is given), ``@<unix seconds>``, or a time
    ago: ``30d``, ``12w``, ``36h``, ``90m`` (now minus that)."""
    try:
        if is_relative(text):
            value = time_ago(text, datetime.now(UTC))
        elif text.startswith("@"):
            value = datetime.fromtimestamp(float(text[1:]), UTC)
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        value = None
    if value is None or not EARLIEST <= value < LATEST:
        raise argparse.ArgumentTypeError(
            f"not a timestamp: {text!r} (use ISO 8601 between 1970 and 9998, "
            "e.g. 2026-01-31T12:00:00Z, or a time ago: 30d, 12w, 36h)"
        )
    return value


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


def _format_option(parser: argparse.ArgumentParser, kind: type) -> None:
    """``--format``, its choices those of the registry for documents of ``kind``."""
    parser.add_argument(
        "--format", choices=format_names(kind), default=DEFAULT, help="output format"
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
        help_texts.attach(command)  # examples, environment, exit codes (cli/help.py)
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
    _format_option(sync, SyncReport)

    imp = add(
        commands,
        "import",
        cmd_import,
        "store a saved catalog payload as if it had been fetched then",
    )
    imp.add_argument(
        "provider", metavar="PROVIDER", help="a configured provider (an instance's name)"
    )
    imp.add_argument("file", metavar="FILE", help="the saved payload ('-' for standard input)")
    imp.add_argument(
        "--observed-at",
        type=parse_timestamp,
        metavar="TIMESTAMP",
        help="when the payload was fetched (ISO 8601, UTC unless an offset is given, or a time "
        "ago: 2h, 30d; default: now)",
    )
    imp.add_argument("--allow-mass-removal", action="store_true", help="as for sync")
    imp.add_argument(
        "--allow-future",
        action="store_true",
        help="accept an --observed-at more than 5 minutes ahead of this machine's clock",
    )
    _format_option(imp, SyncReport)

    rebuild = add(
        commands,
        "rebuild",
        cmd_rebuild,
        "re-parse every stored payload with today's adapters and rebuild the history "
        "(version numbers and observed times kept)",
    )
    rebuild.add_argument(
        "providers",
        nargs="*",
        metavar="PROVIDER",
        help="providers to rebuild (default: every configured one with stored versions)",
    )
    rebuild.add_argument(
        "--dry-run",
        action="store_true",
        help="do the whole rebuild, report what would change, and keep nothing",
    )
    _format_option(rebuild, RebuildReport)

    versions = add(commands, "versions", cmd_versions, "list catalog versions")
    versions.add_argument("provider", nargs="?", metavar="PROVIDER")
    _format_option(versions, VersionList)

    models = add(
        commands, "models", cmd_models, "list the current catalog, or the one of a past moment"
    )
    models.add_argument("provider", nargs="?", metavar="PROVIDER")
    models.add_argument(
        "--as-of",
        type=parse_timestamp,
        metavar="TIMESTAMP",
        help="the catalog as it stood then (ISO 8601, UTC unless an offset is given, or a time "
        "ago: 36h, 30d)",
    )
    _format_option(models, ModelList)

    diff = add(
        commands,
        "diff",
        cmd_diff,
        "what changed between two catalog versions (default: the last two)",
    )
    diff.add_argument("provider", metavar="PROVIDER")
    diff.add_argument(
        "--from", dest="from_version", type=parse_version, metavar="N", help="older version"
    )
    diff.add_argument(
        "--to",
        dest="to_version",
        type=parse_version,
        metavar="M",
        help="newer version (default: newest)",
    )
    diff.add_argument(
        "--at",
        action="append",
        type=parse_timestamp,
        metavar="T",
        help="by time instead: the versions in effect at T (given twice: at each; once: at T "
        "and now)",
    )
    _format_option(diff, VersionDiff)

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
    _format_option(status, StatusReport)

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
    _format_option(runs_list, RunList)
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
    _format_option(runs_show, RunDetail)
    from catalogsync.cli import runs_prune  # here: it takes this module's value types

    runs_prune.register(runs_commands, add)
    reports.register(commands, add)
    register_costing(commands, add)
    config_check.register(commands, add)
    notify.register(commands, add)
    register_serve(commands, add)
    return parser
