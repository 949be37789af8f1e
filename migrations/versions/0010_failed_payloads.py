"""Failed runs' payloads stored once: failed_payloads, sync_runs.failed_payload_id

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 08:00:00

A provider that fails the same way every hour used to keep one copy of the same payload
per failed run (``sync_runs.raw_payload``). Now each distinct payload is stored once per
provider in ``failed_payloads``, keyed by the SHA-256 of its bytes as received, and a
failed run points at it (``sync_runs.failed_payload_id``). The upgrade moves every stored
payload there, one at a time, deduplicated, and drops the old columns; the downgrade
copies each run's payload back.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp (a frozen copy of catalogsync.db.types.UTCDateTime)."""

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
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _decompress(encoding: str, stored: bytes) -> bytes:
    if encoding == "zlib":
        return zlib.decompress(stored)
    raise ValueError(f"a stored payload has an unknown encoding {encoding!r}")


def _runs() -> sa.TableClause:
    return sa.table(
        "sync_runs",
        sa.column("id", Id),
        sa.column("provider_id", Id),
        sa.column("started_at", UTCDateTime()),
        sa.column("raw_encoding", sa.String()),
        sa.column("raw_payload", sa.LargeBinary()),
        sa.column("failed_payload_id", Id),
    )


def _payloads() -> sa.TableClause:
    return sa.table(
        "failed_payloads",
        sa.column("id", Id),
        sa.column("provider_id", Id),
        sa.column("raw_hash", sa.String()),
        sa.column("raw_encoding", sa.String()),
        sa.column("raw_payload", sa.LargeBinary()),
        sa.column("first_seen", UTCDateTime()),
    )


def upgrade() -> None:
    op.create_table(
        "failed_payloads",
        sa.Column("id", Id, nullable=False),
        sa.Column("provider_id", Id, nullable=False),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_encoding", sa.String(length=16), nullable=False),
        sa.Column("raw_payload", sa.LargeBinary(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_failed_payloads_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_payloads")),
        sa.UniqueConstraint(
            "provider_id", "raw_hash", name=op.f("uq_failed_payloads_provider_id_raw_hash")
        ),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_payload_id", Id, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_sync_runs_failed_payload_id"), ["failed_payload_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sync_runs_failed_payload_id_failed_payloads"),
            "failed_payloads",
            ["failed_payload_id"],
            ["id"],
        )

    conn = op.get_bind()
    runs, payloads = _runs(), _payloads()
    # The runs first, then each payload on its own: one payload in memory at a time.
    kept = conn.execute(
        sa.select(runs.c.id, runs.c.provider_id, runs.c.started_at)
        .where(runs.c.raw_payload.is_not(None))
        .order_by(runs.c.id)
    ).all()
    known: dict[tuple[int, str], int] = {}
    for run_id, provider_id, started_at in kept:
        encoding, stored = conn.execute(
            sa.select(runs.c.raw_encoding, runs.c.raw_payload).where(runs.c.id == run_id)
        ).one()
        raw_hash = hashlib.sha256(_decompress(encoding, bytes(stored))).hexdigest()
        payload_id = known.get((provider_id, raw_hash))
        if payload_id is None:
            payload_id = conn.execute(
                sa.insert(payloads).returning(payloads.c.id),
                {
                    "provider_id": provider_id,
                    "raw_hash": raw_hash,
                    "raw_encoding": encoding,
                    "raw_payload": bytes(stored),
                    "first_seen": started_at,
                },
            ).scalar_one()
            known[(provider_id, raw_hash)] = payload_id
        conn.execute(
            sa.update(runs).where(runs.c.id == run_id).values(failed_payload_id=payload_id)
        )

    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("raw_payload")
        batch_op.drop_column("raw_encoding")


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_encoding", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("raw_payload", sa.LargeBinary(), nullable=True))
    runs, payloads = _runs(), _payloads()
    for column in ("raw_encoding", "raw_payload"):
        op.execute(
            sa.update(runs)
            .where(runs.c.failed_payload_id.is_not(None))
            .values(
                {
                    column: sa.select(payloads.c[column])
                    .where(payloads.c.id == runs.c.failed_payload_id)
                    .scalar_subquery()
                }
            )
        )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sync_runs_failed_payload_id_failed_payloads"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sync_runs_failed_payload_id"))
        batch_op.drop_column("failed_payload_id")
    op.drop_table("failed_payloads")
