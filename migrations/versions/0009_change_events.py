"""Change events and the notification outbox: change_events, notification_deliveries

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 07:45:00

``change_events`` holds one row per typed change of a stored version (model added,
removed, changed, retiring; price added, removed, changed), with a stable event id, the
price point's key, old and new amounts and ``pct_change``; the store writes a version's
events in the version's transaction. ``notification_deliveries`` is the outbox: the
deliveries a version owes each notification channel, written in the same transaction and
sent afterwards. Versions stored before this revision have no events (``catalogsync
rebuild`` does not add them, as it replays only versions whose content changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types (as in 0001): never import the package here.

MAX_EXPONENT = 1000


def canonical_decimal(value: Decimal) -> str:
    """The shortest plain-notation spelling of ``value`` (``1.0`` -> ``1``, never ``1E+2``)."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"number {value:.3e} is out of range")
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f")
    return text.rstrip("0")


class ExactDecimal(sa.TypeDecorator[Decimal]):
    """An exact decimal amount (NUMERIC on PostgreSQL, canonical text on SQLite)."""

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return canonical_decimal(Decimal(value))
        return Decimal(canonical_decimal(Decimal(value)))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(canonical_decimal(Decimal(str(value))))


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused, not guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: catalogsync stores UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw text from a view column on SQLite
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PRICE_KEY = ("price_type", "variant", "tier", "service_tier", "region", "unit")


def upgrade() -> None:
    op.create_table(
        "change_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", Id, nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("catalog_version_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("observed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in PRICE_KEY),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("old_amount", ExactDecimal(), nullable=True),
        sa.Column("new_amount", ExactDecimal(), nullable=True),
        sa.Column("pct_change", sa.Float(), nullable=True),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("retires_on", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_change_events_event_id")),
    )
    op.create_index(
        op.f("ix_change_events_catalog_version_id"), "change_events", ["catalog_version_id"]
    )
    op.create_index(
        op.f("ix_change_events_provider_id_observed_at"),
        "change_events",
        ["provider_id", "observed_at"],
    )
    op.create_index(op.f("ix_change_events_observed_at"), "change_events", ["observed_at"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("provider_id", Id, nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("catalog_version_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_notification_deliveries_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
    )
    op.create_index(
        op.f("ix_notification_deliveries_status_next_attempt_at"),
        "notification_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        op.f("ix_notification_deliveries_catalog_version_id"),
        "notification_deliveries",
        ["catalog_version_id"],
    )


def downgrade() -> None:
    op.drop_table("notification_deliveries")
    op.drop_table("change_events")
