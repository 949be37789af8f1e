"""Status for monitoring: per provider, the last success and failure, the newest data, versions.

Read from ``sync_runs`` and ``catalog_versions``, so it is the same whichever process
(daemon replica, cron run, manual sync) did the work. Imports (``trigger = 'import'``)
are left out of the success and failure times: an archive loaded by hand says nothing
about whether the provider is being synced.

A provider is stale when it is enabled and its last success is older than a given age,
or missing. It is failing when its newest finished run failed: ``failing_since`` is when
the first failure of the current streak ended, ``consecutive_failures`` how many runs in
a row have failed since the last success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, func, select

from catalogsync.db import models as t

RUNS: Table = t.sync_runs
VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers

SUCCESS = ("succeeded", "unchanged")
FAILURE = ("failed", "abandoned")


@dataclass(frozen=True)
class ProviderStatus:
    """What monitoring needs to know about one provider."""

    provider: str
    enabled: bool
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure_error: str | None = None
    running_since: datetime | None = None
    version: int | None = None  # the newest
    version_fetched_at: datetime | None = None  # when the newest data was observed
    version_count: int = 0
    model_count: int | None = None
    failing_since: datetime | None = None  # the first failure since the last success
    consecutive_failures: int = 0

    @property
    def failing(self) -> bool:
        """The newest finished run failed."""
        return self.consecutive_failures > 0

    def state(self, max_age: timedelta | None, now: datetime) -> str:
        """``stale``, ``failing``, ``running``, ``ok`` or ``never`` (no run yet)."""
        if max_age is not None and self.is_stale(max_age, now):
            return "stale"
        if self.failing:
            return "failing"
        if self.running_since:
            return "running"
        return "ok" if self.last_success_at else "never"

    def success_age(self, now: datetime) -> timedelta | None:
        """How long ago the last success was."""
        return now - self.last_success_at if self.last_success_at else None

    def data_age(self, now: datetime) -> timedelta | None:
        """How old the newest stored catalog version is (when it was observed)."""
        return now - self.version_fetched_at if self.version_fetched_at else None

    def is_stale(self, max_age: timedelta, now: datetime) -> bool:
        """Enabled, and no success within ``max_age``."""
        age = self.success_age(now)
        return self.enabled and (age is None or age > max_age)


def provider_status(conn: Connection, provider: str, enabled: bool) -> ProviderStatus:
    """The status of one provider (all empty when it never ran)."""
    provider_id = conn.execute(
        select(PROVIDERS.c.id).where(PROVIDERS.c.slug == provider)
    ).scalar_one_or_none()
    if provider_id is None:
        return ProviderStatus(provider, enabled)
    synced = RUNS.c.provider_id == provider_id, RUNS.c.trigger != "import"
    last_success = conn.execute(
        select(func.max(RUNS.c.finished_at)).where(*synced, RUNS.c.status.in_(SUCCESS))
    ).scalar_one_or_none()
    failure = conn.execute(
        select(RUNS.c.finished_at, RUNS.c.error)
        .where(*synced, RUNS.c.status.in_(FAILURE))
        .order_by(RUNS.c.finished_at.desc(), RUNS.c.id.desc())
        .limit(1)
    ).one_or_none()
    after_success = (
        (RUNS.c.finished_at > last_success,) if last_success is not None else ()
    )  # the current streak of failures: those since the last success
    streak = conn.execute(
        select(func.count(), func.min(RUNS.c.finished_at)).where(
            *synced, RUNS.c.status.in_(FAILURE), *after_success
        )
    ).one()
    running = conn.execute(
        select(func.max(RUNS.c.started_at)).where(
            RUNS.c.provider_id == provider_id, RUNS.c.status == "running"
        )
    ).scalar_one_or_none()
    count = conn.execute(
        select(func.count()).select_from(VERSIONS).where(VERSIONS.c.provider_id == provider_id)
    ).scalar_one()
    newest = conn.execute(
        select(VERSIONS.c.version, VERSIONS.c.fetched_at, VERSIONS.c.model_count)
        .where(VERSIONS.c.provider_id == provider_id)
        .order_by(VERSIONS.c.version.desc())
        .limit(1)
    ).one_or_none()
    return ProviderStatus(
        provider,
        enabled,
        last_success_at=last_success,
        last_failure_at=failure.finished_at if failure else None,
        last_failure_error=failure.error if failure else None,
        running_since=running,
        version=newest.version if newest else None,
        version_fetched_at=newest.fetched_at if newest else None,
        version_count=int(count),
        model_count=newest.model_count if newest else None,
        failing_since=streak[1],
        consecutive_failures=int(streak[0]),
    )


def provider_statuses(conn: Connection, providers: Mapping[str, bool]) -> list[ProviderStatus]:
    """The status of each provider in ``providers`` (name -> enabled), in that order."""
    return [provider_status(conn, name, enabled) for name, enabled in providers.items()]
