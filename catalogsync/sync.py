"""Orchestration: fetch, validate, store and record each provider's sync. No SQL here.

One provider's failure never stops the others: each gets its own ``sync_runs`` row and
its own transaction, and a failure rolls that transaction back, leaving the stored
catalog exactly as it was, and records why.

A provider is synced by one process at a time: ``run_sync`` takes the provider's lock
(``locks.py``) before anything else, and skips the provider when another process holds
it. Holding the lock also proves that any run still marked ``running`` belongs to a
process that died, so such runs are marked ``abandoned`` before the new one starts.

Nothing that arrives is lost: a run that obtained a payload but could not parse or
store it keeps the payload with its failed ``sync_runs`` row (an HTTP error keeps the
error body). API keys never get that far: every payload is redacted as it arrives.
A database failure fails that provider's run, not the whole sync.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from catalogsync.config import Settings
from catalogsync.db.session import reading
from catalogsync.errors import (
    CatalogSyncError,
    ConfigError,
    DatabaseError,
    ProviderError,
    database_message,
)
from catalogsync.gcpause import cyclic_gc_paused
from catalogsync.locks import HeldLock, held_provider_lock
from catalogsync.logs import log_context, set_log_context
from catalogsync.notify.outbox import OnVersion, outbox_writer
from catalogsync.payloads import Secret, payload_hash, redact, redact_bytes
from catalogsync.providers import Provider, build_provider, import_settings
from catalogsync.providers.base import needs_key
from catalogsync.results import SyncOutcome
from catalogsync.runs import (
    RunCounts,
    abandon_running_runs,
    ensure_provider,
    finish_run,
    start_run,
)
from catalogsync.store import StoreResult, store_catalog, unchanged_payload

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
IMPORT_LOCK_WAIT = 60.0  # seconds an import waits for a sync of its provider to finish
LOCK_RETRY_SECONDS = 0.5


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class SyncPolicy:
    """What a sync may do: the mass-removal guard, how the run is labelled, what to redact."""

    max_removal_fraction: float = 0.5
    allow_mass_removal: bool = False
    trigger: str = "sync"
    secrets: tuple[Secret, ...] = ()  # masked wherever a payload or error repeats them
    on_version: OnVersion | None = None  # writes the deliveries a new version owes

    @property
    def source(self) -> str:
        """Where a stored version came from: a daemon's runs are syncs like any other."""
        return "sync" if self.trigger == "daemon" else self.trigger


def run_sync(
    engine: Engine,
    provider: Provider,
    obtain: Callable[[], bytes],
    policy: SyncPolicy,
    *,
    observed_at: datetime | None = None,
    clock: Clock = utc_now,
    lock_wait: float = 0.0,
) -> SyncOutcome:
    """Obtain a payload, parse it and store it as one recorded run of ``provider``.

    Returns a ``skipped`` outcome, having written nothing, when another process holds
    the provider's lock (after trying for ``lock_wait`` seconds).
    """
    name = provider.name
    deadline = time.monotonic() + lock_wait
    with log_context(provider=name):
        while True:
            with held_provider_lock(engine, name) as lock:
                if lock is not None:
                    return _locked_sync(engine, provider, obtain, policy, observed_at, clock, lock)
            if time.monotonic() >= deadline:
                break
            time.sleep(LOCK_RETRY_SECONDS)
        message = f"another process is syncing {name}"
        log.info("skipped: %s", message, extra={"provider": name})
        return SyncOutcome(name, "skipped", error=message)


