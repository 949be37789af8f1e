"""Storing change events: computed from a version's plan and written in its transaction.

``record_events`` is called by ``store.write_version`` before the plan's rows are
written: it reads what the events need of the rows about to close (changed models'
``models`` rows, removed models' prices; ``events.Prior``), computes the events
(``events.version_events``, pure) and inserts them into ``change_events``. Being part of
``write_version``, it runs for a new version and for a version ``catalogsync rebuild``
replays; ``forget_events`` deletes the events of the versions a rebuild rewinds, so they
are recomputed (with the same ids for the same changes), and nothing is notified again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ScalarSelect, Table, delete, select

from catalogsync import keys
from catalogsync.db import models as t
from catalogsync.db.bulk import chunks, insert_rows
from catalogsync.events import ChangeEvent, Prior, event_id, fields_json, version_events
from catalogsync.plan import CurrentState, VersionPlan

EVENTS: Table = t.change_events
_MODEL_COLUMNS = ("name", "category", "description", "access", "output_format_ids")


@dataclass(frozen=True)
class EventStamp:
    """The version events are written for."""

    provider_id: int
    provider: str
    version_id: int
    version: int
    at: datetime


def record_events(
    conn: Connection, stamp: EventStamp, plan: VersionPlan, state: CurrentState
) -> list[ChangeEvent]:
    """Compute the events of ``plan`` and insert them; call before the plan is written."""
    prior = read_prior(conn, stamp.provider_id, plan)
    events = version_events(plan, state, prior)
    # The bulk writer (COPY on PostgreSQL): a first version has an event per model.
    rows = [event_values(stamp, event) for event in events]
    insert_rows(conn, EVENTS, _COLUMNS, rows, _constants(stamp))
    return events


_COLUMNS = (
    "event_id",
    "event_type",
    "model_id",
    *keys.PRICE.fields,
    "currency",
    "old_amount",
    "new_amount",
    "pct_change",
    "fields",
    "retires_on",
)
_NO_KEY = (None,) * len(keys.PRICE.fields)


def _constants(stamp: EventStamp) -> dict[str, Any]:
    return {
        "provider_id": stamp.provider_id,
        "provider": stamp.provider,
        "catalog_version_id": stamp.version_id,
        "version": stamp.version,
        "observed_at": stamp.at,
    }


def event_values(stamp: EventStamp, event: ChangeEvent) -> tuple[Any, ...]:
    """The values of ``event``'s row, in ``_COLUMNS`` order."""
    pct = event.pct_change
    return (
        event_id(stamp.provider, stamp.version, event),
        event.event_type,
        event.model_id,
        *(event.price_key or _NO_KEY),
        event.currency,
        event.old_amount,
        event.new_amount,
        # As text: the bulk writer sends no floats, and both databases read a number
        # from it (REAL affinity on SQLite, COPY text on PostgreSQL).
        None if pct is None else str(pct),
        fields_json(event.fields),
        event.retires_on,
    )


def read_prior(conn: Connection, provider_id: int, plan: VersionPlan) -> Prior:
    """What the events need of the rows ``plan`` is about to close."""
    changes = plan.changes
    models: dict[str, tuple[Any, ...]] = {}
    if changes.changed:
        table = t.models
        wanted = set(changes.changed)
        ids = plan.close.get(keys.MODEL.table, ())
        columns = [table.c[name] for name in _MODEL_COLUMNS]
        for id_chunk in chunks(ids):
            query = select(table.c.model_id, *columns).where(table.c.id.in_(id_chunk))
            for model_id, *values in conn.execute(query):
                if model_id in wanted:
                    models[model_id] = tuple(values)
    removed: dict[str, dict[tuple[str, ...], tuple[Any, ...]]] = {}
    prices = t.prices
    key_columns = [prices.c[name] for name in keys.PRICE.fields]
    for chunk in chunks(changes.removed):
        query = select(prices.c.model_id, *key_columns, prices.c.amount, prices.c.currency).where(
            prices.c.provider_id == provider_id,
            prices.c.model_id.in_(chunk),
            prices.c.valid_to.is_(None),
        )
        width = len(key_columns)
        for model_id, *rest in conn.execute(query):
            removed.setdefault(model_id, {})[tuple(rest[:width])] = tuple(rest[width:])
    return Prior(models, removed)


def forget_events(conn: Connection, provider_id: int, versions: ScalarSelect[Any]) -> None:
    """Delete the events of ``versions`` (ids) of a provider: a rebuild writes them again."""
    conn.execute(
        delete(EVENTS).where(
            EVENTS.c.provider_id == provider_id, EVENTS.c.catalog_version_id.in_(versions)
        )
    )


def version_events_rows(conn: Connection, version_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The stored events of the versions ``version_ids`` (as column -> value), in the order
    they were computed."""
    found: list[dict[str, Any]] = []
    for chunk in chunks(version_ids):
        query = select(EVENTS).where(EVENTS.c.catalog_version_id.in_(chunk)).order_by(EVENTS.c.id)
        found.extend(dict(row._mapping) for row in conn.execute(query))
    return found
