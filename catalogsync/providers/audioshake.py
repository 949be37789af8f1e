"""AudioShake adapter: the stem-separation and transcription models an account can use.

Source: "List Available Models", https://developer.audioshake.ai/list-models
(``GET https://api.audioshake.ai/models``, header ``x-api-key``), and the FAQ for the
output format kinds. Quirks:

- Null and empty values are omitted: ``limits``, ``supportedLanguages`` and, on gated
  (``access: request_access``) models, ``creditsPerMinute`` may be missing. A missing
  price is no price, not a price of zero.
- ``creditsPerMinute`` is charged per minute of source audio, per target model.
- ``inputs[].formats`` maps a kind to names (``{"audio": [...], "video": [...]}``);
  ``outputFormats`` is a flat list whose kinds are inferred from the names.
- Fields the page does not name are kept as attributes (an input's own unknown fields
  under ``inputs_extra``), so that a provider addition shows up in diffs.

Parsing has two paths that must agree. The fast one decodes and type-checks the bytes in
one pass with msgspec into the fields the page names, and builds the catalog from those.
Anything it is not sure of (a field it does not know, a value the checks refuse, bytes
that are not plain UTF-8 JSON) sends the payload down the full path: JSON with exact
numbers, validated by pydantic, which keeps unknown fields and reports errors with their
JSON path. A differential test holds the two to the same catalogs and the same refusals.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import msgspec
from msgspec import UNSET, UnsetType
from msgspec.structs import astuple

from catalogsync.catalog import FORMAT_KINDS, Catalog, Format, Model, ModelInput, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import PayloadError
from catalogsync.providers.base import load_json, reject_unknown_options, require_unique
from catalogsync.providers.formats import infer_format_kind

if TYPE_CHECKING:
    import httpx

    from catalogsync.providers.audioshake_schema import Input, ModelItem

_INPUTS_EXTRA = "inputs_extra"


# The fast path's schema: the same fields, unknown ones refused (they go the full way).
# JSON keys are the camelCase of the field names. Optional fields default to UNSET, so
# that the pairs the payload held can be counted (``_pairs``): msgspec, like most JSON
# parsers, keeps the last of a repeated key silently, and the count tells.
class _FastInput(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    id: str
    description: str | UnsetType | None = UNSET
    required: bool | UnsetType | None = UNSET
    task_fields: list[str] | UnsetType = UNSET
    formats: dict[str, list[str]] | UnsetType = UNSET


class _FastModel(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    id: str
    name: str | UnsetType | None = UNSET
    category: str | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    access: str | UnsetType | None = UNSET
    credits_per_minute: Any = UNSET  # checked by hand: a JSON number, not a string or bool
    inputs: list[_FastInput] | UnsetType = UNSET
    output_formats: list[str] | UnsetType = UNSET
    limits: dict[str, Any] | UnsetType | None = UNSET
    supported_languages: list[str] | UnsetType | None = UNSET


class _FastEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    models: list[_FastModel]


_MODEL_FIELDS = len(_FastModel.__struct_fields__)
_INPUT_FIELDS = len(_FastInput.__struct_fields__)
# Text the fast path leaves to the full one: escapes of NUL and surrogates (refused, or
# an emoji's pair), and white space before a colon (which the pair count does not see).
_FULL_PATH_TEXT = re.compile(rb'\\u(?:0000|[dD][89a-fA-F])|"\s+:')


def _pairs(value: object) -> int:
    """The key-value pairs of the JSON objects in ``value`` (attributes kept as decoded)."""
    if isinstance(value, dict):
        return len(value) + sum(_pairs(v) for v in value.values())
    if isinstance(value, list):
        return sum(_pairs(v) for v in value)
    return 0


# Numbers with a fraction become exact Decimals, as in the full path.
_FAST_DECODER = msgspec.json.Decoder(_FastEnvelope, float_hook=Decimal)


T = TypeVar("T")


class _UnsureError(Exception):
    """The fast path cannot vouch for this payload: take the full path."""


# Keys that become columns of the canonical model rather than attributes.
_MAPPED = {
    "id",
    "name",
    "category",
    "description",
    "access",
    "creditsPerMinute",
    "inputs",
    "outputFormats",
}
_INPUT_KEYS = {"id", "description", "required", "taskFields", "formats"}  # Input's keys


class AudioShakeProvider:
    """Adapter for AudioShake's ``GET /models``."""

    name: ClassVar[str] = "audioshake"
    config_options: ClassVar[frozenset[str]] = frozenset()
    default_base_url: ClassVar[str] = "https://api.audioshake.ai"

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(settings.name, settings.options, self.config_options)
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch ``/models`` as the provider sent it."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        key = self._settings.api_key
        headers = {"x-api-key": key.reveal()} if key is not None else {}
        url = self._settings.base_url.rstrip("/") + "/models"
        return get_bytes(client, self.name, url, headers=headers)

    def parse(self, raw: bytes) -> Catalog:
        """Validate a ``/models`` response into a catalog."""
        try:
            return self.parse_fast(raw)
        except (_UnsureError, msgspec.MsgspecError, ValueError, RecursionError):
            return self.parse_full(raw)

    def parse_fast(self, raw: bytes) -> Catalog:
        """The fast path; raises (without a useful message) whatever it cannot vouch for.

        Every ``":`` in the text ends a key; a payload with a repeated key holds more of
        them than the decoded objects have pairs, and so does one whose strings contain
        ``\\":``: either goes the full way, which names a repeated key's path.
        """
        if _FULL_PATH_TEXT.search(raw):
            raise _UnsureError
        models = _FAST_DECODER.decode(raw).models
        ids = [_id(m.id) for m in models]
        if len(set(ids)) != len(ids):
            raise _UnsureError
        catalog = Catalog(self.name, tuple(map(_fast_model, models)))
        if raw.count(b'":') != 1 + sum(map(_model_pairs, models)):
            raise _UnsureError
        return catalog

    def parse_full(self, raw: bytes) -> Catalog:
        """The full path: every payload it accepts, every error with its JSON path."""
        try:
            # Imported here: pydantic and its schema are slow to load,
            # which the fast path never needs.
            from catalogsync.providers.audioshake_schema import ENVELOPE
            from catalogsync.providers.validation import validate_with

            models = validate_with(self.name, ENVELOPE.validate_python, load_json(self.name, raw))[
                "models"
            ]
            require_unique(self.name, [m["id"] for m in models], "models", field="id")
            return Catalog(
                self.name, tuple(self._model(m, f"models[{i}]") for i, m in enumerate(models))
            )
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _model(self, model: ModelItem, path: str) -> Model:
        model_id = model["id"]
        inputs = model.get("inputs", [])
        require_unique(
            self.name,
            [i["id"] for i in inputs],
            f"{path}.inputs",
            field="id",
            what="input id",
            model_id=model_id,
        )
        attributes: dict[str, Any] = {k: v for k, v in model.items() if k not in _MAPPED}
        inputs_extra = {
            i["id"]: extra
            for i in inputs
            if (extra := {k: v for k, v in i.items() if k not in _INPUT_KEYS})
        }
        if inputs_extra:
            if _INPUTS_EXTRA in attributes:
                raise PayloadError(
                    self.name,
                    f"{path}.{_INPUTS_EXTRA}",
                    "unknown field clashes with the attribute that keeps inputs' unknown fields",
                    model_id=model_id,
                )
            attributes[_INPUTS_EXTRA] = inputs_extra
        rate = model.get("creditsPerMinute")  # absent on gated models: no price, not zero
        try:
            return Model(
                model_id=model_id,
                name=model.get("name"),
                category=model.get("category"),
                description=model.get("description"),
                access=model.get("access"),
                inputs=tuple(_model_input(i) for i in inputs),
                output_formats=frozenset(
                    Format.of(infer_format_kind(n), n) for n in model.get("outputFormats", [])
                ),
                prices=() if rate is None else (Price("per_minute", "", "credits/minute", rate),),
                attributes=attributes,
            )
        except ValueError as exc:
            raise PayloadError(self.name, path, str(exc), model_id=model_id) from None


