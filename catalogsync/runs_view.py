"""Sync runs for people: ``catalogsync runs list`` and ``runs show``, queries and rendering.

A run's payload is what it received: a failed run keeps its own (the payload that did
not validate, or an HTTP error's body); a run that stored or matched a catalog version
points at that version, which holds the payload. Payloads are stored zlib-compressed
and come back here as the bytes that arrived (API keys masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.table import Table as RichTable
from rich.text import Text
from sqlalchemy import Connection, Table, select

from catalogsync.db import models as t
from catalogsync.payloads import decompress

RUNS: Table = t.sync_runs
VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers
ERROR_WIDTH = 100  # characters of an error shown in the list table (JSON has it all)


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
            RUNS.c.raw_encoding.is_not(None).label("has_raw"),
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
        query = select(RUNS.c.raw_encoding, RUNS.c.raw_payload).where(RUNS.c.id == run.id)
    else:
        query = (
            select(VERSIONS.c.raw_encoding, VERSIONS.c.raw_payload)
            .join(RUNS, RUNS.c.catalog_version_id == VERSIONS.c.id)
            .where(RUNS.c.id == run.id)
        )
    encoding, stored = conn.execute(query).one()
    return RunPayload(run.payload_source, decompress(encoding, bytes(stored)))


def run_dict(run: RunRow) -> dict[str, Any]:
    """A run as JSON data."""
    return {
        "id": run.id,
        "provider": run.provider,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": round(run.seconds, 3) if run.seconds is not None else None,
        "error": run.error,
        "version": run.version,
        "models_added": run.models_added,
        "models_removed": run.models_removed,
        "models_changed": run.models_changed,
        "prices_changed": run.prices_changed,
        "hostname": run.hostname,
        "pid": run.pid,
        "payload": run.payload_source,
    }


def payload_dict(payload: RunPayload | None) -> dict[str, Any]:
    """A payload as JSON data: its text when it is UTF-8, else a note to use ``--raw``."""
    if payload is None:
        return {"payload_bytes": None, "payload_text": None}
    try:
        text: str | None = payload.data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {"payload_bytes": len(payload.data), "payload_text": text}


def runs_table(runs: list[RunRow]) -> RichTable:
    """One row per run, newest first."""
    table = RichTable(title="sync runs", title_justify="left")
    for column in (
        "id",
        "provider",
        "trigger",
        "status",
        "started (UTC)",
        "seconds",
        "version",
        "+/-/~",
        "payload",
        "error",
    ):
        table.add_column(column, overflow="fold" if column == "error" else "ellipsis")
    for run in runs:
        error = run.error or ""
        cells = (
            str(run.id),
            run.provider,
            run.trigger,
            run.status,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{run.seconds:.2f}" if run.seconds is not None else "",
            str(run.version) if run.version is not None else "",
            _counts(run),
            run.payload_source or "",
            error if len(error) <= ERROR_WIDTH else error[: ERROR_WIDTH - 3] + "...",
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: no markup in error messages
    return table


def run_table(run: RunRow) -> RichTable:
    """Every field of one run, one per line."""
    table = RichTable(title=f"sync run {run.id}", title_justify="left", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name, value in run_dict(run).items():
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        table.add_row(name, Text("" if value is None else str(value)))
    return table


def _counts(run: RunRow) -> str:
    if run.models_added is None:
        return ""
    return f"+{run.models_added} -{run.models_removed} ~{run.models_changed}"
