"""AudioShake's payload schema for the full parsing path (pydantic, unknown keys kept).

``TypedDict`` schemas are validated in place, several times faster than model
instances on catalogs of tens of thousands of models; the dicts keep the JSON's own keys,
unknown ones included. Imported only when a payload takes the full path.
"""

from __future__ import annotations

from typing import Any, NotRequired

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from catalogsync.providers.validation import SCHEMA_CONFIG, Amount, Id


class Input(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    id: Id
    description: NotRequired[str | None]
    required: NotRequired[bool | None]
    taskFields: NotRequired[list[str]]
    formats: NotRequired[dict[str, list[Id]]]


class ModelItem(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    id: Id
    name: NotRequired[str | None]
    category: NotRequired[str | None]
    description: NotRequired[str | None]
    access: NotRequired[str | None]
    creditsPerMinute: NotRequired[Amount | None]
    inputs: NotRequired[list[Input]]
    outputFormats: NotRequired[list[Id]]
    limits: NotRequired[dict[str, Any] | None]
    supportedLanguages: NotRequired[list[str] | None]


class Envelope(TypedDict):
    __pydantic_config__ = SCHEMA_CONFIG  # type: ignore[misc]
    models: list[ModelItem]


ENVELOPE = TypeAdapter(Envelope)
