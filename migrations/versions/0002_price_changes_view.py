"""Price changes and diffs: the price_changes view, and indexes on the versions rows belong to

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:03:49.904262
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per price that appeared (added), moved (changed) or disappeared (removed),
# dated by the observed time of the catalog version that made the change. A version
# that closes a price row and opens one with the same key changed that price.
PRICE_CHANGES = """
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
"""


def upgrade() -> None:
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prices_closed_in_version_id_model_id"),
            ["closed_in_version_id", "model_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_prices_opened_in_version_id_model_id"),
            ["opened_in_version_id", "model_id"],
            unique=False,
        )
    for table in ("models",):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_closed_in_version_id"),
                ["closed_in_version_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_opened_in_version_id"),
                ["opened_in_version_id"],
                unique=False,
            )
    op.execute(f"CREATE VIEW price_changes AS {PRICE_CHANGES}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS price_changes")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_opened_in_version_id"))
        batch_op.drop_index(batch_op.f("ix_models_closed_in_version_id"))
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prices_opened_in_version_id_model_id"))
        batch_op.drop_index(batch_op.f("ix_prices_closed_in_version_id_model_id"))
