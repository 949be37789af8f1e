"""Catalog versions of each provider, and the row count of every table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, func, select

from catalogsync.db import models as t

VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers


@dataclass(frozen=True)
class VersionRow:
    """One stored catalog version."""

    provider: str
    version: int
    fetched_at: datetime
    content_hash: str
    upstream_version: str | None
    model_count: int
    source: str
    id: int


def list_versions(conn: Connection, provider: str | None = None) -> list[VersionRow]:
    """Every catalog version, oldest first per provider."""
    query = (
        select(
            PROVIDERS.c.slug,
            VERSIONS.c.version,
            VERSIONS.c.fetched_at,
            VERSIONS.c.content_hash,
            VERSIONS.c.upstream_version,
            VERSIONS.c.model_count,
            VERSIONS.c.source,
            VERSIONS.c.id,
        )
        .join(PROVIDERS, PROVIDERS.c.id == VERSIONS.c.provider_id)
        .order_by(PROVIDERS.c.slug, VERSIONS.c.version)
    )
    if provider:
        query = query.where(PROVIDERS.c.slug == provider)
    return [VersionRow(*row) for row in conn.execute(query)]


def find_version(conn: Connection, provider: str, version: int | None = None) -> VersionRow | None:
    """Version ``version`` of ``provider`` (the newest when ``None``)."""
    rows = list_versions(conn, provider)
    if version is None:
        return rows[-1] if rows else None
    return next((r for r in rows if r.version == version), None)


def version_as_of(conn: Connection, provider: str, at: datetime) -> VersionRow | None:
    """The version of ``provider`` that was current at ``at`` (the newest fetched by then)."""
    rows = [r for r in list_versions(conn, provider) if r.fetched_at <= at]
    return rows[-1] if rows else None


def table_counts(conn: Connection) -> dict[str, int]:
    """Row counts of every table, for the demo's summary."""
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in t.metadata.sorted_tables
    }
