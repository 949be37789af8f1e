"""One model's history: each state it had (a ``models`` row) and the versions that opened
and closed it, for the model page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, select

from catalogsync.db import models as t
from catalogsync.reads.versions import PROVIDERS, VERSIONS


@dataclass(frozen=True)
class ModelRevision:
    """One state of a model: from ``valid_from`` (opened by version ``opened_in``) until
    ``valid_to`` (closed by version ``closed_in``; both ``None`` while it is current)."""

    valid_from: datetime
    valid_to: datetime | None
    opened_in: int
    closed_in: int | None
    name: str | None
    category: str | None
    content_hash: str


def model_revisions(conn: Connection, provider: str, model_id: str) -> list[ModelRevision]:
    """Every state of ``model_id`` of ``provider``, oldest first (empty: never seen)."""
    models: Table = t.models
    opened = VERSIONS.alias("opened")
    closed = VERSIONS.alias("closed")
    query = (
        select(
            models.c.valid_from,
            models.c.valid_to,
            opened.c.version,
            closed.c.version,
            models.c.name,
            models.c.category,
            models.c.content_hash,
        )
        .join(PROVIDERS, PROVIDERS.c.id == models.c.provider_id)
        .join(opened, opened.c.id == models.c.opened_in_version_id)
        .outerjoin(closed, closed.c.id == models.c.closed_in_version_id)
        .where(PROVIDERS.c.slug == provider, models.c.model_id == model_id)
        .order_by(models.c.valid_from, opened.c.version)
    )
    return [ModelRevision(*row) for row in conn.execute(query)]
