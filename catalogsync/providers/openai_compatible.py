"""OpenAI-compatible adapter: any API's ``GET {base}/v1/models`` list.

Source: OpenAI's "List models", https://platform.openai.com/docs/api-reference/models/list
(``GET /v1/models``, header ``Authorization: Bearer KEY``), answered alike by Groq,
Together, Mistral, DeepSeek, Fireworks, xAI, vLLM, Ollama... There is no public host to
default to: each API is one provider instance (``[providers.groq] adapter =
"openai_compatible"``) with its own base URL (``base_url`` in its table, or
``CATALOGSYNC_<NAME>_BASE_URL``) and key (``<NAME>_API_KEY``). The adapter declares
``requires_base_url = True`` (and an empty ``default_base_url``): it is a provider only
where a base URL is configured, and ``fetch`` without one raises ``ConfigError``. A base
URL already ending in ``/v1`` gets only ``/models``. The key is sent as a Bearer token;
an API without auth (a local vLLM or Ollama) sets ``requires_key = false`` in its table,
so that a sync runs it without a key instead of skipping it. Quirks:

- The envelope ``{"object": "list", "data": [...]}`` or, from a few APIs (Together), a
  bare JSON list of models.
- Items: ``id`` (the model id), ``object`` (``"model"``, not stored), ``created`` (Unix
  seconds), ``owned_by``, and fields of each API's own (context length, ``active``,
  ``type``, ``max_model_len``...): every field but ``id``, ``object`` and a recognised
  ``pricing`` is an attribute. Most lists carry no prices: the models are still tracked,
  since models added and removed are news.
- Prices, in the two shapes named here (anything else under ``pricing`` stays an
  attribute, unpriced):

  - **per token** (OpenRouter's shape), when ``pricing`` has ``prompt`` or
    ``completion``: decimal strings (or numbers) in USD per token. ``prompt``,
    ``completion``, ``input_cache_read``, ``input_cache_write``, ``internal_reasoning``
    become ``input_tokens``, ``output_tokens``, ``cache_read_tokens``,
    ``cache_write_tokens``, ``reasoning_tokens`` in ``USD/1M tokens`` (x 1,000,000,
    exactly); ``request`` is ``request`` in ``USD/request``, ``image`` ``input_image`` in
    ``USD/image``, ``web_search`` ``web_search`` in ``USD/request``; any other key a price
    under its own name in ``USD`` as published. ``"-1"`` is a variable price (no amount).
  - **per 1M tokens** (Together's shape), when ``pricing`` has ``input`` or ``output``:
    numbers in USD per 1M tokens. ``input``, ``output``, ``cached_input`` (or
    ``cache_read``), ``cache_write`` become ``input_tokens``, ``output_tokens``,
    ``cache_read_tokens``, ``cache_write_tokens`` in ``USD/1M tokens``; ``hourly`` is
    ``per_hour`` in ``USD/hour``; any other number a price under its own name in ``USD``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.base import load_json, reject_unknown_options, require_unique
from catalogsync.providers.openrouter_pricing import PRICE_KEYS, TOKENS

if TYPE_CHECKING:
    import httpx

CURRENCY = "USD"
MILLION = Decimal(1_000_000)
# key -> (price type, unit, scaled to per 1M tokens). The OpenRouter-shaped keys these
# APIs use, named as OpenRouter's adapter names them; per-token amounts are scaled.
PER_TOKEN: dict[str, tuple[str, str, bool]] = {
    key: (*PRICE_KEYS[key], PRICE_KEYS[key][1] == TOKENS)
    for key in (
        "prompt",
        "completion",
        "input_cache_read",
        "input_cache_write",
        "internal_reasoning",
        "request",
        "image",
        "web_search",
    )
}
PER_MILLION: dict[str, tuple[str, str, bool]] = {
    "input": ("input_tokens", TOKENS, False),
    "output": ("output_tokens", TOKENS, False),
    "cached_input": ("cache_read_tokens", TOKENS, False),
    "cache_read": ("cache_read_tokens", TOKENS, False),
    "cache_write": ("cache_write_tokens", TOKENS, False),
    "hourly": ("per_hour", "USD/hour", False),
}
VARIABLE = "-1"


class OpenAICompatibleProvider:
    """Adapter for any OpenAI-compatible ``GET /v1/models`` (one instance per API)."""

    name: ClassVar[str] = "openai_compatible"
    config_options: ClassVar[frozenset[str]] = frozenset({"requires_key"})
    default_base_url: ClassVar[str] = ""  # none: every instance names its own
    requires_base_url: ClassVar[bool] = True
    requires_key: bool = True  # option ``requires_key = false``: an API without auth

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(settings.name, settings.options, self.config_options)
        requires_key = settings.options.get("requires_key", True)
        if not isinstance(requires_key, bool):
            raise ConfigError(f"[providers.{settings.name}] requires_key must be true or false")
        self.requires_key = requires_key
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch ``/v1/models`` verbatim, with the key as a Bearer token when there is one."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        base = self._settings.base_url.rstrip("/")
        if not base:
            raise ConfigError(
                f"[providers.{self.name}] needs base_url (an OpenAI-compatible API has "
                "no default host)"
            )
        url = (base if base.endswith("/v1") else base + "/v1") + "/models"
        key = self._settings.api_key
        headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else {}
        return get_bytes(client, self.name, url, headers=headers)

    def parse(self, raw: bytes) -> Catalog:
        """Validate a ``/v1/models`` body (envelope or bare list) into a catalog."""
        data = load_json(self.name, raw)
        prefix = ""
        if isinstance(data, dict):
            items = data.get("data")
            prefix = "data"
            if items is None:
                raise PayloadError(self.name, "data", "is required")
        else:
            items = data
        if not isinstance(items, list):
            raise PayloadError(self.name, prefix, "must be a list (or an object with data)")
        for index, item in enumerate(items):
            self._check(item, f"{prefix}[{index}]")
        require_unique(self.name, [item["id"] for item in items], prefix, field="id")
        models = [self._model(item, f"{prefix}[{index}]") for index, item in enumerate(items)]
        return Catalog(self.name, tuple(models))

    def _check(self, item: object, path: str) -> None:
        if not isinstance(item, dict):
            raise PayloadError(self.name, path, "must be an object")
        ident = item.get("id")
        if not isinstance(ident, str) or not ident.strip():
            message = "is required" if ident is None else "must be a non-empty string"
            raise PayloadError(self.name, f"{path}.id", message)
        created = item.get("created")
        if created is not None and (not isinstance(created, int) or isinstance(created, bool)):
            raise PayloadError(
                self.name, f"{path}.created", "must be a whole number", model_id=ident
            )
        owned_by = item.get("owned_by")
        if owned_by is not None and not isinstance(owned_by, str):
            raise PayloadError(self.name, f"{path}.owned_by", "must be a string", model_id=ident)

    def _model(self, item: dict[str, Any], path: str) -> Model:
        ident: str = item["id"]
        attributes = {k: v for k, v in item.items() if k != "id"}
        if attributes.get("object") == "model":
            del attributes["object"]
        prices = self._prices(item.get("pricing"), f"{path}.pricing", ident)
        if prices is not None:
            del attributes["pricing"]
        try:
            return Model(model_id=ident, name=ident, prices=prices or (), attributes=attributes)
        except (ValueError, TypeError) as exc:
            raise PayloadError(self.name, path, str(exc), model_id=ident) from None

    def _prices(self, pricing: object, path: str, ident: str) -> list[Price] | None:
        """The prices of a ``pricing`` object in a shape named above; ``None`` otherwise."""
        if not isinstance(pricing, dict):
            return None
        if "prompt" in pricing or "completion" in pricing:
            table = PER_TOKEN
        elif "input" in pricing or "output" in pricing:
            table = PER_MILLION
        else:
            return None
        prices: list[Price] = []
        for key, value in pricing.items():
            if value is None:
                continue
            price_type, unit, scaled = table.get(key, (key, "USD", False))
            amount = self._amount(value, table is PER_TOKEN, f"{path}.{key}", ident)
            if amount is not None and scaled:
                amount *= MILLION
            prices.append(Price(price_type, "", unit, amount, currency=CURRENCY))
        types = [p.price_type for p in prices]
        require_unique(self.name, types, path, field="type", what="price", model_id=ident)
        return prices

    def _amount(self, value: object, strings: bool, where: str, ident: str) -> Decimal | None:
        if isinstance(value, str) and strings:
            if value.strip() == VARIABLE:
                return None
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise PayloadError(
                    self.name, where, "must be a decimal number", model_id=ident
                ) from None
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
            if strings and number == -1:
                return None
        else:
            raise PayloadError(self.name, where, "must be a number", model_id=ident)
        if not number.is_finite() or number < 0:
            raise PayloadError(self.name, where, "must be a number >= 0", model_id=ident)
        return number
