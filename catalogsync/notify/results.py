"""What the notification functions of the library return: plain, frozen, renderable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery of the outbox (``notification_deliveries``)."""

    id: str
    channel: str
    provider: str
    version: int
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None
    catalog_version_id: int = 0
    configured: bool = True
    """Whether its channel is still in the configuration (else it is left alone)."""


@dataclass(frozen=True)
class DeliveryList:
    """Deliveries, newest first (``notify list``)."""

    deliveries: Sequence[DeliveryRow]


@dataclass(frozen=True)
class Attempt:
    """What one attempt at a delivery came to."""

    delivery_id: str
    channel: str
    provider: str
    version: int
    outcome: str
    """``delivered``, ``retrying`` (still pending), ``failed``, or ``waiting`` (not sent:
    its channel has no URL or secret)."""
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """What a round of deliveries did (``notify retry``, after a sync)."""

    attempts: Sequence[Attempt] = ()
    unconfigured: Sequence[str] = ()
    """Channels that have pending deliveries but are no longer configured."""
    reset: Sequence[str] = field(default_factory=tuple)
    """Deliveries ``notify retry`` put back to pending."""

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.attempts if a.outcome == outcome)


@dataclass(frozen=True)
class ChannelTest:
    """The receiver's answer to a sample delivery (``notify test``)."""

    channel: str
    kind: str
    delivery_id: str
    ok: bool
    status_code: int | None
    answer: str
    """The receiver's body (its start, printable), or why nothing was received."""
