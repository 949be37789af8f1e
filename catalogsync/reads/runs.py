"""Sync runs: the newest runs, one run, and the payload a run received.

A run's payload is what it received: a failed run keeps its own (the payload that did
not validate, or an HTTP error's body), stored once in ``failed_payloads`` however many
failed runs received the same bytes; a run that stored or matched a catalog version
points at that version, which holds the payload. Payloads are stored zlib-compressed
and come back here as the bytes that arrived (API keys masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from catalogsync.db import models as t
from catalogsync.payloads import decompress

RUNS: Table = t.sync_runs
PAYLOADS: Table = t.failed_payloads
VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers


@dataclass(frozen=True)
class RunRow:
    """One sync run, with the catalog version it produced or matched."""

    id: int
    provider: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    version: int | None
    models_added: int | None
    models_removed: int | None
    models_changed: int | None
    prices_changed: int | None
    hostname: str
    pid: int
    payload_source: str | None  # "run", "version N", or None when nothing was kept

    @property
    def seconds(self) -> float | None:
        """How long the run took, once finished."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class RunPayload:
    """The bytes a run received and where they are kept."""

    source: str  # "run" or "version N"
    data: bytes


def _query() -> Any:
    return (
        select(
            RUNS.c.id,
            PROVIDERS.c.slug,
            RUNS.c.trigger,
            RUNS.c.status,
            RUNS.c.started_at,
            RUNS.c.finished_at,
            RUNS.c.error,
            VERSIONS.c.version,
            RUNS.c.models_added,
            RUNS.c.models_removed,
            RUNS.c.models_changed,
            RUNS.c.prices_changed,
            RUNS.c.hostname,
            RUNS.c.pid,
            RUNS.c.failed_payload_id.is_not(None).label("has_raw"),
        )
        .join(PROVIDERS, PROVIDERS.c.id == RUNS.c.provider_id)
        .outerjoin(VERSIONS, VERSIONS.c.id == RUNS.c.catalog_version_id)
    )


def _row(row: Any) -> RunRow:
    version = row.version
    source = "run" if row.has_raw else (f"version {version}" if version is not None else None)
    return RunRow(
        id=row.id,
        provider=row.slug,
        trigger=row.trigger,
        status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        version=version,
        models_added=row.models_added,
        models_removed=row.models_removed,
        models_changed=row.models_changed,
        prices_changed=row.prices_changed,
        hostname=row.hostname,
        pid=row.pid,
        payload_source=source,
    )


def list_runs(conn: Connection, provider: str | None = None, limit: int = 20) -> list[RunRow]:
    """The newest ``limit`` runs (of ``provider``, or of all), newest first."""
    query = _query().order_by(RUNS.c.id.desc()).limit(limit)
    if provider:
        query = query.where(PROVIDERS.c.slug == provider)
    return [_row(row) for row in conn.execute(query)]


def find_run(conn: Connection, run_id: int) -> RunRow | None:
    """Run ``run_id``, if there is one."""
    row = conn.execute(_query().where(RUNS.c.id == run_id)).one_or_none()
    return _row(row) if row is not None else None


def run_payload(conn: Connection, run: RunRow) -> RunPayload | None:
    """The payload ``run`` received, decompressed; ``None`` when none was kept."""
    if run.payload_source is None:
        return None
    if run.payload_source == "run":
        query = (
            select(PAYLOADS.c.raw_encoding, PAYLOADS.c.raw_payload)
            .join(RUNS, RUNS.c.failed_payload_id == PAYLOADS.c.id)
            .where(RUNS.c.id == run.id)
        )
    else:
        query = (
            select(VERSIONS.c.raw_encoding, VERSIONS.c.raw_payload)
            .join(RUNS, RUNS.c.catalog_version_id == VERSIONS.c.id)
            .where(RUNS.c.id == run.id)
        )
    encoding, stored = conn.execute(query).one()
    return RunPayload(run.payload_source, decompress(encoding, bytes(stored)))
