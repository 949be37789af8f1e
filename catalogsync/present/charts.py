"""Step charts of prices over time, as inline SVG: pure functions, no I/O, no scripts.

A price holds from the time it was observed until the next change, so every line is a
staircase. What a reader needs from such a chart, and what these functions guarantee:

- **round ticks**: the value axis is labelled at 1, 2 or 5 times a power of ten
  (``nice_ticks``), the time axis at whole hours, days, weeks, months or years
  (``time_ticks``);
- **the axis ends at ``end``** (the report's or page's "now"), never past it;
- **equal lines stay apart**: each series has its own colour, dash pattern, marker shape
  and a stroke narrower than the one before, so a line lying on top of another leaves
  the one below visible around it;
- **a period** (a report's ``--since``/``--until``) can be shaded;
- **text is data**: every label is escaped; the SVG carries presentation attributes only
  (no ``style`` attribute, no script), so it passes a strict Content-Security-Policy.

The drawn lines are in ``<g class="plot">``; a test in a browser can measure it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Protocol

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2")
WIDTHS = (4.0, 2.6, 1.6, 1.2)
MARKERS = ("circle", "square", "triangle", "diamond")
LEGEND_ROW = 16
FONT_WIDTH = 6.6  # px per character of an 11px label, for sizing margins


@dataclass(frozen=True)
class Series:
    """One line: its label and its steps, ``(from, amount)``; ``None`` means no price then."""

    label: str
    points: Sequence[tuple[datetime, Decimal | None]]


class Period(Protocol):
    """A price from ``start`` until ``end`` (``None``: still current), as the library's
    price history gives it (``reads.prices.PricePoint``)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...


def steps(periods: Sequence[Period]) -> list[tuple[datetime, Decimal | None]]:
    """A price's periods as the steps of a ``Series``: each amount from its start, and
    ``None`` from an end that no next period starts at (removed, later maybe added again)."""
    found: list[tuple[datetime, Decimal | None]] = []
    ordered = sorted(periods, key=lambda p: p.start)
    for index, period in enumerate(ordered):
        found.append((period.start, period.amount))
        following = ordered[index + 1].start if index + 1 < len(ordered) else None
        if period.end is not None and period.end != following:
            found.append((period.end, None))
    return found


