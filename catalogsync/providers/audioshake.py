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

from typing import Any, ClassVar

import httpx
from pydantic import Field

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
    Amount,
    Id,
    Payload,
    load_json,
    reject_unknown_options,
    require_unique,
    validate,
)

_INPUTS_EXTRA = "inputs_extra"


class _Input(Payload):
    id: Id
    description: str | None = None
    required: bool | None = None
    task_fields: list[str] = Field(default_factory=list, alias="taskFields")
    formats: dict[str, list[Id]] = Field(default_factory=dict)


class _Model(Payload):
    id: Id
    name: str | None = None
    category: str | None = None
    description: str | None = None
    access: str | None = None
    credits_per_minute: Amount | None = Field(default=None, alias="creditsPerMinute")
    inputs: list[_Input] = Field(default_factory=list)
    output_formats: list[Id] = Field(default_factory=list, alias="outputFormats")
    limits: dict[str, Any] | None = None
    supported_languages: list[str] | None = Field(default=None, alias="supportedLanguages")


class _Envelope(Payload):
    models: list[_Model]


# Fields that become columns of the canonical model rather than attributes.
_MAPPED = {
    "id",
    "name",
    "category",
    "description",
    "access",
    "credits_per_minute",
    "inputs",
    "output_formats",
}


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
            envelope = validate(self.name, _Envelope, load_json(self.name, raw))
            require_unique(self.name, [m.id for m in envelope.models], "models", field="id")
            models = [self._model(m, f"models[{i}]") for i, m in enumerate(envelope.models)]
            return Catalog(self.name, tuple(models))
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _model(self, model: _Model, path: str) -> Model:
        require_unique(
            self.name,
            [i.id for i in model.inputs],
            f"{path}.inputs",
            field="id",
            what="input id",
            model_id=model.id,
        )
        attributes = model.model_dump(by_alias=True, exclude_unset=True, exclude=_MAPPED)
        inputs_extra = {i.id: i.extras() for i in model.inputs if i.extras()}
        if inputs_extra:
            if _INPUTS_EXTRA in attributes:
                raise PayloadError(
                    self.name,
                    f"{path}.{_INPUTS_EXTRA}",
                    "unknown field clashes with the attribute that keeps inputs' unknown fields",
                    model_id=model.id,
                )
            attributes[_INPUTS_EXTRA] = inputs_extra
        rate = model.credits_per_minute  # absent on gated models: no price, not a zero price
        try:
            return Model(
                model_id=model.id,
                name=model.name,
                category=model.category,
                description=model.description,
                access=model.access,
                inputs=tuple(_model_input(i) for i in model.inputs),
                output_formats=frozenset(
                    Format(infer_format_kind(n), n) for n in model.output_formats
                ),
                prices=() if rate is None else (Price("per_minute", "", "credits/minute", rate),),
                attributes=attributes,
            )
        except ValueError as exc:
            raise PayloadError(self.name, path, str(exc), model_id=model.id) from None


def _model_input(item: _Input) -> ModelInput:
    formats = frozenset(
        Format(_kind(kind), name) for kind, names in item.formats.items() for name in names
    )
    return ModelInput(
        input_id=item.id,
        description=item.description,
        required=item.required,
        task_fields=tuple(item.task_fields),
        formats=formats,
    )


def _kind(key: str) -> str:
    """The format kind a ``formats`` key names; keys we have no kind for become ``other``."""
    kind = key.strip().lower()
    return kind if kind in FORMAT_KINDS else "other"
