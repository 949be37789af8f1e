"""The library every front end calls: the command line, the daemon, and whatever comes next.

Each function answers one question and returns plain data (``catalogsync.results``);
none prints. Errors are ``catalogsync.errors`` exceptions only: SQLAlchemy's are turned
into ``DatabaseAccessError`` here, at the boundary, so a front end handles one tree.

A front end opens a database, checks its schema once, then asks::

    db = open_database("sqlite:///catalogsync.db")
    check_schema(db)
    report = diff(db, "akool")                  # the last two versions
    render(report, "json", sys.stdout)          # catalogsync.present.registry

Functions that name a provider (an instance's name, ``catalogsync.instances``) take it as
given: ``installed_provider`` checks a name against the configured providers first.
The heavy parts (the sync machinery, the report's queries, the field-level comparison)
load on first use, which keeps every command's start-up light.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from catalogsync.config_check import load_configuration as load_configuration
from catalogsync.config_check import summarize_configuration as summarize_configuration
from catalogsync.costing.points import price_at as price_at
from catalogsync.costing.report import reprice as reprice
from catalogsync.costing.reprice import cost_of as cost_of
from catalogsync.costing.usage import read_usage as read_usage
from catalogsync.database import Database as Database
from catalogsync.database import check_schema as check_schema
from catalogsync.database import database_boundary as _database_boundary
from catalogsync.database import open_database as open_database
from catalogsync.database import upgrade_database as upgrade_database
from catalogsync.db.session import reading
from catalogsync.errors import ConfigError, NotFoundError, NoVersionYetError
from catalogsync.model_detail import ModelDetail as ModelDetail
from catalogsync.model_detail import model_detail as model_detail
from catalogsync.notify.feed import feed as feed
from catalogsync.notify.library import deliver as deliver
from catalogsync.notify.library import deliver_after_sync as deliver_after_sync
from catalogsync.notify.library import deliveries as deliveries
from catalogsync.notify.library import notify_counts as notify_counts
from catalogsync.notify.library import retry_deliveries as retry_deliveries
from catalogsync.notify.library import send_test as send_test
from catalogsync.prune import prune_runs as prune_runs
from catalogsync.reads.catalogs import changed_model_ids, load_catalog
from catalogsync.reads.versions import VersionRow, list_versions, table_counts, version_as_of
from catalogsync.reports import CHANGE_KINDS as CHANGE_KINDS
from catalogsync.reports import REPORT_SORTS as REPORT_SORTS
from catalogsync.reports import end_of_day as end_of_day
from catalogsync.reports import period_text as period_text
from catalogsync.reports import price_report as price_report
from catalogsync.reports import price_summary as price_summary
from catalogsync.results import (
    DemoResult,
    ModelList,
    RebuildReport,
    RunDetail,
    RunList,
    StatusReport,
    SyncReport,
    VersionDiff,
    VersionList,
)

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Connection

    from catalogsync.config import Settings

DEMO_DATABASE_URL = "sqlite:///catalogsync-demo.db"

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of this machine's clock an import may be dated (clocks drift)."""


def installed_provider(settings: Settings, name: str | None) -> str | None:
    """``name`` if it is a provider of ``settings`` (or ``None``); else a ``ConfigError``."""
    if name is not None:
        settings.provider(name)
    return name


