"""How a catalog's models become rows of the history tables. Pure: no database here.

Each history table's rows are tuples in the order of its ``keys.NaturalKey.columns``:
model id, key fields, values. Formats are stored as ids (``formats.id``), so building
rows takes the ids of the formats the models use. JSON columns hold canonical JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from catalogsync import keys
from catalogsync.catalog import Format, Model
from catalogsync.codec import dumps_canonical

Row = tuple[Any, ...]
RowBuilder = Callable[[Sequence[Model], Mapping[Format, int]], list[Row]]


@dataclass(frozen=True)
class ChildSpec:
    """A child table of ``models``: its natural key, and how models become its rows."""

    key: keys.NaturalKey
    rows: RowBuilder
    """``rows(models, format_ids)``: the rows of ``models`` in this table, as ``key.columns``."""

    @property
    def table(self) -> str:
        """The table's name."""
        return self.key.table


def format_id_list(formats: Iterable[Format], format_ids: Mapping[Format, int]) -> str:
    """``formats`` as stored: the canonical JSON list of their ids, ascending (``[3,7,12]``)."""
    return "[" + ",".join(map(str, sorted(map(format_ids.__getitem__, formats)))) + "]"


def formats_of(models: Iterable[Model]) -> set[Format]:
    """Every format the models accept or produce."""
    found: set[Format] = set()
    for model in models:
        found.update(model.output_formats)
        for model_input in model.inputs:
            found.update(model_input.formats)
    return found


_PRICE_FIELDS = attrgetter(*keys.PRICE.fields, *keys.PRICE.values)


def _price_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[Row]:
    return [(m.model_id, *_PRICE_FIELDS(p)) for m in models for p in m.prices]


def _attribute_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[Row]:
    return [
        (m.model_id, name, dumps_canonical(value))
        for m in models
        for name, value in m.attributes.items()
    ]


def _input_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[Row]:
    return [
        (
            m.model_id,
            i.input_id,
            i.description,
            i.required,
            dumps_canonical(list(i.task_fields)),
            format_id_list(i.formats, format_ids),
        )
        for m in models
        for i in m.inputs
    ]


def model_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[Row]:
    """The ``models`` rows of ``models`` (``keys.MODEL.columns``); hashes each model."""
    return [
        (
            m.model_id,
            m.name,
            m.category,
            m.description,
            m.access,
            format_id_list(m.output_formats, format_ids),
            m.content_hash(),
        )
        for m in models
    ]


# Cheapest rows first: on PostgreSQL the server takes in one table while the next is built.
CHILD_SPECS = (
    ChildSpec(keys.PRICE, _price_rows),
    ChildSpec(keys.ATTRIBUTE, _attribute_rows),
    ChildSpec(keys.INPUT, _input_rows),
)


def child_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> dict[str, list[Row]]:
    """The rows of ``models`` in each child table, by table name."""
    return {spec.table: spec.rows(models, format_ids) for spec in CHILD_SPECS}
