"""Provider text without length limits: ids, names, variants and units as TEXT

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:20:00

The columns that hold a provider's own text (model ids, input ids, format names,
categories, access levels, price types, variants, units, attribute names, the upstream
version) were VARCHAR(n): PostgreSQL refused a 300-character id that SQLite stored, so one
payload synced on one database and failed on the other. They become TEXT on both, with no
limit (PostgreSQL stores TEXT and VARCHAR alike; on SQLite the tables are copied once).

The views read these columns, and PostgreSQL cannot change the type of a column a view
uses: every view is dropped first, as it is defined in the database, and created again
after, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "catalog_versions": {"upstream_version": 255},
    "formats": {"name": 64},
    "models": {"model_id": 255, "category": 255, "access": 64},
    "model_inputs": {"model_id": 255, "input_id": 255},
    "prices": {"model_id": 255, "price_type": 64, "variant": 255, "unit": 64},
    "model_attributes": {"model_id": 255, "name": 255},
}
"""Table -> column -> its former VARCHAR length."""

NULLABLE = {("catalog_versions", "upstream_version"), ("models", "category"), ("models", "access")}


def _views(conn: sa.Connection) -> list[tuple[str, str]]:
    """Every view of the schema as ``(name, CREATE VIEW statement)``, oldest first."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'v' AND n.nspname = current_schema() ORDER BY c.oid"
            )
        ).all()
        return [(name, f"CREATE VIEW {name} AS {body}") for name, body in rows]
    rows = conn.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid")
    ).all()
    return [(name, sql) for name, sql in rows]


def _retype(to_text: bool) -> None:
    conn = op.get_bind()
    views = _views(conn)
    for name, _ in reversed(views):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                old, new = sa.String(length=length), sa.Text()
                batch_op.alter_column(
                    column,
                    existing_type=old if to_text else new,
                    type_=new if to_text else old,
                    existing_nullable=(table, column) in NULLABLE,
                )
    for _, statement in views:
        op.execute(statement)


def upgrade() -> None:
    _retype(to_text=True)


def downgrade() -> None:
    # Fails on PostgreSQL if a value has grown past its former limit: shorten it first.
    _retype(to_text=False)
