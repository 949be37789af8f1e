"""Sending the outbox: each due delivery posted once per round, at least once in all.

``deliver_due`` takes the pending deliveries whose next attempt is due, oldest first, and
for each: claims it (``outbox.claim``), rebuilds its body from the version's stored
events and the channel's filters, posts it (``send.post``) and records the outcome in
its own transaction:

- delivered: ``status = 'delivered'``;
- a transient failure (timeout, connection error, 429, 5xx): still pending, due again
  after ``backoff_seconds`` doubling with each attempt up to ``max_backoff_seconds``
  (or after the receiver's ``Retry-After``, cut to the same cap); after the channel's
  ``max_attempts`` it is ``failed`` with its last error;
- a permanent failure (any other 4xx, a redirect): ``failed`` at once, with the error.

A delivery sent but not recorded (the process killed between the two) is sent again by
the next round under the same id: receivers deduplicate by ``X-Catalogsync-Delivery``.
Deliveries of a channel no longer configured are left pending, untouched, and reported;
so are those of a channel without a URL or secret (``Channel.missing``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from catalogsync.db.session import reading
from catalogsync.events_store import version_events_rows
from catalogsync.notify.messages import Envelope, slack_body, webhook_body
from catalogsync.notify.outbox import claim, due_deliveries, filtered, record_attempt
from catalogsync.notify.results import Attempt, DeliveryReport, DeliveryRow
from catalogsync.notify.settings import Channel, NotifySettings

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("catalogsync.notify")

CLAIM = timedelta(minutes=5)
"""How long a claimed delivery is this process's: far longer than one attempt takes."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def deliver_due(
    engine: Engine,
    settings: NotifySettings,
    *,
    ids: Sequence[str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Send the due pending deliveries (or the pending ones of ``ids``); see the docstring."""
    now = utc_now()
    with reading(engine) as conn:
        due = due_deliveries(conn, now, ids)
    unconfigured = sorted({d.channel for d in due if d.channel not in settings.channels})
    for name in unconfigured:
        waiting = sum(1 for d in due if d.channel == name)
        log.warning(
            "channel %s is no longer configured: %d pending deliveries left alone "
            "(see `catalogsync notify list`)",
            name,
            waiting,
        )
    todo = [d for d in due if d.channel in settings.channels]
    if not todo:
        return DeliveryReport(unconfigured=unconfigured)
    from catalogsync.notify.send import build_sender  # httpx loads only to send

    attempts = []
    with build_sender(transport) as client:
        for delivery in todo:
            channel = settings.channels[delivery.channel]
            attempt = _deliver_one(engine, client, settings, channel, delivery)
            if attempt is not None:
                attempts.append(attempt)
    return DeliveryReport(attempts, unconfigured)


def _deliver_one(
    engine: Engine,
    client: httpx.Client,
    settings: NotifySettings,
    channel: Channel,
    delivery: DeliveryRow,
) -> Attempt | None:
    from catalogsync.notify.send import post

    def attempt(outcome: str, tries: int, error: str | None = None) -> Attempt:
        return Attempt(
            delivery.id,
            channel.name,
            delivery.provider,
            delivery.version,
            outcome,
            tries,
            error,
        )

    missing = channel.missing()
    if missing is not None:
        log.warning("channel %s cannot send: %s; its deliveries wait", channel.name, missing)
        return attempt("waiting", delivery.attempts, missing)
    now = utc_now()
    with engine.begin() as conn:
        if not claim(conn, delivery, now + CLAIM):
            return None  # another process took it
        events = filtered(channel, version_events_rows(conn, [delivery.catalog_version_id]))
    envelope = Envelope(
        delivery.id,
        channel.name,
        delivery.provider,
        delivery.version,
        events[0]["observed_at"] if events else None,
    )
    tries = delivery.attempts + 1
    if not events:
        # Filters changed (or a rebuild) since the delivery was owed: nothing is left to say.
        with engine.begin() as conn:
            record_attempt(
                conn,
                delivery.id,
                status="delivered",
                attempts=tries,
                now=now,
                error="nothing left to send after the channel's filters",
            )
        return attempt("delivered", tries, "nothing left to send")
    body = (
        webhook_body(envelope, events)
        if channel.kind == "webhook"
        else slack_body(envelope, events)
    )
    answer = post(client, channel, delivery.id, body)
    now = utc_now()
    where = f"{delivery.provider} version {delivery.version} to {channel.name}"
    if answer.outcome == "delivered":
        with engine.begin() as conn:
            record_attempt(conn, delivery.id, status="delivered", attempts=tries, now=now)
        log.info("delivered %s (delivery %s, %d events)", where, delivery.id, len(events))
        return attempt("delivered", tries)
    if answer.outcome == "transient" and tries < channel.max_attempts:
        wait = settings.backoff_seconds * 2 ** (tries - 1)
        if answer.retry_after is not None:
            wait = answer.retry_after
        wait = min(wait, settings.max_backoff_seconds)
        with engine.begin() as conn:
            record_attempt(
                conn,
                delivery.id,
                status="pending",
                attempts=tries,
                now=now,
                next_attempt_at=now + timedelta(seconds=wait),
                error=answer.message,
            )
        log.warning(
            "delivery of %s failed (attempt %d of %d): %s; trying again in %gs",
            where,
            tries,
            channel.max_attempts,
            answer.message,
            wait,
        )
        return attempt("retrying", tries, answer.message)
    error = answer.message
    if answer.outcome == "transient":
        error = f"{error} (gave up after {tries} attempts)"
    with engine.begin() as conn:
        record_attempt(conn, delivery.id, status="failed", attempts=tries, now=now, error=error)
    log.error(
        "delivery of %s failed: %s; `catalogsync notify retry %s` sends it again",
        where,
        error,
        delivery.id,
    )
    return attempt("failed", tries, error)
