"""Column types that behave the same on SQLite and PostgreSQL.

- ``ExactDecimal``: NUMERIC on PostgreSQL; on SQLite, whose NUMERIC affinity silently
  turns values into 15-digit floats, the canonical decimal text (``0.00000100000000000000015``
  reads back digit for digit).
- ``UTCDateTime``: ``timestamptz`` on PostgreSQL; on SQLite a fixed-width
  ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC, which sorts and compares correctly as text.
  Both always hand back timezone-aware UTC datetimes and refuse naive ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from catalogsync.codec import canonical_decimal


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal amount (NUMERIC on PostgreSQL, canonical text on SQLite)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return canonical_decimal(Decimal(value))
        return Decimal(canonical_decimal(Decimal(value)))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(canonical_decimal(Decimal(str(value))))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: catalogsync stores UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw text from a view column on SQLite
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
