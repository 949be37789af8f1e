"""What the library returns: plain, frozen values that every front end renders its own way.

``SyncOutcome`` is how one provider's sync or import ended, ``RebuildOutcome`` how one
provider's rebuild did; the others are the documents of ``catalogsync.api``, one per
question (a sync, a rebuild, the versions, the models, a diff, the price report, status,
runs, the demo). Front ends and renderers import them from here
without loading the sync machinery or the queries: the row types they hold are named
for the type checker only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalogsync.catalog import Catalog
    from catalogsync.diff import CatalogDiff
    from catalogsync.reads.prices import PriceChange, Series
    from catalogsync.reads.runs import RunPayload, RunRow
    from catalogsync.reads.status import ProviderStatus
    from catalogsync.reads.versions import VersionRow
    from catalogsync.reports import PriceNet, ReportFilter


@dataclass(frozen=True)
class SyncOutcome:
    """How one provider's sync (or import) ended."""

    provider: str
    status: str  # succeeded | unchanged | failed | skipped
    run_id: int | None = None
    version: int | None = None
    model_count: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    prices_changed: int = 0
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the provider is now up to date (or was deliberately skipped)."""
        return self.status != "failed"


@dataclass(frozen=True)
class SyncReport:
    """The outcomes of a sync (one per provider) or of an import (one)."""

    outcomes: Sequence[SyncOutcome]

    @property
    def ok(self) -> bool:
        """Whether no provider failed."""
        return all(o.ok for o in self.outcomes)


@dataclass(frozen=True)
class HashChange:
    """A stored version whose payload parses, today, to another content hash."""

    version: int
    old_hash: str
    new_hash: str


REBUILD_OK = ("rebuilt", "would rebuild", "unchanged")
"""The statuses of a provider whose history is (or, in a dry run, would be) up to date."""


@dataclass(frozen=True)
class RebuildOutcome:
    """How one provider's rebuild ended, and what it changed (or would change, in a dry run).

    ``rows_added`` and ``rows_removed`` count the history rows, compared without their
    surrogate ids, that the new history has and the old one had not, and the reverse.
    """

    provider: str
    status: str  # rebuilt | would rebuild | unchanged | failed | skipped
    versions: int = 0  # stored versions re-parsed
    changed: Sequence[HashChange] = ()
    replayed_from: int | None = None  # the first version written again, if any
    rows_added: int = 0
    rows_removed: int = 0
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the provider's history matches today's adapter (or would, in a dry run)."""
        return self.status in REBUILD_OK


@dataclass(frozen=True)
class RebuildReport:
    """The outcome of a rebuild (or of a dry run: nothing was kept), one per provider."""

    outcomes: Sequence[RebuildOutcome]
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """Whether every provider was rebuilt or unchanged (none failed or was skipped)."""
        return all(o.ok for o in self.outcomes)


@dataclass(frozen=True)
class SchemaUpgrade:
    """What ``db upgrade`` did: the revision before (``None``: empty) and after."""

    url: str  # password hidden
    before: str | None
    after: str


@dataclass(frozen=True)
class VersionList:
    """Catalog versions, oldest first per provider."""

    rows: Sequence[VersionRow]


@dataclass(frozen=True)
class ModelList:
    """Catalogs of one or more providers: the current ones, or as they stood at ``as_of``."""

    catalogs: Sequence[Catalog]
    as_of: datetime | None = None


@dataclass(frozen=True)
class VersionDiff:
    """What changed from version ``old`` (``None``: nothing before it) to ``new``."""

    provider: str
    old: VersionRow | None
    new: VersionRow
    diff: CatalogDiff


@dataclass(frozen=True)
class PriceReport:
    """Every price change in a period, with each changed model's price history if asked for.

    ``filter`` is what was kept and how it is ordered (``catalogsync.reports``);
    ``first_version_rows`` counts the rows of providers' first versions left out.
    """

    rows: Sequence[PriceChange]
    series: Mapping[tuple[str, str], Series]  # (provider, model_id) -> history; may be empty
    title: str  # "Price changes: akool / M"
    period: str  # "from 2026-01-01 00:00 to now (UTC)"
    generated_at: datetime
    since: datetime | None = None
    until: datetime | None = None
    filter: ReportFilter | None = None  # None: every row, in time order
    first_version_rows: int = 0


@dataclass(frozen=True)
class PriceSummary:
    """Each price point's net change over a period (``catalogsync.reports.price_summary``)."""

    rows: Sequence[PriceNet]
    title: str
    period: str
    generated_at: datetime
    filter: ReportFilter | None = None
    first_version_rows: int = 0


@dataclass(frozen=True)
class StatusReport:
    """Each provider's status at ``now``; staleness judged against ``max_age`` when given."""

    statuses: Sequence[ProviderStatus]
    now: datetime
    max_age: timedelta | None = None
    verbose: bool = False  # tables show each whole error, not its start
    deliveries: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    """Pending and failed notification deliveries: ``(provider, channel, status) -> n``."""

    @property
    def stale(self) -> list[ProviderStatus]:
        """The providers older than ``max_age`` (none without it)."""
        if self.max_age is None:
            return []
        max_age = self.max_age
        return [s for s in self.statuses if s.is_stale(max_age, self.now)]


@dataclass(frozen=True)
class RunList:
    """Sync runs, newest first."""

    runs: Sequence[RunRow]


@dataclass(frozen=True)
class RunDetail:
    """One sync run and the payload it received (``None``: nothing was kept)."""

    run: RunRow
    payload: RunPayload | None


@dataclass(frozen=True)
class DemoResult:
    """The offline demo: its sync, the tables' row counts, the catalogs it stored, where."""

    sync: SyncReport
    counts: Mapping[str, int]
    catalogs: Sequence[Catalog]
    url: str  # password hidden


@dataclass(frozen=True)
class PrunedProvider:
    """What ``runs prune`` did (or would do) to one provider's runs."""

    provider: str
    status: str  # pruned | would prune | skipped (its lock was held)
    runs_deleted: int = 0
    runs_kept: int = 0  # older than the cutoff, kept: they produced a version, or are latest
    payloads_deleted: int = 0  # failed payloads no run points at any more


@dataclass(frozen=True)
class PruneReport:
    """``runs prune``: runs started before ``cutoff`` deleted, per provider."""

    cutoff: datetime
    dry_run: bool
    providers: Sequence[PrunedProvider]


@dataclass(frozen=True)
class ConfiguredProvider:
    """One provider as the configuration has it (no secret: where its key comes from)."""

    provider: str
    adapter: str
    state: str  # enabled | disabled | skipped
    reason: str  # why (e.g. "no API key: set AKOOL_API_KEY or api_key_file")
    schedule: str
    base_url: str  # password masked
    key_from: str | None  # the variable or file the key was read from; None without one


@dataclass(frozen=True)
class ConfigSummary:
    """A configuration that passed every check: the file, the database, the providers."""

    path: str | None  # None: no file, defaults and environment only
    database_url: str  # password masked
    providers: Sequence[ConfiguredProvider]
