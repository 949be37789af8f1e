"""Change events: the typed changes a stored version made, computed from its plan. Pure.

A version's ``VersionPlan`` (``plan.py``) already says which models were added, removed
and changed, and which child rows close and open; ``version_events`` turns it, with the
state the plan was made from (``plan.CurrentState``) and what the store read of the rows
about to close (``Prior``), into ``ChangeEvent``s:

- ``model_added`` / ``model_removed``: one per model; an added model's prices are
  ``price_added`` events and a removed model's prices ``price_removed`` events too, as in
  the ``price_changes`` view;
- ``model_changed``: a changed model whose fields other than prices changed, naming them
  (``name``, ``description``, ``output_formats``, ``input.<id>``, ``attribute.<name>``...);
- ``price_added`` / ``price_removed`` / ``price_changed``: one per price point (its
  ``keys.PRICE`` key), with old and new amounts and ``pct_change``;
- ``model_retiring``: a model whose source announced a retirement (``RETIREMENT``:
  OpenRouter's ``expiration_date``, litellm's ``deprecation_date``, models.dev's
  ``status = "deprecated"``), when the announcement is new or its date moved.

A provider's **first version** is the baseline, not a change: it gives one ``model_added``
event per model and nothing else (no ``price_added``, no ``model_retiring``), and
notification channels skip it unless configured otherwise (``[notify] first_version``).

Every event has a stable id (``event_id``): a UUID derived from the provider, the version
number and what the event is about, so that ``catalogsync rebuild`` recomputing a
version's events gives the same ids for the same changes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from catalogsync import keys
from catalogsync.catalog import Model
from catalogsync.codec import dumps_canonical
from catalogsync.plan import CurrentState, VersionPlan
from catalogsync.rows import format_id_list

EVENT_TYPES = (
    "model_added",
    "model_removed",
    "model_changed",
    "model_retiring",
    "price_added",
    "price_removed",
    "price_changed",
)
"""Every event type, in the order a model's events are listed."""

PRICE_EVENTS = frozenset({"price_added", "price_removed", "price_changed"})

RETIREMENT: Mapping[str, str | None] = {
    "expiration_date": None,  # OpenRouter: YYYY-MM-DD or null
    "deprecation_date": None,  # litellm: YYYY-MM-DD
    "status": "deprecated",  # models.dev: alpha, beta, deprecated (no date)
}
"""Attributes that announce a retirement: a date, or (when a value is named) that value."""

NAMESPACE = uuid.UUID("6f1c3d2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f")
"""The namespace of event and feed-entry UUIDs (uuid5): fixed forever."""

_NAMESPACE_BYTES = NAMESPACE.bytes
_SCALARS = ("name", "category", "description", "access")
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ChangeEvent:
    """One typed change of a version. ``price_key`` follows ``keys.PRICE.fields``."""

    event_type: str
    model_id: str
    price_key: tuple[str, ...] | None = None
    old_amount: Decimal | None = None
    new_amount: Decimal | None = None
    currency: str | None = None
    fields: tuple[str, ...] = ()
    retires_on: str | None = None

    @property
    def pct_change(self) -> Decimal | None:
        """``(new - old) * 100 / old``, to two places; ``None`` without both or from zero."""
        return pct_change(self.old_amount, self.new_amount)

    def identity(self) -> tuple[str, ...]:
        """What the event is about within its version (its id is derived from it)."""
        return (self.event_type, self.model_id, *(self.price_key or ()))


def pct_change(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    """The percentage move from ``old`` to ``new``, rounded half-even to two places."""
    if old is None or new is None or old == 0:
        return None
    return ((new - old) * _HUNDRED / old).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def event_id(provider: str, version: int, event: ChangeEvent) -> str:
    """The stable id of ``event`` of ``provider``'s ``version``: a name-based UUID
    (``uuid.uuid5(NAMESPACE, name)``, spelled out: a first version has an event per
    model, and this is three times faster)."""
    name = "\x1f".join((provider, str(version), *event.identity()))
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])  # noqa: S324 - RFC 4122's name-based UUID
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def version_uuid(provider: str, version: int) -> str:
    """The stable UUID of a provider's version (the Atom feed's entry ids)."""
    return str(uuid.uuid5(NAMESPACE, f"{provider}\x1f{version}"))


@dataclass(frozen=True)
class Prior:
    """What the store reads, before writing a plan, of the rows the plan closes."""

    models: Mapping[str, tuple[Any, ...]]
    """Changed models' open ``models`` rows: ``model_id -> (name, category, description,
    access, output_format_ids)``."""
    removed_prices: Mapping[str, Mapping[tuple[str, ...], tuple[Any, ...]]]
    """Removed models' open prices: ``model_id -> price key -> (amount, currency)``."""


