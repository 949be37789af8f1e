"""Writing: the one module that changes catalog versions and the history tables.

``store_catalog`` writes a new catalog in the caller's transaction. It reads the current
state and writes a plan, and decides nothing itself (``plan.py`` does, without I/O):

1. the catalog hash equals the newest version's: nothing to write (``unchanged``);
2. otherwise it reads the open model rows (id and content hash only), and, for the models
   that changed, their open child rows (a provider's first version reads nothing);
3. it writes the ``VersionPlan``: rows that stop being true are closed (``valid_to``,
   ``closed_in_version_id``) and new rows opened, in bulk (``db/bulk.py``). Nothing is
   updated otherwise, nothing is deleted.

Steps 2 and 3 are ``write_version``, which writes a catalog as a version whose row and
observed time are given: a new version here, or a stored one replayed by
``catalogsync rebuild`` (``rebuild.py``). The rebuild is the one writer that deletes:
``rewind_history`` takes a provider's history back to what it was before a version (its
rows opened since are deleted, those closed since reopened), so that the versions from
there on can be written again by today's adapter; ``update_version`` then records the
version's new content hash.

Every row is dated by the observed time of its version (the fetch time, or the
``--observed-at`` of an import), so backfilled archives get their true dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from catalogsync import keys
from catalogsync.catalog import Catalog, Format
from catalogsync.db import models as t
from catalogsync.db.bulk import chunks, insert_all
from catalogsync.diff import ModelChanges
from catalogsync.errors import ImportOrderError
from catalogsync.events_store import EventStamp, forget_events, record_events
from catalogsync.payloads import ENCODING, compressing
from catalogsync.plan import (
    CurrentState,
    StoredRows,
    VersionPlan,
    check_removal,
    compare_models,
    formats_needed,
    plan_version,
)
from catalogsync.rows import CHILD_SPECS

TABLES: dict[str, Table] = {table.name: table for table in t.HISTORY_TABLES}
MODELS: Table = t.models
VERSIONS: Table = t.catalog_versions


@dataclass(frozen=True)
class LatestVersion:
    """The newest stored version of a provider."""

    id: int
    version: int
    fetched_at: datetime
    content_hash: str
    raw_hash: str | None
    model_count: int


@dataclass(frozen=True)
class StoreResult:
    """What ``store_catalog`` did."""

    status: Literal["succeeded", "unchanged"]
    version_id: int | None
    version: int | None
    model_count: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    prices_changed: int = 0


@dataclass(frozen=True)
class Stamp:
    """The version a plan is written as: its provider, its row's id, its observed time."""

    provider_id: int
    version_id: int
    at: datetime
    version: int = 0  # its number, for the change events' ids


def latest_version(conn: Connection, provider_id: int) -> LatestVersion | None:
    """The newest catalog version of a provider, if any."""
    row = conn.execute(
        select(
            VERSIONS.c.id,
            VERSIONS.c.version,
            VERSIONS.c.fetched_at,
            VERSIONS.c.content_hash,
            VERSIONS.c.raw_hash,
            VERSIONS.c.model_count,
        )
        .where(VERSIONS.c.provider_id == provider_id)
        .order_by(VERSIONS.c.version.desc())
        .limit(1)
    ).one_or_none()
    return LatestVersion(*row) if row else None


def unchanged_payload(
    conn: Connection, provider_id: int, raw_hash: str, observed_at: datetime
) -> StoreResult | None:
    """``unchanged`` when the newest version was stored from the very same bytes, else ``None``."""
    latest = latest_version(conn, provider_id)
    if latest is None or latest.raw_hash != raw_hash or observed_at < latest.fetched_at:
        return None
    return StoreResult("unchanged", latest.id, latest.version, latest.model_count)


