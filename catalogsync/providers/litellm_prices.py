"""litellm's price key names, read into catalogsync's price key: type, unit, tier, service tier.

litellm names each price after what it charges for (``input_cost_per_token``), with
suffixes for a long-context tier (``_above_200k_tokens``) and a service tier
(``_batches``, ``_flex``, ``_priority``), in either order. ``price_name`` reads one key
name; a file repeats a few hundred names across ~3,000 models, so each is read once
(cached) and models only look the result up.

The mapping (every amount in USD; "per token" prices scaled exactly to ``USD/1M tokens``):

- ``input_cost_per_token``, ``output_cost_per_token``: ``input_tokens``, ``output_tokens``
  (``..._cost_per_1k_tokens``: the same types, x 1,000 instead of x 1,000,000);
- ``cache_read_input_token_cost``: ``cache_read_tokens``; ``cache_creation_input_token_cost``:
  ``cache_write_tokens``; ``cache_creation_input_token_cost_above_1hr``:
  ``cache_write_1h_tokens``; the ``..._audio_token_cost`` pair: ``cache_read_audio_tokens``,
  ``cache_write_audio_tokens``;
- ``output_cost_per_reasoning_token``: ``reasoning_tokens``;
  ``{input,output}_cost_per_{audio,image,video}_token``: ``{input,output}_{kind}_tokens``;
- ``{input,output}_cost_per_second``: ``input_per_second``, ``output_per_second``
  (``USD/second``); ``..._per_{audio,video}_per_second``: ``input_audio_per_second``...;
- ``..._cost_per_image``: ``input_image``, ``output_image`` (``USD/image``);
  ``..._per_pixel``: ``input_pixel``... (``USD/pixel``); ``..._per_character``:
  ``input_character``... (``USD/character``); ``..._per_query``: ``input_query``...
  (``USD/query``); ``input_cost_per_request``: ``request`` (``USD/request``);
- ``search_context_cost_per_query``, an object: ``web_search`` (``USD/query``), one price per
  member, the variant being the size (``search_context_size_low`` -> ``low``).

Per-second prices keep input and output apart as two price types (``input_per_second``
for audio in, ``output_per_second`` for generated video), as one model may publish both.
``_above_<N>k_tokens`` (or ``<N>m``) is the tier ``input_tokens>N*1000``; ``_above_1hr``
is part of the cache-write name, not a tier. Any other name containing ``cost``
(``input_dbu_cost_per_token``, ``input_cost_per_token_cache_hit``...) is kept as it is:
the whole key as the price type, unit ``USD/unit``, the amount as published.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import NamedTuple

TOKEN_UNIT = "USD/1M tokens"  # noqa: S105 - a unit, not a secret
UNKNOWN_UNIT = "USD/unit"
PER_MILLION = 6  # powers of ten: amounts are shifted exactly, never multiplied in a context
PER_THOUSAND = 3
ONE = 0

SERVICE_TIERS = {"_batches": "batch", "_flex": "flex", "_priority": "priority"}
_TIER = re.compile(r"_above_(\d+)([km])_tokens$")
_DIRECTED = re.compile(r"^(input|output)_cost_per_(.+)$")
_TIER_SCALE = {"k": 1_000, "m": 1_000_000}

_CACHE = {
    "cache_read_input_token_cost": "cache_read_tokens",
    "cache_creation_input_token_cost": "cache_write_tokens",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h_tokens",
    "cache_read_input_audio_token_cost": "cache_read_audio_tokens",
    "cache_creation_input_audio_token_cost": "cache_write_audio_tokens",
}

# What follows ``{input,output}_cost_per_``: (the price type's suffix, unit, scale).
_PER_WHAT: dict[str, tuple[str, str, int]] = {
    "token": ("tokens", TOKEN_UNIT, PER_MILLION),
    "1k_tokens": ("tokens", TOKEN_UNIT, PER_THOUSAND),
    "audio_token": ("audio_tokens", TOKEN_UNIT, PER_MILLION),
    "image_token": ("image_tokens", TOKEN_UNIT, PER_MILLION),
    "video_token": ("video_tokens", TOKEN_UNIT, PER_MILLION),
    "second": ("per_second", "USD/second", ONE),
    "audio_per_second": ("audio_per_second", "USD/second", ONE),
    "video_per_second": ("video_per_second", "USD/second", ONE),
    "image": ("image", "USD/image", ONE),
    "pixel": ("pixel", "USD/pixel", ONE),
    "character": ("character", "USD/character", ONE),
    "query": ("query", "USD/query", ONE),
    "request": ("request", "USD/request", ONE),
}
_SPECIAL = {
    "output_cost_per_reasoning_token": ("reasoning_tokens", TOKEN_UNIT, PER_MILLION),
    "input_cost_per_request": ("request", "USD/request", ONE),
    "search_context_cost_per_query": ("web_search", "USD/query", ONE),
}

SEARCH_CONTEXT_PREFIX = "search_context_size_"


class PriceName(NamedTuple):
    """What a litellm price key means: the published amount times ``10 ** shift``."""

    price_type: str
    unit: str
    shift: int
    tier: str = ""
    service_tier: str = ""


def is_price_key(key: str) -> bool:
    """Whether a field of a model entry is a price (its name contains ``cost``)."""
    return "cost" in key


@functools.lru_cache(maxsize=4096)
def price_name(key: str) -> PriceName:
    """Read a litellm price key name (cached: a file repeats a few hundred names)."""
    base, tier, service_tier = _split_suffixes(key)
    known = _base_name(base)
    if known is None:
        return PriceName(key, UNKNOWN_UNIT, ONE)
    price_type, unit, shift = known
    return PriceName(price_type, unit, shift, tier, service_tier)


def scaled(amount: Decimal, shift: int) -> Decimal:
    """``amount * 10 ** shift``, exactly (a multiplication would round past 28 digits)."""
    if not shift:
        return amount
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite: load_json refuses the rest
    return Decimal((sign, digits, exponent + shift))


def variant_name(member: str) -> str:
    """The variant of one member of an object of prices (``search_context_size_low`` -> ``low``)."""
    return member.removeprefix(SEARCH_CONTEXT_PREFIX) or member


def _split_suffixes(key: str) -> tuple[str, str, str]:
    """``key`` without its tier and service-tier suffixes, and those two (``""`` if absent)."""
    base, tier, service_tier = key, "", ""
    changed = True
    while changed:
        changed = False
        for suffix, name in SERVICE_TIERS.items():
            if not service_tier and base.endswith(suffix) and len(base) > len(suffix):
                base, service_tier, changed = base[: -len(suffix)], name, True
        found = _TIER.search(base) if not tier else None
        if found is not None and found.start() > 0:
            threshold = int(found.group(1)) * _TIER_SCALE[found.group(2)]
            base, tier, changed = base[: found.start()], f"input_tokens>{threshold}", True
    return base, tier, service_tier


def _base_name(base: str) -> tuple[str, str, int] | None:
    if base in _CACHE:
        return _CACHE[base], TOKEN_UNIT, PER_MILLION
    if base in _SPECIAL:
        return _SPECIAL[base]
    directed = _DIRECTED.match(base)
    if directed is None:
        return None
    direction, what = directed.groups()
    known = _PER_WHAT.get(what)
    if known is None:
        return None
    suffix, unit, shift = known
    return f"{direction}_{suffix}", unit, shift
