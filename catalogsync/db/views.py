"""The analyst views, as typed tables for reading.

The views themselves are created by the migrations (their SQL is part of the schema's
history); these definitions only tell SQLAlchemy their column types, so that a filter
like ``changed_at >= since`` binds a timestamp in the stored format on SQLite and amounts
come back as exact ``Decimal``s. They live on their own ``MetaData``: Alembic's
autogenerate must not mistake them for tables.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table

from catalogsync.db.types import ExactDecimal, UTCDateTime
from catalogsync.keys import PRICE

VIEWS = MetaData()


def _price_point() -> list[Column[str]]:
    """Which price a row is about: provider, model and the price key."""
    return [Column(name, String) for name in ("provider", "model_id", *PRICE.fields)]


def _value(name: str) -> Column[Decimal]:
    """The numeric companion of an amount: exact on PostgreSQL, REAL on SQLite."""
    return Column(name, Numeric(asdecimal=True))


price_changes = Table(
    "price_changes",
    VIEWS,
    *_price_point(),
    Column("currency", String),
    Column("old_amount", ExactDecimal()),
    Column("new_amount", ExactDecimal()),
    _value("old_value"),
    _value("new_value"),
    _value("pct_change"),
    Column("change", String),
    Column("changed_at", UTCDateTime()),
    Column("catalog_version", Integer),
)

price_history = Table(
    "price_history",
    VIEWS,
    *_price_point(),
    Column("currency", String),
    Column("amount", ExactDecimal()),
    _value("amount_value"),
    Column("kind", String),
    Column("valid_from", UTCDateTime()),
    Column("valid_to", UTCDateTime()),
    Column("opened_in_version", Integer),
    Column("closed_in_version", Integer),
)
