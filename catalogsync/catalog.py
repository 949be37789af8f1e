"""The canonical, provider-neutral catalog model: what every adapter parses into.

Values are frozen and normalised on construction, so that two catalogs with the same
meaning compare equal and hash the same, whatever order or number spelling the provider
used: formats are sets, inputs and prices are sorted by key, amounts are exact
``Decimal``s with ``1`` and ``1.0`` the same, and attribute values are canonical JSON
(objects by key, lists treated as sets). No database and no HTTP here.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, cast

import msgspec

from catalogsync.codec import (
    ENCODER,
    JSONValue,
    canonical_decimal,
    dumps_canonical,
    normalize_json,
    spelled,
)
from catalogsync.keys import PRICE, price_words

FORMAT_KINDS = ("audio", "video", "image", "text", "other")


class _FormatFields(NamedTuple):
    kind: str
    name: str


class Format(_FormatFields):
    """A file format, e.g. ``Format("audio", "wav")``; names are lower case.

    A tuple underneath: catalogs hold hundreds of thousands of them, and tuples hash and
    compare in C. ``Format.of`` returns an interned instance.
    """

    __slots__ = ()

    def __new__(cls, kind: str, name: str) -> Format:
        if kind not in FORMAT_KINDS:
            raise ValueError(f"unknown format kind {kind!r}; expected one of {FORMAT_KINDS}")
        name = name.strip().lower()
        if not name:
            raise ValueError("a format needs a name")
        return super().__new__(cls, kind, name)

    @staticmethod
    @functools.lru_cache(maxsize=8192)
    def of(kind: str, name: str) -> Format:
        """The format ``kind``/``name``, built once and shared."""
        return Format(kind, name)

    @property
    def label(self) -> str:
        """``kind/name``, as used in diffs."""
        return _LABELS[self]


class _Labels(dict[Format, str]):
    """``Format -> "kind/name"``, each label built once (catalogs repeat a few formats)."""

    def __missing__(self, key: Format) -> str:
        label = self[key] = f"{key.kind}/{key.name}"
        return label


_LABELS = _Labels()


def format_labels(formats: Iterable[Format]) -> list[JSONValue]:
    """Sorted ``kind/name`` labels: the order of the formats themselves, as no kind is a
    prefix of another."""
    return cast(list[JSONValue], sorted(map(_LABELS.__getitem__, formats)))


# The catalog's values are frozen dataclasses with their own ``__init__``, which normalises
# and writes the fields straight into the instance: the generated one sets each field
# through ``object.__setattr__``, and a catalog is tens of thousands of them.


@dataclass(frozen=True, init=False)
class ModelInput:
    """One input a model accepts, with the formats allowed for it."""

    input_id: str
    description: str | None = None
    required: bool | None = None
    task_fields: tuple[str, ...] = ()
    formats: frozenset[Format] = frozenset()

    def __init__(
        self,
        input_id: str,
        description: str | None = None,
        required: bool | None = None,
        task_fields: Iterable[str] = (),
        formats: Iterable[Format] = frozenset(),
    ) -> None:
        fields = self.__dict__
        fields["input_id"] = input_id
        fields["description"] = description
        fields["required"] = required
        fields["task_fields"] = tuple(sorted(set(task_fields)))
        fields["formats"] = frozenset(formats)

    def as_dict(self) -> dict[str, JSONValue]:
        """This input as JSON data, formats as sorted ``kind/name`` labels."""
        return {
            "id": self.input_id,
            "description": self.description,
            "required": self.required,
            "task_fields": list(self.task_fields),
            "formats": format_labels(self.formats),
        }


@dataclass(frozen=True, init=False)
class Price:
    """One price point: ``amount`` ``unit`` for ``price_type`` (and ``variant``, or ``""``)."""

    price_type: str
    variant: str
    unit: str
    amount: Decimal

    def __init__(self, price_type: str, variant: str, unit: str, amount: Decimal) -> None:
        fields = self.__dict__
        fields["price_type"] = price_type
        fields["variant"] = variant
        fields["unit"] = unit
        spelling = canonical_decimal(amount)
        fields["amount"] = Decimal(spelling)
        fields["_spelling"] = spelling

    @property
    def spelling(self) -> str:
        """``amount`` as canonical JSON writes it (``canonical_decimal``), spelled once."""
        spelling: str = self.__dict__["_spelling"]
        return spelling

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies this price within a model (``keys.PRICE.fields``)."""
        key: tuple[str, ...] = _PRICE_KEY(self)
        return key

    def as_dict(self) -> dict[str, JSONValue]:
        """This price as JSON data: its key fields, then its values (``keys.PRICE``)."""
        return dict(zip(_PRICE_NAMES, _PRICE_ROW(self), strict=True))

    @property
    def label(self) -> str:
        """``price.<type>[.<variant>]``, the field name used in diffs (``keys.price_words``)."""
        return ".".join(["price", *price_words(self.key)])


_INPUT_ID = operator.attrgetter("input_id")
_PRICE_KEY = operator.attrgetter(*PRICE.fields)  # Price.key, in C
_PRICE_NAMES = (*PRICE.fields, *PRICE.values)
_PRICE_ROW = operator.attrgetter(*_PRICE_NAMES)
_AMOUNT = _PRICE_NAMES.index("amount")
# A price's names in the canonical form that content hashes digest. Frozen: ``type`` is
# how the first hashes spelled ``price_type``, and every stored hash depends on it.
_HASHED_PRICE_NAMES = tuple("type" if name == "price_type" else name for name in _PRICE_NAMES)


