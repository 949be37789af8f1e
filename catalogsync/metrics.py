"""Prometheus metrics of the daemon, served at ``/metrics`` with ``daemon --metrics-port``.

Named after Prometheus' naming guidelines: base units as suffixes (``_seconds``),
counters ending in ``_total``, one metric per meaning with labels for the rest.

- ``catalogsync_build_info{version,python}`` (gauge, always 1): what is running;
- ``catalogsync_last_success_timestamp_seconds{provider}`` (gauge): Unix time of the last
  successful sync (0: never);
- ``catalogsync_last_sync_duration_seconds{provider}`` (gauge): how long this process's
  last sync of the provider took;
- ``catalogsync_sync_duration_seconds{provider}`` (histogram): how long this process's
  syncs took (``_bucket``, ``_sum``, ``_count``), skipped ones not counted;
- ``catalogsync_models{provider}`` (gauge): models in the newest stored catalog version;
- ``catalogsync_price_changes_total{provider}`` (counter): price points added, changed or
  removed by this process's syncs;
- ``catalogsync_sync_failures_total{provider}`` (counter): failed syncs, and sync jobs
  that could not run, in this process;
- ``catalogsync_syncs_total{provider,status}`` (counter): sync attempts by outcome
  (``succeeded``, ``unchanged``, ``failed``, ``skipped``);
- ``catalogsync_notify_deliveries{channel,status}`` (gauge): notification deliveries
  ``pending`` and ``failed`` in the database, per channel (``catalogsync.notify``);
- the standard ``process_*`` (CPU, resident memory, open files, start time),
  ``python_info`` and ``python_gc_*`` series.

The last-success time and the model count are read from the database after every sync
attempt, so every replica reports the same, whichever did the work (a replica that
skipped because another held the lock still reports the fresh success). The counters,
the histogram and the last duration describe this process only, as Prometheus counters
do. The metrics live in a registry of their own, not the process-global one. Counters
carry no ``_created`` series: ``process_start_time_seconds`` says when they started.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from catalogsync import __version__
from catalogsync.reads.status import ProviderStatus
from catalogsync.results import SyncOutcome

OUTCOMES = ("succeeded", "unchanged", "failed", "skipped")
DURATION_BUCKETS = (0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
"""Seconds: a small catalog takes well under a second, OpenRouter with endpoints minutes."""


class SyncMetrics:
    """The daemon's metrics, one labelled series per provider."""

    def __init__(self, providers: Sequence[str], channels: Sequence[str] = ()) -> None:
        # `_created` series double every counter's series for a value that
        # process_start_time_seconds already gives; this process serves one registry.
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        labels = ["provider"]
        Gauge(
            "catalogsync_build_info",
            "The running catalogsync: its version and Python's (always 1).",
            ["version", "python"],
            registry=self.registry,
        ).labels(__version__, platform.python_version()).set(1)
        self.last_success = Gauge(
            "catalogsync_last_success_timestamp_seconds",
            "Unix time of the provider's last successful sync (0: never).",
            labels,
            registry=self.registry,
        )
        self.last_duration = Gauge(
            "catalogsync_last_sync_duration_seconds",
            "Duration of this process's last sync of the provider.",
            labels,
            registry=self.registry,
        )
        self.durations = Histogram(
            "catalogsync_sync_duration_seconds",
            "Durations of this process's syncs of the provider (skipped ones not counted).",
            labels,
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.models = Gauge(
            "catalogsync_models",
            "Models in the provider's newest stored catalog version.",
            labels,
            registry=self.registry,
        )
        self.price_changes = Counter(
            "catalogsync_price_changes",
            "Price points added, changed or removed by this process's syncs.",
            labels,
            registry=self.registry,
        )
        self.failures = Counter(
            "catalogsync_sync_failures",
            "Failed syncs of the provider in this process.",
            labels,
            registry=self.registry,
        )
        self.syncs = Counter(
            "catalogsync_syncs",
            "Sync attempts by outcome (succeeded, unchanged, failed, skipped).",
            ["provider", "status"],
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "catalogsync_notify_deliveries",
            "Notification deliveries pending or failed, per channel (read from the database).",
            ["channel", "status"],
            registry=self.registry,
        )
        self.channels = list(channels)
        self.refresh_deliveries({})
        # Every series exists from the start, so "never succeeded" and "no failure
        # yet" are values (0) an alert can see, not absent series.
        for provider in providers:
            self.last_success.labels(provider).set(0)
            self.models.labels(provider).set(0)
            self.durations.labels(provider)
            self.price_changes.labels(provider)
            self.failures.labels(provider)
            for status in OUTCOMES:
                self.syncs.labels(provider, status)

    def observe(self, outcome: SyncOutcome) -> None:
        """Count one sync attempt of this process."""
        provider = outcome.provider
        self.syncs.labels(provider, outcome.status).inc()
        if outcome.status == "skipped":
            return
        self.last_duration.labels(provider).set(outcome.seconds)
        self.durations.labels(provider).observe(outcome.seconds)
        if outcome.status == "failed":
            self.failures.labels(provider).inc()
        else:
            self.price_changes.labels(provider).inc(outcome.prices_changed)

    def job_failed(self, provider: str) -> None:
        """Count a sync job that could not even run (the database was unreachable...)."""
        self.syncs.labels(provider, "failed").inc()
        self.failures.labels(provider).inc()

    def refresh_deliveries(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Set the delivery gauges from ``(provider, channel, status) -> n``."""
        totals = {(c, s): 0 for c in self.channels for s in ("pending", "failed")}
        for (_, channel, status), n in counts.items():
            totals[(channel, status)] = totals.get((channel, status), 0) + n
        self.deliveries.clear()
        for (channel, status), n in totals.items():
            self.deliveries.labels(channel, status).set(n)

    def refresh(self, status: ProviderStatus) -> None:
        """Set the database-wide values from ``status``."""
        if status.last_success_at is not None:
            self.last_success.labels(status.provider).set(status.last_success_at.timestamp())
        if status.model_count is not None:
            self.models.labels(status.provider).set(status.model_count)
