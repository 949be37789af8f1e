"""The report page's choices as the library's report options.

The page asks what ``catalogsync report prices`` asks (kind of change, smallest move in
percent, order, first versions), and the library answers: ``options`` turns the query
string into the keyword arguments of ``api.price_report``, so a download is the CLI's
output for the same options. Two orders are the page's own, applied after (``arrange``):
newest first, and by provider and model.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from catalogsync.api import CHANGE_KINDS as CHANGE_KINDS

if TYPE_CHECKING:
    from catalogsync.results import PriceReport

SORTS = {
    "time": "oldest first",
    "-time": "newest first",
    "pct": "largest % move first",
    "absolute": "largest move first",
    "model": "by provider and model",
}
"""The page's orders: value -> label."""

_LIBRARY_SORTS = {"pct": "percent", "absolute": "absolute"}  # the rest: the library's time


def options(change: str | None, min_pct: Decimal | None, sort: str, first: bool) -> dict[str, Any]:
    """The keyword arguments of ``api.price_report`` for the page's choices."""
    return {
        "changes": (change,) if change else None,
        "min_pct": min_pct,
        "sort": _LIBRARY_SORTS.get(sort, "time"),
        "include_first_version": first,
    }


def arrange(report: PriceReport, sort: str) -> PriceReport:
    """``report`` in the page's own orders (``-time``, ``model``); as it is otherwise."""
    if sort == "-time":
        return dataclasses.replace(report, rows=list(reversed(report.rows)))
    if sort == "model":  # stable: time order within a model
        rows = sorted(report.rows, key=lambda r: (r.provider, r.model_id))
        return dataclasses.replace(report, rows=rows)
    return report
