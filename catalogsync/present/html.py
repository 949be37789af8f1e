"""The price-change report as one self-contained HTML page with inline SVG charts.

No external script, style sheet, font or image: the page works offline and can be mailed
as one file. Its parts:

- a heading with the period, the generation time and what was left out;
- an index of the providers (anchors), and a filter box that narrows every table to
  the rows whose provider, model, price and kind of change contain all its words, and
  the charts to the models of those rows;
- one section per provider: its changes as a table (a click on a column heading sorts
  it; the model links to its chart), then small multiples: one step chart per model
  (``present.charts``), in a grid, one line per price point, on one time axis for the
  whole page that ends at the report's time, with the report's period shaded.

Provider text is escaped everywhere. The small inline script sorts, filters, and records
once laid out how many charts were drawn (``<body data-charts-drawn>``), which lets a
test in a headless browser check the charts really render; without it the page reads
the same, unsorted and unfiltered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import IO, TYPE_CHECKING

from catalogsync.codec import canonical_decimal
from catalogsync.keys import price_unit, price_words
from catalogsync.present.charts import Series, step_chart, steps
from catalogsync.present.prices import (
    CHANGE_COLUMNS,
    HEADER,
    direction,
    display_cells,
    report_notes,
    summary_line,
)
from catalogsync.reads.prices import changed_models

if TYPE_CHECKING:
    from catalogsync.reads.prices import PriceChange
    from catalogsync.results import PriceReport

CHART_WIDTH, CHART_HEIGHT = 360, 170
FIRST_NUMBER = 5  # the columns from ``old`` on are numbers: right-aligned, sorted as such

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em 2em;
       color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin: 1.8em 0 0.4em; border-bottom: 2px solid #ddd; }
h3 { font-size: 0.95em; margin: 0 0 0.3em; overflow: hidden; text-overflow: ellipsis;
     white-space: nowrap; }
.meta, .note { color: #666; margin: 0.2em 0; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.4em; }
.tools { position: sticky; top: 0; background: #fff; padding: 0.5em 0; z-index: 1; }
.tools input { font: inherit; padding: 0.25em 0.5em; width: 22em; }
.rows { max-height: 24em; overflow: auto; display: inline-block; max-width: 100%;
        border: 1px solid #e3e3e3; margin: 0.4em 0 1em; }
table { border-collapse: collapse; }
th, td { padding: 0.2em 0.6em; border-bottom: 1px solid #e3e3e3; text-align: left;
         white-space: nowrap; }
th { cursor: pointer; user-select: none; background: #f4f4f4; position: sticky; top: 0; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 0.7em; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: 0.7em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.model { max-width: 26em; overflow: hidden; text-overflow: ellipsis; }
.up { color: #b00020; } .down { color: #1b7f3b; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(370px, 1fr));
        gap: 12px; }
.card { border: 1px solid #e3e3e3; border-radius: 4px; padding: 8px; background: #fcfcfc;
        min-width: 0; }
.card svg { display: block; width: 100%; height: auto; }
.card p { margin: 0; color: #666; }
[hidden] { display: none !important; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #555; }
"""

SCRIPT = """
(function () {
  function value(row, index) {
    var cell = row.cells[index], sortKey = cell.getAttribute("data-v");
    return sortKey === null ? cell.textContent : sortKey;
  }
  document.querySelectorAll("table.changes").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (head, index) {
      head.addEventListener("click", function () {
        var up = head.getAttribute("aria-sort") !== "ascending", numeric = head.className === "num";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a, index), y = value(b, index);
          if (numeric) {
            x = x === "" ? NaN : parseFloat(x); y = y === "" ? NaN : parseFloat(y);
            if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }  /* blanks last */
            return up ? x - y : y - x;
          }
          return up ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = {};
    document.querySelectorAll("tr[data-search]").forEach(function (row) {
      var text = row.getAttribute("data-search");
      row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      if (!row.hidden) { shown[row.getAttribute("data-model")] = true; }
    });
    document.querySelectorAll(".card").forEach(function (card) { card.hidden = !shown[card.id]; });
    document.querySelectorAll("section").forEach(function (section) {
      section.hidden = !section.querySelector("tr[data-search]:not([hidden])");
    });
  });
  window.addEventListener("load", function () {
    var drawn = 0;
    document.querySelectorAll("svg.chart g.plot").forEach(function (plot) {
      var box = plot.getBBox();
      if (box.width > 0 && box.height > 0) { drawn += 1; }
    });
    document.body.setAttribute("data-charts-drawn", String(drawn));
  });
})();
"""