def store_catalog(
    conn: Connection,
    provider_id: int,
    catalog: Catalog,
    raw: bytes,
    *,
    raw_hash: str | None = None,
    observed_at: datetime,
    recorded_at: datetime,
    source: str,
    max_removal_fraction: float,
    allow_mass_removal: bool = False,
    on_version: Callable[[Connection, EventStamp], None] | None = None,
) -> StoreResult:
    """Store ``catalog`` as a new version when its content changed; see the module docstring."""
    # Compressed on a thread while the models are hashed: zlib lets go of the GIL. (Should
    # the catalog prove unchanged, the thread's work is simply dropped.)
    compressed = compressing(raw)
    latest = latest_version(conn, provider_id)
    if latest and observed_at < latest.fetched_at:
        raise ImportOrderError(catalog.provider, observed_at, latest.fetched_at)
    content_hash: str | None = None  # a first version is hashed as its rows are written
    current: dict[str, tuple[int, str]] = {}
    if latest is not None:
        content_hash = catalog.content_hash()
        if latest.content_hash == content_hash:
            return StoreResult("unchanged", latest.id, latest.version, len(catalog.models))
        current = current_models(conn, provider_id)
    changes = compare_models(current, catalog)
    check_removal(
        catalog.provider, changes, len(current), max_removal_fraction, allow=allow_mass_removal
    )
    version = (latest.version if latest else 0) + 1

    def insert_version(version_id: int | None) -> int:
        row = {
            "provider_id": provider_id,
            "version": version,
            "fetched_at": observed_at,
            "recorded_at": recorded_at,
            "content_hash": content_hash or catalog.content_hash(),
            "upstream_version": catalog.upstream_version,
            "model_count": len(catalog.models),
            "source": source,
            "raw_encoding": ENCODING,
            "raw_payload": compressed(),
            "raw_hash": raw_hash,
        }
        if version_id is not None:
            row["id"] = version_id
        return int(conn.execute(insert(VERSIONS).returning(VERSIONS.c.id), row).scalar_one())

    # On PostgreSQL the version's id is taken from its sequence and the row written last,
    # once the models are hashed; SQLite writes the row first to learn its id. Either way
    # nothing is visible before the commit.
    reserved = _reserve_id(conn, VERSIONS)
    version_id = insert_version(None) if reserved is None else reserved
    plan, removed_prices = write_version(
        conn, Stamp(provider_id, version_id, observed_at, version), catalog, current, changes
    )
    if reserved is not None:
        insert_version(reserved)
    if on_version is not None:  # the notification outbox, in the version's transaction
        on_version(
            conn, EventStamp(provider_id, catalog.provider, version_id, version, observed_at)
        )
    refresh_statistics(conn)

    return StoreResult(
        "succeeded",
        version_id,
        version,
        len(catalog.models),
        added=len(changes.added),
        removed=len(changes.removed),
        changed=len(changes.changed),
        prices_changed=plan.prices_changed + removed_prices,
    )


def write_version(
    conn: Connection,
    stamp: Stamp,
    catalog: Catalog,
    current: Mapping[str, tuple[int, str]],
    changes: ModelChanges,
) -> tuple[VersionPlan, int]:
    """Write ``catalog`` as the version ``stamp`` names, given the open model rows
    (``current``) and the ``changes`` between them: read the rest of the state, plan, write.

    The version's row is not touched (it may even be inserted later, in the same
    transaction). Returns the plan written and how many prices of removed models closed.
    """
    state = CurrentState(
        models=current,
        children=_load_children(conn, stamp.provider_id, changes.changed),
        format_ids=_ensure_formats(conn, formats_needed(catalog, changes)),
    )
    plan = plan_version(catalog, changes, state)
    stamped = EventStamp(
        stamp.provider_id, catalog.provider, stamp.version_id, stamp.version, stamp.at
    )
    record_events(conn, stamped, plan, state)  # first: it reads rows the plan closes
    return plan, _write_plan(conn, plan, stamp)


def rewind_history(conn: Connection, provider_id: int, from_version: int) -> None:
    """Take the provider's history back to before version ``from_version``: delete the rows
    opened by it or later versions, and reopen the rows they closed. For ``rebuild`` only."""
    later = (
        select(VERSIONS.c.id)
        .where(VERSIONS.c.provider_id == provider_id, VERSIONS.c.version >= from_version)
        .scalar_subquery()
    )
    forget_events(conn, provider_id, later)
    for table in t.HISTORY_TABLES:
        mine = table.c.provider_id == provider_id
        # Delete first: the one-open-row-per-key indexes allow a row to reopen only once
        # the row that replaced it is gone.
        conn.execute(delete(table).where(mine, table.c.opened_in_version_id.in_(later)))
        conn.execute(
            update(table)
            .where(mine, table.c.closed_in_version_id.in_(later))
            .values(valid_to=None, closed_in_version_id=None)
        )


def update_version(
    conn: Connection,
    version_id: int,
    *,
    content_hash: str,
    model_count: int,
    upstream_version: str | None,
) -> None:
    """Record what a stored version's payload now parses to (its number, observed time and
    payload stay). For ``rebuild`` only."""
    conn.execute(
        update(VERSIONS)
        .where(VERSIONS.c.id == version_id)
        .values(
            content_hash=content_hash,
            model_count=model_count,
            upstream_version=upstream_version,
        )
    )


