"""Akool's payload schema (pydantic), imported by the adapter only when it parses.

Loading every adapter for its base URL must not load pydantic: a sync of another
provider's payload that takes a fast path never needs it.
"""

from __future__ import annotations

from pydantic import Field

from catalogsync.providers.validation import Amount, Id, Payload


class Resolution(Payload):
    label: str | None = None
    value: Id
    width: int | None = None
    height: int | None = None
    unit_credit: Amount | None = None


class Item(Payload):
    sort: int | None = None
    group: str | None = None
    provider: str | None = None
    label: str | None = None
    description: str | None = None
    type: int
    value: Id
    resolution_list: list[Resolution] = Field(default_factory=list, alias="resolutionList")
    is_pro: bool | None = Field(default=None, alias="isPro")
    generate_audio: bool | None = None
    # Amount: any finite, non-negative number, kept exact (``5`` and ``5.0`` alike).
    duration_list: list[Amount] | None = Field(default=None, alias="durationList")
    requires_pay: bool | None = Field(default=None, alias="requiresPay")
    supported_last_frame: bool | None = Field(default=None, alias="supportedLastFrame")
    supported_extend_prompt: bool | None = Field(default=None, alias="supportedExtendPrompt")
    max_image_count: int | None = Field(default=None, alias="maxImageCount")
    max_count: int | None = Field(default=None, alias="maxCount")


class Status(Payload):
    code: int
    msg: str | None = None


class Envelope(Status):
    data: list[Item]