def _id(value: str) -> str:
    """An id the full path would keep as it is: non-empty, no surrounding whitespace."""
    if not value or value != value.strip():
        raise _UnsureError  # pydantic strips by its own rules: let it
    return value


_FORMATS: dict[str | None, dict[str, Format]] = {}  # kind (None: inferred) -> spelling -> format


def _format(kind: str | None, name: str) -> Format:
    """The format ``name`` of ``kind`` (``None``: inferred from the name), as it is written.

    Catalogs repeat a few dozen formats hundreds of thousands of times: each spelling is
    checked and built once.
    """
    spellings = _FORMATS.setdefault(kind, {})
    found = spellings.get(name)
    if found is None:
        if len(spellings) > 10_000:  # a daemon must not grow without bound
            spellings.clear()
        found = spellings[name] = Format.of(
            infer_format_kind(name) if kind is None else kind, _id(name)
        )
    return found


def _known_formats(kind: str | None, names: list[str]) -> frozenset[Format]:
    try:  # the usual case, iterated in C: every spelling seen before
        return frozenset(map(_FORMATS[kind].__getitem__, names))
    except KeyError:
        return frozenset(_format(kind, name) for name in names)


def _formats(formats: dict[str, list[str]]) -> frozenset[Format]:
    if len(formats) == 1:
        ((key, names),) = formats.items()
        return _known_formats(_kind(key), names)
    return frozenset().union(*(_known_formats(_kind(k), names) for k, names in formats.items()))


