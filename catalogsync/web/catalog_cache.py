"""The current catalog of each provider, kept in memory until a new version is stored.

The catalog page filters, sorts and pages one provider's whole current catalog on every
request; loading it is most of a request's time (2,000 models: about 55 ms on SQLite,
see the README's web figures). It changes only when a version is stored, so it is kept,
keyed by the provider's newest version (its id, number and content hash: a new version,
or a rebuild that changes the stored content, changes the key).
"""

from __future__ import annotations

import threading

from catalogsync import api
from catalogsync.catalog import Catalog
from catalogsync.config import Settings

Stamp = tuple[int, int, str] | None


class CatalogCache:
    """Each provider's current ``Catalog``, with the stamp of the version it is as of."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[Stamp, Catalog]] = {}
        self._lock = threading.Lock()

    def current(self, db: api.Database, settings: Settings, provider: str) -> Catalog:
        """``provider``'s current catalog: kept, unless a newer version was stored since."""
        versions = api.versions(db, provider).rows
        stamp = (
            (versions[-1].id, versions[-1].version, versions[-1].content_hash) if versions else None
        )
        with self._lock:
            kept = self._found.get(provider)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        # Read after the stamp: the catalog is at least as new as it, so at worst a version
        # stored in between is loaded once more on the next request.
        catalog = api.catalogs(db, settings, provider).catalogs[0]
        with self._lock:
            self._found[provider] = (stamp, catalog)
        return catalog
