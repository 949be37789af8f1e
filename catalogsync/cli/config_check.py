"""``catalogsync config check``: validate the whole configuration, say what it configures.

Every command loads the configuration the same way (``api.load_configuration``) and
stops at its first problem; this one lists them all, one a line, each naming the file,
the section and the key, and exits 2; on success it prints what is configured (each
provider enabled, disabled or skipped, and why), without a secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from catalogsync import api
from catalogsync.cli.commands import App
from catalogsync.errors import InvalidConfigError
from catalogsync.logs import error_line
from catalogsync.present.registry import DEFAULT, format_names
from catalogsync.results import ConfigSummary


def cmd_config_check(app: App, args: argparse.Namespace) -> int:
    try:
        settings = app.settings
    except InvalidConfigError as exc:
        for problem in exc.problems:
            print(error_line("error", problem, args.log_format), file=sys.stderr)
        return 2
    app.render(api.summarize_configuration(settings, os.environ), args)
    return 0


def register(commands: Any, add: Any) -> None:
    """``config check``."""
    config = commands.add_parser(
        "config", help="check the configuration", description="Check the configuration."
    )
    sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = add(
        sub,
        "check",
        cmd_config_check,
        "validate every section and key of the configuration; exit 2 naming each problem",
    )
    check.set_defaults(reports_config_itself=True)  # every problem, not only the first
    check.add_argument(
        "--format", choices=format_names(ConfigSummary), default=DEFAULT, help="output format"
    )
