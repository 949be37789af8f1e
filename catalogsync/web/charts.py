"""A model's price history as step charts: one chart per unit, one line per price point.

The drawing, and the turning of a price's periods into steps, are
``catalogsync.present.charts``'; this module only groups a model's series by unit
(amounts in different units share no axis).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from catalogsync.keys import price_unit, price_words
from catalogsync.present.charts import Period, Series, step_chart, steps


@dataclass(frozen=True)
class Chart:
    """One drawn chart: the unit its values are in, and the ``<svg>`` (trusted markup)."""

    unit: str
    svg: Markup
    lines: int


def price_charts(
    series: Mapping[tuple[str, ...], Sequence[Period]], now: datetime, *, width: int = 720
) -> list[Chart]:
    """One chart per unit of the model's prices, its lines labelled by the price's key."""
    by_unit: dict[str, list[Series]] = defaultdict(list)
    starts: dict[str, datetime] = {}
    for key in sorted(series):
        points = steps(series[key])
        if not points:
            continue
        unit = price_unit(key)
        by_unit[unit].append(Series(" ".join(price_words(key)) or "price", points))
        first = points[0][0]
        starts[unit] = min(starts.get(unit, first), first)
    return [
        Chart(
            unit,
            Markup(  # noqa: S704 - present.charts escapes every label it draws
                step_chart(
                    lines,
                    start=starts[unit],
                    end=now,
                    width=width,
                    unit=unit,
                    title=f"price history in {unit}",
                )
            ),
            len(lines),
        )
        for unit, lines in by_unit.items()
    ]
