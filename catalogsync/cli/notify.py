"""``catalogsync notify list|retry|test`` and ``catalogsync feed``: change events delivered."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from catalogsync import api
from catalogsync.cli.commands import App, Handler
from catalogsync.errors import ConfigError
from catalogsync.logs import notice_line
from catalogsync.notify.results import ChannelTest, DeliveryList, DeliveryReport
from catalogsync.present.registry import DEFAULT, format_names

Add = Any  # build_parser's ``add(sub, name, handler, help) -> ArgumentParser``


def cmd_notify_list(app: App, args: argparse.Namespace) -> int:
    app.render(api.deliveries(app.ready(), app.settings, args.status, args.limit), args)
    return 0


def cmd_notify_retry(app: App, args: argparse.Namespace) -> int:
    report = api.retry_deliveries(app.ready(), app.settings, args.ids)
    app.render(report, args)
    return 0 if report.count("failed") == 0 and report.count("retrying") == 0 else 1


def cmd_notify_test(app: App, args: argparse.Namespace) -> int:
    result = api.send_test(app.settings, args.channel)
    app.render(result, args)
    return 0 if result.ok else 1


def cmd_feed(app: App, args: argparse.Namespace) -> int:
    provider = app.provider_name(args.provider)
    document = api.feed(app.ready(), provider, args.since, args.limit)
    if not args.output:
        app.out.write(document)
        return 0
    path = Path(args.output)
    try:
        path.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    print(notice_line(f"wrote the feed to {path}", args.log_format, "INFO"), file=sys.stderr)
    return 0


def _format(parser: argparse.ArgumentParser, kind: type) -> None:
    parser.add_argument(
        "--format", choices=format_names(kind), default=DEFAULT, help="output format"
    )


def register(commands: Any, add: Add) -> None:
    """Declare ``notify`` and ``feed`` on the command line."""
    from catalogsync.cli.parser import parse_limit, parse_timestamp

    handler: Handler
    notify = commands.add_parser(
        "notify",
        help="deliveries of change events to the configured channels",
        description="Deliveries of change events to the configured channels ([notify.NAME]).",
    )
    sub = notify.add_subparsers(dest="notify_command", required=True, metavar="COMMAND")
    handler = cmd_notify_list
    listing = add(sub, "list", handler, "list deliveries, newest first")
    listing.add_argument("--status", choices=("pending", "failed", "delivered"))
    listing.add_argument(
        "--limit", type=parse_limit, default=100, metavar="N", help="at most N (default 100)"
    )
    _format(listing, DeliveryList)
    retry = add(
        sub,
        "retry",
        cmd_notify_retry,
        "put failed deliveries (those named, or all) back to pending and send them now",
    )
    retry.add_argument("ids", nargs="*", metavar="ID", help="delivery ids (default: all failed)")
    _format(retry, DeliveryReport)
    test = add(sub, "test", cmd_notify_test, "send a channel a signed sample; show its answer")
    test.add_argument("channel", metavar="NAME", help="a channel of the configuration")
    _format(test, ChannelTest)

    feed = add(commands, "feed", cmd_feed, "an Atom 1.0 feed of change events, newest first")
    feed.add_argument("--provider", metavar="P", help="only this provider's changes")
    feed.add_argument(
        "--since", type=parse_timestamp, metavar="T", help="only versions observed at or after T"
    )
    feed.add_argument(
        "--limit", type=parse_limit, default=50, metavar="N", help="at most N entries (default 50)"
    )
    feed.add_argument("--output", metavar="FILE", help="write the feed to FILE instead of stdout")
