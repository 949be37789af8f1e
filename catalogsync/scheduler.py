"""The daemon: one APScheduler 3.x job per enabled provider, until SIGTERM or SIGINT.

Each job calls the library's ``api.sync`` for its provider, in a worker thread of its own, so
a slow or failing provider never holds up the others. APScheduler keeps one run of a job
at a time (``max_instances=1``), folds runs missed while the process was busy or
suspended into one (``coalesce``) and runs a late job however late it is
(``misfire_grace_time=None``: with coalescing that is one catch-up run, never a burst).
Across processes, the provider lock taken by ``run_sync`` does the same: a replica that
finds the lock taken skips that run.

Stopping: the first SIGTERM or SIGINT stops scheduling and waits for the syncs in
progress, at most ``[daemon] stop_timeout_seconds``; a sync that finishes in time is
recorded as usual. If one is still running then, or a second signal arrives, the
process exits at once: the database rolls back the unfinished transaction, the provider
lock dies with the process, and the next run marks the ``running`` row ``abandoned``.
Either way the exit code is 0: stopping was asked for.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from types import FrameType
from typing import Any

import httpx
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from catalogsync import api
from catalogsync.config import Settings
from catalogsync.errors import CatalogSyncError, ConfigError, DatabaseAccessError
from catalogsync.metrics import SyncMetrics
from catalogsync.metrics_server import MetricsServer
from catalogsync.providers import build_provider
from catalogsync.providers.base import needs_key
from catalogsync.schedules import build_trigger

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
NOTIFY_JOB = "notify"  # sends what the outbox holds due, every [notify] interval_seconds


def runnable_providers(settings: Settings) -> list[str]:
    """The enabled providers that have an API key or need none; ``ConfigError`` when there
    is none.

    Every enabled provider's settings are checked, keyed or not.
    """
    enabled = [name for name, p in settings.providers.items() if p.enabled]
    runnable = []
    for name in enabled:
        provider = settings.providers[name]
        # Building the adapter checks its own options (Akool's `types`...) now, not at
        # the first run.
        adapter = build_provider(provider)
        if provider.api_key is None and needs_key(adapter):
            log.warning(
                "not scheduled: no API key (set %s or api_key_file in [providers.%s])",
                provider.api_key_env,
                name,
                extra={"provider": name},
            )
        else:
            runnable.append(name)
    if not runnable:
        wanted = ", ".join(settings.providers[n].api_key_env for n in enabled) or "none"
        raise ConfigError(
            "no enabled provider has an API key, so the daemon has nothing to schedule "
            f"(enabled: {', '.join(enabled) or 'none'}; keys: {wanted})"
        )
    return runnable


class Daemon:
    """The scheduler and its jobs; ``start``, then ``stop`` from the thread that waits."""

    def __init__(
        self,
        db: api.Database,
        settings: Settings,
        providers: Sequence[str],
        *,
        metrics: SyncMetrics | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.providers = list(providers)
        self.metrics = metrics
        self.transport = transport
        self._stopping = threading.Event()
        self._running: dict[str, float] = {}  # provider -> monotonic start of its sync
        self._changed = threading.Condition()
        self._scheduler = BackgroundScheduler(
            timezone=settings.daemon.zone,
            executors={"default": ThreadPoolExecutor(max_workers=len(self.providers) + 1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        zone = settings.daemon.zone
        for name in self.providers:
            provider = settings.providers[name]
            try:
                trigger = build_trigger(provider.schedule, zone, provider.jitter_seconds)
            except ValueError as exc:
                raise ConfigError(f"[providers.{name}] schedule: {exc}") from None
            extra = {"next_run_time": datetime.now(zone)} if settings.daemon.run_at_start else {}
            self._scheduler.add_job(
                self._job, trigger, args=[name], id=name, name=f"sync {name}", **extra
            )
        if settings.notify.channels:
            every = settings.notify.interval_seconds
            self._scheduler.add_job(self._deliver, "interval", seconds=every, id=NOTIFY_JOB)

    def start(self) -> None:
        """Start scheduling (and, with ``run_at_start``, sync every provider now)."""
        self.refresh_metrics()
        self._scheduler.start()
        for job in self._scheduler.get_jobs():
            if job.id == NOTIFY_JOB:
                continue
            log.info(
                "scheduled %r (%s), next run at %s",
                self.settings.providers[job.id].schedule,
                job.trigger,
                job.next_run_time.isoformat() if job.next_run_time else "never",
                extra={"provider": job.id},
            )

    def stop(self, timeout: float, force: threading.Event | None = None) -> list[str]:
        """Stop scheduling, wait up to ``timeout`` s for running syncs; return those unfinished."""
        self._stopping.set()
        self._scheduler.shutdown(wait=False)
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._running and not (force and force.is_set()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.2))
            return sorted(self._running)

    def health(self) -> str | None:
        """What keeps the daemon from scheduling, or ``None`` while its scheduler runs."""
        if self._stopping.is_set():
            return "stopping"
        if not self._scheduler.running:
            return "the scheduler is not running"
        # APScheduler 3.x keeps its loop in this thread; an exception there ends it.
        thread = getattr(self._scheduler, "_thread", None)
        if thread is not None and not thread.is_alive():
            return "the scheduler's thread has stopped"
        return None

    def refresh_metrics(self, names: Sequence[str] | None = None) -> None:
        """Read the database-wide metrics (last success, models) of ``names`` (default: all)."""
        if self.metrics is None:
            return
        try:
            report = api.status(self.db, self.settings, providers=names or self.providers)
        except DatabaseAccessError as exc:
            log.warning("cannot read metrics from the database: %s", type(exc.__cause__).__name__)
            return
        for status in report.statuses:
            self.metrics.refresh(status)
        self.metrics.refresh_deliveries(report.deliveries)

    def _deliver(self) -> None:
        if not self._stopping.is_set():
            api.deliver_after_sync(self.db, self.settings)  # logs its failures; never raises
            self.refresh_metrics()

    def _job(self, name: str) -> None:
        if self._stopping.is_set():
            return
        with self._changed:
            self._running[name] = time.monotonic()
        try:
            self._sync(name)
        finally:
            with self._changed:
                del self._running[name]
                self._changed.notify_all()

    def _sync(self, name: str) -> None:
        try:
            [outcome] = api.sync(
                self.db, self.settings, [name], trigger="daemon", transport=self.transport
            ).outcomes
        except CatalogSyncError as exc:
            log.error("sync could not run: %s", exc, extra={"provider": name})
            if self.metrics:
                self.metrics.job_failed(name)
            return
        except Exception:
            # Never let one provider's bug end the job, the daemon or the other providers.
            log.exception("sync could not run", extra={"provider": name})
            if self.metrics:
                self.metrics.job_failed(name)
            return
        if self.metrics:
            self.metrics.observe(outcome)
            self.refresh_metrics([name])


def run_daemon(
    db: api.Database,
    settings: Settings,
    *,
    metrics_port: int | None = None,
    metrics_host: str | None = None,
    transport: httpx.BaseTransport | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run the schedule until SIGTERM or SIGINT (or ``stop`` is set); return the exit code.

    Configuration errors (no provider to schedule, a bad schedule, a metrics address
    that cannot be bound) raise ``ConfigError`` before anything runs. A metrics port in
    use is retried in the background while the schedule runs (``metrics_server``).
    """
    providers = runnable_providers(settings)
    port = metrics_port if metrics_port is not None else settings.daemon.metrics_port
    channels = list(settings.notify.channels)
    metrics = SyncMetrics(providers, channels) if port is not None else None
    daemon = Daemon(db, settings, providers, metrics=metrics, transport=transport)
    server = None
    if metrics is not None and port is not None:
        host = metrics_host or settings.daemon.metrics_host
        server = MetricsServer(metrics.registry, port, host, daemon.health)
        server.start()
    stop = stop or threading.Event()
    force = threading.Event()
    received: list[str] = []
    previous = _install_signal_handlers(stop, force, received)
    try:
        daemon.start()
        log.info(
            "daemon started (pid %d): %s; stop with SIGTERM or SIGINT",
            os.getpid(),
            ", ".join(providers),
        )
        while not stop.wait(1.0):
            pass
        if received:
            log.info("received %s", received[0])
        timeout = settings.daemon.stop_timeout_seconds
        log.info("stopping: waiting up to %gs for syncs in progress", timeout)
        unfinished = daemon.stop(timeout, force)
    finally:
        _restore_signal_handlers(previous)
        if server is not None:
            server.close()
    if unfinished:
        log.error(
            "stopping now with syncs unfinished (%s): their transactions roll back and "
            "the next run marks them abandoned",
            ", ".join(unfinished),
        )
        _exit_now(0)
    log.info("daemon stopped")
    return 0


Handlers = dict[int, Any]


def _install_signal_handlers(
    stop: threading.Event, force: threading.Event, received: list[str]
) -> Handlers:
    """First signal: stop gracefully; second: stop now. Only the main thread may do this."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handle(signum: int, _frame: FrameType | None) -> None:
        # No logging here: a handler may interrupt the main thread inside a log call.
        received.append(signal.Signals(signum).name)
        if stop.is_set():
            force.set()
        stop.set()

    return {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}


def _restore_signal_handlers(previous: Handlers) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _exit_now(code: int) -> None:
    """Exit without waiting for worker threads (a stuck sync would hold up a normal exit)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
