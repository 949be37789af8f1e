"""OpenRouter's ``pricing`` object as price points: price types, units, exact amounts, tiers.

Pure functions, used by ``catalogsync.providers.openrouter`` for a model's own pricing and
for each upstream endpoint's. What they decide (the README's vocabulary of price types):

- Each known key has a price type and a unit (``PRICE_KEYS``). Per-token values are USD per
  token in the payload and become ``USD/1M tokens``, scaled by 10^6 on the decimal digits
  themselves (no float, no rounding context); the others keep the unit they are published in.
- A key outside ``PRICE_KEYS`` whose value is a decimal is a price under its own name, in
  ``USD/unit`` (what it is charged by is unknown); any other unknown value, and ``discount``
  (a fraction taken off, not a price), are returned as non-price facts for the attributes.
- ``"-1"`` (any negative amount) is a variable price: amount ``None``. ``"0"`` is a price of 0.
  ``null`` is no price. Anything else that is not a decimal is a ``PayloadError``.
- ``overrides`` become tiers: ``min_prompt_tokens: N`` is ``input_tokens>N``;
  ``utc_start``/``utc_end`` (``HHMM``, half-open, may wrap midnight) is
  ``utc HH:MM-HH:MM``; ``utc_days`` appends `` on mon,tue`` (lower-case three-letter names,
  week order, each once; days without a window are ``utc 00:00-24:00 on sat,sun``). The
  parts are joined with `` and `` in that order: ``input_tokens>200000 and utc 10:00-01:00
  on mon,fri``. Keys an override leaves out keep their base price (no point for them); two
  overrides with the same tier: the later one wins, key by key, as OpenRouter applies them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from catalogsync.catalog import Price
from catalogsync.codec import MAX_EXPONENT, MAX_NUMBER_LENGTH
from catalogsync.errors import PayloadError

CURRENCY = "USD"
TOKENS = "USD/1M tokens"
UNKNOWN_UNIT = "USD/unit"

PRICE_KEYS: dict[str, tuple[str, str]] = {
    "prompt": ("input_tokens", TOKENS),
    "completion": ("output_tokens", TOKENS),
    "input_cache_read": ("cache_read_tokens", TOKENS),
    "input_cache_write": ("cache_write_tokens", TOKENS),
    "input_cache_write_1h": ("cache_write_1h_tokens", TOKENS),
    "internal_reasoning": ("reasoning_tokens", TOKENS),
    "audio": ("input_audio_tokens", TOKENS),
    "audio_output": ("output_audio_tokens", TOKENS),
    "input_audio_cache": ("input_audio_cache_tokens", TOKENS),
    "image_token": ("input_image_tokens", TOKENS),
    "request": ("request", "USD/request"),
    "image": ("input_image", "USD/image"),
    "image_output": ("output_image", "USD/image"),
    "web_search": ("web_search", "USD/request"),
}
"""OpenRouter pricing key -> (price type, unit)."""

NOT_PRICES = frozenset({"discount", "overrides"})
CONDITIONS = frozenset({"min_prompt_tokens", "utc_start", "utc_end", "utc_days"})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_MAX_ADJUSTED = MAX_EXPONENT - 6
_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def read_amount(value: object) -> Decimal | str | None:
    """A pricing value as an exact ``Decimal``; ``None`` for a variable price (negative);
    the string ``"invalid"`` when it is neither a decimal string nor a JSON number, ``"out
    of range"`` when it is one no database stores alike."""
    if isinstance(value, bool):
        return "invalid"
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        return "invalid"
    if not number.is_finite():
        return "invalid"
    # Room for the scaling to 1M tokens within what catalogsync stores (codec.MAX_EXPONENT).
    if len(str(value)) > MAX_NUMBER_LENGTH or (number and abs(number.adjusted()) > _MAX_ADJUSTED):
        return "out of range"
    return None if number < 0 else number


def per_million(amount: Decimal) -> Decimal:
    """``amount`` per token as per 1M tokens: the exponent moved by 6, every digit kept."""
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by read_amount
    return Decimal((sign, digits, exponent + 6))