def _locked_sync(
    engine: Engine,
    provider: Provider,
    obtain: Callable[[], bytes],
    policy: SyncPolicy,
    observed_at: datetime | None,
    clock: Clock,
    lock: HeldLock,
) -> SyncOutcome:
    started = time.monotonic()
    name = provider.name
    try:
        provider_id = ensure_provider(engine, name, clock())
        for stale in abandon_running_runs(engine, provider_id, clock()):
            log.warning(
                "run %d was left running by a process that stopped; marked abandoned",
                stale,
                extra={"provider": name},
            )
        run_id = start_run(engine, provider_id, policy.trigger, clock())
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot record a sync run: {database_message(exc)}") from exc
    set_log_context(run_id=run_id)
    log.info("sync started", extra={"provider": name, "run_id": run_id})
    raw: bytes | None = None
    try:
        raw = redact_bytes(obtain(), policy.secrets)
        fetched_at = observed_at or clock()
        raw_hash = payload_hash(provider, raw)
        # Bytes already stored as the newest version: unchanged, without parsing them again.
        with reading(engine) as conn:
            result = unchanged_payload(conn, provider_id, raw_hash, fetched_at)
        if result is None:
            result = _parse_and_store(
                engine, provider, provider_id, raw, raw_hash, fetched_at, policy, clock, lock
            )
    except Exception as exc:
        message = redact(_failure_message(exc), policy.secrets)
        if not isinstance(exc, CatalogSyncError | SQLAlchemyError):
            log.exception("sync failed unexpectedly", extra={"provider": name, "run_id": run_id})
        else:
            log.error("sync failed: %s", message, extra={"provider": name, "run_id": run_id})
        if raw is None and isinstance(exc, ProviderError) and exc.body is not None:
            raw = redact_bytes(exc.body, policy.secrets)
        _record_failure(engine, run_id, message, clock, raw)
        return SyncOutcome(
            name, "failed", run_id, error=message, seconds=time.monotonic() - started
        )
    counts = RunCounts(result.added, result.removed, result.changed, result.prices_changed)
    try:
        finish_run(
            engine, run_id, result.status, clock(), version_id=result.version_id, counts=counts
        )
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"run {run_id} {result.status} (version {result.version}) but could not be "
            f"recorded: {database_message(exc)}"
        ) from exc
    log.info(
        "sync %s: version %s, %d models (+%d -%d ~%d), %d price changes",
        result.status,
        result.version,
        result.model_count,
        result.added,
        result.removed,
        result.changed,
        result.prices_changed,
        extra={"provider": name, "run_id": run_id},
    )
    return SyncOutcome(
        name,
        result.status,
        run_id,
        version=result.version,
        model_count=result.model_count,
        added=result.added,
        removed=result.removed,
        changed=result.changed,
        prices_changed=result.prices_changed,
        seconds=time.monotonic() - started,
    )


def sync_providers(
    engine: Engine,
    settings: Settings,
    names: Sequence[str] = (),
    *,
    allow_mass_removal: bool = False,
    transport: httpx.BaseTransport | None = None,
    require_keys: bool = True,
    trigger: str = "sync",
    clock: Clock = utc_now,
) -> list[SyncOutcome]:
    """Sync the named providers (default: every enabled one), each on its own.

    Providers without an API key are skipped with a message (those whose adapter declares
    ``requires_key = False`` need none); when none is left to run, ``ConfigError`` says
    which variables to set. ``transport`` and ``require_keys=False`` serve the offline demo.
    """
    from catalogsync.http import build_client  # the HTTP stack loads only to fetch

    selected = _select(settings, names)
    adapters = [build_provider(settings.providers[n]) for n in selected]
    policy = SyncPolicy(
        settings.max_removal_fraction,
        allow_mass_removal,
        trigger,
        settings.secrets(),
        outbox_writer(settings.notify),
    )
    outcomes: list[SyncOutcome] = []
    runnable = []
    for adapter in adapters:
        provider_settings = settings.providers[adapter.name]
        if require_keys and provider_settings.api_key is None and needs_key(adapter):
            message = (
                f"no API key: set {provider_settings.api_key_env} "
                f"or api_key_file in [providers.{adapter.name}]"
            )
            log.warning("skipped: %s", message, extra={"provider": adapter.name})
            outcomes.append(SyncOutcome(adapter.name, "skipped", error=message))
        else:
            runnable.append(adapter)
    if not runnable:
        wanted = ", ".join(settings.providers[n].api_key_env for n in selected)
        raise ConfigError(
            f"no provider has an API key, so there is nothing to sync: set {wanted} "
            "(or api_key_file in the configuration); `catalogsync demo` runs offline"
        )
    for adapter in runnable:
        with build_client(settings.providers[adapter.name], transport) as client:
            try:
                outcome = run_sync(engine, adapter, _fetcher(adapter, client), policy, clock=clock)
            except DatabaseError as exc:
                # The database failed this provider, perhaps only for a moment (a restart):
                # the others still get their turn, each on a fresh connection.
                message = f"database error: {exc}"
                log.error("sync failed: %s", message, extra={"provider": adapter.name})
                outcome = SyncOutcome(adapter.name, "failed", error=message)
            outcomes.append(outcome)
    order = {name: i for i, name in enumerate(selected)}
    return sorted(outcomes, key=lambda o: order[o.provider])


