"""Price dimensions: tier, service tier, region, currency, variable prices, numeric companions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:45:00

A price point is keyed by price_type, variant, tier, service_tier, region and unit (the
new key fields are '' for every price stored before), has a currency (ISO 4217, NULL for
a provider's own credits) and an amount that is NULL for a variable price. Prices stored
before get the currency their unit names (``USD/1M tokens`` -> USD): the content hashes
stored with their versions stay valid, as the hashed form leaves out a currency the unit
implies and empty key fields.

The price views carry the new columns, ``kind`` (fixed or variable), and a numeric
companion of every amount for comparing and ordering: ``amount_value`` (``old_value``,
``new_value`` and ``pct_change`` in ``price_changes``), REAL on SQLite, NUMERIC on
PostgreSQL; ``amount`` stays the exact value. The other views are dropped and created
again unchanged (PostgreSQL cannot alter a table a view reads).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRICE_VIEWS = ("current_prices", "price_history", "price_changes")
KEY = ("price_type", "variant", "tier", "service_tier", "region", "unit")
OLD_KEY = ("price_type", "variant", "unit")
CURRENT = "valid_to IS NULL"


def _value(column: str, dialect: str) -> str:
    """The numeric companion of an exact amount column."""
    return f"CAST({column} AS REAL)" if dialect == "sqlite" else column


def _price_views(dialect: str) -> dict[str, str]:
    point = ", ".join(f"pr.{name}" for name in KEY)
    kind = "CASE WHEN pr.amount IS NULL THEN 'variable' ELSE 'fixed' END AS kind"
    same_key = " AND ".join(f"o.{name} = n.{name}" for name in KEY)
    old, new = _value("o.amount", dialect), _value("n.amount", dialect)
    hundred = "100.0" if dialect == "sqlite" else "100"
    pct = f"ROUND(({new} - {old}) * {hundred} / NULLIF({old}, 0), 2)"
    return {
        "current_prices": f"""
            SELECT p.slug AS provider, pr.model_id, {point}, pr.currency, pr.amount,
                   {_value("pr.amount", dialect)} AS amount_value, {kind},
                   pr.valid_from AS since
              FROM prices pr
              JOIN providers p ON p.id = pr.provider_id
             WHERE pr.valid_to IS NULL
        """,
        "price_history": f"""
            SELECT p.slug AS provider, pr.model_id, {point}, pr.currency, pr.amount,
                   {_value("pr.amount", dialect)} AS amount_value, {kind},
                   pr.valid_from, pr.valid_to,
                   o.version AS opened_in_version, c.version AS closed_in_version
              FROM prices pr
              JOIN providers p ON p.id = pr.provider_id
              JOIN catalog_versions o ON o.id = pr.opened_in_version_id
              LEFT JOIN catalog_versions c ON c.id = pr.closed_in_version_id
        """,
        # One row per price that appeared (added), moved (changed) or disappeared
        # (removed), dated by the observed time of the version that made the change: a
        # version that closes a price row and opens one with the same key changed it.
        "price_changes": f"""
            SELECT p.slug AS provider, n.model_id, {point.replace("pr.", "n.")}, n.currency,
                   o.amount AS old_amount, n.amount AS new_amount,
                   {old} AS old_value, {new} AS new_value, {pct} AS pct_change,
                   CASE WHEN o.id IS NULL THEN 'added' ELSE 'changed' END AS change,
                   v.fetched_at AS changed_at, v.version AS catalog_version
              FROM prices n
              JOIN providers p ON p.id = n.provider_id
              JOIN catalog_versions v ON v.id = n.opened_in_version_id
              LEFT JOIN prices o
                ON o.closed_in_version_id = n.opened_in_version_id
               AND o.provider_id = n.provider_id AND o.model_id = n.model_id AND {same_key}
            UNION ALL
            SELECT p.slug, o.model_id, {point.replace("pr.", "o.")}, o.currency,
                   o.amount, NULL, {old}, NULL, NULL, 'removed',
                   v.fetched_at, v.version
              FROM prices o
              JOIN providers p ON p.id = o.provider_id
              JOIN catalog_versions v ON v.id = o.closed_in_version_id
             WHERE NOT EXISTS (
                   SELECT 1 FROM prices n
                    WHERE n.opened_in_version_id = o.closed_in_version_id
                      AND n.provider_id = o.provider_id AND n.model_id = o.model_id
                      AND {same_key})
        """,
    }


# The price views as schema 0002 left them, for downgrade.
OLD_PRICE_VIEWS = {
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
    "price_changes": """
        SELECT p.slug AS provider, n.model_id, n.price_type, n.variant, n.unit,
               o.amount AS old_amount, n.amount AS new_amount,
               CASE WHEN o.id IS NULL THEN 'added' ELSE 'changed' END AS change,
               v.fetched_at AS changed_at, v.version AS catalog_version
          FROM prices n
          JOIN providers p ON p.id = n.provider_id
          JOIN catalog_versions v ON v.id = n.opened_in_version_id
          LEFT JOIN prices o
            ON o.closed_in_version_id = n.opened_in_version_id
           AND o.provider_id = n.provider_id AND o.model_id = n.model_id
           AND o.price_type = n.price_type AND o.variant = n.variant AND o.unit = n.unit
        UNION ALL
        SELECT p.slug, o.model_id, o.price_type, o.variant, o.unit,
               o.amount, NULL, 'removed',
               v.fetched_at, v.version
          FROM prices o
          JOIN providers p ON p.id = o.provider_id
          JOIN catalog_versions v ON v.id = o.closed_in_version_id
         WHERE NOT EXISTS (
               SELECT 1 FROM prices n
                WHERE n.opened_in_version_id = o.closed_in_version_id
                  AND n.provider_id = o.provider_id AND n.model_id = o.model_id
                  AND n.price_type = o.price_type AND n.variant = o.variant AND n.unit = o.unit)
    """,
}

_CURRENCY_UNIT = re.compile(r"([A-Z]{3})/")  # frozen copy of catalog.implied_currency's rule


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


def _current_index(key: Sequence[str]) -> None:
    op.create_index(
        "uq_prices_current",
        "prices",
        ["provider_id", "model_id", *key],
        unique=True,
        postgresql_where=sa.text(CURRENT),
        sqlite_where=sa.text(CURRENT),
    )


def upgrade() -> None:
    conn = op.get_bind()
    others = [(name, sql) for name, sql in _views(conn) if name not in PRICE_VIEWS]
    for name in (*PRICE_VIEWS, *reversed([name for name, _ in others])):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index("uq_prices_current", table_name="prices")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        for name in ("tier", "service_tier", "region"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("currency", sa.Text(), nullable=True))
        batch_op.alter_column("amount", existing_type=sa.Numeric(), nullable=True)
    units = conn.execute(sa.text("SELECT DISTINCT unit FROM prices")).scalars().all()
    for unit in units:
        found = _CURRENCY_UNIT.match(unit)
        if found:
            conn.execute(
                sa.text("UPDATE prices SET currency = :currency WHERE unit = :unit"),
                {"currency": found.group(1), "unit": unit},
            )
    _current_index(KEY)
    for _, statement in others:
        op.execute(statement)
    for name, sql in _price_views(conn.dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    # Variable prices and the new dimensions have no place in the old schema: rows using
    # them must be removed by hand first (the old key would not tell them apart).
    conn = op.get_bind()
    others = [(name, sql) for name, sql in _views(conn) if name not in PRICE_VIEWS]
    for name in (*PRICE_VIEWS, *reversed([name for name, _ in others])):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index("uq_prices_current", table_name="prices")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.alter_column("amount", existing_type=sa.Numeric(), nullable=False)
        for name in ("currency", "region", "service_tier", "tier"):
            batch_op.drop_column(name)
    _current_index(OLD_KEY)
    for _, statement in others:
        op.execute(statement)
    for name, sql in OLD_PRICE_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")