class PricingReader:
    """Turns ``pricing`` objects of one provider into prices, naming paths in errors."""

    def __init__(self, provider: str, model_id: str) -> None:
        self.provider = provider
        self.model_id = model_id

    def error(self, path: str, message: str) -> PayloadError:
        return PayloadError(self.provider, path, message, model_id=self.model_id)

    def prices(
        self, pricing: object, path: str, variant: str = ""
    ) -> tuple[list[Price], dict[str, Any]]:
        """The price points of one ``pricing`` object, and what in it is not a price."""
        if pricing is None:
            return [], {}
        if not isinstance(pricing, Mapping):
            raise self.error(path, "must be an object")
        by_key: dict[tuple[str, ...], Price] = {}
        facts: dict[str, Any] = {}
        for key, value in pricing.items():
            if key in NOT_PRICES:
                if key == "discount" and value is not None:
                    facts[key] = value
                continue
            price = self._price(key, value, f"{path}.{key}", variant, "")
            if isinstance(price, Price):
                by_key[price.key] = price
            elif price is not None:
                facts[key] = price[1]
        overrides = pricing.get("overrides")
        if overrides is not None:
            if not isinstance(overrides, list):
                raise self.error(f"{path}.overrides", "must be a list")
            for index, entry in enumerate(overrides):
                for price in self._override(entry, f"{path}.overrides[{index}]", variant):
                    by_key[price.key] = price  # the later entry wins
        return list(by_key.values()), facts

    def _override(self, entry: object, path: str, variant: str) -> list[Price]:
        if not isinstance(entry, Mapping):
            raise self.error(path, "must be an object")
        tier = self.tier(entry, path)
        prices = []
        for key, value in entry.items():
            if key in CONDITIONS or key in NOT_PRICES:
                continue
            price = self._price(key, value, f"{path}.{key}", variant, tier)
            if isinstance(price, Price):
                prices.append(price)
        return prices

    def _price(
        self, key: str, value: object, path: str, variant: str, tier: str
    ) -> Price | tuple[str, object] | None:
        """A price, ``None`` for ``null``, or ``("fact", value)`` for an unknown non-price."""
        if value is None:
            return None
        amount = read_amount(value)
        known = PRICE_KEYS.get(key)
        if amount == "out of range":
            raise self.error(path, f"{value!s:.40} is out of range")
        if isinstance(amount, str):
            if known is None:
                return ("fact", value)
            raise self.error(path, "must be a decimal string or a number")
        price_type, unit = known or (key, UNKNOWN_UNIT)
        if amount is not None and unit == TOKENS:
            amount = per_million(amount)
        return Price(price_type, variant, unit, amount, tier=tier, currency=CURRENCY)

    def tier(self, entry: Mapping[str, Any], path: str) -> str:
        """The canonical condition text of one override entry (``''`` when it has none)."""
        parts = []
        tokens = entry.get("min_prompt_tokens")
        if tokens is not None:
            if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
                raise self.error(f"{path}.min_prompt_tokens", "must be a whole number >= 0")
            parts.append(f"input_tokens>{tokens}")
        start, end = entry.get("utc_start"), entry.get("utc_end")
        days = self._days(entry.get("utc_days"), f"{path}.utc_days")
        if (start is None) != (end is None):
            missing = "utc_end" if end is None else "utc_start"
            raise self.error(f"{path}.{missing}", "is required with the other end of the window")
        if start is not None or days:
            window = "00:00-24:00"
            if start is not None:
                begin = self._clock(start, f"{path}.utc_start", end=False)
                window = f"{begin}-{self._clock(end, f'{path}.utc_end', end=True)}"
            parts.append(f"utc {window}" + (f" on {','.join(days)}" if days else ""))
        return " and ".join(parts)

    def _clock(self, value: object, path: str, *, end: bool) -> str:
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(path, "must be a time as an HHMM number")
        hours, minutes = divmod(value, 100)
        if minutes > 59 or not (0 <= hours < 24 or (end and value == 2400)):
            raise self.error(path, f"{value} is not a time of day as HHMM")
        return f"{hours:02d}:{minutes:02d}"

    def _days(self, value: object, path: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, "must be a list of day names")
        found = set()
        for index, day in enumerate(value):
            name = day.strip().lower()[:3] if isinstance(day, str) else None
            if name not in DAYS:
                raise self.error(f"{path}[{index}]", f"{day!r} is not a day of the week")
            found.add(name)
        return [day for day in DAYS if day in found]