def nice_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round values covering ``low``..``high``: multiples of 1, 2 or 5 times a power of ten.

    The first tick is at or below ``low`` and the last at or above ``high``; about
    ``count`` of them. Exact decimals, so ``0.1 + 0.2`` never shows as ``0.30000000004``.
    """
    if high < low:
        low, high = high, low
    if high == low:
        spread = abs(high) / 2 or Decimal(1)
        low, high = (
            (low - spread, high + spread)
            if low < 0
            else (max(low - spread, Decimal(0)), high + spread)
        )
    raw = (high - low) / max(count - 1, 1)
    exponent = math.floor(math.log10(float(raw)))
    base = Decimal(10) ** exponent
    step = next(
        m * base for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)) if m * base >= raw
    )
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return [t.normalize() if t else Decimal(0) for t in ticks]


_STEPS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(hours=1), "%m-%d %H:%M"),
    (timedelta(hours=3), "%m-%d %H:%M"),
    (timedelta(hours=6), "%m-%d %H:%M"),
    (timedelta(hours=12), "%m-%d %H:%M"),
    (timedelta(days=1), "%Y-%m-%d"),
    (timedelta(days=2), "%Y-%m-%d"),
    (timedelta(weeks=1), "%Y-%m-%d"),
    (timedelta(weeks=2), "%Y-%m-%d"),
)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def time_ticks(start: datetime, end: datetime, count: int = 5) -> list[tuple[datetime, str]]:
    """Times within ``start``..``end`` on whole hours, days, weeks (Mondays), months or years."""
    span = end - start
    for step, label in _STEPS:
        if span / step <= count:
            return [(t, t.strftime(label)) for t in _every(start, end, step)]
    for months in _MONTH_STEPS:
        if span.days / (30.44 * months) <= count:
            return [
                (t, t.strftime("%Y" if months >= 12 else "%Y-%m"))
                for t in _months(start, end, months)
            ]
    return [(start, start.strftime("%Y")), (end, end.strftime("%Y"))]


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if step >= timedelta(weeks=1):
        midnight -= timedelta(days=midnight.weekday())  # weeks start on Mondays
    t = midnight
    while t < start:
        t += step
    ticks = []
    while t <= end:
        ticks.append(t)
        t += step
    return ticks


def _months(start: datetime, end: datetime, months: int) -> list[datetime]:
    index = start.year * 12 + start.month - 1
    index -= index % months
    ticks: list[datetime] = []
    while True:
        t = start.replace(
            year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        if t > end:
            return ticks
        if t >= start:
            ticks.append(t)
        index += months


def step_chart(
    series: Sequence[Series],
    *,
    start: datetime,
    end: datetime,
    period: tuple[datetime | None, datetime | None] | None = None,
    width: int = 640,
    height: int = 220,
    unit: str = "",
    title: str = "",
) -> str:
    """An ``<svg>`` drawing each series as a staircase from ``start`` to ``end``.

    ``height`` is that of the plot with its axes; a legend (one row per series) is added
    below it. Steps before ``start`` begin at ``start``; steps after ``end`` are left out.
    ``unit`` labels the value axis; ``title`` is the accessible name of the chart.
    """
    end = end.astimezone(UTC)
    start = min(start.astimezone(UTC), end - timedelta(hours=1))
    values = [v for s in series for at, v in s.points if v is not None and at <= end]
    if not values:
        values = [Decimal(0)]
    low, high = min(values), max(values)
    if low >= 0 and low <= high * Decimal("0.4"):
        low = Decimal(0)  # near zero anyway: start the axis there, as a reader expects
    ticks = nice_ticks(low, high)
    labels = [_amount(t) for t in ticks]
    left = 14 + FONT_WIDTH * max(len(text) for text in labels)
    right, top, bottom = 14.0, 12.0 + (14 if unit else 0), 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    bottom_y, span_t = height - bottom, (end - start).total_seconds()
    y_low, y_high = ticks[0], ticks[-1]

    def x(at: datetime) -> float:
        at = min(max(at, start), end)
        return left + plot_w * (at - start).total_seconds() / span_t

    def y(amount: Decimal) -> float:
        return top + plot_h * float((y_high - amount) / (y_high - y_low))

    parts: list[str] = []
    if period is not None and (period[0] or period[1]):
        x0, x1 = x(period[0] or start), x(period[1] or end)
        parts.append(
            f'<rect class="period" x="{x0:.1f}" y="{top:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{plot_h:.1f}" fill="#fff3c4"><title>the report\'s period</title></rect>'
        )
    for tick, text in zip(ticks, labels, strict=True):
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{left:.1f}" y1="{ty:.1f}" x2="{width - right:.1f}" '
            f'y2="{ty:.1f}" stroke="#e6e6e6"/>'
            f'<text x="{left - 6:.1f}" y="{ty + 4:.1f}" text-anchor="end">{text}</text>'
        )
    for at, text in time_ticks(start, end, max(2, int(plot_w // 110))):
        tx, half = x(at), FONT_WIDTH * len(text) / 2
        anchor = "end" if tx + half > width else "start" if tx - half < 0 else "middle"
        parts.append(
            f'<line x1="{tx:.1f}" y1="{bottom_y:.1f}" x2="{tx:.1f}" y2="{bottom_y + 4:.1f}" '
            f'stroke="#999"/><text x="{tx:.1f}" y="{bottom_y + 17:.1f}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom_y:.1f}" x2="{width - right:.1f}" '
        f'y2="{bottom_y:.1f}" stroke="#999"/>'
        f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{bottom_y:.1f}" stroke="#999"/>'
    )
    if unit:
        parts.append(
            f'<text x="{left - 6:.1f}" y="{top - 8:.1f}" text-anchor="start">{escape(unit)}</text>'
        )
    parts.append('<g class="plot">')
    for index, line in enumerate(series):
        parts.extend(_series(line, index, end, x, y))
    parts.append("</g>")
    parts.extend(_legend(series, left, height, width))
    total = height + LEGEND_ROW * len(series) + (6 if series else 0)
    name = escape(title or "price history", quote=True)
    return (
        f'<svg class="chart" role="img" aria-label="{name}" width="{width}" height="{total}" '
        f'viewBox="0 0 {width} {total}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="11" fill="#555">'
        + "".join(parts)
        + "</svg>"
    )


def _series(
    line: Series,
    index: int,
    end: datetime,
    x: Callable[[datetime], float],
    y: Callable[[Decimal], float],
) -> list[str]:
    colour, dash, stroke = _look(index)
    steps = sorted((at, v) for at, v in line.points if at <= end)
    runs: list[list[tuple[float, float]]] = []
    markers: list[tuple[float, float, str]] = []
    for i, (at, value) in enumerate(steps):
        if value is None:
            continue
        until = steps[i + 1][0] if i + 1 < len(steps) else end
        x0, x1, yy = x(at), x(until), y(value)
        if runs and i > 0 and steps[i - 1][1] is not None:
            runs[-1].append((x0, runs[-1][-1][1]))
            runs[-1].append((x0, yy))
        else:
            runs.append([(x0, yy)])
        runs[-1].append((x1, yy))
        tip = f"{line.label}: {_amount(value)} from {at:%Y-%m-%d %H:%M} UTC"
        markers.append((x0, yy, tip))
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [
        f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="{stroke}"'
        f'{dash_attr} stroke-linejoin="round" points="'
        + " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
        + '"/>'
        for run in runs
    ]
    parts += [_marker(index, mx, my, colour, tip) for mx, my, tip in markers]
    return parts


def _look(index: int) -> tuple[str, str, float]:
    return (
        COLOURS[index % len(COLOURS)],
        DASHES[index % len(DASHES)],
        WIDTHS[min(index, len(WIDTHS) - 1)],
    )


def _marker(index: int, mx: float, my: float, colour: str, tip: str) -> str:
    shape = MARKERS[index % len(MARKERS)]
    if shape == "circle":
        tag, geometry = "circle", f'cx="{mx:.1f}" cy="{my:.1f}" r="3.5"'
    elif shape == "square":
        tag, geometry = "rect", f'x="{mx - 3:.1f}" y="{my - 3:.1f}" width="6" height="6"'
    else:
        corners = (
            [(0, -4), (4, 3), (-4, 3)]
            if shape == "triangle"
            else [(0, -4), (4, 0), (0, 4), (-4, 0)]
        )
        points = " ".join(f"{mx + dx:.1f},{my + dy:.1f}" for dx, dy in corners)
        tag, geometry = "polygon", f'points="{points}"'
    return (
        f'<{tag} class="marker" {geometry} fill="#fff" stroke="{colour}" stroke-width="1.6">'
        f"<title>{escape(tip)}</title></{tag}>"
    )


def _legend(series: Sequence[Series], left: float, height: int, width: int) -> list[str]:
    parts = []
    room = int((width - left - 40) / FONT_WIDTH)
    for index, line in enumerate(series):
        colour, dash, stroke = _look(index)
        ly = height + LEGEND_ROW * index + 8
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        label = line.label if len(line.label) <= room else line.label[: room - 1] + "\u2026"
        parts.append(
            f'<g class="legend"><line x1="{left:.1f}" y1="{ly:.1f}" x2="{left + 26:.1f}" '
            f'y2="{ly:.1f}" stroke="{colour}" stroke-width="{min(stroke, 3)}"{dash_attr}/>'
            + _marker(index, left + 13, ly, colour, line.label)
            + f'<text x="{left + 34:.1f}" y="{ly + 4:.1f}">{escape(label)}'
            f"<title>{escape(line.label)}</title></text></g>"
        )
    return parts


def _amount(value: Decimal) -> str:
    """A tick or tooltip amount: plain digits, no exponent, no trailing zeros."""
    text = f"{value.normalize():f}" if value else "0"
    return escape(text)
