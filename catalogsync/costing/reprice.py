"""Repricing: each usage row priced at the prices in effect at its own time, as a stream.

``cost_of`` takes usage rows (``catalogsync.costing.usage``) and yields one ``CostedRow``
per row, in order: its exact cost, currency and the catalog version in effect, or,
when it cannot be priced, ``cost`` ``None`` and the reason; never a zero standing for
"unknown". Histories load once per (provider, model) (``history.PriceBook``); a row's
prices are found by bisecting the model's history, and the rules that pick and scale a
price are ``catalogsync.costing.rules``. ``Totals`` adds rows up per currency and per
group (provider, model or UTC day) as they stream past.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from catalogsync.costing.history import Charge, ModelHistory, PriceBook, PriceTable
from catalogsync.costing.rules import EXACT, Ambiguous, Ranked, choose, prompt_size
from catalogsync.costing.usage import UsageRow
from catalogsync.database import Database
from catalogsync.errors import DatabaseAccessError

GROUPS = ("provider", "model", "day")
"""What ``Totals`` can group by."""


class CostedRow(NamedTuple):
    """A usage row, priced: ``cost`` and ``currency`` (``None`` and ``reason`` when not)."""

    line: int
    timestamp: datetime
    provider: str
    model: str
    variant: str
    service_tier: str
    region: str
    cost: Decimal | None
    currency: str | None
    version: int | None
    reason: str | None


class UnpricedError(Exception):
    """Why a row cannot be priced (internal: becomes ``CostedRow.reason``)."""


def cost_of(db: Database, rows: Iterable[UsageRow]) -> Iterator[CostedRow]:
    """Each of ``rows`` priced at the prices in effect at its timestamp, in order.

    A generator: rows are read and priced one at a time. Database errors come out as
    ``DatabaseAccessError`` whenever they happen during the iteration.
    """
    book = PriceBook(db.engine)
    try:
        for row in rows:
            yield price_row(book, row)
    except SQLAlchemyError as exc:
        raise DatabaseAccessError(exc) from exc


def price_row(book: PriceBook, row: UsageRow) -> CostedRow:
    """One usage row priced with the histories of ``book``."""
    when = row.timestamp
    provider = book.provider(row.provider)
    version = provider.version_at(when)
    total: Decimal | None = None
    currency: str | None = None
    reason: str | None = None
    try:
        if provider.provider_id is None:
            raise UnpricedError(f"unknown provider {row.provider!r}")
        if version is None:
            raise UnpricedError(
                f"{row.provider} has no catalog version at {_time(when)} "
                f"(its first is observed {_time(provider.fetched[0])})"
                if provider.fetched
                else f"{row.provider} has no catalog versions"
            )
        history = provider.models.get(row.model) or book.model(provider, row.model)
        total, currency = _price(_table(history, row), row)
    except UnpricedError as why:
        reason = str(why)
    return CostedRow(
        row.line,
        when,
        row.provider,
        row.model,
        row.variant,
        row.service_tier,
        row.region,
        total,
        currency,
        version,
        reason,
    )


def _time(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _table(history: ModelHistory, row: UsageRow) -> PriceTable:
    if not history.known:
        raise UnpricedError(f"unknown model {row.model!r} (never in {row.provider}'s catalog)")
    table = history.at(row.timestamp)
    if table is not None:
        return table
    when = _time(row.timestamp)
    if row.timestamp < history.starts[0]:
        raise UnpricedError(
            f"model {row.model!r} was not in the catalog yet at {when} "
            f"(first seen {_time(history.starts[0])})"
        )
    raise UnpricedError(f"model {row.model!r} had been removed from the catalog at {when}")


def _price(table: PriceTable, row: UsageRow) -> tuple[Decimal, str]:
    quantities = row.quantities
    if not quantities:
        raise UnpricedError("no quantity on this row")
    variant, service_tier, region = row.variant, row.service_tier, row.region
    if variant or service_tier or region:
        _check_dimensions(table, row)
    prompt: Decimal | None = None
    clock = day = 0
    total = ZERO
    currency: str | None = None
    for name, amount in quantities.items():
        way = table.ways.get((name, variant, service_tier, region))
        if way is None:
            way = table.way(name, variant, service_tier, region)
        if isinstance(way, Charge):
            charge = way
        elif isinstance(way, str):
            raise UnpricedError(way)
        else:
            if prompt is None:
                prompt = prompt_size(quantities)
                when = row.timestamp
                clock = when.hour * 3600 + when.minute * 60 + when.second
                day = when.weekday()
            charge = _chosen(way, name, prompt, quantities, clock, day)
        price = charge.amount
        if price is None:
            raise UnpricedError(f"{name} has a variable price (charged at what a router picks)")
        if currency is None:
            currency = charge.label
        elif charge.label != currency:
            raise UnpricedError(f"prices in several currencies ({currency}, {charge.label})")
        total = _add(total, _multiply(amount, price).scaleb(-charge.scale, EXACT))
    assert currency is not None
    return total, currency


ZERO = Decimal(0)
_add, _multiply = EXACT.add, EXACT.multiply


def _check_dimensions(table: PriceTable, row: UsageRow) -> None:
    for value, known, what in (
        (row.variant, table.variants, "variant"),
        (row.service_tier, table.service_tiers, "service tier"),
        (row.region, table.regions, "region"),
    ):
        if value and value not in known:
            listed = ", ".join(repr(v) for v in sorted(known)) or "none"
            raise UnpricedError(f"{what} {value!r} does not exist for this model then ({listed})")


def _chosen(
    ranked: Ranked[Charge],
    name: str,
    prompt: Decimal,
    quantities: dict[str, Decimal],
    clock: int,
    day: int,
) -> Charge:
    chosen = choose(ranked, prompt, quantities, clock, day)
    if chosen is None:
        tiers = ", ".join(sorted(charge.tier for _, charge, _ in ranked))
        raise UnpricedError(f"no price for {name} applies to this row (tiers: {tiers})")
    if isinstance(chosen, Ambiguous):
        first, second = chosen.tiers
        raise UnpricedError(f"{name}: tiers {first!r} and {second!r} both apply")
    return chosen


def group_key(row: CostedRow, group_by: str) -> str:
    """The group a row counts in: its provider, ``provider:model`` or its UTC day."""
    if group_by == "provider":
        return row.provider
    if group_by == "model":
        return f"{row.provider}:{row.model}"
    return row.timestamp.date().isoformat()


class Sum:
    """A running total: the exact cost and how many rows."""

    __slots__ = ("cost", "rows")

    def __init__(self) -> None:
        self.cost = Decimal(0)
        self.rows = 0

    def add(self, amount: Decimal | None) -> None:
        """Count one row in, with its cost (``None``: an unpriced row)."""
        if amount is not None:
            self.cost = EXACT.add(self.cost, amount)
        self.rows += 1


class Totals:
    """Costs added up per currency and, with ``group_by``, per group and currency
    (currency ``None``: the group's unpriced rows)."""

    def __init__(self, group_by: str | None = None) -> None:
        if group_by is not None and group_by not in GROUPS:
            raise ValueError(f"cannot group by {group_by!r}; one of {GROUPS}")
        self.group_by = group_by
        self.currencies: dict[str, Sum] = {}
        self.groups: dict[tuple[str, str | None], Sum] = {}
        self.priced = 0
        self.unpriced = 0

    def add(self, row: CostedRow) -> None:
        """Count ``row`` in (an unpriced one in the counts only)."""
        if row.cost is None or row.currency is None:
            self.unpriced += 1
        else:
            self.priced += 1
            total = self.currencies.get(row.currency)
            if total is None:
                total = self.currencies[row.currency] = Sum()
            total.add(row.cost)
        if self.group_by is not None:
            key = (group_key(row, self.group_by), row.currency)
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Sum()
            group.add(row.cost)

    def counted(self, rows: Iterable[CostedRow]) -> Iterator[CostedRow]:
        """``rows`` passed through, each counted in as it goes by."""
        for row in rows:
            self.add(row)
            yield row
