"""Failed runs keep what arrived: sync_runs.raw_payload and raw_encoding

A sync that fetched a payload but could not parse or store it (an invalid payload, a
refused mass removal, a database error) keeps the bytes it received with its run, so
``catalogsync runs show ID`` can show what the provider actually sent. Successful runs
leave them NULL: their catalog version holds the payload.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_encoding", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("raw_payload", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("raw_payload")
        batch_op.drop_column("raw_encoding")
