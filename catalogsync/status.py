"""Status for monitoring: per provider, the last success and failure, the newest data, versions.

Read from ``sync_runs`` and ``catalog_versions``, so it is the same whichever process
(daemon replica, cron run, manual sync) did the work. Imports (``trigger = 'import'``)
are left out of the success and failure times: an archive loaded by hand says nothing
about whether the provider is being synced.

``status --max-age`` calls a provider stale when it is enabled and its last success is
older than the given age, or missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.table import Table as RichTable
from rich.text import Text
from sqlalchemy import Connection, Table, func, select

from catalogsync.db import models as t

RUNS: Table = t.sync_runs
VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers

SUCCESS = ("succeeded", "unchanged")
FAILURE = ("failed", "abandoned")
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
ERROR_WIDTH = 80  # characters of the last error shown in the table (JSON has it all)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1w`` or combinations (``1h30m``) as a ``timedelta``."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 1d)")
    seconds = sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in parts)
    if seconds <= 0:
        raise ValueError(f"not a positive duration: {text!r}")
    return timedelta(seconds=seconds)


def format_age(age: timedelta | None) -> str:
    """``42s``, ``3m 12s``, ``2h 5m``, ``4d 2h``; ``-`` for none."""
    if age is None:
        return "-"
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


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
    )


def provider_statuses(conn: Connection, providers: Mapping[str, bool]) -> list[ProviderStatus]:
    """The status of each provider in ``providers`` (name -> enabled), in that order."""
    return [provider_status(conn, name, enabled) for name, enabled in providers.items()]


def status_dict(
    status: ProviderStatus, now: datetime, max_age: timedelta | None = None
) -> dict[str, Any]:
    """A provider's status as JSON data; ``stale`` is ``null`` without ``max_age``."""

    def seconds(age: timedelta | None) -> float | None:
        return round(age.total_seconds(), 3) if age is not None else None

    return {
        "provider": status.provider,
        "enabled": status.enabled,
        "last_success_at": status.last_success_at,
        "last_success_age_seconds": seconds(status.success_age(now)),
        "last_failure_at": status.last_failure_at,
        "last_failure_error": status.last_failure_error,
        "running_since": status.running_since,
        "version": status.version,
        "version_fetched_at": status.version_fetched_at,
        "data_age_seconds": seconds(status.data_age(now)),
        "version_count": status.version_count,
        "model_count": status.model_count,
        "stale": status.is_stale(max_age, now) if max_age is not None else None,
    }


def status_table(
    statuses: list[ProviderStatus], now: datetime, max_age: timedelta | None = None
) -> RichTable:
    """One row per provider, ages relative to ``now``."""
    table = RichTable(title="status", title_justify="left")
    for column in (
        "provider",
        "enabled",
        "last success",
        "last failure",
        "error",
        "newest data",
        "versions",
        "models",
        "state",
    ):
        table.add_column(column)
    for status in statuses:
        if max_age is not None and status.is_stale(max_age, now):
            state = "STALE"
        elif status.running_since:
            state = "running"
        else:
            state = "ok" if status.last_success_at else "-"
        failure = status.last_failure_at
        error = status.last_failure_error or ""
        table.add_row(
            status.provider,
            "yes" if status.enabled else "no",
            _ago(status.success_age(now)),
            _ago(now - failure if failure else None),
            Text(error if len(error) <= ERROR_WIDTH else error[: ERROR_WIDTH - 3] + "..."),
            f"v{status.version} {_ago(status.data_age(now))}" if status.version else "-",
            str(status.version_count),
            "-" if status.model_count is None else str(status.model_count),
            state,
        )
    return table


def _ago(age: timedelta | None) -> str:
    return "never" if age is None else f"{format_age(age)} ago"


def stale_message(status: ProviderStatus, now: datetime, max_age: timedelta) -> str:
    """Why ``status`` is stale, for stderr and alert mails."""
    if status.last_success_at is None:
        return f"{status.provider}: no successful sync recorded (--max-age {format_age(max_age)})"
    return (
        f"{status.provider}: last success {format_age(status.success_age(now))} ago, "
        f"older than --max-age {format_age(max_age)}"
    )
