"""The price-change report's filters the library does not offer yet: kind of change,
smallest move in percent, and order. One function, so it can give way to the library's
own options (``report prices --change/--min-pct/--sort``) in one place."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalogsync.results import PriceReport

CHANGE_KINDS = ("added", "changed", "removed")
SORTS = {
    "time": "oldest first",
    "-time": "newest first",
    "pct": "largest move first",
    "model": "by provider and model",
}


def filter_report(
    report: PriceReport,
    *,
    change: str | None = None,
    min_pct: Decimal | None = None,
    sort: str = "time",
) -> PriceReport:
    """``report`` with only the rows of kind ``change`` that moved by at least ``min_pct``
    percent (either way; a row with no percentage, an added or removed price, fails it),
    in the order ``sort`` names (``SORTS``; the library's own order is ``time``)."""
    rows = list(report.rows)
    if change:
        rows = [r for r in rows if r.change == change]
    if min_pct is not None:
        rows = [
            r for r in rows if r.percent_change is not None and abs(r.percent_change) >= min_pct
        ]
    if sort == "-time":
        rows.reverse()
    elif sort == "pct":
        rows.sort(key=lambda r: -abs(r.percent_change) if r.percent_change is not None else 1)
    elif sort == "model":
        rows.sort(key=lambda r: (r.provider, r.model_id))  # stable: time order within
    return dataclasses.replace(report, rows=rows)
