"""The costing commands: ``price`` (a model's prices at a time) and ``cost`` (reprice usage).

``cost`` exits 0 when every row was priced, 1 when any was not (after writing every row,
each unpriced one with its reason), 2 on a malformed usage log (``UsageFileError``, with
the line and the column; with ``--output``, nothing is left behind then).
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from catalogsync import api
from catalogsync.cli.commands import App
from catalogsync.costing.results import CostReport, PricesAt
from catalogsync.errors import ConfigError
from catalogsync.logs import notice_line
from catalogsync.present.registry import DEFAULT, choose_format, format_names, render

GROUPS = ("provider", "model", "day")


def cmd_price(app: App, args: argparse.Namespace) -> int:
    at = args.at or datetime.now(UTC)
    app.render(api.price_at(app.ready(), args.provider, args.model, at), args)
    return 0


def cmd_cost(app: App, args: argparse.Namespace) -> int:
    db = app.ready()
    chosen = choose_format(CostReport, args.format, args.output)
    with _usage_lines(args.usage) as (lines, kind):
        report = api.reprice(db, lines, kind, group_by=args.group_by, ignore=args.ignore_column)
        try:
            if args.output:
                _write_file(Path(args.output), lambda out: render(report, chosen, out))
            else:
                render(report, chosen, app.out)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"usage log {args.usage}: not UTF-8 text ({exc.reason})") from None
    totals = report.totals
    rows = "row" if totals.priced == 1 else "rows"
    said = f"priced {totals.priced} {rows}, {totals.unpriced} unpriced"
    print(notice_line(said, args.log_format, "INFO"), file=sys.stderr)
    return 0 if report.ok else 1


@contextmanager
def _usage_lines(name: str) -> Iterator[tuple[Iterator[str], str]]:
    """The lines of the usage log ``name`` (``-``: standard input) and its kind."""
    from catalogsync.costing.usage import detect_kind

    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        stream: IO[str] = (
            io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="") if buffer else sys.stdin
        )
    else:
        try:
            stream = Path(name).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}") from None
    try:
        try:
            first = stream.readline()
        except UnicodeDecodeError as exc:
            raise ConfigError(f"usage log {name}: not UTF-8 text ({exc.reason})") from None
        yield itertools.chain([first], stream), detect_kind(name, first)
    finally:
        if name != "-":
            stream.close()


def _write_file(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Write through a temporary file renamed into place: a malformed log leaves nothing."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            write(handle)
        partial.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def register(commands: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Declare ``price`` and ``cost`` among ``commands``."""
    from catalogsync.cli.parser import parse_timestamp

    price = add(
        commands,
        "price",
        cmd_price,
        "the price points of a model in effect at a time, with the version they come from",
    )
    price.add_argument("provider", metavar="PROVIDER")
    price.add_argument("model", metavar="MODEL")
    price.add_argument(
        "--at", type=parse_timestamp, metavar="T", help="ISO 8601 time, UTC (default: now)"
    )
    price.add_argument(
        "--format", choices=format_names(PricesAt), default=DEFAULT, help="output format"
    )

    cost = add(
        commands,
        "cost",
        cmd_cost,
        "reprice a usage log (CSV or JSON lines) at the prices in effect at each row's time",
    )
    cost.add_argument("usage", metavar="USAGE", help="the usage log ('-' for standard input)")
    cost.add_argument(
        "--format",
        choices=format_names(CostReport),
        help="output format (default: from --output's extension, else table)",
    )
    cost.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    cost.add_argument("--group-by", choices=GROUPS, help="also total per provider, model or day")
    cost.add_argument(
        "--ignore-column",
        action="append",
        default=[],
        metavar="NAME",
        help="a column that is not a quantity (an id, a user...); may be repeated",
    )
