"""The notification functions of the library, re-exported by ``catalogsync.api``.

``deliver_after_sync`` is what ``api.sync``, ``api.import_catalog`` and the daemon call
once a version is committed: it sends what is due and never fails the sync that called
it (a failure is logged; the deliveries stay in the outbox for the next run).

Test hook: with ``CATALOGSYNC_TEST_NOTIFY_PAUSE`` set to a number of seconds,
``deliver_after_sync`` logs ``test hook: pausing`` and sleeps that long before sending,
the version committed, so that a test can kill the process there. Nothing else reads it;
leave it unset.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from catalogsync.database import Database, database_boundary
from catalogsync.db.session import reading
from catalogsync.errors import ConfigError, NotFoundError
from catalogsync.notify.deliver import deliver_due
from catalogsync.notify.messages import Envelope, slack_body, webhook_body
from catalogsync.notify.outbox import delivery_counts, known_ids, list_deliveries, reset_failed
from catalogsync.notify.results import ChannelTest, DeliveryList, DeliveryReport

if TYPE_CHECKING:
    import httpx

    from catalogsync.config import Settings

log = logging.getLogger("catalogsync.notify")

TEST_PAUSE = "CATALOGSYNC_TEST_NOTIFY_PAUSE"
STATUSES = ("pending", "delivered", "failed")


@database_boundary
def deliver(
    db: Database, settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> DeliveryReport:
    """Send every pending delivery that is due; see ``catalogsync.notify.deliver``."""
    return deliver_due(db.engine, settings.notify, transport=transport)


def deliver_after_sync(db: Database, settings: Settings) -> DeliveryReport | None:
    """``deliver``, for a sync that stored its versions: logs a failure instead of raising."""
    if not settings.notify.channels:
        return None
    pause = os.environ.get(TEST_PAUSE)
    if pause:
        log.warning("test hook: pausing")
        time.sleep(float(pause))
    try:
        return deliver(db, settings)
    except Exception as exc:  # the sync stored its versions: it succeeded whatever happens here
        log.error(
            "notifications could not be sent: %s: %s; they stay in the outbox for the next run",
            type(exc).__name__,
            exc,
        )
        return None


@database_boundary
def deliveries(
    db: Database, settings: Settings, status: str | None = None, limit: int = 100
) -> DeliveryList:
    """The newest ``limit`` deliveries (with ``status``), newest first."""
    if status is not None and status not in STATUSES:
        raise ConfigError(f"unknown delivery status {status!r}; one of {', '.join(STATUSES)}")
    with reading(db.engine) as conn:
        return DeliveryList(list_deliveries(conn, set(settings.notify.channels), status, limit))


@database_boundary
def retry_deliveries(
    db: Database,
    settings: Settings,
    ids: Sequence[str] = (),
    *,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Put failed deliveries (``ids``, or every failed one) back to pending and send them now.

    Pending deliveries named in ``ids`` are sent now too; an unknown id is a
    ``NotFoundError``.
    """
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        if ids:
            unknown = sorted(set(ids) - known_ids(conn, ids))
            if unknown:
                raise NotFoundError(f"no such delivery: {', '.join(unknown)}")
        reset = reset_failed(conn, ids, now)
    wanted = list(ids) if ids else reset
    report = deliver_due(db.engine, settings.notify, ids=wanted, transport=transport)
    return DeliveryReport(report.attempts, report.unconfigured, reset)


@database_boundary
def notify_counts(db: Database) -> dict[tuple[str, str, str], int]:
    """``(provider, channel, status) -> deliveries``, pending and failed ones (metrics)."""
    with reading(db.engine) as conn:
        return delivery_counts(conn)


SAMPLE_EVENTS = (
    {
        "event_id": "00000000-0000-5000-8000-000000000001",
        "provider": "example",
        "event_type": "price_changed",
        "model_id": "example/model",
        "price_type": "input_tokens",
        "variant": "",
        "tier": "",
        "service_tier": "",
        "region": "",
        "unit": "USD/1M tokens",
        "currency": "USD",
        "old_amount": Decimal("2.5"),
        "new_amount": Decimal(3),
        "pct_change": 20.0,
        "fields": None,
        "retires_on": None,
    },
)


def send_test(
    settings: Settings, name: str, *, transport: httpx.BaseTransport | None = None
) -> ChannelTest:
    """Send channel ``name`` a sample delivery, signed like any other; the receiver's answer."""
    from catalogsync.notify.send import build_sender, post

    channel = settings.notify.channels.get(name)
    if channel is None:
        known = ", ".join(settings.notify.channels) or "none"
        raise ConfigError(f"unknown notification channel {name!r}; channels: {known}")
    missing = channel.missing()
    if missing is not None:
        raise ConfigError(f"[notify.{name}]: {missing}")
    delivery_id = f"test-{uuid.uuid4()}"
    sample = list(SAMPLE_EVENTS)
    envelope = Envelope(delivery_id, name, "example", 0, datetime.now(UTC))
    body = (
        webhook_body(envelope, sample)
        if channel.kind == "webhook"
        else slack_body(envelope, sample)
    )
    with build_sender(transport) as client:
        answer = post(client, channel, delivery_id, body)
    return ChannelTest(
        name,
        channel.kind,
        delivery_id,
        answer.outcome == "delivered",
        answer.status_code,
        answer.body if answer.outcome == "delivered" else answer.message,
    )