@dataclass(frozen=True, init=False)
class Model:
    """One model of a provider's catalog, as it stands in one catalog version."""

    model_id: str
    name: str | None = None
    category: str | None = None
    description: str | None = None
    access: str | None = None
    inputs: tuple[ModelInput, ...] = ()
    output_formats: frozenset[Format] = frozenset()
    prices: tuple[Price, ...] = ()
    attributes: Mapping[str, JSONValue] = field(default_factory=dict)

    def __init__(
        self,
        model_id: str,
        name: str | None = None,
        category: str | None = None,
        description: str | None = None,
        access: str | None = None,
        inputs: Iterable[ModelInput] = (),
        output_formats: Iterable[Format] = frozenset(),
        prices: Iterable[Price] = (),
        attributes: Mapping[str, object] | None = None,
    ) -> None:
        if not model_id:
            raise ValueError("a model needs an id")
        sorted_inputs = tuple(sorted(inputs, key=_INPUT_ID))
        _require_unique([i.input_id for i in sorted_inputs], "model", model_id, "input")
        sorted_prices = tuple(sorted(prices, key=_PRICE_KEY))
        _require_unique([p.key for p in sorted_prices], "model", model_id, "price")
        normal = normalize_json(dict(attributes)) if attributes else {}
        assert isinstance(normal, dict)
        fields = self.__dict__
        fields["model_id"] = model_id
        fields["name"] = name
        fields["category"] = category
        fields["description"] = description
        fields["access"] = access
        fields["inputs"] = sorted_inputs
        fields["output_formats"] = frozenset(output_formats)
        fields["prices"] = sorted_prices
        fields["attributes"] = normal

    def as_dict(self) -> dict[str, JSONValue]:
        """This model as JSON data (what ``models --format json`` prints of it)."""
        return {
            "model_id": self.model_id,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "access": self.access,
            "prices": [p.as_dict() for p in self.prices],
            "inputs": [i.as_dict() for i in self.inputs],
            "output_formats": format_labels(self.output_formats),
            "attributes": dict(self.attributes),
        }

    def canonical(self) -> dict[str, JSONValue]:
        """Return this model as canonical JSON data (the input of ``content_hash``).

        ``as_dict`` in the spelling the first content hashes used, which every stored
        hash depends on: ``id`` for ``model_id``, ``type`` for a price's ``price_type``.
        Built without ``as_dict``, as hashing is on the hot path of every sync.
        """
        return self._canonical(
            [dict(zip(_HASHED_PRICE_NAMES, _PRICE_ROW(p), strict=True)) for p in self.prices]
        )

    def _canonical(self, prices: list[Any]) -> dict[str, JSONValue]:
        return {
            "id": self.model_id,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "access": self.access,
            "inputs": [i.as_dict() for i in self.inputs],
            "output_formats": format_labels(self.output_formats),
            "prices": prices,
            "attributes": dict(self.attributes),
        }

    def content_hash(self) -> str:
        """SHA-256 of the canonical form: equal for models with the same meaning (memoised)."""
        digest: str | None = self.__dict__.get("_content_hash")
        if digest is None:
            digest = hashlib.sha256(canonical_bytes(self)).hexdigest()
            object.__setattr__(self, "_content_hash", digest)
        return digest


@dataclass(frozen=True)
class Catalog:
    """A provider's whole catalog at one moment. ``upstream_version`` is the provider's own."""

    provider: str
    models: tuple[Model, ...]
    upstream_version: str | None = None

    def __post_init__(self) -> None:
        models = tuple(sorted(self.models, key=lambda m: m.model_id))
        _require_unique([m.model_id for m in models], "catalog", self.provider, "model")
        object.__setattr__(self, "models", models)

    def by_id(self) -> dict[str, Model]:
        """Return the models keyed by their provider id."""
        return {m.model_id: m for m in self.models}

    def content_hash(self) -> str:
        """SHA-256 over the models' hashes; the provider's own version does not count.

        Equal for catalogs with the same content, whatever the order of lists or the
        spelling of numbers in the payloads they came from.
        """
        return hash_model_hashes((m.model_id, m.content_hash()) for m in self.models)


def hash_model_hashes(pairs: Iterable[tuple[str, str]]) -> str:
    """Combine per-model hashes into the catalog hash (``pairs`` in any order)."""
    lines = sorted(f"{model_id}\t{digest}" for model_id, digest in pairs)
    return _sha256("\n".join(lines))


def canonical_bytes(model: Model) -> bytes:
    """``dumps_canonical(model.canonical())`` as UTF-8, the bytes ``content_hash`` digests.

    Written by msgspec, with sorted keys and decimals spelled beforehand: the same bytes as
    the standard library's encoder (a test compares them on random text), faster. Values
    msgspec cannot write, such as integers beyond 64 bits, go the slow way.
    """
    try:
        # Decimals sit in the prices, spelled when each price was made, and, rarely, in
        # the attributes: only those are walked.
        data = model._canonical([_spelled_price(p) for p in model.prices])
        if data["attributes"]:
            data["attributes"] = spelled(data["attributes"])
        return ENCODER.encode(data)
    except (OverflowError, TypeError, msgspec.EncodeError):
        return dumps_canonical(model.canonical()).encode("utf-8")


def _spelled_price(price: Price) -> dict[str, Any]:
    """A price's canonical form with its amount spelled for msgspec (``Price.spelling``)."""
    row: list[Any] = list(_PRICE_ROW(price))
    row[_AMOUNT] = msgspec.Raw(price.spelling.encode())
    return dict(zip(_HASHED_PRICE_NAMES, row, strict=True))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require_unique(keys: list[Any], owner: str, owner_id: str, what: str) -> None:
    if len(set(keys)) == len(keys):  # the usual case, checked at C speed
        return
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{owner} {owner_id}: {what} {key!r} appears twice")
        seen.add(key)
