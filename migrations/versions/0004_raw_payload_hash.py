"""Unchanged fetches without parsing: catalog_versions.raw_hash, and an index on fetched_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        # NULL for versions stored before: their next fetch is parsed as always.
        batch_op.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_catalog_versions_fetched_at"), ["fetched_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_versions_fetched_at"))
        batch_op.drop_column("raw_hash")
