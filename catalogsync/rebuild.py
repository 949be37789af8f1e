"""Rebuild: re-parse every stored payload with today's adapters and rewrite the history.

``catalog_versions`` keeps each version's payload as received. When an adapter learns to
read more of a payload (a new price dimension, an attribute it used to drop), the history
stored by the old adapter is brought up to date with ``rebuild_providers``: afterwards a
provider's history tables are what importing the same payloads at the same observed times
would give today, while each version keeps its id, number, observed time and payload
(its content hash, model count and upstream version are those of the new parse).

Per provider, under its lock (held by another process: ``skipped``):

1. **Check**, on a read-only connection: every stored version's payload, oldest first, is
   decompressed, parsed by today's adapter and hashed. A payload that no longer parses
   fails the provider here, naming the version, before anything is written.
2. **Unchanged** when every hash (and model count and upstream version) is as stored:
   nothing is written at all, not a row opened, closed or updated.
3. **Replay from the first changed version**, in one transaction: the history is rewound
   to just before that version (``store.rewind_history``: rows opened since are
   deleted, rows closed since reopened), then that version and every later one are
   parsed again and written by ``store.write_version``, exactly as an import writes a new
   version, against the version's existing row and observed time. The versions before it
   parse to the content they were stored with, so their rows are already what an import
   would write today. A version whose content became equal to the one before it keeps its
   number and simply opens and closes nothing. The mass-removal guard does not apply:
   the history accepted those removals when they were stored.
4. Before committing, the rows that differ are counted (old and new history from the
   first replayed version on, compared without surrogate ids); a dry run rolls back here.

Test hook: with ``CATALOGSYNC_TEST_REBUILD_PAUSE`` set to a number of seconds, the rebuild
logs ``test hook: pausing`` and sleeps that long once the history is rewound and the first
version written again, mid-transaction, so that a test can kill it there. Nothing else
reads it; leave it unset.

Payloads of the replayed versions are parsed twice (in the check and in the replay), so
that only one catalog is held in memory at a time and no write lock is held while the
unchanged part of a history is checked.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.exc import SQLAlchemyError

from catalogsync.catalog import Catalog
from catalogsync.config import Settings
from catalogsync.db import models as t
from catalogsync.db.session import reading
from catalogsync.errors import CatalogSyncError, database_message
from catalogsync.gcpause import cyclic_gc_paused
from catalogsync.locks import HeldLock, held_provider_lock
from catalogsync.logs import log_context
from catalogsync.payloads import decompress
from catalogsync.plan import compare_models
from catalogsync.providers import Provider, build_provider
from catalogsync.results import HashChange, RebuildOutcome
from catalogsync.store import (
    Stamp,
    current_models,
    refresh_statistics,
    rewind_history,
    update_version,
    write_version,
)

log = logging.getLogger(__name__)

VERSIONS = t.catalog_versions
VERSION_COLUMNS = ("opened_in_version_id", "closed_in_version_id")
TEST_PAUSE = "CATALOGSYNC_TEST_REBUILD_PAUSE"


@dataclass(frozen=True)
class StoredVersion:
    """A stored version as the check needs it, and what its payload parses to today."""

    id: int
    version: int
    fetched_at: datetime
    content_hash: str
    model_count: int
    upstream_version: str | None
    new_hash: str = ""
    new_model_count: int = 0
    new_upstream_version: str | None = None

    @property
    def hash_changed(self) -> bool:
        """Whether today's adapter reads different content from the payload."""
        return self.new_hash != self.content_hash

    @property
    def row_changed(self) -> bool:
        """Whether the version's row needs updating."""
        return self.hash_changed or (self.model_count, self.upstream_version) != (
            self.new_model_count,
            self.new_upstream_version,
        )


class VersionParseError(CatalogSyncError):
    """A stored payload no longer parses with today's adapter."""

    def __init__(self, provider: str, version: StoredVersion, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, CatalogSyncError) else f"{type(exc).__name__}: {exc}"
        super().__init__(
            f"version {version.version} (observed {version.fetched_at.isoformat()}) no longer "
            f"parses, so {provider}'s history is left as it was: {reason}"
        )


