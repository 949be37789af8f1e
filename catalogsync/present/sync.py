"""Renderers of what changes the database: a sync or import, a schema upgrade, the demo."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping, Sequence
from typing import IO, Any

from rich.table import Table

from catalogsync.present.catalogs import models_table
from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.results import DemoResult, SchemaUpgrade, SyncOutcome, SyncReport

STYLES = {"succeeded": "green", "unchanged": "cyan", "failed": "bold red", "skipped": "yellow"}


def outcome_dict(outcome: SyncOutcome) -> dict[str, Any]:
    """A sync outcome as JSON data."""
    data = dataclasses.asdict(outcome)
    data["seconds"] = round(outcome.seconds, 3)
    return data


def outcomes_table(outcomes: Sequence[SyncOutcome]) -> Table:
    """The summary of a sync, one row per provider."""
    table = Table(title="sync", title_justify="left")
    for column in (
        "provider",
        "status",
        "version",
        "models",
        "+added",
        "-removed",
        "~changed",
        "price changes",
        "seconds",
        "note",
    ):
        table.add_column(
            column,
            justify="right"
            if column[0] in "+-~vmsp" and column not in ("provider", "status")
            else "left",
        )
    for o in outcomes:
        add_row(
            table,
            o.provider,
            text(o.status, STYLES.get(o.status, "")),
            _text(o.version),
            _text(o.model_count),
            str(o.added),
            str(o.removed),
            str(o.changed),
            str(o.prices_changed),
            f"{o.seconds:.2f}",
            o.error or "",
        )
    return table


def counts_table(counts: Mapping[str, int]) -> Table:
    """Row counts per table."""
    table = Table(title="tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        add_row(table, name, str(count))
    return table


def render_sync_json(report: SyncReport, out: IO[str]) -> None:
    """A JSON list of outcomes, one per provider."""
    write_json([outcome_dict(o) for o in report.outcomes], out)


def render_sync_table(report: SyncReport, out: IO[str]) -> None:
    """The outcomes as a table."""
    write_rich(out, outcomes_table(report.outcomes))


def render_upgrade(upgrade: SchemaUpgrade, out: IO[str]) -> None:
    """One line: upgraded from what to what, or already current."""
    if upgrade.before == upgrade.after:
        print(f"database {upgrade.url} is already at revision {upgrade.after}", file=out)
    else:
        before = upgrade.before or "empty"
        print(f"database {upgrade.url} upgraded from {before} to {upgrade.after}", file=out)


def render_demo(demo: DemoResult, out: IO[str]) -> None:
    """The demo's sync, the tables' row counts, the models, and where the database is."""
    write_rich(
        out,
        outcomes_table(demo.sync.outcomes),
        counts_table(demo.counts),
        models_table(demo.catalogs, "current models"),
        *(text(line) for line in next_steps(demo.url)),
    )


def next_steps(url: str) -> list[str]:
    """How to point the other commands (and SQL) at the demo's database ``url``."""
    lines = [
        f"The demo database is {url}. Point the other commands at it:",
        "",
        f"  export CATALOGSYNC_DATABASE_URL={shlex.quote(url)}",
        "  catalogsync versions",
        "  catalogsync models akool",
        "  catalogsync report prices",
        "  catalogsync status",
    ]
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = shlex.quote(url.removeprefix("sqlite:///"))
        lines += [
            "",
            "or query it with SQL (docs/analysts.md describes the tables and views):",
            "",
            f"  sqlite3 {path} 'SELECT provider, model_id, price_type, variant, amount, unit "
            "FROM current_prices LIMIT 20'",
        ]
    return lines


def _text(value: object) -> str:
    return "" if value is None else str(value)