def render_prices_html(report: PriceReport, out: IO[str]) -> None:
    """The whole page: heading, index, filter, then per provider its table and its charts."""
    rows, title = report.rows, report.title
    models = changed_models(rows)
    anchors = {model: f"m{index}" for index, model in enumerate(models)}
    providers = sorted({provider for provider, _ in models})
    start = _axis_start(report, models)
    moves = Counter((r.provider, r.model_id) for r in rows)
    sections = [
        _provider_section(report, provider, f"p{index}", anchors, start, moves)
        for index, provider in enumerate(providers)
    ]
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in report_notes(report))
    body = "\n".join(sections) if sections else "<p>No price changed in this period.</p>"
    out.write(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body data-charts-drawn="0" data-charts="{len(models)}">
<h1 id="top">{escape(title)}</h1>
<p class="meta">{escape(report.period)} &middot; generated {report.generated_at:%Y-%m-%d %H:%M} UTC
&middot; {escape(summary_line(rows))}</p>
{notes}
{_index(rows, providers)}
<div class="tools"><label>Filter <input id="filter" type="search"
placeholder="provider, model, price or change" autocomplete="off"></label></div>
{body}
<script>{SCRIPT}</script>
</body>
</html>
""")


def _axis_start(report: PriceReport, models: Sequence[tuple[str, str]]) -> datetime:
    """One time axis for every chart: from the first price drawn (or the period's start)."""
    starts = [
        point.start
        for model in models
        for points in report.series.get(model, {}).values()
        for point in points[:1]
    ]
    if report.since is not None:
        starts.append(report.since)
    return min(starts, default=report.generated_at)


def _index(rows: Sequence[PriceChange], providers: Sequence[str]) -> str:
    if not providers:
        return ""
    items = []
    for index, provider in enumerate(providers):
        own = [r for r in rows if r.provider == provider]
        models = len({r.model_id for r in own})
        items.append(
            f'<li><a href="#p{index}">{escape(provider)}</a> '
            f"({len(own)} change{'s' * (len(own) != 1)}, {models} model{'s' * (models != 1)})</li>"
        )
    return f'<nav aria-label="providers"><ul>{"".join(items)}</ul></nav>'


def _provider_section(
    report: PriceReport,
    provider: str,
    anchor: str,
    anchors: dict[tuple[str, str], str],
    start: datetime,
    moves: Mapping[tuple[str, str], int],
) -> str:
    rows = [r for r in report.rows if r.provider == provider]
    cards = [
        _chart_card(report, model, anchor_id, start, moves[model])
        for model, anchor_id in anchors.items()
        if model[0] == provider
    ]
    return (
        f'<section id="{anchor}"><h2>{escape(provider)}</h2>\n'
        f'<p class="meta">{escape(summary_line(rows))} &middot; <a href="#top">top</a></p>\n'
        f"{_changes_table(rows, anchors)}\n"
        f'<div class="grid">\n' + "\n".join(cards) + "\n</div></section>"
    )


def _changes_table(rows: Sequence[PriceChange], anchors: dict[tuple[str, str], str]) -> str:
    number = ' class="num"'
    head = "".join(
        f"<th{number if i >= FIRST_NUMBER else ''}>{escape(h)}</th>" for i, h in enumerate(HEADER)
    )
    body = []
    for row in rows:
        moved = direction(row)
        texts = display_cells(row)
        keys = _sort_keys(row)
        cells = []
        for index, text in enumerate(texts):
            classes = [
                "num" if index >= FIRST_NUMBER else "",
                moved if index in CHANGE_COLUMNS else "",
                "model" if index == 2 else "",
            ]
            attributes = f' class="{" ".join(c for c in classes if c)}"' if any(classes) else ""
            if index in keys:
                attributes += f' data-v="{keys[index]}"'
            content = escape(text)
            if index == 2:
                content = f'<a href="#{anchors[(row.provider, row.model_id)]}">{content}</a>'
            cells.append(f"<td{attributes}>{content}</td>")
        search = escape(" ".join((row.provider, row.model_id, texts[3], row.change)).lower())
        model = anchors[(row.provider, row.model_id)]
        body.append(f'<tr data-search="{search}" data-model="{model}">' + "".join(cells) + "</tr>")
    return (
        f'<div class="rows"><table class="changes">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody></table></div>"
    )


def _sort_keys(row: PriceChange) -> dict[int, str]:
    """The numbers the number columns sort by (``old``, ``new``, change, %)."""
    numbers = (row.old_amount, row.new_amount, row.absolute_change, row.percent_change)
    return {
        FIRST_NUMBER + i: "" if n is None else canonical_decimal(n) for i, n in enumerate(numbers)
    }


def _chart_card(
    report: PriceReport, model: tuple[str, str], anchor: str, start: datetime, moves: int
) -> str:
    provider, model_id = model
    history = report.series.get(model, {})
    heading = (
        f'<h3 title="{escape(model_id, quote=True)}">{escape(model_id)}</h3>'
        f"<p>{moves} change{'s' * (moves != 1)} in the period</p>"
    )
    if not any(history.values()):
        return (
            f'<div class="card" id="{anchor}">{heading}'
            "<p>No amount to draw (variable prices only).</p></div>"
        )
    units = {price_unit(key) for key in history}
    single = units.pop() if len(units) == 1 else ""
    lines = [
        Series(_label(key, single), steps(points))
        for key, points in sorted(history.items())
        if points
    ]
    chart = step_chart(
        lines,
        start=start,
        end=report.generated_at,
        period=(report.since, report.until) if report.since or report.until else None,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        unit=single,
        title=f"price history of {provider} {model_id}",
    )
    return f'<div class="card" id="{anchor}">{heading}{chart}</div>'


def _label(key: tuple[str, ...], single_unit: str) -> str:
    words = " ".join(price_words(key))
    return words if single_unit else f"{words} ({price_unit(key)})"