def _write_plan(conn: Connection, plan: VersionPlan, stamp: Stamp) -> int:
    """Close and open the plan's rows; return how many prices of removed models closed."""
    # Close first: the partial unique indexes allow one open row per key at a time.
    removed_prices = 0
    for name, ids in plan.close.items():
        _close_ids(conn, TABLES[name], ids, stamp)
    for spec in CHILD_SPECS:
        closed = _close_models(conn, TABLES[spec.table], plan.close_models, stamp)
        removed_prices += closed if spec.key is keys.PRICE else 0
    opened = {
        "provider_id": stamp.provider_id,
        "valid_from": stamp.at,
        "opened_in_version_id": stamp.version_id,
    }
    insert_all(
        conn,
        ((TABLES[key.table], key.columns, rows) for key, rows in plan.opened()),
        opened,
    )
    return removed_prices


def current_models(conn: Connection, provider_id: int) -> dict[str, tuple[int, str]]:
    """Open ``models`` rows: ``model_id -> (row id, content hash)``."""
    query = select(MODELS.c.model_id, MODELS.c.id, MODELS.c.content_hash).where(
        MODELS.c.provider_id == provider_id, MODELS.c.valid_to.is_(None)
    )
    return {model_id: (row_id, digest) for model_id, row_id, digest in conn.execute(query)}


def _reserve_id(conn: Connection, table: Table) -> int | None:
    """A new id from ``table``'s sequence on PostgreSQL (``None`` on SQLite, which has none)."""
    if conn.dialect.name != "postgresql":
        return None
    sequence = func.pg_get_serial_sequence(table.name, "id")
    return int(conn.execute(select(func.nextval(sequence))).scalar_one())


def refresh_statistics(conn: Connection) -> None:
    """Keep SQLite's planner statistics current (PostgreSQL's autovacuum does it there).

    Without statistics SQLite breaks ties between indexes by the order they were created
    in, and can read a whole history table where a version or current-rows index serves.
    ``PRAGMA optimize`` analyses only the tables that need it; ``analysis_limit`` makes
    ANALYZE sample rather than read them: milliseconds, however long the history.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("PRAGMA optimize")


def _ensure_formats(conn: Connection, wanted: set[Format]) -> dict[Format, int]:
    """Ids of ``wanted`` formats, inserting the ones never seen before."""
    table: Table = t.formats
    known = {
        Format(kind, name): format_id
        for format_id, kind, name in conn.execute(select(table.c.id, table.c.kind, table.c.name))
    }
    missing = sorted(wanted - set(known))
    if missing:
        # Formats are shared by every provider, and two processes syncing two providers
        # may add the same new format at once: the second insert waits for the first
        # and leaves the row to it (``ON CONFLICT DO NOTHING``) instead of failing.
        insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            insert(table).on_conflict_do_nothing(),
            [{"kind": f.kind, "name": f.name} for f in missing],
        )
        return _ensure_formats(conn, wanted)
    return known


def _load_children(conn: Connection, provider_id: int, model_ids: Sequence[str]) -> StoredRows:
    """Open child rows of ``model_ids``: ``model -> table -> key -> (row id, values)``."""
    found: dict[str, dict[str, dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]] = {}
    for spec in CHILD_SPECS:
        table, width = TABLES[spec.table], len(spec.key.fields)
        cols = [table.c[c] for c in (*spec.key.fields, *spec.key.values)]
        for chunk in chunks(model_ids):
            query = select(table.c.model_id, table.c.id, *cols).where(
                table.c.provider_id == provider_id,
                table.c.model_id.in_(chunk),
                table.c.valid_to.is_(None),
            )
            for model_id, row_id, *rest in conn.execute(query):
                found.setdefault(model_id, {}).setdefault(spec.table, {})[tuple(rest[:width])] = (
                    row_id,
                    tuple(rest[width:]),
                )
    return found


def _close_ids(conn: Connection, table: Table, ids: Sequence[int], stamp: Stamp) -> None:
    for chunk in chunks(ids):
        conn.execute(
            update(table)
            .where(table.c.id.in_(chunk))
            .values(valid_to=stamp.at, closed_in_version_id=stamp.version_id)
        )


def _close_models(conn: Connection, table: Table, model_ids: Sequence[str], stamp: Stamp) -> int:
    """Close every open row of ``model_ids`` in ``table``; return how many."""
    closed = 0
    for chunk in chunks(model_ids):
        result = conn.execute(
            update(table)
            .where(
                table.c.provider_id == stamp.provider_id,
                table.c.model_id.in_(chunk),
                table.c.valid_to.is_(None),
            )
            .values(valid_to=stamp.at, closed_in_version_id=stamp.version_id)
        )
        closed += result.rowcount
    return closed
