"""A provider's catalog as the catalog page shows it: one row per current price point,
searched, filtered, sorted and cut into pages on the server (so it works without JS)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from catalogsync.catalog import Catalog, Model, Price

PAGE_SIZE = 100
CREDITS = "-"
"""The currency filter's value for prices in a provider's own credits (no ISO currency)."""


@dataclass(frozen=True)
class PriceRow:
    """A model with one of its current prices (``None``: a model with no price)."""

    model: Model
    price: Price | None


@dataclass(frozen=True)
class CatalogQuery:
    """What the page was asked for: search text, filters, order and page."""

    q: str | None = None
    category: str | None = None
    price_type: str | None = None
    currency: str | None = None
    sort: str = "model"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class CatalogPage:
    """One page of rows, with what it takes to draw the filters and the page links."""

    rows: Sequence[PriceRow]
    matched: int  # rows matching, over every page
    models: int  # models matching
    page: int
    pages: int
    categories: Sequence[str]
    price_types: Sequence[str]
    currencies: Sequence[str]


def _amount(row: PriceRow) -> Decimal | None:
    return row.price.amount if row.price else None


SORTS: dict[str, Callable[[PriceRow], Any]] = {
    "model": lambda r: r.model.model_id,
    "name": lambda r: ((r.model.name or "").casefold(), r.model.model_id),
    "category": lambda r: (r.model.category or "", r.model.model_id),
    "price_type": lambda r: (r.price.price_type if r.price else "", r.model.model_id),
    "amount": lambda r: _amount(r) or Decimal(0),
}
"""The orders the page offers: ``sort`` -> the key of a row."""


def _matches(model: Model, needle: str) -> bool:
    return any(
        needle in (value or "").casefold()
        for value in (model.model_id, model.name, model.description, model.category)
    )


def catalog_page(catalog: Catalog, query: CatalogQuery) -> CatalogPage:
    """The rows of ``catalog`` that ``query`` asks for, one page of them."""
    needle = (query.q or "").casefold()
    rows: list[PriceRow] = []
    for model in catalog.models:
        if needle and not _matches(model, needle):
            continue
        if query.category and model.category != query.category:
            continue
        prices = [
            p
            for p in model.prices
            if (not query.price_type or p.price_type == query.price_type)
            and (not query.currency or (p.currency or CREDITS) == query.currency)
        ]
        if not prices and (query.price_type or query.currency):
            continue
        shown: list[Price | None] = [*prices] if prices else [None]
        rows.extend(PriceRow(model, p) for p in shown)
    rows.sort(key=lambda r: (r.model.model_id, r.price.key if r.price else ()))
    rows.sort(key=SORTS[query.sort], reverse=query.descending)
    if query.sort == "amount":  # no amount (variable, or no price) last, whichever the order
        rows.sort(key=lambda r: _amount(r) is None)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(query.page, pages)
    prices = [p for m in catalog.models for p in m.prices]
    return CatalogPage(
        rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        len(rows),
        len({r.model.model_id for r in rows}),
        page,
        pages,
        sorted({m.category for m in catalog.models if m.category}),
        sorted({p.price_type for p in prices}),
        sorted({p.currency or CREDITS for p in prices}),
    )
