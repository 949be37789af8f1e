"""The relational schema: SQLAlchemy Core tables on one ``MetaData``.

History is kept SCD type 2 on every normalized table (models, model_inputs, prices,
model_attributes): a row that stops
being true is closed, with ``valid_to`` and ``closed_in_version_id`` set, and a new row is
opened. Nothing else is ever updated, and nothing is deleted, except by ``catalogsync
rebuild``, which replays a provider's history from its stored payloads. The current state
is the set of rows whose ``valid_to`` is NULL; a partial unique index per table guarantees
one current row per key, whatever concurrent writers do.

Child rows name their model by ``(provider_id, model_id)``, the provider's own id, not by
a ``models.id``: a model's state row changes whenever anything about it changes, and its
children must not be rewritten each time.

Formats are a dimension (``formats``); an input names the formats it accepts, and a
model the formats it produces, as a canonical JSON list of format ids
(``model_inputs.format_ids``, ``models.output_format_ids``). One row per input instead
of one per (input, format) cuts the rows a catalog writes about sixfold; the views
``model_input_formats`` and ``model_output_formats`` give analysts one row per format.

Tables are plural snake_case. They are declared in Core, not as ORM classes: nothing here
maps rows to objects, and importing ``sqlalchemy.orm`` slowed the start of every command.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from catalogsync import keys
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
DELIVERY_STATUSES = ("pending", "delivered", "failed")

# A bigint on PostgreSQL, but SQLite only auto-increments a column declared INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _required(
    name: str,
    type_: TypeEngine[Any],
    *args: SchemaItem,
    unique: bool = False,
    server_default: str | None = None,
) -> Column[Any]:
    """A ``NOT NULL`` column."""
    return Column(name, type_, *args, nullable=False, unique=unique, server_default=server_default)


def _optional(name: str, type_: TypeEngine[Any], *args: SchemaItem) -> Column[Any]:
    """A column that may be NULL."""
    return Column(name, type_, *args, nullable=True)


providers = Table(
    "providers",
    metadata,
    Column("id", Id, primary_key=True),
    _required("slug", String(64), unique=True),
    _required("created_at", UTCDateTime()),
)
"""A catalog source, by its lower-case name."""

catalog_versions = Table(
    "catalog_versions",
    metadata,
    Column("id", Id, primary_key=True),
    _required("provider_id", Id, ForeignKey("providers.id")),
    _required("version", Integer()),
    _required("fetched_at", UTCDateTime()),
    _required("recorded_at", UTCDateTime()),
    _required("content_hash", String(64)),
    _optional("upstream_version", Text()),
    _required("model_count", Integer()),
    _required("source", String(16)),
    _required("raw_encoding", String(16)),
    _required("raw_payload", LargeBinary()),
    # SHA-256 of the raw bytes and the parser that read them: a fetch with the same bytes
    # is unchanged without being parsed again.
    _optional("raw_hash", String(64)),
    UniqueConstraint("provider_id", "version"),
    Index(None, "provider_id", "fetched_at"),
    Index(None, "fetched_at"),  # price_changes over a period, all providers
)
"""One distinct catalog content of a provider, with the raw payload it came from."""

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Id, primary_key=True),
    _required("provider_id", Id, ForeignKey("providers.id")),
    _required("trigger", String(16)),
    _required("started_at", UTCDateTime()),
    _optional("finished_at", UTCDateTime()),
    _required("status", String(16)),
    _optional("error", Text()),
    _optional("catalog_version_id", Id, ForeignKey("catalog_versions.id")),
    _required("hostname", String(255)),
    _required("pid", Integer()),
    _optional("models_added", Integer()),
    _optional("models_removed", Integer()),
    _optional("models_changed", Integer()),
    _optional("prices_changed", Integer()),
    # What a failed run received, so a payload that failed validation can be inspected;
    # NULL when nothing arrived, and on successful runs, whose catalog version holds it.
    _optional("failed_payload_id", Id, ForeignKey("failed_payloads.id")),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in SYNC_STATUSES) + ")", name="status"
    ),
    Index(None, "provider_id", "started_at"),
    Index(None, "status"),
    Index(None, "failed_payload_id"),
)
"""One attempt to sync (or import) a provider, whatever its outcome."""

failed_payloads = Table(
    "failed_payloads",
    metadata,
    Column("id", Id, primary_key=True),
    _required("provider_id", Id, ForeignKey("providers.id")),
    # SHA-256 of the bytes as received (secrets masked): a provider failing the same way
    # every hour stores its payload once, however many runs point at it.
    _required("raw_hash", String(64)),
    _required("raw_encoding", String(16)),  # zlib-compressed, as catalog_versions.raw_payload
    _required("raw_payload", LargeBinary()),
    _required("first_seen", UTCDateTime()),  # when the first run that received it began
    UniqueConstraint("provider_id", "raw_hash"),
)
"""A payload that failed runs received, stored once per provider and distinct bytes."""

formats = Table(
    "formats",
    metadata,
    Column("id", Id, primary_key=True),
    _required("kind", String(16)),
    _required("name", Text()),
    UniqueConstraint("kind", "name"),
    CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in FORMAT_KINDS) + ")", name="kind"),
)
"""A distinct file format; not versioned: a format is what it is."""


def _history(name: str, *columns: Column[Any], key: tuple[str, ...]) -> Table:
    """An SCD type 2 table: ``columns`` between the model and the validity columns.

    ``provider_id`` names a ``providers.id`` and the two version columns a
    ``catalog_versions.id``, without declared foreign keys: these tables take tens of
    thousands of rows per catalog, and PostgreSQL checks a foreign key with a trigger per
    row, which tripled the cost of writing them (see the README's performance section).
    Only the store writes them, in the
    transaction that inserted the version they name; a test checks that no row of any
    history table names a missing provider or version.

    Two indexes come with every one: one open row per ``key`` (unique over the key among
    rows with ``valid_to IS NULL``), and one model's history in time order (which also
    serves ``valid_to IS NULL`` scans).
    """
    current = text("valid_to IS NULL")
    return Table(
        name,
        metadata,
        # The key first and the validity last, for analysts' `SELECT *`.
        Column("id", Id, primary_key=True),
        _required("provider_id", Id),
        _required("model_id", Text()),
        *columns,
        _required("valid_from", UTCDateTime()),
        _optional("valid_to", UTCDateTime()),
        _required("opened_in_version_id", Id),
        _optional("closed_in_version_id", Id),
        Index(
            f"uq_{name}_current",
            "provider_id",
            "model_id",
            *key,
            unique=True,
            postgresql_where=current,
            sqlite_where=current,
        ),
        Index(f"ix_{name}_model", "provider_id", "model_id", "valid_from"),
    )


models = _history(
    "models",
    _optional("name", Text()),
    _optional("category", Text()),
    _optional("description", Text()),
    _optional("access", Text()),
    _required("output_format_ids", Text()),  # canonical JSON list of formats.id
    _required("content_hash", String(64)),
    key=keys.MODEL.fields,
)
"""A model's state over time; any change to the model, children included, opens a new row."""
# Which models changed between two versions (diff): rows opened or closed by them.
Index(None, models.c.opened_in_version_id)
Index(None, models.c.closed_in_version_id)

