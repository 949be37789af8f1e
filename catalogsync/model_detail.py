"""One model in full, for a page about it: its current state, every state it had, and
the history of each of its prices (``api.model_detail``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from catalogsync.database import Database, database_boundary
from catalogsync.db.session import reading
from catalogsync.errors import NotFoundError

if TYPE_CHECKING:
    from catalogsync.catalog import Model
    from catalogsync.reads.model_history import ModelRevision
    from catalogsync.reads.prices import Series


@dataclass(frozen=True)
class ModelDetail:
    """A model of ``provider``: ``model`` as it is now (``None``: removed since), its
    states oldest first, and each price key's points in time order (``series``)."""

    provider: str
    model_id: str
    model: Model | None
    revisions: Sequence[ModelRevision]
    series: Series
    now: datetime


@database_boundary
def model_detail(db: Database, provider: str, model_id: str) -> ModelDetail:
    """Model ``model_id`` of ``provider``; ``NotFoundError`` if it was never in its catalog."""
    from catalogsync.reads.catalogs import load_catalog
    from catalogsync.reads.model_history import model_revisions
    from catalogsync.reads.prices import price_series

    with reading(db.engine) as conn:
        revisions = model_revisions(conn, provider, model_id)
        if not revisions:
            raise NotFoundError(f"{provider} has no model {model_id!r}")
        current = load_catalog(conn, provider, only={model_id}).models
        series = price_series(conn, [(provider, model_id)])[(provider, model_id)]
    return ModelDetail(
        provider,
        model_id,
        current[0] if current else None,
        revisions,
        series,
        datetime.now(UTC),
    )
