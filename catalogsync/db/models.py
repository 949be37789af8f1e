"""The relational schema: typed tables on one ``DeclarativeBase``.

History is kept SCD type 2 on every normalized table (models, model_inputs, prices,
model_attributes): a row that stops
being true is closed, with ``valid_to`` and ``closed_in_version_id`` set, and a new row is
opened. Nothing else is ever updated, and nothing is deleted. The current state is the set
of rows whose ``valid_to`` is NULL; a partial unique index per table guarantees one current
row per key, whatever concurrent writers do.

Child rows name their model by ``(provider_id, model_id)``, the provider's own id, not by
a ``models.id``: a model's state row changes whenever anything about it changes, and its
children must not be rewritten each time.

Formats are a dimension (``formats``); an input names the formats it accepts, and a
model the formats it produces, as a canonical JSON list of format ids
(``model_inputs.format_ids``, ``models.output_format_ids``). One row per input instead
of one per (input, format) cuts the rows a catalog writes about sixfold; the views
``model_input_formats`` and ``model_output_formats`` give analysts one row per format.

Tables are plural snake_case, classes singular.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from catalogsync.catalog import FORMAT_KINDS
from catalogsync.db.types import ExactDecimal, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SYNC_STATUSES = ("running", "succeeded", "unchanged", "failed", "abandoned")

# A bigint on PostgreSQL, but SQLite only auto-increments a column declared INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Provider(Base):
    """A catalog source, by its lower-case name."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CatalogVersion(Base):
    """One distinct catalog content of a provider, with the raw payload it came from."""

    __tablename__ = "catalog_versions"
    __table_args__ = (
        UniqueConstraint("provider_id", "version"),
        Index(None, "provider_id", "fetched_at"),
        Index(None, "fetched_at"),  # price_changes over a period, all providers
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    version: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))
    upstream_version: Mapped[str | None] = mapped_column(String(255))
    model_count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    raw_encoding: Mapped[str] = mapped_column(String(16))
    raw_payload: Mapped[bytes] = mapped_column(LargeBinary)
    # SHA-256 of the raw bytes and the parser that read them: a fetch with the same bytes
    # is unchanged without being parsed again.
    raw_hash: Mapped[str | None] = mapped_column(String(64))


class SyncRun(Base):
    """One attempt to sync (or import) a provider, whatever its outcome."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SYNC_STATUSES) + ")", name="status"
        ),
        Index(None, "provider_id", "started_at"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    catalog_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_versions.id"))
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    models_added: Mapped[int | None] = mapped_column(Integer)
    models_removed: Mapped[int | None] = mapped_column(Integer)
    models_changed: Mapped[int | None] = mapped_column(Integer)
    prices_changed: Mapped[int | None] = mapped_column(Integer)
    # What a failed run received (zlib-compressed, as catalog_versions.raw_payload), so a
    # payload that failed validation can be inspected; NULL when nothing arrived, and on
    # successful runs, whose catalog version holds the payload.
    raw_encoding: Mapped[str | None] = mapped_column(String(16))
    raw_payload: Mapped[bytes | None] = mapped_column(LargeBinary)


class Format(Base):
    """A distinct file format; not versioned: a format is what it is."""

    __tablename__ = "formats"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in FORMAT_KINDS) + ")", name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))


class History:
    """Validity columns shared by every SCD type 2 table.

    ``provider_id`` names a ``providers.id`` and the two version columns a
    ``catalog_versions.id``, without declared foreign keys: these tables take tens of
    thousands of rows per catalog, and PostgreSQL checks a foreign key with a trigger per
    row, which tripled the cost of writing them (0.63 s against 0.18 s of server time for
    the 40,000 rows of a 10,000-model catalog). Only the store writes them, in the
    transaction that inserted the version they name; a test checks that no row of any
    history table names a missing provider or version.
    """

    # sort_order: the key first and the validity last, for analysts' `SELECT *`.
    provider_id: Mapped[int] = mapped_column(Id, sort_order=-10)
    model_id: Mapped[str] = mapped_column(String(255), sort_order=-9)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), sort_order=10)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), sort_order=11)
    opened_in_version_id: Mapped[int] = mapped_column(Id, sort_order=12)
    closed_in_version_id: Mapped[int | None] = mapped_column(Id, sort_order=13)


def _current_unique(table: str, *columns: str) -> Index:
    """One open row per key: unique over ``columns`` among rows with ``valid_to IS NULL``."""
    where = text("valid_to IS NULL")
    return Index(
        f"uq_{table}_current",
        *columns,
        unique=True,
        postgresql_where=where,
        sqlite_where=where,
    )


def _by_model(table: str) -> Index:
    """History of one model, in time order (also serves ``valid_to IS NULL`` scans)."""
    return Index(f"ix_{table}_model", "provider_id", "model_id", "valid_from")


class Model(History, Base):
    """A model's state over time; any change to the model, children included, opens a new row."""

    __tablename__ = "models"
    __table_args__ = (
        _current_unique("models", "provider_id", "model_id"),
        _by_model("models"),
        # Which models changed between two versions (diff): rows opened or closed by them.
        Index(None, "opened_in_version_id"),
        Index(None, "closed_in_version_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, sort_order=-20)
    name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    access: Mapped[str | None] = mapped_column(String(64))
    output_format_ids: Mapped[str] = mapped_column(Text)  # canonical JSON list of formats.id
    content_hash: Mapped[str] = mapped_column(String(64))


class ModelInput(History, Base):
    """An accepted input of a model over time."""

    __tablename__ = "model_inputs"
    __table_args__ = (
        _current_unique("model_inputs", "provider_id", "model_id", "input_id"),
        _by_model("model_inputs"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, sort_order=-20)
    input_id: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool | None] = mapped_column(Boolean)
    task_fields: Mapped[str] = mapped_column(Text)  # canonical JSON list
    format_ids: Mapped[str] = mapped_column(Text)  # canonical JSON list of formats.id


class Price(History, Base):
    """A price point of a model over time, keyed by type, variant and unit."""

    __tablename__ = "prices"
    __table_args__ = (
        _current_unique("prices", "provider_id", "model_id", "price_type", "variant", "unit"),
        _by_model("prices"),
        Index(None, "valid_from"),
        # price_changes pairs the row a version closed with the one it opened, per model.
        Index(None, "opened_in_version_id", "model_id"),
        Index(None, "closed_in_version_id", "model_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, sort_order=-20)
    price_type: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())


class ModelAttribute(History, Base):
    """Any other fact about a model (limits, languages, capability flags...), over time."""

    __tablename__ = "model_attributes"
    __table_args__ = (
        _current_unique("model_attributes", "provider_id", "model_id", "name"),
        _by_model("model_attributes"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, sort_order=-20)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)  # canonical JSON


HISTORY_TABLES = (Model, ModelInput, Price, ModelAttribute)
