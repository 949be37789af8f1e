"""Renderers of the net price changes over a period (``report prices --summary``).

One row per price point: its amount before the period's first change, after the last,
the net change and how many changes there were. Table, JSON, JSON lines, CSV, Markdown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, TYPE_CHECKING

from rich.table import Table

from catalogsync.codec import canonical_decimal
from catalogsync.keys import price_unit, price_words
from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.present.prices import report_notes
from catalogsync.present.tabular import write_csv, write_jsonl
from catalogsync.reports import SUMMARY_COLUMNS
from catalogsync.text import markdown_cell, printable

if TYPE_CHECKING:
    from catalogsync.reports import PriceNet
    from catalogsync.results import PriceSummary

HEADER = ("provider", "model", "price", "unit", "from", "to", "net", "net %", "changes", "last")
"""The columns for people (table and Markdown)."""
FIRST_NUMBER = 4  # columns from here on are right-aligned


def render_summary_json(summary: PriceSummary, out: IO[str]) -> None:
    """A JSON list, one object per price point (``reports.SUMMARY_COLUMNS``)."""
    write_json([n.record() for n in summary.rows], out)


def render_summary_jsonl(summary: PriceSummary, out: IO[str]) -> None:
    """One JSON object per price point and line."""
    write_jsonl((n.record() for n in summary.rows), out)


def render_summary_csv(summary: PriceSummary, out: IO[str]) -> None:
    """CSV with a header row; amounts exact, times ISO 8601."""
    write_csv((n.record() for n in summary.rows), out, SUMMARY_COLUMNS)


def summary_cells(net: PriceNet) -> tuple[str, ...]:
    """One price point as the texts under ``HEADER``."""
    delta, percent = net.absolute_change, net.percent_change
    return (
        net.provider,
        net.model_id,
        " ".join(price_words(net.key)),
        price_unit(net.key),
        _amount(net.old_amount, net.first_change == "added"),
        _amount(net.new_amount, net.last_change == "removed"),
        "" if delta is None else ("+" if delta > 0 else "") + canonical_decimal(delta),
        "" if percent is None else f"{percent:+}%",
        str(net.moves),
        net.last_changed_at.strftime("%Y-%m-%d %H:%M"),
    )


def _amount(amount: Decimal | None, absent: bool) -> str:
    """An amount, ``-`` where there was no price, ``variable`` for a router's price."""
    if absent:
        return "-"
    return "variable" if amount is None else canonical_decimal(amount)


def headline(summary: PriceSummary) -> str:
    """``4 price points changed in 3 models`` (or ``no price changes``)."""
    rows = summary.rows
    if not rows:
        return "no price changes"
    models = len({(n.provider, n.model_id) for n in rows})
    return f"{len(rows)} price points changed in {models} models"


def render_summary_table(summary: PriceSummary, out: IO[str]) -> None:
    """A terminal table; net rises red, net drops green."""
    heading = text(f"{summary.title} ({summary.period}): {headline(summary)}")
    notes = report_notes(summary)
    if notes:
        heading.append("\n" + printable(f"({'; '.join(notes)})"))
    table = Table(title=heading, title_justify="left")
    for index, name in enumerate(HEADER):
        table.add_column(name, justify="right" if index >= FIRST_NUMBER else "left")
    for net in summary.rows:
        delta = net.absolute_change
        style = "" if not delta else ("red" if delta > 0 else "green")
        cells = list(summary_cells(net))
        add_row(table, *cells[:6], text(cells[6], style), text(cells[7], style), *cells[8:])
    write_rich(out, table)


def render_summary_markdown(summary: PriceSummary, out: IO[str]) -> None:
    """A heading (title and period), the headline, then a pipe table."""
    lines = [f"# {markdown_cell(summary.title)} ({summary.period})", "", headline(summary), ""]
    notes = report_notes(summary)
    lines += [f"_{markdown_cell('; '.join(notes))}_", ""] if notes else []
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append(
        "|" + "|".join("---:" if i >= FIRST_NUMBER else "---" for i in range(len(HEADER))) + "|"
    )
    for net in summary.rows:
        lines.append("| " + " | ".join(markdown_cell(c) for c in summary_cells(net)) + " |")
    out.write("\n".join(lines) + "\n")
