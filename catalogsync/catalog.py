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
import re
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
    """One price point of a model (the fields of ``keys.PRICE``).

    ``amount`` is exact, or ``None`` for a variable price (a router charged at the price of
    the model it picks): never a negative number standing for "variable". ``currency`` is
    an ISO 4217 code, or ``None`` for a provider's own credits.
    """

    price_type: str
    variant: str
    tier: str
    service_tier: str
    region: str
    unit: str
    amount: Decimal | None
    currency: str | None

    def __init__(
        self,
        price_type: str,
        variant: str,
        unit: str,
        amount: Decimal | None,
        *,
        tier: str = "",
        service_tier: str = "",
        region: str = "",
        currency: str | None = None,
    ) -> None:
        fields = self.__dict__
        fields["price_type"] = price_type
        fields["variant"] = variant
        fields["tier"] = tier
        fields["service_tier"] = service_tier
        fields["region"] = region
        fields["unit"] = unit
        if amount is None:
            spelling = None
            fields["amount"] = None
        else:
            spelling = canonical_decimal(amount)
            fields["amount"] = Decimal(spelling)
        fields["currency"] = currency
        fields["_spelling"] = spelling
        # What the hashed form adds to the four fields every stored hash was built from:
        # the other key fields when set, the currency when the unit does not imply it.
        extras: dict[str, str | None] = _NO_EXTRAS
        implied = implied_currency(unit)
        if tier or service_tier or region or currency != implied:
            named = {"tier": tier, "service_tier": service_tier, "region": region}
            extras = {name: value for name, value in named.items() if value}
            if currency != implied:
                extras["currency"] = currency
        fields["_extras"] = extras

    @property
    def spelling(self) -> str | None:
        """``amount`` as canonical JSON writes it (``canonical_decimal``), spelled once."""
        spelling: str | None = self.__dict__["_spelling"]
        return spelling

    @property
    def is_variable(self) -> bool:
        """Whether the amount depends on something only known when charged."""
        return self.amount is None

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies this price within a model (``keys.PRICE.fields``)."""
        key: tuple[str, ...] = _PRICE_KEY(self)
        return key

    def as_dict(self) -> dict[str, JSONValue]:
        """This price as JSON data: its key fields, then its values (``keys.PRICE``)."""
        return dict(zip(_PRICE_NAMES, _PRICE_ROW(self), strict=True))

    def hashed(self, amount: object) -> dict[str, Any]:
        """This price in the form content hashes digest, with ``amount`` as given (exact, or
        spelled for msgspec): ``type``, ``variant``, ``unit``, ``amount`` as in the first
        hashes, and only the fields that differ from what those left implicit."""
        return {
            "type": self.price_type,
            "variant": self.variant,
            "unit": self.unit,
            "amount": amount,
            **self.__dict__["_extras"],
        }

    @property
    def label(self) -> str:
        """``price.<type>[.<variant>]``, the field name used in diffs (``keys.price_words``)."""
        return ".".join(["price", *price_words(self.key)])


_NO_EXTRAS: dict[str, str | None] = {}
_CURRENCY_UNIT = re.compile(r"([A-Z]{3})/")


@functools.lru_cache(maxsize=1024)
def implied_currency(unit: str) -> str | None:
    """The currency a unit names (``USD/1M tokens`` -> ``USD``); ``None`` for credits."""
    found = _CURRENCY_UNIT.match(unit)
    return found.group(1) if found else None


_INPUT_ID = operator.attrgetter("input_id")
_PRICE_KEY = operator.attrgetter(*PRICE.fields)  # Price.key, in C
_PRICE_NAMES = (*PRICE.fields, *PRICE.values)
_PRICE_ROW = operator.attrgetter(*_PRICE_NAMES)


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
        return self._canonical([p.hashed(p.amount) for p in self.prices])

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
    """A price's hashed form with its amount spelled for msgspec (``Price.spelling``)."""
    spelling = price.spelling
    return price.hashed(None if spelling is None else msgspec.Raw(spelling.encode()))


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