def _model_pairs(model: _FastModel) -> int:
    """The pairs ``model``'s JSON object held, its inputs' and attributes' included."""
    pairs = _MODEL_FIELDS - astuple(model).count(UNSET)
    if model.inputs is not UNSET:
        for item in model.inputs:
            pairs += _INPUT_FIELDS - astuple(item).count(UNSET)
            if item.formats is not UNSET:
                pairs += len(item.formats)
    if model.limits is not UNSET:
        pairs += _pairs(model.limits)
    return pairs


def _fast_model(model: _FastModel) -> Model:
    rate = model.credits_per_minute
    if rate is None or rate is UNSET:
        prices: tuple[Price, ...] = ()
    elif type(rate) is int or (type(rate) is Decimal and rate.is_finite()):
        if rate < 0:
            raise _UnsureError
        prices = (Price("per_minute", "", "credits/minute", Decimal(rate)),)
    else:
        raise _UnsureError
    attributes: dict[str, Any] = {}
    if model.limits is not UNSET:
        attributes["limits"] = model.limits
    if model.supported_languages is not UNSET:
        attributes["supportedLanguages"] = model.supported_languages
    inputs = () if model.inputs is UNSET else tuple(map(_fast_input, model.inputs))
    if len({i.input_id for i in inputs}) != len(inputs):
        raise _UnsureError
    return Model(
        model_id=model.id,
        name=_given(model.name),
        category=_given(model.category),
        description=_given(model.description),
        access=_given(model.access),
        inputs=inputs,
        output_formats=()
        if model.output_formats is UNSET
        else _known_formats(None, model.output_formats),
        prices=prices,
        attributes=attributes,
    )


def _fast_input(item: _FastInput) -> ModelInput:
    return ModelInput(
        input_id=_id(item.id),
        description=_given(item.description),
        required=_given(item.required),
        task_fields=() if item.task_fields is UNSET else item.task_fields,
        formats=frozenset() if item.formats is UNSET else _formats(item.formats),
    )


def _given(value: T | UnsetType) -> T | None:
    """A field's value, ``None`` when the payload left it out."""
    return None if value is UNSET else value


def _model_input(item: Input) -> ModelInput:
    formats = frozenset(
        Format.of(kind, name)
        for kind, names in ((_kind(key), names) for key, names in item.get("formats", {}).items())
        for name in names
    )
    return ModelInput(
        input_id=item["id"],
        description=item.get("description"),
        required=item.get("required"),
        task_fields=tuple(item.get("taskFields", [])),
        formats=formats,
    )


def _kind(key: str) -> str:
    """The format kind a ``formats`` key names; keys we have no kind for become ``other``."""
    kind = key.strip().lower()
    return kind if kind in FORMAT_KINDS else "other"