def import_payload(
    engine: Engine,
    settings: Settings,
    name: str,
    raw: bytes,
    observed_at: datetime,
    *,
    allow_mass_removal: bool = False,
    clock: Clock = utc_now,
    lock_wait: float = IMPORT_LOCK_WAIT,
) -> SyncOutcome:
    """Store a saved payload of provider ``name`` as if it had been fetched at ``observed_at``.

    Unlike a sync, an import asked for by hand waits for a sync of the provider in progress
    elsewhere, and fails rather than being skipped if that takes too long.
    """
    adapter = build_provider(import_settings(settings, name))
    policy = SyncPolicy(
        settings.max_removal_fraction,
        allow_mass_removal,
        "import",
        settings.secrets(),
        outbox_writer(settings.notify),
    )
    outcome = run_sync(
        engine,
        adapter,
        lambda: raw,
        policy,
        observed_at=observed_at,
        clock=clock,
        lock_wait=lock_wait,
    )
    if outcome.status == "skipped":
        return replace(
            outcome,
            status="failed",
            error=f"{outcome.error} (waited {lock_wait:g}s): nothing imported; try again",
        )
    return outcome


def _parse_and_store(
    engine: Engine,
    provider: Provider,
    provider_id: int,
    raw: bytes,
    raw_hash: str,
    fetched_at: datetime,
    policy: SyncPolicy,
    clock: Clock,
    lock: HeldLock,
) -> StoreResult:
    with cyclic_gc_paused():
        catalog = provider.parse(raw)  # before the transaction: no lock is held while parsing
        with engine.begin() as conn:
            result = store_catalog(
                conn,
                provider_id,
                catalog,
                raw,
                raw_hash=raw_hash,
                observed_at=fetched_at,
                recorded_at=clock(),
                source=policy.source,
                max_removal_fraction=policy.max_removal_fraction,
                allow_mass_removal=policy.allow_mass_removal,
                on_version=policy.on_version,
            )
            lock.verify()  # before committing: with the lock lost, another process may be storing
        # Freed while the collector is still paused: once back, it would first scan all
        # of it only to find nothing to collect.
        del catalog
    return result


def _fetcher(adapter: Provider, client: httpx.Client) -> Callable[[], bytes]:
    return lambda: adapter.fetch(client)


def _select(settings: Settings, names: Sequence[str]) -> list[str]:
    for name in names:
        settings.provider(name)
    if names:
        return list(dict.fromkeys(names))  # named explicitly: run even when disabled
    enabled = [n for n, p in settings.providers.items() if p.enabled]
    if not enabled:
        raise ConfigError("every provider is disabled in the configuration; nothing to sync")
    return enabled


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, DatabaseError):
        return f"database error: {exc}"
    if isinstance(exc, CatalogSyncError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {database_message(exc)}"
    return f"internal error: {type(exc).__name__}: {exc}"


def _record_failure(
    engine: Engine, run_id: int, message: str, clock: Clock, raw: bytes | None = None
) -> None:
    """Record run ``run_id`` as failed with ``message`` and the payload it received.

    A database that could not take the catalog (its disk full, say) may not take the
    payload either: then the run is recorded without it, so that its real reason is
    kept rather than found later as an abandoned run.
    """
    try:
        finish_run(engine, run_id, "failed", clock(), error=message, raw=raw)
        return
    except SQLAlchemyError as exc:
        if raw is None:
            _unrecorded(run_id, message, exc)
        kept = f"{message} (the payload it received could not be kept: {database_message(exc)})"
    try:
        finish_run(engine, run_id, "failed", clock(), error=kept)
    except SQLAlchemyError as exc:
        _unrecorded(run_id, message, exc)


def _unrecorded(run_id: int, message: str, exc: SQLAlchemyError) -> NoReturn:
    detail = database_message(exc)
    cause = "" if detail in message else f" ({detail})"
    raise DatabaseError(
        f"run {run_id} failed and could not be recorded{cause}; it stays 'running' until "
        f"the next sync marks it abandoned. It failed with: {message}"
    ) from exc
