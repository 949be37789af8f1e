"""Bookkeeping of sync attempts: the ``providers`` and ``sync_runs`` rows.

Each step commits on its own, outside the catalog's transaction, so that a failed or
killed sync still leaves a record of the attempt and why it ended.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from catalogsync.db import models as t
from catalogsync.payloads import ENCODING, compress

PROVIDERS: Table = t.providers
RUNS: Table = t.sync_runs
PAYLOADS: Table = t.failed_payloads
ERROR_LIMIT = 4000  # characters of an error message kept in sync_runs.error


@dataclass(frozen=True)
class RunCounts:
    """What a finished run changed."""

    added: int | None = None
    removed: int | None = None
    changed: int | None = None
    prices_changed: int | None = None


def ensure_provider(engine: Engine, slug: str, now: datetime) -> int:
    """Return the id of the provider ``slug``, creating its row on first use."""
    with engine.begin() as conn:
        found = _provider_id(conn, slug)
        if found is not None:
            return found
    try:
        with engine.begin() as conn:
            return int(
                conn.execute(
                    insert(PROVIDERS).returning(PROVIDERS.c.id), {"slug": slug, "created_at": now}
                ).scalar_one()
            )
    except IntegrityError:  # another process created it between our two statements
        with engine.begin() as conn:
            found = _provider_id(conn, slug)
            assert found is not None
            return found


def _provider_id(conn: Connection, slug: str) -> int | None:
    found = conn.execute(select(PROVIDERS.c.id).where(PROVIDERS.c.slug == slug)).scalar()
    return int(found) if found is not None else None


def start_run(engine: Engine, provider_id: int, trigger: str, now: datetime) -> int:
    """Record that a sync of ``provider_id`` begins; return the run id."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(RUNS).returning(RUNS.c.id),
                {
                    "provider_id": provider_id,
                    "trigger": trigger,
                    "started_at": now,
                    "status": "running",
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                },
            ).scalar_one()
        )


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    version_id: int | None = None,
    counts: RunCounts | None = None,
    raw: bytes | None = None,
) -> None:
    """Record how run ``run_id`` ended; ``raw`` is what a failed run received, kept compressed
    once per provider and distinct bytes (``failed_payloads``)."""
    counts = counts or RunCounts()
    payload_id = keep_failed_payload(engine, run_id, raw) if raw is not None else None
    with engine.begin() as conn:
        conn.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id)
            .values(
                status=status,
                finished_at=now,
                error=error[:ERROR_LIMIT] if error else None,
                catalog_version_id=version_id,
                models_added=counts.added,
                models_removed=counts.removed,
                models_changed=counts.changed,
                prices_changed=counts.prices_changed,
                failed_payload_id=payload_id,
            )
        )


def keep_failed_payload(engine: Engine, run_id: int, raw: bytes) -> int:
    """The id of the ``failed_payloads`` row holding ``raw`` for run ``run_id``'s provider.

    The same bytes are stored once: a run that receives them again points at the row of
    the first. Two processes storing the same new bytes at once both end up with one row.
    """
    raw_hash = hashlib.sha256(raw).hexdigest()
    with engine.begin() as conn:
        provider_id, started_at = conn.execute(
            select(RUNS.c.provider_id, RUNS.c.started_at).where(RUNS.c.id == run_id)
        ).one()
        found = _payload_id(conn, provider_id, raw_hash)
        if found is not None:
            return found
    row = {
        "provider_id": provider_id,
        "raw_hash": raw_hash,
        "raw_encoding": ENCODING,
        "raw_payload": compress(raw),
        "first_seen": started_at,
    }
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(PAYLOADS).returning(PAYLOADS.c.id), row).scalar_one())
    except IntegrityError:  # another process stored the same bytes between our statements
        with engine.begin() as conn:
            found = _payload_id(conn, provider_id, raw_hash)
            assert found is not None
            return found


def _payload_id(conn: Connection, provider_id: int, raw_hash: str) -> int | None:
    found = conn.execute(
        select(PAYLOADS.c.id).where(
            PAYLOADS.c.provider_id == provider_id, PAYLOADS.c.raw_hash == raw_hash
        )
    ).scalar()
    return int(found) if found is not None else None


def abandon_running_runs(engine: Engine, provider_id: int, now: datetime) -> list[int]:
    """Mark every ``running`` run of ``provider_id`` as ``abandoned``; return their ids.

    Call this only while holding the provider's lock: whoever left those rows
    ``running`` cannot still be running, since only the lock holder syncs. The error
    names the process that stopped; ``finished_at`` is when that was noticed.
    """
    with engine.begin() as conn:
        stale = conn.execute(
            select(RUNS.c.id, RUNS.c.pid, RUNS.c.hostname).where(
                RUNS.c.provider_id == provider_id, RUNS.c.status == "running"
            )
        ).all()
        for run_id, pid, hostname in stale:
            conn.execute(
                update(RUNS)
                .where(RUNS.c.id == run_id, RUNS.c.status == "running")
                .values(
                    status="abandoned",
                    finished_at=now,
                    error=f"abandoned: process {pid} on {hostname} stopped before finishing "
                    "(killed, crashed or lost); whatever it had not committed was rolled back",
                )
            )
    return [int(run_id) for run_id, _, _ in stale]