def rebuild_providers(
    engine: Engine, settings: Settings, names: Sequence[str] = (), *, dry_run: bool = False
) -> list[RebuildOutcome]:
    """Rebuild the named providers (default: every installed one with stored versions).

    An unknown name is a ``ConfigError``; one provider's failure never stops the others.
    """
    for name in names:
        settings.provider(name)
    selected = list(dict.fromkeys(names)) if names else _stored_providers(engine, settings)
    outcomes = []
    for name in selected:
        adapter = build_provider(settings.providers[name])
        outcomes.append(rebuild_provider(engine, adapter, dry_run=dry_run))
    return outcomes


def rebuild_provider(
    engine: Engine, provider: Provider, *, dry_run: bool = False
) -> RebuildOutcome:
    """Rebuild one provider's history under its lock; see the module docstring."""
    name, started = provider.name, time.monotonic()
    with log_context(provider=name), held_provider_lock(engine, name) as lock:
        if lock is None:
            message = (
                f"another process holds {name}'s lock (a sync, an import or a rebuild); "
                "nothing rebuilt: try again"
            )
            log.warning("rebuild skipped: %s", message, extra={"provider": name})
            return RebuildOutcome(name, "skipped", error=message)
        try:
            with cyclic_gc_paused():
                outcome = _locked_rebuild(engine, provider, lock, dry_run)
        except Exception as exc:
            message = _failure_message(exc)
            if not isinstance(exc, CatalogSyncError | SQLAlchemyError):
                log.exception("rebuild failed unexpectedly", extra={"provider": name})
            else:
                log.error("rebuild failed: %s", message, extra={"provider": name})
            outcome = RebuildOutcome(name, "failed", error=message)
    seconds = time.monotonic() - started
    log.info(
        "rebuild %s: %d versions, %d with a new content hash, +%d -%d history rows",
        outcome.status,
        outcome.versions,
        len(outcome.changed),
        outcome.rows_added,
        outcome.rows_removed,
        extra={"provider": name},
    )
    return replace(outcome, seconds=seconds)


def _locked_rebuild(
    engine: Engine, provider: Provider, lock: HeldLock, dry_run: bool
) -> RebuildOutcome:
    name = provider.name
    with reading(engine) as conn:
        provider_id = conn.execute(
            select(t.providers.c.id).where(t.providers.c.slug == name)
        ).scalar()
        if provider_id is None:
            return RebuildOutcome(name, "unchanged")
        versions = [_checked(v, catalog) for v, catalog in _parsed(conn, provider, provider_id)]
    changed = [
        HashChange(v.version, v.content_hash, v.new_hash) for v in versions if v.hash_changed
    ]
    if not any(v.row_changed for v in versions):
        return RebuildOutcome(name, "unchanged", versions=len(versions))
    first = changed[0].version if changed else None
    with engine.connect() as conn, conn.begin() as transaction:
        added, removed = _rewrite(conn, provider, provider_id, versions, first)
        if dry_run:
            transaction.rollback()
        else:
            lock.verify()  # before committing: with the lock lost, a sync may be storing
    return RebuildOutcome(
        name,
        "would rebuild" if dry_run else "rebuilt",
        versions=len(versions),
        changed=changed,
        replayed_from=first,
        rows_added=added,
        rows_removed=removed,
    )


def _rewrite(
    conn: Connection,
    provider: Provider,
    provider_id: int,
    versions: Sequence[StoredVersion],
    first: int | None,
) -> tuple[int, int]:
    """Update the versions' rows and replay the history from version ``first`` on; return
    how many history rows were added and removed."""
    for v in versions:
        if v.row_changed:
            update_version(
                conn,
                v.id,
                content_hash=v.new_hash,
                model_count=v.new_model_count,
                upstream_version=v.new_upstream_version,
            )
    if first is None:
        return 0, 0
    numbers = {v.id: v.version for v in versions}
    before = _history_from(conn, provider_id, first, numbers)
    rewind_history(conn, provider_id, first)
    replayed = [v for v in versions if v.version >= first]
    for v, catalog in _parsed(conn, provider, provider_id, replayed):
        current = current_models(conn, provider_id)
        changes = compare_models(current, catalog)
        write_version(
            conn, Stamp(provider_id, v.id, v.fetched_at, v.version), catalog, current, changes
        )
        del catalog
        if v.version == first:
            _test_pause()
    refresh_statistics(conn)
    after = _history_from(conn, provider_id, first, numbers)
    return sum((after - before).values()), sum((before - after).values())


