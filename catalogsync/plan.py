"""Version planning: what storing a new catalog does to a provider's history. Pure.

The store reads the current state (``CurrentState``: the open model rows with their
content hashes, the open child rows of the models that changed, the ids of the formats
in use), and ``plan_version`` turns that state and the new catalog into a
``VersionPlan``: which rows to close and which to open in each table, and what that means
(models added, removed and changed, prices changed). The store then writes the plan and
does nothing else. No I/O here, so plans are tested with plain values.

Models are compared by content hash (``diff.classify_models``, the comparison the
``diff`` command shares); only a changed model's child rows are compared, key by key
(``diff.diff_keyed``), so the cost of a version follows the size of the change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalogsync import keys
from catalogsync.catalog import Catalog, Format, Model
from catalogsync.diff import ModelChanges, classify_models, diff_keyed, removal_exceeds
from catalogsync.errors import MassRemovalError
from catalogsync.rows import CHILD_SPECS, Row, child_rows, formats_of, model_rows

StoredRows = Mapping[str, Mapping[str, Mapping[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]]
"""Open child rows: ``model_id -> table -> key -> (row id, values)``."""


@dataclass(frozen=True)
class CurrentState:
    """What is stored now, as far as a new version needs to know."""

    models: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    """Open ``models`` rows: ``model_id -> (row id, content hash)``."""
    children: StoredRows = field(default_factory=dict)
    """Open child rows of (at least) the models that changed; others are ignored."""
    format_ids: Mapping[Format, int] = field(default_factory=dict)
    """Ids of (at least) the formats the added and changed models use."""


def compare_models(current: Mapping[str, tuple[int, str]], catalog: Catalog) -> ModelChanges:
    """Which models ``catalog`` adds, removes and changes against the open model rows.

    With nothing stored, every model is added and none is hashed here: a provider's first
    version hashes its models as their rows are built.
    """
    if not current:
        return ModelChanges(added=tuple(m.model_id for m in catalog.models))
    return classify_models(
        {model_id: digest for model_id, (_, digest) in current.items()},
        {m.model_id: m.content_hash() for m in catalog.models},
    )


def check_removal(
    provider: str,
    changes: ModelChanges,
    current_count: int,
    max_fraction: float,
    *,
    allow: bool = False,
) -> None:
    """Refuse (``MassRemovalError``) a catalog that removes too many of the current models."""
    if not allow and removal_exceeds(len(changes.removed), current_count, max_fraction):
        raise MassRemovalError(provider, len(changes.removed), current_count, max_fraction)


def touched_models(catalog: Catalog, changes: ModelChanges) -> list[Model]:
    """The models that get new rows: those added, then those changed."""
    models = catalog.by_id()
    return [models[m] for m in (*changes.added, *changes.changed)]


def formats_needed(catalog: Catalog, changes: ModelChanges) -> set[Format]:
    """The formats whose ids the plan of ``changes`` needs."""
    return formats_of(touched_models(catalog, changes))


@dataclass(frozen=True)
class VersionPlan:
    """The rows a new version closes and opens, and what that means."""

    changes: ModelChanges
    close: Mapping[str, tuple[int, ...]]
    """Row ids to close, per table (``models`` included)."""
    close_models: tuple[str, ...]
    """Removed models: every open row of theirs, in every child table, closes."""
    reopen: Mapping[str, list[Row]]
    """Changed models' child rows whose key is new or whose values changed, per table."""
    touched: tuple[Model, ...]
    """Models that get a new ``models`` row (added, then changed)."""
    format_ids: Mapping[Format, int]
    prices_changed: int
    """Price points added, changed or removed, not counting those of removed models
    (whose rows are closed by model, and counted as they are)."""

    def opened(self) -> Iterator[tuple[keys.NaturalKey, list[Row]]]:
        """The rows to open, per table: child tables first, then ``models``.

        Built lazily, one table at a time, so that the writer can send one table while
        the next is built (and a first version's models are hashed while their children
        are taken in).
        """
        added = self.touched[: len(self.changes.added)]
        for spec in CHILD_SPECS:
            yield spec.key, self.reopen[spec.table] + spec.rows(added, self.format_ids)
        yield keys.MODEL, model_rows(self.touched, self.format_ids)


def plan_version(catalog: Catalog, changes: ModelChanges, state: CurrentState) -> VersionPlan:
    """The plan that turns the stored ``state`` into ``catalog``, given the ``changes``
    ``compare_models`` found between them."""
    touched = touched_models(catalog, changes)
    changed = touched[len(changes.added) :]
    close, reopen, prices_changed = diff_children(
        {m: state.children.get(m, {}) for m in changes.changed},
        child_rows(changed, state.format_ids),
    )
    close[keys.MODEL.table] = tuple(
        state.models[m][0] for m in (*changes.changed, *changes.removed)
    )
    prices_changed += sum(len(m.prices) for m in touched[: len(changes.added)])
    return VersionPlan(
        changes=changes,
        close=close,
        close_models=changes.removed,
        reopen=reopen,
        touched=tuple(touched),
        format_ids=state.format_ids,
        prices_changed=prices_changed,
    )


def diff_children(
    stored: StoredRows, new_rows: Mapping[str, Sequence[Row]]
) -> tuple[dict[str, tuple[int, ...]], dict[str, list[Row]], int]:
    """Compare changed models' stored child rows with their new rows: the ids of rows to
    close and the rows to open, per table, and how many price points that touches."""
    close: dict[str, tuple[int, ...]] = {}
    reopen: dict[str, list[Row]] = {}
    prices_changed = 0
    for spec in CHILD_SPECS:
        name, width = spec.table, 1 + len(spec.key.fields)
        new_by_model: dict[str, dict[tuple[Any, ...], Row]] = {}
        for row in new_rows[name]:
            new_by_model.setdefault(row[0], {})[row[1:width]] = row
        closed: list[int] = []
        opened: list[Row] = []
        for model_id in sorted(stored.keys() | new_by_model.keys()):
            old = stored.get(model_id, {}).get(name, {})
            new = new_by_model.get(model_id, {})
            delta = diff_keyed(
                {k: v for k, (_, v) in old.items()}, {k: row[width:] for k, row in new.items()}
            )
            closed.extend(old[k][0] for k in delta.closed)
            opened.extend(new[k] for k in delta.opened)
            if spec.key is keys.PRICE:
                prices_changed += len(delta.touched)
        close[name], reopen[name] = tuple(closed), opened
    return close, reopen, prices_changed
