"""The price-change report and its summary: which changes, in what order, netted how.

Filtering happens here, in the library, so every front end (the command line, the web
page) offers the same report with the same options:

- ``changes``: the kinds of change kept (``added``, ``changed``, ``removed``; default all);
- ``include_first_version``: a provider's first stored version lists every price it had
  as ``added``, which says nothing about prices moving: those rows are left out unless
  asked for (the report says how many were);
- ``min_pct``: a move smaller than ``min_pct`` percent (either way) is left out; a row
  without a percent (a price added or removed, a move from 0 or from or to a variable
  price) is kept, unless ``changes`` leaves its kind out;
- ``sort``: ``time`` (oldest first, the default), or ``percent`` / ``absolute``: the
  largest move first, either way (``-30%`` before ``+20%``); rows without one come
  last, in time order.

The summary (``price_summary``) nets each price point's moves over the period: its old
amount before the first change, its new amount after the last, the net change and the
number of changes; ``min_pct`` then applies to the net move, and ``sort`` to the net.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypeVar

from catalogsync.amounts import Move
from catalogsync.database import database_boundary
from catalogsync.db.session import reading
from catalogsync.errors import ConfigError
from catalogsync.keys import PRICE
from catalogsync.results import PriceReport, PriceSummary

if TYPE_CHECKING:
    from catalogsync.database import Database
    from catalogsync.reads.prices import PriceChange

CHANGE_KINDS = ("added", "changed", "removed")
"""The kinds of change, as the ``price_changes`` view's ``change`` column names them."""

SORTS = ("time", "percent", "absolute")
"""The orders a report can be sorted in."""
REPORT_SORTS = SORTS  # as ``catalogsync.api`` names it


@dataclass(frozen=True)
class ReportFilter:
    """What a report keeps and how it orders it (the options of ``price_report``)."""

    changes: tuple[str, ...] = CHANGE_KINDS
    include_first_version: bool = False
    min_pct: Decimal | None = None
    sort: str = "time"


@dataclass(frozen=True)
class PriceNet(Move):
    """One price point's net change over a period: first old amount -> last new amount."""

    provider: str
    model_id: str
    key: tuple[str, ...]
    """The price key, in the order of ``keys.PRICE.fields``."""
    currency: str | None
    old_amount: Decimal | None
    """Before the period's first change (``None``: the point was added in the period)."""
    new_amount: Decimal | None
    """After the period's last change (``None``: removed, or variable)."""
    first_change: str
    last_change: str
    moves: int
    first_changed_at: datetime
    last_changed_at: datetime

    def record(self) -> dict[str, object]:
        """The row under ``SUMMARY_COLUMNS``."""
        return {
            "provider": self.provider,
            "model_id": self.model_id,
            **dict(zip(PRICE.fields, self.key, strict=True)),
            "currency": self.currency,
            "old_amount": self.old_amount,
            "new_amount": self.new_amount,
            "absolute_change": self.absolute_change,
            "percent_change": self.percent_change,
            "moves": self.moves,
            "first_change": self.first_change,
            "last_change": self.last_change,
            "first_changed_at": self.first_changed_at,
            "last_changed_at": self.last_changed_at,
        }


SUMMARY_COLUMNS = (
    "provider",
    "model_id",
    *PRICE.fields,
    "currency",
    "old_amount",
    "new_amount",
    "absolute_change",
    "percent_change",
    "moves",
    "first_change",
    "last_change",
    "first_changed_at",
    "last_changed_at",
)
"""The summary's columns."""


def report_filter(
    changes: Collection[str] | None = None,
    include_first_version: bool = False,
    min_pct: Decimal | None = None,
    sort: str = "time",
) -> ReportFilter:
    """The options checked: a ``ConfigError`` names the one that is wrong."""
    kinds = tuple(CHANGE_KINDS) if changes is None else tuple(changes)
    unknown = sorted(set(kinds) - set(CHANGE_KINDS))
    if unknown or not kinds:
        raise ConfigError(
            f"not a kind of change: {', '.join(unknown) or '(none)'} "
            f"(use a list of {', '.join(CHANGE_KINDS)})"
        )
    if sort not in SORTS:
        raise ConfigError(f"not a report order: {sort!r} (use {', '.join(SORTS)})")
    if min_pct is not None and (not min_pct.is_finite() or min_pct < 0):
        raise ConfigError(f"not a minimum move: {min_pct} (a percentage of 0 or more)")
    ordered = tuple(kind for kind in CHANGE_KINDS if kind in kinds)
    return ReportFilter(ordered, include_first_version, min_pct, sort)


