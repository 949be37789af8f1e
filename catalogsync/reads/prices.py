"""The price-change report's data: rows of ``price_changes``, and price series for charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select

from catalogsync.amounts import Move
from catalogsync.db.bulk import chunks
from catalogsync.db.models import catalog_versions, providers
from catalogsync.db.views import price_changes, price_history
from catalogsync.keys import PRICE


@dataclass(frozen=True)
class PriceChange(Move):
    """One row of ``price_changes``, with the change worked out."""

    provider: str
    model_id: str
    key: tuple[str, ...]
    """The price key, in the order of ``keys.PRICE.fields``."""
    currency: str | None
    old_amount: Decimal | None
    new_amount: Decimal | None
    change: str
    changed_at: datetime
    catalog_version: int

    def record(self) -> dict[str, object]:
        """The row under ``REPORT_COLUMNS``: the view's columns, then the change worked out.

        The view's numeric companions (``old_value``, ``new_value``, ``pct_change``) are
        given exactly here, as the amounts and ``percent_change``: REAL on SQLite is for
        ordering in SQL, and a report reads the same on either database.
        """
        return {
            "provider": self.provider,
            "model_id": self.model_id,
            **dict(zip(PRICE.fields, self.key, strict=True)),
            "currency": self.currency,
            "old_amount": self.old_amount,
            "new_amount": self.new_amount,
            "old_value": self.old_amount,
            "new_value": self.new_amount,
            "pct_change": self.percent_change,
            "change": self.change,
            "changed_at": self.changed_at,
            "catalog_version": self.catalog_version,
            "absolute_change": self.absolute_change,
            "percent_change": self.percent_change,
        }


QUERIED = (
    "provider",
    "model_id",
    *PRICE.fields,
    "currency",
    "old_amount",
    "new_amount",
    "change",
    "changed_at",
    "catalog_version",
)
"""The columns of the ``price_changes`` view a report reads (the exact ones)."""

COLUMNS = (
    *QUERIED[: QUERIED.index("change")],
    "old_value",
    "new_value",
    "pct_change",
    *QUERIED[QUERIED.index("change") :],
)
"""The columns of the ``price_changes`` view, in order."""

REPORT_COLUMNS = (*COLUMNS, "absolute_change", "percent_change")
"""The report's columns: the ``price_changes`` view's, then the change worked out."""


def query_price_changes(
    conn: Connection,
    *,
    provider: str | None = None,
    model: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    changes: Sequence[str] | None = None,
) -> list[PriceChange]:
    """Every price change with ``since <= changed_at <= until`` (of the ``changes`` kinds,
    default all), oldest first."""
    view = price_changes
    query = select(*(view.c[name] for name in QUERIED)).order_by(
        view.c.changed_at,
        view.c.provider,
        view.c.model_id,
        *(view.c[name] for name in PRICE.fields),
    )
    if provider:
        query = query.where(view.c.provider == provider)
    if model:
        query = query.where(view.c.model_id == model)
    if since:
        query = query.where(view.c.changed_at >= since)
    if until:
        query = query.where(view.c.changed_at <= until)
    if changes is not None:
        query = query.where(view.c.change.in_(list(changes)))
    width = len(PRICE.fields)
    return [
        PriceChange(provider, model_id, tuple(rest[:width]), *rest[width:])
        for provider, model_id, *rest in conn.execute(query)
    ]


def first_versions(conn: Connection) -> dict[str, int]:
    """Each provider's first stored catalog version number (1 unless history was cut)."""
    query = (
        select(providers.c.slug, func.min(catalog_versions.c.version))
        .join(catalog_versions, catalog_versions.c.provider_id == providers.c.id)
        .group_by(providers.c.slug)
    )
    return {slug: version for slug, version in conn.execute(query)}  # noqa: C416 (Rows)


@dataclass(frozen=True)
class PricePoint:
    """A price from ``start`` until ``end`` (``None``: still current)."""

    amount: Decimal
    start: datetime
    end: datetime | None


Series = dict[tuple[str, ...], list[PricePoint]]
"""One model's price history: price key (``keys.PRICE.fields``) -> its points in time order."""


def changed_models(rows: Sequence[PriceChange]) -> list[tuple[str, str]]:
    """The ``(provider, model_id)`` of each model in ``rows``, in the order they first appear."""
    return list(dict.fromkeys((r.provider, r.model_id) for r in rows))


def price_series(conn: Connection, models: list[tuple[str, str]]) -> dict[tuple[str, str], Series]:
    """The whole price history of each ``(provider, model_id)``, per price key, in time order."""
    found: dict[tuple[str, str], Series] = {m: defaultdict(list) for m in models}
    for provider in sorted({p for p, _ in models}):
        for ids in chunks(sorted(m for p, m in models if p == provider)):
            _load_series(conn, found, provider, ids)
    return {key: dict(series) for key, series in found.items()}


def _load_series(
    conn: Connection, found: dict[tuple[str, str], Series], provider: str, ids: Sequence[str]
) -> None:
    view = price_history
    query = (
        select(
            view.c.model_id,
            *(view.c[name] for name in PRICE.fields),
            view.c.amount,
            view.c.valid_from,
            view.c.valid_to,
        )
        .where(view.c.provider == provider, view.c.model_id.in_(ids))
        .order_by(view.c.valid_from)
    )
    for model_id, *key, amount, start, end in conn.execute(query):
        if amount is not None:  # a variable price has no amount to draw: a gap
            found[(provider, model_id)][tuple(key)].append(PricePoint(amount, start, end))
