"""Renderers of a checked configuration: what it configures, never a secret."""

from __future__ import annotations

import dataclasses
from typing import IO

from rich.table import Table

from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.results import ConfigSummary


def render_config_json(summary: ConfigSummary, out: IO[str]) -> None:
    """One JSON object: ``path``, ``database_url``, ``providers`` (a list)."""
    write_json(dataclasses.asdict(summary), out)


def render_config_table(summary: ConfigSummary, out: IO[str]) -> None:
    """A line on the file and database, then one row per provider."""
    table = Table(title="providers", title_justify="left")
    for column in ("provider", "adapter", "state", "why", "schedule", "base URL"):
        table.add_column(column)
    for p in summary.providers:
        add_row(table, p.provider, p.adapter, p.state, p.reason, p.schedule, p.base_url)
    enabled = sum(p.state == "enabled" for p in summary.providers)
    write_rich(
        out,
        text(f"configuration {summary.path or '(no file: defaults and environment)'} is valid"),
        text(f"database {summary.database_url}"),
        text(f"{enabled} of {len(summary.providers)} providers will sync"),
        table,
    )
