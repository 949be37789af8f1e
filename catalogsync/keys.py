"""Natural keys, declared once: what identifies a row of each history table within its
model, and what the row holds.

The catalog (``Price.key``, the order of a model's prices), the schema (the one-open-row
index of each history table), the store (which rows to compare, close and open), the
readers, the diffs and the renderers all derive from these declarations. A new price
dimension is a field here and on ``catalog.Price``, plus a migration. A model's
prices are ordered by their key, and that order is part of the content hashes already
stored: a new key field must be empty (``''``) for every price stored before it, and is
left out of the hashed form while empty (``catalog.Price``), so that stored hashes stay
valid.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NaturalKey:
    """A history table's natural key within a model, and the columns it holds."""

    table: str
    fields: tuple[str, ...]
    """Identify one current row among a model's rows (with ``provider_id``, ``model_id``)."""
    values: tuple[str, ...]
    """What the row says; a change to any of them closes the row and opens a new one."""

    @property
    def columns(self) -> tuple[str, ...]:
        """Model id, key fields, values: the order rows are built, compared and read in."""
        return ("model_id", *self.fields, *self.values)


MODEL = NaturalKey(
    "models",
    (),
    ("name", "category", "description", "access", "output_format_ids", "content_hash"),
)
INPUT = NaturalKey(
    "model_inputs", ("input_id",), ("description", "required", "task_fields", "format_ids")
)
PRICE = NaturalKey(
    "prices",
    ("price_type", "variant", "tier", "service_tier", "region", "unit"),
    ("amount", "currency"),
)
"""A price point: what is charged for (``price_type``), for which variant (a resolution,
an upstream provider), under which condition (``tier``: ``''`` for the base price, else
canonical condition text such as ``input_tokens>200000`` or ``utc 10:00-01:00``), at
which service tier (``''``, ``batch``, ``flex``, ``priority``...) and in which region
(``''`` when not regional), in which unit; its ``amount`` (``None``: variable, charged
at the price of whatever a router picks) and ``currency`` (ISO 4217; ``None`` for a
provider's own credits)."""
ATTRIBUTE = NaturalKey("model_attributes", ("name",), ("value",))

HISTORY_KEYS = (MODEL, INPUT, PRICE, ATTRIBUTE)

_UNIT = PRICE.fields.index("unit")


def price_words(key: tuple[str, ...]) -> list[str]:
    """What names a price for people: the non-empty fields of its key (``PRICE.fields``
    order), its unit left out, as the unit is shown with the amount."""
    return [value for index, value in enumerate(key) if value and index != _UNIT]


def price_unit(key: tuple[str, ...]) -> str:
    """The unit field of a price key."""
    return key[_UNIT]
