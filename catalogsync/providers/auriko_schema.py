"""Auriko's payload schema (pydantic), imported by the adapter only when it parses.

Loading every adapter for its base URL must not load pydantic: a sync of another
provider's payload that takes a fast path never needs it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from catalogsync.providers.validation import Amount, Id, Payload


class Entry(Payload):
    name: Id
    input_price: Amount | None = None
    output_price: Amount | None = None
    data_policy: str | None = None


class Item(Payload):
    id: Id
    object: str | None = None
    created: int | None = None
    owned_by: str | None = None
    context_window: int | None = None
    supported_endpoints: list[str] | None = None
    providers: list[Entry] = Field(default_factory=list)


class ModelList(Payload):
    object: Literal["list"]
    data: list[Item]
    catalog_version: str | None = None
    catalog_age_seconds: Amount | None = None  # any non-negative number; never stored


class Endpoints(Payload):
    # Our own wrapper, written by ``fetch``: nothing else belongs in it.
    model_config = ConfigDict(extra="forbid")

    chat_completions: ModelList
    responses: ModelList


class Combined(Payload):
    endpoints: Endpoints
