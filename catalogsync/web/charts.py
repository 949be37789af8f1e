"""A model's price history as step charts: one chart per unit, one line per price point.

The drawing is ``catalogsync.present.charts``'; this module only groups a model's
series by unit (amounts in different units share no axis) and turns each price's
periods into steps, a gap (``None``) where a price was absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from markupsafe import Markup

from catalogsync.keys import price_unit, price_words
from catalogsync.present.charts import Series, step_chart


class Period(Protocol):
    """A price from ``start`` until ``end`` (``None``: still current), as the library gives."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...


@dataclass(frozen=True)
class Chart:
    """One drawn chart: the unit its values are in, and the ``<svg>`` (trusted markup)."""

    unit: str
    svg: Markup
    lines: int


def steps(periods: Sequence[Period]) -> list[tuple[datetime, Decimal | None]]:
    """A price's periods as steps: each amount from its start, and ``None`` from an end
    that no next period starts at."""
    found: list[tuple[datetime, Decimal | None]] = []
    ordered = sorted(periods, key=lambda p: p.start)
    for index, period in enumerate(ordered):
        found.append((period.start, period.amount))
        following = ordered[index + 1].start if index + 1 < len(ordered) else None
        if period.end is not None and period.end != following:
            found.append((period.end, None))
    return found


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
