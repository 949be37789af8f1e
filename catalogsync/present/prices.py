"""Renderers of the price-change report: JSON, JSON lines, CSV, Markdown and a terminal table.

The HTML page, with its charts, is in ``present.html``; it shares the cells built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from catalogsync.codec import canonical_decimal
from catalogsync.keys import price_unit, price_words
from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl
from catalogsync.reads.prices import REPORT_COLUMNS
from catalogsync.reports import CHANGE_KINDS
from catalogsync.text import markdown_cell, printable

if TYPE_CHECKING:
    from catalogsync.reads.prices import PriceChange
    from catalogsync.results import PriceReport, PriceSummary


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+}%"


def render_prices_json(report: PriceReport, out: IO[str]) -> None:
    """A JSON list of rows: the view's columns plus ``absolute_change`` and ``percent_change``."""
    write_json([r.record() for r in report.rows], out)


def render_prices_jsonl(report: PriceReport, out: IO[str]) -> None:
    """One JSON object per row and line: the items of the JSON list."""
    write_jsonl((r.record() for r in report.rows), out)


def render_prices_csv(report: PriceReport, out: IO[str]) -> None:
    """CSV with a header row; amounts exact, times ISO 8601."""
    write_csv((r.record() for r in report.rows), out, REPORT_COLUMNS)


def report_notes(report: PriceReport | PriceSummary) -> list[str]:
    """What the report left out and how it is ordered, for its header (nothing to say: [])."""
    chosen = report.filter
    if chosen is None:
        return []
    notes = []
    if not chosen.include_first_version and report.first_version_rows:
        rows = report.first_version_rows
        notes.append(
            f"first versions left out ({rows} row{'' if rows == 1 else 's'}): "
            "use --include-first-version"
        )
    if chosen.changes != CHANGE_KINDS:
        notes.append("only " + ", ".join(chosen.changes))
    if chosen.min_pct is not None:
        notes.append(f"moves under {canonical_decimal(chosen.min_pct)}% left out")
    if chosen.sort != "time":
        notes.append(f"largest {chosen.sort} move first")
    return notes


HEADER = ("changed at (UTC)", "provider", "model", "price", "unit", "old", "new", "change", "%")
"""The columns of the report for people (Markdown, terminal, HTML)."""
CHANGE_COLUMNS = (7, 8)  # the change and % cells, coloured by direction


def display_cells(row: PriceChange) -> tuple[str, ...]:
    """One report row as the texts under ``HEADER``."""
    return (
        row.changed_at.strftime("%Y-%m-%d %H:%M"),
        row.provider,
        row.model_id,
        price_label(row),
        price_unit(row.key),
        "" if row.change == "added" else _amount(row.old_amount),
        "" if row.change == "removed" else _amount(row.new_amount),
        change_text(row),
        _percent(row.percent_change),
    )


def _amount(amount: Decimal | None) -> str:
    """An amount a price had: exact, or ``variable`` (charged at what a router picks)."""
    return "variable" if amount is None else canonical_decimal(amount)


def direction(row: PriceChange) -> str:
    """``up``, ``down``, or ``""`` for a price that appeared, disappeared or stayed."""
    delta = row.absolute_change
    return "" if not delta else ("up" if delta > 0 else "down")


def render_prices_markdown(report: PriceReport, out: IO[str]) -> None:
    """A Markdown document: a heading (title and period), a one-line summary and a pipe table."""
    rows = report.rows
    lines = [f"# {markdown_cell(report.title)} ({report.period})", "", summary_line(rows), ""]
    notes = report_notes(report)
    lines += [f"_{markdown_cell('; '.join(notes))}_", ""] if notes else []
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "|".join("---" if i < 5 else "---:" for i in range(len(HEADER))) + "|")
    for row in rows:
        cells = display_cells(row)
        lines.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
    out.write("\n".join(lines) + "\n")


def render_prices_table(report: PriceReport, out: IO[str]) -> None:
    """A terminal table; rises red, drops green."""
    write_rich(out, prices_table(report.rows, report.title, report_notes(report)))


def prices_table(rows: Sequence[PriceChange], title: str, notes: Sequence[str] = ()) -> Table:
    """The rows under a title that sums them up (and says what was left out)."""
    heading = text(f"{title}: {summary_line(rows)}")
    if notes:
        heading.append("\n" + printable(f"({'; '.join(notes)})"))
    table = Table(title=heading, title_justify="left")
    for index, name in enumerate(HEADER):
        table.add_column(name, justify="right" if index >= 5 else "left")
    colours = {"up": "red", "down": "green"}
    for row in rows:
        style = colours.get(direction(row))
        cells: list[str | Text] = list(display_cells(row))
        if style:
            for index in CHANGE_COLUMNS:
                cells[index] = text(str(cells[index]), style)
        add_row(table, *cells)
    return table


def price_label(row: PriceChange) -> str:
    """``per_minute``, ``unit 1080p``, ``input_tokens openai``."""
    return " ".join(price_words(row.key))


def change_text(row: PriceChange) -> str:
    """``+2.5``, ``-1``, ``added``, ``removed``."""
    delta = row.absolute_change
    if delta is None:
        return row.change
    return ("+" if delta > 0 else "") + canonical_decimal(delta)


def summary_line(rows: Sequence[PriceChange]) -> str:
    """``12 price changes (3 added, 8 changed: 5 up, 3 down, 1 removed) in 4 models``."""
    if not rows:
        return "no price changes"
    counts = {kind: sum(r.change == kind for r in rows) for kind in ("added", "changed", "removed")}
    up = sum(1 for r in rows if (r.absolute_change or 0) > 0)
    down = sum(1 for r in rows if (r.absolute_change or 0) < 0)
    models = len({(r.provider, r.model_id) for r in rows})
    return (
        f"{len(rows)} price changes ({counts['added']} added, {counts['changed']} changed: "
        f"{up} up, {down} down, {counts['removed']} removed) in {models} models"
    )