@database_boundary
def price_report(
    db: Database,
    *,
    provider: str | None = None,
    model: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    history: bool = False,
    changes: Collection[str] | None = None,
    include_first_version: bool = False,
    min_pct: Decimal | None = None,
    sort: str = "time",
) -> PriceReport:
    """Every price change with ``since <= changed_at <= until``, filtered and sorted as the
    module says (default: oldest first, first versions left out).

    ``until`` at midnight (a date alone) means the whole of that day. With ``history``,
    the whole price history of each model that changed comes too (for charts).
    """
    from catalogsync.reads.prices import changed_models, price_series

    chosen = report_filter(changes, include_first_version, min_pct, sort)
    until = end_of_day(until)
    rows, left_out = _changes(db, provider, model, since, until, chosen)
    if chosen.min_pct is not None:
        rows = [r for r in rows if _big_enough(r.percent_change, chosen.min_pct)]
    rows = _sorted(rows, chosen.sort)
    series = {}
    if history:
        with reading(db.engine) as conn:
            series = price_series(conn, changed_models(rows))
    return PriceReport(
        rows,
        series,
        _title("Price changes", provider, model),
        period_text(since, until),
        datetime.now(UTC),
        since=since,
        until=until,
        filter=chosen,
        first_version_rows=left_out,
    )


@database_boundary
def price_summary(
    db: Database,
    *,
    provider: str | None = None,
    model: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    changes: Collection[str] | None = None,
    include_first_version: bool = False,
    min_pct: Decimal | None = None,
    sort: str = "time",
) -> PriceSummary:
    """Each price point's net change over the period, from the rows ``price_report`` keeps
    before ``min_pct`` (which here applies to the net move); ``sort`` orders by the last
    change (``time``) or by the net move."""
    chosen = report_filter(changes, include_first_version, min_pct, sort)
    until = end_of_day(until)
    rows, left_out = _changes(db, provider, model, since, until, chosen)
    nets = [n for n in net_changes(rows) if _big_enough(n.percent_change, chosen.min_pct)]
    if chosen.sort == "time":
        nets.sort(key=lambda n: n.last_changed_at)
    else:
        nets = _sorted(nets, chosen.sort)
    return PriceSummary(
        nets,
        _title("Net price changes", provider, model),
        period_text(since, until),
        datetime.now(UTC),
        filter=chosen,
        first_version_rows=left_out,
    )


def net_changes(rows: Sequence[PriceChange]) -> list[PriceNet]:
    """Each price point of ``rows`` (in time order) netted: first old -> last new."""
    points: dict[tuple[object, ...], list[PriceChange]] = {}
    for row in rows:
        points.setdefault((row.provider, row.model_id, row.key), []).append(row)
    return [
        PriceNet(
            first.provider,
            first.model_id,
            first.key,
            last.currency,
            first.old_amount,
            last.new_amount,
            first.change,
            last.change,
            len(moves),
            first.changed_at,
            last.changed_at,
        )
        for moves in points.values()
        for first, last in [(moves[0], moves[-1])]
    ]


def _changes(
    db: Database,
    provider: str | None,
    model: str | None,
    since: datetime | None,
    until: datetime | None,
    chosen: ReportFilter,
) -> tuple[list[PriceChange], int]:
    """The period's rows of the chosen kinds, and how many first-version rows were left out."""
    from catalogsync.reads.prices import first_versions, query_price_changes

    with reading(db.engine) as conn:
        every = chosen.changes == CHANGE_KINDS  # no filter for the query planner to weigh
        rows = query_price_changes(
            conn,
            provider=provider,
            model=model,
            since=since,
            until=until,
            changes=None if every else chosen.changes,
        )
        if chosen.include_first_version:
            return rows, 0
        first = first_versions(conn)
    kept = [r for r in rows if r.catalog_version != first.get(r.provider)]
    return kept, len(rows) - len(kept)


class _Moved(Protocol):
    @property
    def percent_change(self) -> Decimal | None: ...
    @property
    def absolute_change(self) -> Decimal | None: ...


Moved = TypeVar("Moved", bound=_Moved)


def _big_enough(percent: Decimal | None, min_pct: Decimal | None) -> bool:
    """A move of at least ``min_pct`` percent, or one without a percent (kept)."""
    return min_pct is None or percent is None or abs(percent) >= min_pct


def _sorted(rows: Sequence[Moved], sort: str) -> list[Moved]:
    """``rows`` (in time order) by the size of their move, largest first; ``time``: as is."""
    if sort == "time":
        return list(rows)

    def size(row: Moved) -> Decimal | None:
        return row.percent_change if sort == "percent" else row.absolute_change

    sized = [(size(r), r) for r in rows]
    measured = [(abs(s), r) for s, r in sized if s is not None]
    measured.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties stay in time order
    return [r for _, r in measured] + [r for s, r in sized if s is None]


def _title(what: str, provider: str | None, model: str | None) -> str:
    return what + (f": {provider}" if provider else "") + (f" / {model}" if model else "")


def end_of_day(until: datetime | None) -> datetime | None:
    """``until`` at midnight (a date alone) moved to the last microsecond of that day."""
    if until is not None and until == until.replace(hour=0, minute=0, second=0, microsecond=0):
        return until + timedelta(days=1) - timedelta(microseconds=1)
    return until


def period_text(since: datetime | None, until: datetime | None) -> str:
    """``from 2026-01-01 00:00 to now (UTC)``."""
    start = f"{since:%Y-%m-%d %H:%M}" if since else "the first version"
    end = f"{until:%Y-%m-%d %H:%M}" if until else "now"
    return f"from {start} to {end} (UTC)"