@_database_boundary
def sync(
    db: Database,
    settings: Settings,
    providers: Sequence[str] = (),
    *,
    allow_mass_removal: bool = False,
    trigger: str = "sync",
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Fetch and store the named providers (default: every enabled one), each on its own."""
    from catalogsync.sync import sync_providers

    report = SyncReport(
        sync_providers(
            db.engine,
            settings,
            providers,
            allow_mass_removal=allow_mass_removal,
            transport=transport,
            trigger=trigger,
        )
    )
    deliver_after_sync(db, settings)  # what the new versions owe the channels; never fails
    return report


@_database_boundary
def import_catalog(
    db: Database,
    settings: Settings,
    provider: str,
    raw: bytes,
    observed_at: datetime | None = None,
    *,
    allow_mass_removal: bool = False,
    allow_future: bool = False,
) -> SyncReport:
    """Store a saved payload of ``provider`` as if fetched at ``observed_at`` (default: now).

    History is only appended, so a time in the future would refuse every sync of the
    provider until then: more than ``FUTURE_TOLERANCE`` ahead is refused unless
    ``allow_future``.
    """
    from catalogsync.sync import import_payload

    now = datetime.now(UTC)
    if observed_at is not None and observed_at > now + FUTURE_TOLERANCE and not allow_future:
        raise ConfigError(
            f"--observed-at {observed_at.isoformat()} is in the future: every sync of "
            f"{provider} would be refused until then; pass --allow-future if it is meant"
        )
    outcome = import_payload(
        db.engine,
        settings,
        provider,
        raw,
        observed_at or now,
        allow_mass_removal=allow_mass_removal,
    )
    deliver_after_sync(db, settings)
    return SyncReport([outcome])


@_database_boundary
def rebuild(
    db: Database, settings: Settings, providers: Sequence[str] = (), *, dry_run: bool = False
) -> RebuildReport:
    """Re-parse every stored payload of the named providers (default: every installed one
    with stored versions) with today's adapters and rebuild their history; version numbers
    and observed times are kept. ``dry_run`` does it all, reports, and keeps nothing."""
    from catalogsync.rebuild import rebuild_providers

    return RebuildReport(
        rebuild_providers(db.engine, settings, providers, dry_run=dry_run), dry_run=dry_run
    )


@_database_boundary
def versions(db: Database, provider: str | None = None) -> VersionList:
    """Every catalog version (of ``provider``, or of all), oldest first per provider."""
    with reading(db.engine) as conn:
        return VersionList(list_versions(conn, provider))


@_database_boundary
def catalogs(
    db: Database, settings: Settings, provider: str | None = None, as_of: datetime | None = None
) -> ModelList:
    """The catalog of ``provider`` (default: of every installed one), now or as of ``as_of``.

    As of a time, a provider with no version by then is left out, or, when it is the
    one asked for, ``NoVersionYetError`` says so and when its first version was observed.
    """
    named = installed_provider(settings, provider)
    names = [named] if named else list(settings.providers)
    with reading(db.engine) as conn:
        if as_of is None:
            found = [load_catalog(conn, name) for name in names]
        elif named:  # one provider asked for: say so when it had nothing yet
            found = [load_catalog(conn, named, version_at(conn, named, as_of))]
        else:
            found = [
                load_catalog(conn, name, version)
                for name in names
                if (version := version_as_of(conn, name, as_of)) is not None
            ]
    return ModelList(found, as_of)


@_database_boundary
def diff(
    db: Database,
    provider: str,
    from_version: int | None = None,
    to_version: int | None = None,
    at: Sequence[datetime] = (),
) -> VersionDiff:
    """What changed between two versions of ``provider``: by default the newest two.

    ``to_version`` defaults to the newest, ``from_version`` to the one before it; version
    1 is compared with nothing. ``NotFoundError`` names a version that does not exist.
    ``at`` picks them by time instead: the versions in effect at its two times (one
    time: that one's and the newest); ``NoVersionYetError`` when there was none yet.
    """
    from catalogsync.diff import diff_catalogs

    with reading(db.engine) as conn:
        if at:
            picked = [version_at(conn, provider, when).version for when in sorted(at)]
            from_version, to_version = picked[0], (picked[1] if len(picked) > 1 else None)
        found = {v.version: v for v in list_versions(conn, provider)}
        if not found:
            raise NotFoundError(f"{provider} has no catalog versions yet: run `catalogsync sync`")
        if at and to_version is None:
            to_version = max(found)
        to_number = to_version if to_version is not None else max(found)
        from_number = from_version if from_version is not None else to_number - 1
        new = _version(found, provider, to_number)
        old = _version(found, provider, from_number) if from_number >= 1 else None
        # Only the models whose rows changed in between can differ: load just those.
        only = changed_model_ids(conn, old, new) if old else None
        changes = diff_catalogs(
            load_catalog(conn, provider, old, only=only) if old else None,
            load_catalog(conn, provider, new, only=only),
        )
    return VersionDiff(provider, old, new, changes)


def version_at(conn: Connection, provider: str, at: datetime) -> VersionRow:
    """The version of ``provider`` in effect at ``at``; ``NoVersionYetError`` before its first."""
    version = version_as_of(conn, provider, at)
    if version is None:
        first = next(iter(list_versions(conn, provider)), None)
        raise NoVersionYetError(provider, at, (first.version, first.fetched_at) if first else None)
    return version


def _version(found: dict[int, VersionRow], provider: str, number: int) -> VersionRow:
    try:
        return found[number]
    except KeyError:
        raise NotFoundError(
            f"{provider} has no version {number}; it has versions 1 to {max(found)}"
        ) from None


@_database_boundary
def status(
    db: Database,
    settings: Settings,
    *,
    max_age: timedelta | None = None,
    providers: Sequence[str] | None = None,
) -> StatusReport:
    """The status of each installed provider (or of ``providers``), now.

    With ``max_age``, a provider is stale when it is enabled and its last success is
    older or missing (``StatusReport.stale``).
    """
    from catalogsync.notify.outbox import delivery_counts
    from catalogsync.reads.status import provider_statuses

    names = list(settings.providers) if providers is None else providers
    enabled = {name: settings.providers[name].enabled for name in names}
    with reading(db.engine) as conn:
        statuses = provider_statuses(conn, enabled)
        deliveries = delivery_counts(conn)
    return StatusReport(statuses, datetime.now(UTC), max_age, deliveries=deliveries)


@_database_boundary
def runs(db: Database, provider: str | None = None, limit: int = 20) -> RunList:
    """The newest ``limit`` sync runs (of ``provider``, or of all), newest first."""
    from catalogsync.reads.runs import list_runs

    with reading(db.engine) as conn:
        return RunList(list_runs(conn, provider, limit))


@_database_boundary
def run(db: Database, run_id: int, *, require_payload: bool = False) -> RunDetail:
    """Sync run ``run_id`` and the payload it received (``NotFoundError`` if there is none).

    With ``require_payload``, a run that kept no payload is a ``NotFoundError`` too.
    """
    from catalogsync.reads.runs import find_run, run_payload

    with reading(db.engine) as conn:
        found = find_run(conn, run_id)
        if found is None:
            raise NotFoundError(f"there is no sync run {run_id}")
        payload = run_payload(conn, found)
    if require_payload and payload is None:
        raise NotFoundError(f"sync run {found.id} kept no payload (nothing arrived)")
    return RunDetail(found, payload)


@_database_boundary
def demo(settings: Settings, url: str | None = None) -> DemoResult:
    """The offline demo: sync the bundled sample payloads into a fresh or existing database.

    The database is ``url``, else ``DEMO_DATABASE_URL`` (never the configured one).
    """
    from catalogsync.samples import sample_transport
    from catalogsync.sync import sync_providers

    with _opened(url or DEMO_DATABASE_URL) as db:
        upgrade_database(db)
        outcomes = sync_providers(
            db.engine,
            settings,
            (),
            transport=sample_transport(),
            require_keys=False,
            trigger="demo",
        )
        with reading(db.engine) as conn:
            counts = table_counts(conn)
            stored = [load_catalog(conn, o.provider) for o in outcomes]
        return DemoResult(SyncReport(outcomes), counts, stored, db.url)


@contextmanager
def _opened(url: str) -> Iterator[Database]:
    db = open_database(url)
    try:
        yield db
    finally:
        db.close()
