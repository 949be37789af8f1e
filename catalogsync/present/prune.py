"""Renderers of ``runs prune``: per provider, the runs and failed payloads deleted."""

from __future__ import annotations

import dataclasses
from typing import IO

from rich.table import Table

from catalogsync.present.output import add_row, write_json, write_rich
from catalogsync.results import PruneReport


def render_prune_json(report: PruneReport, out: IO[str]) -> None:
    """``{"cutoff", "dry_run", "runs_deleted", "payloads_deleted", "providers": [...]}``."""
    write_json(
        {
            "cutoff": report.cutoff,
            "dry_run": report.dry_run,
            "runs_deleted": sum(p.runs_deleted for p in report.providers),
            "payloads_deleted": sum(p.payloads_deleted for p in report.providers),
            "providers": [dataclasses.asdict(p) for p in report.providers],
        },
        out,
    )


def render_prune_table(report: PruneReport, out: IO[str]) -> None:
    """One row per provider, a total, and what a dry run would have done."""
    cutoff = report.cutoff.strftime("%Y-%m-%d %H:%M:%SZ")
    title = f"runs begun before {cutoff}"
    if report.dry_run:
        title += " (dry run: nothing was deleted)"
    table = Table(title=title, title_justify="left")
    table.add_column("provider")
    table.add_column("status")
    verb = "would delete" if report.dry_run else "deleted"
    for column in (f"runs {verb}", "old runs kept", f"payloads {verb}"):
        table.add_column(column, justify="right")
    for p in report.providers:
        add_row(
            table,
            p.provider,
            p.status,
            str(p.runs_deleted),
            str(p.runs_kept),
            str(p.payloads_deleted),
        )
    add_row(
        table,
        "total",
        "",
        str(sum(p.runs_deleted for p in report.providers)),
        str(sum(p.runs_kept for p in report.providers)),
        str(sum(p.payloads_deleted for p in report.providers)),
    )
    write_rich(out, table)