def version_events(plan: VersionPlan, state: CurrentState, prior: Prior) -> list[ChangeEvent]:
    """The events of the version ``plan`` writes over ``state``; see the module docstring."""
    first = not state.models
    changes = plan.changes
    added = plan.touched[: len(changes.added)]
    if first:
        return [ChangeEvent("model_added", m.model_id) for m in added]
    events: list[ChangeEvent] = []
    for model in added:
        events.append(ChangeEvent("model_added", model.model_id))
        events.extend(_retiring(model, {}))
        events.extend(
            ChangeEvent("price_added", model.model_id, p.key, None, p.amount, p.currency)
            for p in model.prices
        )
    for model_id in changes.removed:
        events.append(ChangeEvent("model_removed", model_id))
        for key, (amount, currency) in sorted(prior.removed_prices.get(model_id, {}).items()):
            events.append(ChangeEvent("price_removed", model_id, key, amount, None, currency))
    for model in plan.touched[len(changes.added) :]:
        events.extend(_changed(model, plan, state, prior))
    order = {name: rank for rank, name in enumerate(EVENT_TYPES)}
    return sorted(events, key=lambda e: (e.model_id, order[e.event_type], e.price_key or ()))


def _changed(
    model: Model, plan: VersionPlan, state: CurrentState, prior: Prior
) -> Iterator[ChangeEvent]:
    """The events of one changed model: its fields, its prices, a retirement."""
    model_id = model.model_id
    stored = state.children.get(model_id, {})
    delta = {spec: _delta(spec, model_id, plan, stored) for spec in keys.HISTORY_KEYS[1:]}
    fields: list[str] = []
    old_row = prior.models.get(model_id)
    if old_row is not None:
        new_row = (
            *(getattr(model, name) for name in _SCALARS),
            format_id_list(model.output_formats, plan.format_ids),
        )
        fields += [
            name
            for name, old, new in zip((*_SCALARS, "output_formats"), old_row, new_row, strict=True)
            if old != new
        ]
    closed, opened = delta[keys.INPUT]
    fields += [f"input.{key[0]}" for key in sorted(closed.keys() | opened.keys())]
    closed, opened = delta[keys.ATTRIBUTE]
    fields += [f"attribute.{key[0]}" for key in sorted(closed.keys() | opened.keys())]
    if fields:
        yield ChangeEvent("model_changed", model_id, fields=tuple(fields))
    before: dict[str, Any] = {}
    for name in RETIREMENT:
        if (name,) in closed:
            before[name] = json.loads(closed[(name,)][0])
        elif (name,) not in opened:  # unchanged: the stored value is the model's own
            before[name] = model.attributes.get(name)
    yield from _retiring(model, before)
    closed, opened = delta[keys.PRICE]
    for key in sorted(closed.keys() | opened.keys()):
        old = closed.get(key)
        new = opened.get(key)
        if old is None and new is not None:
            yield ChangeEvent("price_added", model_id, key, None, new[0], new[1])
        elif new is None and old is not None:
            yield ChangeEvent("price_removed", model_id, key, old[0], None, old[1])
        elif old is not None and new is not None:
            yield ChangeEvent("price_changed", model_id, key, old[0], new[0], new[1])


Delta = tuple[dict[tuple[Any, ...], tuple[Any, ...]], dict[tuple[Any, ...], tuple[Any, ...]]]


def _delta(
    key: keys.NaturalKey,
    model_id: str,
    plan: VersionPlan,
    stored: Mapping[str, Mapping[tuple[Any, ...], tuple[int, tuple[Any, ...]]]],
) -> Delta:
    """A changed model's rows of one child table that close (key -> old values) and open
    (key -> new values)."""
    width = 1 + len(key.fields)
    closing = set(plan.close.get(key.table, ()))
    closed = {
        k: values for k, (row_id, values) in stored.get(key.table, {}).items() if row_id in closing
    }
    opened = {
        tuple(row[1:width]): tuple(row[width:])
        for row in plan.reopen.get(key.table, ())
        if row[0] == model_id
    }
    return closed, opened


def _retiring(model: Model, before: Mapping[str, Any]) -> Iterator[ChangeEvent]:
    """``model_retiring`` when ``model`` announces a retirement it did not before."""
    for name, flag in RETIREMENT.items():
        value = model.attributes.get(name)
        if value is None or value == before.get(name):
            continue
        if flag is None and isinstance(value, str) and value:
            yield ChangeEvent(
                "model_retiring", model.model_id, fields=(f"attribute.{name}",), retires_on=value
            )
            return
        if flag is not None and value == flag:
            yield ChangeEvent("model_retiring", model.model_id, fields=(f"attribute.{name}",))
            return


def fields_json(fields: tuple[str, ...]) -> str | None:
    """``fields`` as stored (canonical JSON), ``None`` when empty."""
    return dumps_canonical(list(fields)) if fields else None
