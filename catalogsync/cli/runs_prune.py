"""``catalogsync runs prune``: delete old sync runs and the failed payloads only they kept."""

from __future__ import annotations

import argparse
from typing import Any

from catalogsync import api
from catalogsync.cli.commands import App
from catalogsync.cli.parser import parse_duration_option
from catalogsync.present.registry import DEFAULT, format_names
from catalogsync.results import PruneReport


def cmd_runs_prune(app: App, args: argparse.Namespace) -> int:
    app.render(api.prune_runs(app.ready(), args.older_than, dry_run=args.dry_run), args)
    return 0


def register(runs_commands: Any, add: Any) -> None:
    """Declare ``runs prune`` under the ``runs`` group."""
    prune: argparse.ArgumentParser = add(
        runs_commands,
        "prune",
        cmd_runs_prune,
        "delete runs begun before a cutoff, keeping every run that produced a version and "
        "each provider's latest run of each status, and failed payloads no run needs",
    )
    prune.add_argument(
        "--older-than",
        type=parse_duration_option,
        required=True,
        metavar="DURATION",
        help="delete runs begun longer ago than this (e.g. 90d, 12w, 36h)",
    )
    prune.add_argument(
        "--dry-run", action="store_true", help="say what would be deleted; delete nothing"
    )
    prune.add_argument(
        "--format", choices=format_names(PruneReport), default=DEFAULT, help="output format"
    )
