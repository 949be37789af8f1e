"""What a model cost at a moment: its price points then, and where they come from.

``price_at`` answers ``catalogsync price PROVIDER MODEL --at T``: every price point of
the model valid at T, with the catalog version in effect (the newest observed at or
before T), that version's observed time, its content hash, and the SHA-256 of its raw
payload as received: the bytes ``catalogsync runs show ID --raw`` prints for the run that
stored it (``run_id``), so ``... --raw | sha256sum`` gives the same digest.
(``catalog_versions.raw_hash`` is not that digest: it is salted with the parser and the
release, to tell when a payload must be parsed again.)
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, func, or_, select

from catalogsync.costing.results import PricePoint, PricesAt
from catalogsync.database import Database, database_boundary
from catalogsync.db import models as t
from catalogsync.db.session import reading
from catalogsync.errors import CatalogSyncError
from catalogsync.keys import PRICE
from catalogsync.payloads import decompress
from catalogsync.reads.versions import VersionRow, list_versions


class UnknownModelError(CatalogSyncError):
    """A provider or model that was not in any catalog at the time asked about (exit 1)."""


@database_boundary
def price_at(db: Database, provider: str, model: str, at: datetime) -> PricesAt:
    """The price points of ``model`` of ``provider`` in effect at ``at``.

    ``UnknownModelError`` when the provider had no version then, or the model was not in
    it; the message names the nearest versions, before and after, that have the model.
    """
    with reading(db.engine) as conn:
        versions = list_versions(conn, provider)
        if not versions:
            raise UnknownModelError(f"there is no provider {provider!r} with stored versions")
        current = [v for v in versions if v.fetched_at <= at]
        if not current:
            raise UnknownModelError(
                f"{provider} has no catalog version at {_time(at)}: its first, version "
                f"{versions[0].version}, is observed {_time(versions[0].fetched_at)}"
            )
        version = current[-1]
        provider_id = _provider_id(conn, provider)
        if not _listed(conn, provider_id, model, at):
            raise UnknownModelError(_not_listed(conn, provider_id, provider, model, at, versions))
        points = _points(conn, provider_id, model, at)
        data = _payload(conn, version.id)
        run_id = conn.execute(
            select(func.min(t.sync_runs.c.id)).where(t.sync_runs.c.catalog_version_id == version.id)
        ).scalar_one_or_none()
    return PricesAt(
        provider,
        model,
        at,
        version.version,
        version.fetched_at,
        version.content_hash,
        hashlib.sha256(data).hexdigest(),
        len(data),
        run_id,
        points,
    )


def _time(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _provider_id(conn: Connection, provider: str) -> int:
    found: int = conn.execute(
        select(t.providers.c.id).where(t.providers.c.slug == provider)
    ).scalar_one()
    return found


def _valid(table: Table, at: datetime) -> list[ColumnElement[bool]]:
    """Rows of a history table valid at ``at``: ``valid_from <= at < valid_to``."""
    columns = table.c
    return [columns.valid_from <= at, or_(columns.valid_to.is_(None), columns.valid_to > at)]


def _listed(conn: Connection, provider_id: int, model: str, at: datetime) -> bool:
    models = t.models
    found = conn.execute(
        select(models.c.id).where(
            models.c.provider_id == provider_id, models.c.model_id == model, *_valid(models, at)
        )
    ).first()
    return found is not None


def _points(conn: Connection, provider_id: int, model: str, at: datetime) -> list[PricePoint]:
    prices = t.prices
    rows = conn.execute(
        select(
            *(prices.c[name] for name in (*PRICE.fields, *PRICE.values)),
            prices.c.valid_from.label("since"),
        )
        .where(prices.c.provider_id == provider_id, prices.c.model_id == model, *_valid(prices, at))
        .order_by(*(prices.c[name] for name in PRICE.fields))
    )
    return [PricePoint(**row._mapping) for row in rows]


def _payload(conn: Connection, version_id: int) -> bytes:
    versions = t.catalog_versions
    encoding, stored = conn.execute(
        select(versions.c.raw_encoding, versions.c.raw_payload).where(versions.c.id == version_id)
    ).one()
    return decompress(encoding, bytes(stored))


def _not_listed(
    conn: Connection,
    provider_id: int,
    provider: str,
    model: str,
    at: datetime,
    versions: list[VersionRow],
) -> str:
    """Why ``model`` has no prices at ``at``, naming the nearest versions that list it."""
    models = t.models
    spans = conn.execute(
        select(models.c.valid_from, models.c.valid_to).where(
            models.c.provider_id == provider_id, models.c.model_id == model
        )
    ).all()
    head = f"{provider} has no model {model!r} at {_time(at)}"
    if not spans:
        return f"{head}: no version of {provider} ever listed it"
    listing = [
        v
        for v in versions
        if any(s <= v.fetched_at and (e is None or v.fetched_at < e) for s, e in spans)
    ]
    before = [v for v in listing if v.fetched_at <= at]
    after = [v for v in listing if v.fetched_at > at]
    near = []
    if before:
        near.append(
            f"before: version {before[-1].version} (observed {_time(before[-1].fetched_at)})"
        )
    if after:
        near.append(f"after: version {after[0].version} (observed {_time(after[0].fetched_at)})")
    return f"{head}; the nearest versions that list it are " + ", ".join(near)
