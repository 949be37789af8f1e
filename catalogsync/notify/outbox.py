"""The outbox: deliveries a stored version owes the channels, in ``notification_deliveries``.

``outbox_writer`` gives the store a function it calls in the version's transaction
(``store.store_catalog(on_version=...)``): it reads the version's change events, just
written, and adds one pending delivery per channel whose filters leave at least one of
them. So a version and the deliveries it owes commit together: a process killed right
after the commit has lost nothing, and the next run sends them. A provider's first
version (a baseline of ``model_added`` events) owes nothing unless the channel asks for
it (``first_version = true``).

The rest reads and updates deliveries for ``deliver.py`` and the library: the due ones,
claiming one (so that two processes rarely send the same one at once: receivers
deduplicate by id anyway), recording an attempt, listing, counting, resetting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, func, insert, or_, select, update

from catalogsync.db import models as t
from catalogsync.events_store import EventStamp, version_events_rows
from catalogsync.notify.results import DeliveryRow
from catalogsync.notify.settings import Channel, NotifySettings

DELIVERIES: Table = t.notification_deliveries

OnVersion = Callable[[Connection, EventStamp], None]


def outbox_writer(settings: NotifySettings) -> OnVersion | None:
    """The function that writes a new version's deliveries (``None``: no channel)."""
    channels = list(settings.channels.values())
    if not channels:
        return None

    def write(conn: Connection, stamp: EventStamp) -> None:
        wanted = [c for c in channels if stamp.version > 1 or c.first_version]
        wanted = [c for c in wanted if not c.providers or stamp.provider in c.providers]
        if not wanted:
            return
        events = version_events_rows(conn, [stamp.version_id])
        now = datetime.now(UTC)
        rows = [
            {
                "id": str(uuid.uuid4()),
                "channel": channel.name,
                "provider_id": stamp.provider_id,
                "provider": stamp.provider,
                "catalog_version_id": stamp.version_id,
                "version": stamp.version,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for channel in wanted
            if filtered(channel, events)
        ]
        if rows:
            conn.execute(insert(DELIVERIES), rows)

    return write


def filtered(channel: Channel, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events (``change_events`` rows) that ``channel``'s filters leave."""
    return [
        e
        for e in events
        if channel.wants(e["provider"], e["event_type"], e["model_id"], e["pct_change"])
    ]


def _row(found: Row[Any], configured: set[str] | None = None) -> DeliveryRow:
    c = found._mapping
    return DeliveryRow(
        id=c["id"],
        channel=c["channel"],
        provider=c["provider"],
        version=c["version"],
        status=c["status"],
        attempts=c["attempts"],
        created_at=c["created_at"],
        next_attempt_at=c["next_attempt_at"],
        last_attempt_at=c["last_attempt_at"],
        delivered_at=c["delivered_at"],
        last_error=c["last_error"],
        catalog_version_id=c["catalog_version_id"],
        configured=configured is None or c["channel"] in configured,
    )


def due_deliveries(
    conn: Connection, now: datetime, ids: Sequence[str] | None = None
) -> list[DeliveryRow]:
    """Pending deliveries due now (or the pending ones of ``ids``), oldest first."""
    query = select(DELIVERIES).where(DELIVERIES.c.status == "pending")
    if ids is not None:
        query = query.where(DELIVERIES.c.id.in_(list(ids)))
    else:
        query = query.where(
            or_(DELIVERIES.c.next_attempt_at.is_(None), DELIVERIES.c.next_attempt_at <= now)
        )
    query = query.order_by(DELIVERIES.c.created_at, DELIVERIES.c.id)
    return [_row(found) for found in conn.execute(query)]


def claim(conn: Connection, delivery: DeliveryRow, until: datetime) -> bool:
    """Take ``delivery`` for this process until ``until``; ``False`` if another took it first.

    The claim moves ``next_attempt_at`` on, compared with the value read: a process
    that read the same row finds it changed and leaves it. A process that dies while
    holding a claim only delays the delivery until the claim runs out.
    """
    where = [DELIVERIES.c.id == delivery.id, DELIVERIES.c.status == "pending"]
    if delivery.next_attempt_at is None:
        where.append(DELIVERIES.c.next_attempt_at.is_(None))
    else:
        where.append(DELIVERIES.c.next_attempt_at == delivery.next_attempt_at)
    result = conn.execute(update(DELIVERIES).where(*where).values(next_attempt_at=until))
    return result.rowcount == 1


def record_attempt(
    conn: Connection,
    delivery_id: str,
    *,
    status: str,
    attempts: int,
    now: datetime,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """Record one attempt's outcome."""
    conn.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == delivery_id)
        .values(
            status=status,
            attempts=attempts,
            last_attempt_at=now,
            next_attempt_at=next_attempt_at,
            last_error=error,
            delivered_at=now if status == "delivered" else None,
        )
    )


def list_deliveries(
    conn: Connection, configured: set[str], status: str | None = None, limit: int = 100
) -> list[DeliveryRow]:
    """Deliveries (with ``status``), newest first."""
    query = select(DELIVERIES)
    if status is not None:
        query = query.where(DELIVERIES.c.status == status)
    query = query.order_by(DELIVERIES.c.created_at.desc(), DELIVERIES.c.id).limit(limit)
    return [_row(found, configured) for found in conn.execute(query)]


def delivery_counts(conn: Connection) -> dict[tuple[str, str, str], int]:
    """``(provider, channel, status) -> deliveries``, for pending and failed ones."""
    columns = (DELIVERIES.c.provider, DELIVERIES.c.channel, DELIVERIES.c.status)
    query = (
        select(*columns, func.count())
        .where(DELIVERIES.c.status.in_(("pending", "failed")))
        .group_by(*columns)
    )
    return {
        (provider, channel, status): int(n) for provider, channel, status, n in conn.execute(query)
    }


def reset_failed(conn: Connection, ids: Sequence[str], now: datetime) -> list[str]:
    """Put failed deliveries (``ids``, or all) back to pending, due now; return their ids."""
    query = select(DELIVERIES.c.id).where(DELIVERIES.c.status == "failed")
    if ids:
        query = query.where(DELIVERIES.c.id.in_(list(ids)))
    found = list(conn.execute(query).scalars())
    if found:
        conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(found))
            .values(status="pending", attempts=0, next_attempt_at=now)
        )
    return found


def known_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` name a delivery."""
    query = select(DELIVERIES.c.id).where(DELIVERIES.c.id.in_(list(ids)))
    return set(conn.execute(query).scalars())
