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
"""

from __future__ import annotations

from typing import Any, ClassVar, NotRequired

import httpx
from pydantic import TypeAdapter
from typing_extensions import TypedDict

from catalogsync.catalog import (
    FORMAT_KINDS,
    Catalog,
    Format,
    Model,
    ModelInput,
    Price,
    infer_format_kind,
)
from catalogsync.config import ProviderSettings
from catalogsync.errors import PayloadError
from catalogsync.http import get_bytes
from catalogsync.providers.base import (
    SCHEMA_CONFIG,
    Amount,
    Id,
    load_json,
    reject_unknown_options,
    require_unique,
    validate_with,
)

_INPUTS_EXTRA = "inputs_extra"

# TypedDict schemas: validated in place, several times faster than model instances on
# catalogs of tens of thousands of models; the JSON's own keys, unknown ones included.


class _Input(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    id: Id
    description: NotRequired[str | None]
    required: NotRequired[bool | None]
    taskFields: NotRequired[list[str]]
    formats: NotRequired[dict[str, list[Id]]]


class _Model(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    id: Id
    name: NotRequired[str | None]
    category: NotRequired[str | None]
    description: NotRequired[str | None]
    access: NotRequired[str | None]
    creditsPerMinute: NotRequired[Amount | None]
    inputs: NotRequired[list[_Input]]
    outputFormats: NotRequired[list[Id]]
    limits: NotRequired[dict[str, Any] | None]
    supportedLanguages: NotRequired[list[str] | None]


class _Envelope(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    models: list[_Model]


_ENVELOPE = TypeAdapter(_Envelope)

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
_INPUT_KEYS = set(_Input.__annotations__) - {"__pydantic_config__"}


class AudioShakeProvider:
    """Adapter for AudioShake's ``GET /models``."""

    name: ClassVar[str] = "audioshake"
    default_base_url: ClassVar[str] = "https://api.audioshake.ai"

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(self.name, settings.options, set())
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch ``/models`` as the provider sent it."""
        key = self._settings.api_key
        headers = {"x-api-key": key.reveal()} if key is not None else {}
        url = self._settings.base_url.rstrip("/") + "/models"
        return get_bytes(client, self.name, url, headers=headers)

    def parse(self, raw: bytes) -> Catalog:
        """Validate a ``/models`` response into a catalog."""
        try:
            models = validate_with(self.name, _ENVELOPE.validate_python, load_json(self.name, raw))[
                "models"
            ]
            require_unique(self.name, [m["id"] for m in models], "models", field="id")
            return Catalog(
                self.name, tuple(self._model(m, f"models[{i}]") for i, m in enumerate(models))
            )
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _model(self, model: _Model, path: str) -> Model:
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


def _model_input(item: _Input) -> ModelInput:
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
