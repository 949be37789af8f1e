"""``catalogsync report prices``: its options, and the handler that passes them on.

The library (``catalogsync.reports``, through ``api.price_report`` and
``api.price_summary``) does the filtering and sorting; this module only parses the
options and picks the output format.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from catalogsync import api
from catalogsync.errors import ConfigError
from catalogsync.logs import notice_line
from catalogsync.present.registry import (
    EXTENSIONS,
    HISTORY_FORMATS,
    choose_format,
    format_names,
    render,
)
from catalogsync.reports import CHANGE_KINDS, SORTS
from catalogsync.results import PriceReport, PriceSummary

if TYPE_CHECKING:
    from catalogsync.cli.commands import App

EPILOG = """\
Times (--since, --until) are ISO 8601 (UTC unless an offset is given; a date alone for
--until means that whole day), @<unix seconds>, or a time ago: 30d, 12w, 36h, 90m.

A provider's first stored version lists every price it had as "added": those rows are
left out unless --include-first-version is given (the header says how many were).
--min-pct leaves out moves smaller than N percent either way; rows without a percent
(a price added or removed, a move from 0 or from a variable price) are kept unless
--change leaves their kind out. --sort percent|absolute puts the largest move first
(either way); rows without one come last, in time order.

--summary nets each price point over the period instead: its amount before the first
change, after the last, the net change and the number of changes (--min-pct then
applies to the net move).

  catalogsync report prices --since 30d --change changed --sort percent --min-pct 5
  catalogsync report prices --since 12w --summary --format csv --output net.csv
"""


def parse_changes(text: str) -> tuple[str, ...]:
    """``--change``: a comma list of ``added``, ``changed``, ``removed``."""
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    wrong = [kind for kind in kinds if kind not in CHANGE_KINDS]
    if wrong or not kinds:
        raise argparse.ArgumentTypeError(
            f"not a list of kinds of change: {text!r} (use a comma list of "
            f"{', '.join(CHANGE_KINDS)})"
        )
    return kinds


def parse_percent(text: str) -> Decimal:
    """``--min-pct``: a percentage of 0 or more (``5``, ``2.5``)."""
    try:
        value = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or len(text) > 40:
        raise argparse.ArgumentTypeError(f"not a percentage of 0 or more: {text!r}")
    return value


def register(commands: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Declare ``report`` and its ``prices`` report under ``commands``."""
    from catalogsync.cli.parser import parse_timestamp

    report = commands.add_parser("report", help="reports", description="Reports for analysts.")
    reports = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    prices = add(
        reports,
        "prices",
        cmd_report_prices,
        "every price change in a period, with old and new amounts",
    )
    # Before any epilog the command line gives every command (examples, exit codes).
    prices.epilog = EPILOG + ("\n" + prices.epilog if prices.epilog else "")
    prices.formatter_class = argparse.RawDescriptionHelpFormatter
    prices.add_argument("--provider", metavar="P", help="only this provider")
    prices.add_argument("--model", metavar="M", help="only this model id")
    prices.add_argument(
        "--since", type=parse_timestamp, metavar="T", help="changes at or after T (or 30d: ago)"
    )
    prices.add_argument(
        "--until",
        type=parse_timestamp,
        metavar="T",
        help="changes at or before T (a date alone: that whole day)",
    )
    prices.add_argument(
        "--change",
        type=parse_changes,
        metavar="KINDS",
        help="only these kinds of change, a comma list of added, changed, removed (default: all)",
    )
    prices.add_argument(
        "--include-first-version",
        action="store_true",
        help="keep each provider's first version (every price it had, as added)",
    )
    prices.add_argument(
        "--sort",
        choices=SORTS,
        default="time",
        help="time (oldest first, the default), or the largest percent/absolute move first",
    )
    prices.add_argument(
        "--min-pct",
        type=parse_percent,
        metavar="N",
        help="leave out moves smaller than N percent (rows without a percent are kept)",
    )
    prices.add_argument(
        "--summary",
        action="store_true",
        help="the net change of each price point over the period instead of every change",
    )
    prices.add_argument(
        "--format",
        choices=format_names(PriceReport),
        help="output format (default: table, or the one of --output's extension: "
        ".html, .json, .jsonl, .csv, .md); --summary has no html",
    )
    prices.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )


def cmd_report_prices(app: App, args: argparse.Namespace) -> int:
    kind = PriceSummary if args.summary else PriceReport
    wanted = args.format or (args.output and EXTENSIONS.get(PurePath(args.output).suffix.lower()))
    if wanted and wanted not in format_names(kind):
        raise ConfigError(f"report prices --summary has no {wanted} format")
    chosen = choose_format(kind, args.format, args.output)
    options: dict[str, Any] = {
        "provider": app.provider_name(args.provider),
        "model": args.model,
        "since": args.since,
        "until": args.until,
        "changes": args.change,
        "include_first_version": args.include_first_version,
        "min_pct": args.min_pct,
        "sort": args.sort,
    }
    db = app.ready()
    document: PriceReport | PriceSummary
    if args.summary:
        document = api.price_summary(db, **options)
    else:
        document = api.price_report(db, history=chosen in HISTORY_FORMATS, **options)
    if not args.output:
        render(document, chosen, app.out)
        return 0
    path = Path(args.output)
    try:
        with path.open("w", encoding="utf-8") as handle:
            render(document, chosen, handle)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    what = "net price changes" if args.summary else "price changes"
    wrote = f"wrote {len(document.rows)} {what} to {path}"
    json_logs = args.log_format == "json"
    print(notice_line(wrote, "json", "INFO") if json_logs else wrote, file=sys.stderr)
    return 0
