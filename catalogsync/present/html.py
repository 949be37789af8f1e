"""The price-change report as one self-contained HTML page with inline SVG charts.

No external script, style sheet or font: the page works offline and can be mailed as one
file. Each model with a change in the period gets a step chart of its whole price history,
one line per price (resolution, upstream provider...). A few lines of inline script only
record, once laid out, how many charts were drawn (``<body data-charts-drawn>``), which
lets a test in a headless browser check the charts really render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import IO, TYPE_CHECKING

from catalogsync.codec import canonical_decimal
from catalogsync.keys import price_unit, price_words
from catalogsync.present.prices import (
    CHANGE_COLUMNS,
    HEADER,
    direction,
    display_cells,
    summary_line,
)
from catalogsync.reads.prices import changed_models

if TYPE_CHECKING:
    from catalogsync.reads.prices import PriceChange, PricePoint, Series
    from catalogsync.results import PriceReport

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 34
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.1em; margin: 1.6em 0 0.3em; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; text-align: left;
         white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.up { color: #b00020; } .down { color: #1b7f3b; }
svg.chart { background: #fafafa; border: 1px solid #e3e3e3; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
.legend span { display: inline-block; margin-right: 1.2em; }
.legend i { display: inline-block; width: 1.4em; height: 3px; vertical-align: middle;
            margin-right: 0.4em; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var drawn = 0;
  document.querySelectorAll("svg.chart g.plot").forEach(function (plot) {
    var box = plot.getBBox();
    if (box.width > 0 && box.height > 0) { drawn += 1; }
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
});
"""


def render_prices_html(report: PriceReport, out: IO[str]) -> None:
    """The whole page: heading, summary, the table of changes, then one chart per model."""
    rows, series, title = report.rows, report.series, report.title
    generated_at, period = report.generated_at, report.period
    charts = [
        _chart_section(provider, model_id, series.get((provider, model_id), {}), generated_at)
        for provider, model_id in changed_models(rows)
    ]
    charts_html = "\n".join(charts) if charts else "<p>No price changed in this period.</p>"
    out.write(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body data-charts-drawn="0" data-charts="{len(charts)}">
<h1>{escape(title)}</h1>
<p class="meta">{escape(period)} &middot; generated {generated_at:%Y-%m-%d %H:%M} UTC
&middot; {escape(summary_line(rows))}</p>
{_summary_table(rows)}
<h2>Prices over time</h2>
{charts_html}
<script>{SCRIPT}</script>
</body>
</html>
""")


def _summary_table(rows: Sequence[PriceChange]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = []
    for row in rows:
        moved = direction(row)
        cells = []
        for index, text in enumerate(display_cells(row)):
            classes = " ".join(
                c
                for c in ("num" if index >= 5 else "", moved if index in CHANGE_COLUMNS else "")
                if c
            )
            attribute = f' class="{classes}"' if classes else ""
            cells.append(f"<td{attribute}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table>"
    )


def _chart_section(provider: str, model_id: str, series: Series, now: datetime) -> str:
    keys = sorted(series)
    legend = "".join(
        f'<span><i style="background:{COLOURS[i % len(COLOURS)]}"></i>'
        f"{escape(' '.join(price_words(key)))} ({escape(price_unit(key))})</span>"
        for i, key in enumerate(keys)
    )
    return (
        f"<section><h2>{escape(provider)} / {escape(model_id)}</h2>\n"
        f"{_svg(series, keys, now, f'{provider} {model_id}')}\n"
        f'<div class="legend">{legend}</div></section>'
    )


def _svg(series: Series, keys: list[tuple[str, ...]], now: datetime, label: str) -> str:
    points = [p for key in keys for p in series[key]]
    if not points:
        return "<p>No price history.</p>"
    start = min(p.start for p in points)
    end = max([now, *(p.start for p in points), *(p.end for p in points if p.end)])
    end += (end - start) * 0.04  # room to see the current price after the last change
    low = min(p.amount for p in points)
    high = max(p.amount for p in points)
    pad = (high - low) * Decimal("0.1") or abs(high) * Decimal("0.1") or Decimal(1)
    low, high = max(Decimal(0), low - pad) if low >= 0 else low - pad, high + pad
    span_t = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + plot_w * (at - start).total_seconds() / span_t

    def y(amount: Decimal) -> float:
        return TOP + plot_h * float((high - amount) / (high - low))

    parts = [_axes(start, end, low, high, x, y)]
    parts.append('<g class="plot">')
    for index, key in enumerate(keys):
        colour = COLOURS[index % len(COLOURS)]
        for run in _runs(series[key]):
            coords = []
            for point in run:
                until = point.end or end  # still current: to the right edge
                coords += [
                    f"{x(point.start):.1f},{y(point.amount):.1f}",
                    f"{x(until):.1f},{y(point.amount):.1f}",
                ]
            parts.append(
                f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(coords)}"/>'
            )
            for point in run:
                amount = canonical_decimal(point.amount)
                tip = f"{amount} {price_unit(key)} from {point.start:%Y-%m-%d %H:%M}"
                parts.append(
                    f'<circle cx="{x(point.start):.1f}" cy="{y(point.amount):.1f}" r="3" '
                    f'fill="{colour}"><title>{escape(tip)}</title></circle>'
                )
    parts.append("</g>")
    return (
        f'<svg class="chart" role="img" aria-label="price history of {escape(label)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(parts) + "</svg>"
    )


def _runs(points: list[PricePoint]) -> list[list[PricePoint]]:
    """Split a price's history where it was absent (removed, later re-added)."""
    runs: list[list[PricePoint]] = []
    for point in points:
        if runs and runs[-1][-1].end == point.start:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _axes(
    start: datetime,
    end: datetime,
    low: Decimal,
    high: Decimal,
    x: Callable[[datetime], float],
    y: Callable[[Decimal], float],
) -> str:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#999"/>',
    ]
    for i in range(5):
        amount = low + (high - low) * i / 4
        ty = y(amount)
        parts.append(f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{right}" y2="{ty:.1f}" stroke="#eee"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{_tick(amount)}</text>'
        )
    for i in range(5):
        at = start + (end - start) * i / 4
        anchor = ("start", "middle", "middle", "middle", "end")[i]
        parts.append(
            f'<text x="{x(at):.1f}" y="{bottom + 18}" text-anchor="{anchor}">{at:%Y-%m-%d}</text>'
        )
    return "".join(parts)


def _tick(amount: Decimal) -> str:
    text = f"{amount:.6g}" if abs(amount) < 1_000_000 else f"{amount:.3e}"
    return escape(text)
