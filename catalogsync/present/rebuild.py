"""Renderers of a rebuild (or a dry run): per provider, what it did or would do to the history."""

from __future__ import annotations

import dataclasses
from typing import IO, Any

from rich.table import Table

from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.results import RebuildOutcome, RebuildReport

STYLES = {
    "rebuilt": "green",
    "would rebuild": "green",
    "unchanged": "cyan",
    "failed": "bold red",
    "skipped": "yellow",
}
HASH_PREFIX = 12  # characters of a content hash a table shows (JSON has them whole)


def rebuild_dict(outcome: RebuildOutcome) -> dict[str, Any]:
    """A provider's rebuild as JSON data."""
    data = dataclasses.asdict(outcome)
    data["changed"] = [dataclasses.asdict(change) for change in outcome.changed]
    data["seconds"] = round(outcome.seconds, 3)
    return data


def render_rebuild_json(report: RebuildReport, out: IO[str]) -> None:
    """``{"dry_run": ..., "providers": [...]}``, one entry per provider."""
    write_json(
        {"dry_run": report.dry_run, "providers": [rebuild_dict(o) for o in report.outcomes]}, out
    )


def render_rebuild_table(report: RebuildReport, out: IO[str]) -> None:
    """One row per provider, then the versions whose content hash changes."""
    title = "rebuild (dry run: nothing was changed)" if report.dry_run else "rebuild"
    summary = Table(title=title, title_justify="left")
    for column in ("provider", "status", "versions", "new hashes", "from version"):
        summary.add_column(column, justify="left" if column in ("provider", "status") else "right")
    summary.add_column("rows +added", justify="right")
    summary.add_column("rows -removed", justify="right")
    summary.add_column("seconds", justify="right")
    summary.add_column("note")
    for o in report.outcomes:
        add_row(
            summary,
            o.provider,
            text(o.status, STYLES.get(o.status, "")),
            str(o.versions),
            str(len(o.changed)),
            "" if o.replayed_from is None else str(o.replayed_from),
            str(o.rows_added),
            str(o.rows_removed),
            f"{o.seconds:.2f}",
            o.error or "",
        )
    renderables: list[Any] = [summary]
    changes = [(o.provider, c) for o in report.outcomes for c in o.changed]
    if changes:
        hashes = Table(title="content hashes", title_justify="left")
        for column in ("provider", "version", "stored", "today"):
            hashes.add_column(column, justify="right" if column == "version" else "left")
        for provider, change in changes:
            add_row(
                hashes,
                provider,
                str(change.version),
                change.old_hash[:HASH_PREFIX],
                change.new_hash[:HASH_PREFIX],
            )
        renderables.append(hashes)
    write_rich(out, *renderables)
