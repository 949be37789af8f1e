"""The documents costing returns: plain values any front end renders.

Kept apart from the modules that compute them (and their SQLAlchemy imports), so that the
registry of output formats can name them without loading the database layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalogsync.costing.reprice import CostedRow, Totals


@dataclass(frozen=True)
class PricePoint:
    """One price of a model (the fields of ``keys.PRICE``), and since when it held."""

    price_type: str
    variant: str
    tier: str
    service_tier: str
    region: str
    unit: str
    amount: Decimal | None
    currency: str | None
    since: datetime


@dataclass(frozen=True)
class PricesAt:
    """A model's price points at ``at``, and the catalog version they come from."""

    provider: str
    model: str
    at: datetime
    version: int
    fetched_at: datetime
    content_hash: str
    payload_sha256: str
    payload_bytes: int
    run_id: int | None
    """A run that stored the version: ``runs show RUN_ID --raw`` prints its payload."""
    points: list[PricePoint]


@dataclass
class CostReport:
    """Repriced usage: ``rows`` (a stream, consumed once), then ``totals``, complete once
    the rows are exhausted."""

    rows: Iterator[CostedRow]
    totals: Totals

    @property
    def ok(self) -> bool:
        """Whether every row was priced (meaningful once ``rows`` is consumed)."""
        return self.totals.unpriced == 0