def _parsed(
    conn: Connection,
    provider: Provider,
    provider_id: int,
    only: Sequence[StoredVersion] | None = None,
) -> Iterator[tuple[StoredVersion, Catalog]]:
    """Each stored version (or each of ``only``), oldest first, with its payload parsed
    today; one payload read at a time."""
    versions = list(only) if only is not None else _stored_versions(conn, provider_id)
    for version in versions:
        encoding, stored = conn.execute(
            select(VERSIONS.c.raw_encoding, VERSIONS.c.raw_payload).where(
                VERSIONS.c.id == version.id
            )
        ).one()
        raw = decompress(encoding, stored)
        del stored
        try:
            catalog = provider.parse(raw)
        except Exception as exc:
            raise VersionParseError(provider.name, version, exc) from exc
        yield version, catalog


def _checked(version: StoredVersion, catalog: Catalog) -> StoredVersion:
    return replace(
        version,
        new_hash=catalog.content_hash(),
        new_model_count=len(catalog.models),
        new_upstream_version=catalog.upstream_version,
    )


def _stored_versions(conn: Connection, provider_id: int) -> list[StoredVersion]:
    query = (
        select(
            VERSIONS.c.id,
            VERSIONS.c.version,
            VERSIONS.c.fetched_at,
            VERSIONS.c.content_hash,
            VERSIONS.c.model_count,
            VERSIONS.c.upstream_version,
        )
        .where(VERSIONS.c.provider_id == provider_id)
        .order_by(VERSIONS.c.version)
    )
    return [StoredVersion(*row) for row in conn.execute(query)]


def _stored_providers(engine: Engine, settings: Settings) -> list[str]:
    """The installed providers with stored versions, in the settings' order."""
    query = (
        select(t.providers.c.slug)
        .where(t.providers.c.id.in_(select(VERSIONS.c.provider_id).distinct()))
        .order_by(t.providers.c.slug)
    )
    with reading(engine) as conn:
        stored = set(conn.execute(query).scalars())
    for name in sorted(stored - set(settings.providers)):
        log.warning("%s has stored versions but no installed adapter: not rebuilt", name)
    return [name for name in settings.providers if name in stored]


def _history_from(
    conn: Connection, provider_id: int, first: int, numbers: Mapping[int, int]
) -> Counter[tuple[Any, ...]]:
    """The provider's history rows a replay from version ``first`` can touch (opened or
    closed by it or later, or open), without surrogate ids, version ids as numbers."""
    later = (
        select(VERSIONS.c.id)
        .where(VERSIONS.c.provider_id == provider_id, VERSIONS.c.version >= first)
        .scalar_subquery()
    )
    found: Counter[tuple[Any, ...]] = Counter()
    for table in t.HISTORY_TABLES:
        columns = [c for c in table.c if c.name not in ("id", "provider_id", *VERSION_COLUMNS)]
        opened, closed = (table.c[name] for name in VERSION_COLUMNS)
        query = select(*columns, opened, closed).where(
            table.c.provider_id == provider_id,
            or_(opened.in_(later), closed.in_(later), closed.is_(None)),
        )
        for *values, opened_id, closed_id in conn.execute(query):
            found[(table.name, *values, numbers[opened_id], numbers.get(closed_id))] += 1
    return found


def _test_pause() -> None:
    """The test hook of the module docstring: a pause mid-transaction, when asked for."""
    seconds = os.environ.get(TEST_PAUSE)
    if seconds:
        log.warning("test hook: pausing %s s mid-rebuild (%s is set)", seconds, TEST_PAUSE)
        time.sleep(float(seconds))


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, CatalogSyncError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {database_message(exc)}"
    return f"internal error: {type(exc).__name__}: {exc}"
