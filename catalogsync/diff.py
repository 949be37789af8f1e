"""Pure comparison of catalogs: what was added, removed and changed, and how.

Two levels, both free of I/O:

- ``classify_models`` tells added, removed and changed models apart by content hash; it
  is the one comparison of models, shared by a new version's plan (``plan.py``, which
  then compares a changed model's child rows key by key with ``diff_keyed``, so the cost
  of a sync follows the size of the change) and by ``diff_catalogs``.
- ``diff_catalogs`` gives the field-level changes a person reads (``price.unit.1080p``:
  10 -> 12), used by ``catalogsync diff`` and by tests as the reference comparison.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from catalogsync.catalog import Catalog, Model, format_labels
from catalogsync.codec import JSONValue

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class KeyedDiff(Generic[K]):
    """Keys whose current row must be closed, and keys that need a new row.

    A key whose value changed is in both: its old row is closed and a new one opened.
    """

    closed: tuple[K, ...] = ()
    opened: tuple[K, ...] = ()

    @property
    def touched(self) -> set[K]:
        """Every key that changed in any way."""
        return set(self.closed) | set(self.opened)


def diff_keyed(old: Mapping[K, object], new: Mapping[K, object]) -> KeyedDiff[K]:
    """Compare two ``key -> value`` maps (values compared with ``==``)."""
    closed = tuple(k for k, v in old.items() if k not in new or new[k] != v)
    opened = tuple(k for k, v in new.items() if k not in old or old[k] != v)
    return KeyedDiff(closed, opened)


@dataclass(frozen=True)
class ModelChanges:
    """Model ids by what happened to them between two catalogs."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: int = 0


def classify_models(current: Mapping[str, str], new: Mapping[str, str]) -> ModelChanges:
    """Compare ``model_id -> content_hash`` maps of the stored and the incoming catalog."""
    added = tuple(sorted(m for m in new if m not in current))
    removed = tuple(sorted(m for m in current if m not in new))
    changed = tuple(sorted(m for m, h in new.items() if m in current and current[m] != h))
    unchanged = sum(1 for m, h in new.items() if current.get(m) == h)
    return ModelChanges(added, removed, changed, unchanged)


def removal_exceeds(removed: int, current: int, max_fraction: float) -> bool:
    """Whether removing ``removed`` of ``current`` models is more than ``max_fraction``."""
    return current > 0 and removed > max_fraction * current


@dataclass(frozen=True)
class FieldChange:
    """One field of one model that differs: ``old`` or ``new`` is ``None`` when absent."""

    field: str
    old: JSONValue
    new: JSONValue


@dataclass(frozen=True)
class ModelDiff:
    """The field-level changes of one model."""

    model_id: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class CatalogDiff:
    """What changed between two catalogs of one provider."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[ModelDiff, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        """Whether the two catalogs have the same content."""
        return not (self.added or self.removed or self.changed)


def diff_catalogs(old: Catalog | None, new: Catalog) -> CatalogDiff:
    """Return the added and removed model ids and the field changes of the others.

    Models are told apart by content hash, as a new version's plan does
    (``classify_models``); only the changed ones are compared field by field.
    """
    old_models = old.by_id() if old else {}
    new_models = new.by_id()
    changes = classify_models(
        {model_id: m.content_hash() for model_id, m in old_models.items()},
        {model_id: m.content_hash() for model_id, m in new_models.items()},
    )
    changed = (
        ModelDiff(model_id, diff_models(old_models[model_id], new_models[model_id]))
        for model_id in changes.changed
    )
    return CatalogDiff(
        added=changes.added,
        removed=changes.removed,
        changed=tuple(model for model in changed if model.changes),
    )


def diff_models(old: Model, new: Model) -> tuple[FieldChange, ...]:
    """Field-level changes between two states of one model, in a stable order."""
    before, after = model_fields(old), model_fields(new)
    return tuple(
        FieldChange(name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after), key=_field_order)
        if before.get(name) != after.get(name)
    )


def model_fields(model: Model) -> dict[str, JSONValue]:
    """A model flattened to ``field -> value``, the names used in diffs.

    ``name``, ``category``, ``description``, ``access``; ``price.<type>[.<variant>]``
    (amount, unit kept when not the only one); ``input.<id>`` (description, required, task
    fields); ``input.<id>.formats`` and ``output_formats`` (sorted ``kind/name`` lists);
    ``attribute.<name>``.
    """
    fields: dict[str, JSONValue] = {
        name: getattr(model, name) for name in ("name", "category", "description", "access")
    }
    units_by_label: dict[str, int] = {}
    for price in model.prices:
        units_by_label[price.label] = units_by_label.get(price.label, 0) + 1
    for price in model.prices:
        label = price.label if units_by_label[price.label] == 1 else f"{price.label}[{price.unit}]"
        fields[label] = VARIABLE if price.amount is None else price.amount
    for model_input in model.inputs:
        described = model_input.as_dict()
        input_id, formats = described.pop("id"), described.pop("formats")
        fields[f"input.{input_id}"] = described
        if formats:
            fields[f"input.{input_id}.formats"] = formats
    if model.output_formats:
        fields["output_formats"] = format_labels(model.output_formats)
    for name, value in model.attributes.items():
        fields[f"attribute.{name}"] = value
    return {k: v for k, v in fields.items() if v is not None}


VARIABLE = "variable"
"""A variable price's amount in a diff (``old`` or ``new``): charged at what a router picks."""

_ORDER = ("name", "category", "description", "access", "price.", "input.", "output_formats")


def _field_order(name: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_ORDER):
        if name == prefix or (prefix.endswith(".") and name.startswith(prefix)):
            return (rank, name)
    return (len(_ORDER), name)


__all__ = [
    "CatalogDiff",
    "FieldChange",
    "KeyedDiff",
    "ModelChanges",
    "ModelDiff",
    "classify_models",
    "diff_catalogs",
    "diff_keyed",
    "diff_models",
    "model_fields",
    "removal_exceeds",
]
