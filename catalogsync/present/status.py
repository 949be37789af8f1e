"""Renderers of provider status, and the message that says why a provider is stale."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from catalogsync.durations import format_age
from catalogsync.present.output import add_row, shorten, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl

if TYPE_CHECKING:
    from catalogsync.reads.status import ProviderStatus
    from catalogsync.results import StatusReport

ERROR_WIDTH = 80  # characters of the last error in the table (all with --verbose, and in JSON)


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
        "state": status.state(max_age, now),
        "failing_since": status.failing_since,
        "consecutive_failures": status.consecutive_failures,
    }


def _notifications(report: StatusReport, provider: str) -> dict[str, int]:
    """A provider's pending and failed notification deliveries, over every channel."""
    counts = {"pending": 0, "failed": 0}
    for (name, _, state), n in report.deliveries.items():
        if name == provider:
            counts[state] += n
    return counts


def render_status_json(report: StatusReport, out: IO[str]) -> None:
    """A JSON list, one object per provider."""
    write_json(_status_records(report), out)


STATUS_COLUMNS = (
    "provider",
    "enabled",
    "last_success_at",
    "last_success_age_seconds",
    "last_failure_at",
    "last_failure_error",
    "running_since",
    "version",
    "version_fetched_at",
    "data_age_seconds",
    "version_count",
    "model_count",
    "stale",
    "state",
    "failing_since",
    "consecutive_failures",
    "notifications",
)
"""The keys of a provider's record (``status_dict`` and its deliveries): the CSV's columns."""


def _status_records(report: StatusReport) -> list[dict[str, Any]]:
    return [
        {
            **status_dict(s, report.now, report.max_age),
            "notifications": _notifications(report, s.provider),
        }
        for s in report.statuses
    ]


def render_status_csv(report: StatusReport, out: IO[str]) -> None:
    """One CSV row per provider."""
    write_csv(_status_records(report), out, STATUS_COLUMNS)


def render_status_jsonl(report: StatusReport, out: IO[str]) -> None:
    """One JSON object per provider and line."""
    write_jsonl(_status_records(report), out)


def render_status_table(report: StatusReport, out: IO[str]) -> None:
    """One row per provider, ages relative to the report's time."""
    now, max_age = report.now, report.max_age
    table = Table(title="status", title_justify="left")
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
    for status in report.statuses:
        state = status.state(max_age, now)
        if state == "failing":
            since = status.failing_since
            times = status.consecutive_failures
            state = f"FAILING {times}x" + (f", since {_ago(now - since)}" if since else "")
        else:
            state = {"stale": "STALE", "never": "-"}.get(state, state)
        error = status.last_failure_error or ""
        failure = status.last_failure_at
        add_row(
            table,
            status.provider,
            "yes" if status.enabled else "no",
            _ago(status.success_age(now)),
            _ago(now - failure if failure else None),
            error if report.verbose else shorten(error, ERROR_WIDTH),
            f"v{status.version} {_ago(status.data_age(now))}" if status.version else "-",
            str(status.version_count),
            "-" if status.model_count is None else str(status.model_count),
            state,
        )
    write_rich(out, table)
    if report.deliveries:  # only once there is something to see
        waiting = Table(title="notification deliveries", title_justify="left")
        for column in ("channel", "provider", "pending", "failed"):
            waiting.add_column(column)
        keys = sorted({(channel, provider) for provider, channel, _ in report.deliveries})
        for channel, provider in keys:
            pending = report.deliveries.get((provider, channel, "pending"), 0)
            failed = report.deliveries.get((provider, channel, "failed"), 0)
            add_row(waiting, channel, provider, str(pending), str(failed))
        write_rich(out, waiting)


def _ago(age: timedelta | None) -> str:
    return "never" if age is None else f"{format_age(age)} ago"


def stale_messages(report: StatusReport) -> list[str]:
    """Why each stale provider of ``report`` is stale, one line each."""
    if report.max_age is None:
        return []
    return [stale_message(s, report.now, report.max_age) for s in report.stale]


def stale_message(status: ProviderStatus, now: datetime, max_age: timedelta) -> str:
    """Why ``status`` is stale, for stderr and alert mails."""
    if status.last_success_at is None:
        return f"{status.provider}: no successful sync recorded (--max-age {format_age(max_age)})"
    return (
        f"{status.provider}: last success {format_age(status.success_age(now))} ago, "
        f"older than --max-age {format_age(max_age)}"
    )