model_inputs = _history(
    "model_inputs",
    _required("input_id", Text()),
    _optional("description", Text()),
    _optional("required", Boolean()),
    _required("task_fields", Text()),  # canonical JSON list
    _required("format_ids", Text()),  # canonical JSON list of formats.id
    key=keys.INPUT.fields,
)
"""An accepted input of a model over time."""

prices = _history(
    "prices",
    _required("price_type", Text()),
    _required("variant", Text()),
    _required("unit", Text()),
    _optional("amount", ExactDecimal()),  # NULL: a variable price
    # Dimensions added in schema 0008: empty for the base price, the standard service
    # tier, a price that is not regional.
    _required("tier", Text(), server_default=""),
    _required("service_tier", Text(), server_default=""),
    _required("region", Text(), server_default=""),
    _optional("currency", Text()),  # ISO 4217; NULL for a provider's own credits
    key=keys.PRICE.fields,
)
"""A price point of a model over time, keyed by ``keys.PRICE.fields``."""
Index(None, prices.c.valid_from)
# price_changes pairs the row a version closed with the one it opened, per model.
Index(None, prices.c.opened_in_version_id, prices.c.model_id)
Index(None, prices.c.closed_in_version_id, prices.c.model_id)

model_attributes = _history(
    "model_attributes",
    _required("name", Text()),
    _required("value", Text()),  # canonical JSON
    key=keys.ATTRIBUTE.fields,
)
"""Any other fact about a model (limits, languages, capability flags...), over time."""

HISTORY_TABLES = (models, model_inputs, prices, model_attributes)

change_events = Table(
    "change_events",
    metadata,
    Column("id", Id, primary_key=True),
    _required("event_id", String(36), unique=True),  # stable: catalogsync.events.event_id
    _required("provider_id", Id),
    _required("provider", Text()),
    _required("catalog_version_id", Id),
    _required("version", Integer()),
    _required("observed_at", UTCDateTime()),
    _required("event_type", String(32)),
    _required("model_id", Text()),
    # The price point's key (keys.PRICE.fields), NULL for events about a whole model.
    *(_optional(name, Text()) for name in keys.PRICE.fields),
    _optional("currency", Text()),
    _optional("old_amount", ExactDecimal()),
    _optional("new_amount", ExactDecimal()),
    _optional("pct_change", Float()),  # REAL / double precision: for comparing and ordering
    _optional("fields", Text()),  # canonical JSON list: model_changed's fields
    _optional("retires_on", Text()),  # model_retiring: the announced date, as published
    Index(None, "catalog_version_id"),
    Index(None, "provider_id", "observed_at"),
    Index(None, "observed_at"),
)
"""One typed change of a stored version (``catalogsync.events``), written with the version.

Like the history tables it names its provider and version by id without declared
foreign keys (the store writes it in the version's transaction, before the version's row
on PostgreSQL); ``catalogsync rebuild`` deletes and recomputes a replayed version's events.
"""

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),  # the delivery id receivers deduplicate by
    _required("channel", Text()),
    _required("provider_id", Id),
    _required("provider", Text()),
    _required("catalog_version_id", Id),
    _required("version", Integer()),
    _required("status", String(16)),
    _required("attempts", Integer()),
    _optional("next_attempt_at", UTCDateTime()),
    _optional("last_attempt_at", UTCDateTime()),
    _optional("last_error", Text()),
    _required("created_at", UTCDateTime()),
    _optional("delivered_at", UTCDateTime()),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in DELIVERY_STATUSES) + ")", name="status"
    ),
    Index(None, "status", "next_attempt_at"),
    Index(None, "catalog_version_id"),
)
"""The outbox: one delivery a version owes a notification channel (``catalogsync.notify``),
written in the version's transaction and sent after the commit, at least once."""
