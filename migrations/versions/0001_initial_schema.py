"""Initial schema: providers, versions, sync runs, SCD2 history tables and analyst views

Revision ID: 0001
Revises:
Create Date: 2026-11-21 22:50:13.410786
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Frozen copies of the column types this revision uses, as ``catalogsync.db.types`` (with
# ``catalogsync.catalog.canonical_decimal``) defined them: a migration never imports the
# package, so editing the package cannot change history. Never edit them; a later
# revision that needs a type as it is by then carries its own copy.

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


# The views are part of the public interface (shared/CONTRACT.md); their SQL is portable,
# so SQLite and PostgreSQL give the same columns.
VIEWS = {
    "current_models": """
        SELECT p.slug AS provider, m.model_id, m.name, m.category, m.description, m.access,
               (SELECT MIN(h.valid_from) FROM models h
                 WHERE h.provider_id = m.provider_id AND h.model_id = m.model_id) AS first_seen,
               m.valid_from AS changed_at,
               v.version AS catalog_version
          FROM models m
          JOIN providers p ON p.id = m.provider_id
          JOIN catalog_versions v ON v.id = m.opened_in_version_id
         WHERE m.valid_to IS NULL
    """,
    "current_prices": """
        SELECT p.slug AS provider, pr.model_id, pr.price_type, pr.variant, pr.unit, pr.amount,
               pr.valid_from AS since
          FROM prices pr
          JOIN providers p ON p.id = pr.provider_id
         WHERE pr.valid_to IS NULL
    """,
    "price_history": """
        SELECT p.slug AS provider, pr.model_id, pr.price_type, pr.variant, pr.unit, pr.amount,
               pr.valid_from, pr.valid_to,
               o.version AS opened_in_version, c.version AS closed_in_version
          FROM prices pr
          JOIN providers p ON p.id = pr.provider_id
          JOIN catalog_versions o ON o.id = pr.opened_in_version_id
          LEFT JOIN catalog_versions c ON c.id = pr.closed_in_version_id
    """,
    "current_formats": """
        SELECT p.slug AS provider, mif.model_id, 'input' AS direction, mif.input_id,
               f.kind, f.name
          FROM model_input_formats mif
          JOIN providers p ON p.id = mif.provider_id
          JOIN formats f ON f.id = mif.format_id
         WHERE mif.valid_to IS NULL
        UNION ALL
        SELECT p.slug, mof.model_id, 'output', NULL, f.kind, f.name
          FROM model_output_formats mof
          JOIN providers p ON p.id = mof.provider_id
          JOIN formats f ON f.id = mof.format_id
         WHERE mof.valid_to IS NULL
    """,
    "current_attributes": """
        SELECT p.slug AS provider, a.model_id, a.name, a.value
          FROM model_attributes a
          JOIN providers p ON p.id = a.provider_id
         WHERE a.valid_to IS NULL
    """,
}


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "formats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('audio', 'video', 'image', 'text', 'other')", name=op.f("ck_formats_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formats")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_formats_kind_name")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_providers_slug")),
    )
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("upstream_version", sa.String(length=255), nullable=True),
        sa.Column("model_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("raw_encoding", sa.String(length=16), nullable=False),
        sa.Column("raw_payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_catalog_versions_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_versions")),
        sa.UniqueConstraint(
            "provider_id", "version", name=op.f("uq_catalog_versions_provider_id_version")
        ),
    )
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_versions_provider_id_fetched_at"),
            ["provider_id", "fetched_at"],
            unique=False,
        )

    op.create_table(
        "model_attributes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_attributes_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_attributes_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_model_attributes_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_attributes")),
    )
    with op.batch_alter_table("model_attributes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_attributes_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_model_attributes_current",
            ["provider_id", "model_id", "name"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "model_input_formats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("input_id", sa.String(length=255), nullable=False),
        sa.Column(
            "format_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_input_formats_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["format_id"], ["formats.id"], name=op.f("fk_model_input_formats_format_id_formats")
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_input_formats_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_model_input_formats_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_input_formats")),
    )
    with op.batch_alter_table("model_input_formats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_input_formats_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_model_input_formats_current",
            ["provider_id", "model_id", "input_id", "format_id"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "model_inputs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("input_id", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=True),
        sa.Column("task_fields", sa.Text(), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_inputs_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_inputs_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_model_inputs_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_inputs")),
    )
    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_inputs_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_model_inputs_current",
            ["provider_id", "model_id", "input_id"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "model_output_formats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column(
            "format_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_output_formats_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["format_id"], ["formats.id"], name=op.f("fk_model_output_formats_format_id_formats")
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_model_output_formats_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_model_output_formats_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_output_formats")),
    )
    with op.batch_alter_table("model_output_formats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_output_formats_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_model_output_formats_current",
            ["provider_id", "model_id", "format_id"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("access", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_models_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_models_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_models_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index(
            "ix_models_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_models_current",
            ["provider_id", "model_id"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "prices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("price_type", sa.String(length=64), nullable=False),
        sa.Column("variant", sa.String(length=255), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "opened_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "closed_in_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_prices_closed_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_in_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_prices_opened_in_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_prices_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prices_model", ["provider_id", "model_id", "valid_from"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prices_valid_from"), ["valid_from"], unique=False)
        batch_op.create_index(
            "uq_prices_current",
            ["provider_id", "model_id", "price_type", "variant", "unit"],
            unique=True,
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "catalog_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("models_added", sa.Integer(), nullable=True),
        sa.Column("models_removed", sa.Integer(), nullable=True),
        sa.Column("models_changed", sa.Integer(), nullable=True),
        sa.Column("prices_changed", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'unchanged', 'failed', 'abandoned')",
            name=op.f("ck_sync_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["catalog_version_id"],
            ["catalog_versions.id"],
            name=op.f("fk_sync_runs_catalog_version_id_catalog_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_sync_runs_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_provider_id_started_at"),
            ["provider_id", "started_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sync_runs_status"), ["status"], unique=False)

    # ### end Alembic commands ###
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_status"))
        batch_op.drop_index(batch_op.f("ix_sync_runs_provider_id_started_at"))

    op.drop_table("sync_runs")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_prices_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_prices_valid_from"))
        batch_op.drop_index("ix_prices_model")

    op.drop_table("prices")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_models_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_models_model")

    op.drop_table("models")
    with op.batch_alter_table("model_output_formats", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_model_output_formats_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_model_output_formats_model")

    op.drop_table("model_output_formats")
    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_model_inputs_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_model_inputs_model")

    op.drop_table("model_inputs")
    with op.batch_alter_table("model_input_formats", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_model_input_formats_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_model_input_formats_model")

    op.drop_table("model_input_formats")
    with op.batch_alter_table("model_attributes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_model_attributes_current",
            postgresql_where=sa.text("valid_to IS NULL"),
            sqlite_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_model_attributes_model")

    op.drop_table("model_attributes")
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_versions_provider_id_fetched_at"))

    op.drop_table("catalog_versions")
    op.drop_table("providers")
    op.drop_table("formats")
    # ### end Alembic commands ###
