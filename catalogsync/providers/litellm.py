"""litellm adapter: the model price and context-window map litellm maintains by hand.

Source: ``model_prices_and_context_window.json`` in BerriAI/litellm
(https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json), fetched
as the raw file (``https://raw.githubusercontent.com/BerriAI/litellm/main/...``), public: no
key. About 3,000 entries, a few MB, changed several times a week. Options of
``[providers.litellm]``: ``url``, the whole URL of the file (default: the base URL, by
default ``https://raw.githubusercontent.com``, and ``FILE_PATH``); or ``path``, a local copy
read from disk, no network (relative to the working directory).

Quirks:

- One JSON object keyed by model name as litellm routes it (``gpt-4o``, ``azure/gpt-4o``,
  ``bedrock/...``): the key is the model id. ``sample_spec`` (a documentation entry whose
  values are prose) and anything that is not an object (a top-level ``last_updated``) are
  skipped.
- Every field whose name contains ``cost`` is a price; ``litellm_prices`` reads its name
  into type, unit, tier (``_above_200k_tokens``) and service tier (``_batches``, ``_flex``,
  ``_priority``); a name it does not know is kept under its own name (``USD/unit``), never
  dropped. An object of prices (``search_context_cost_per_query``) gives one price per
  member. Two names that read as the same price point (``input_cost_per_token`` and
  ``input_cost_per_1k_tokens``) keep the per-token one (else the first in name order) and
  the other under its own name: nothing is lost.
- Numbers are floats in the file (``2.5e-06``) and read exactly from the JSON text
  (``load_json``): 2.5e-06 is 0.0000025, x 1,000,000 is 2.5 exactly. A field moving from
  ``0`` to ``0.0`` is no change. ``null`` is no price (litellm writes it for "not
  published"). A price that is not a number (a string, a boolean, a list), or is negative,
  fails the whole file with its path and model, so that a bad edit upstream is seen and the
  stored history is kept as it was, rather than a model silently losing its prices.
- Every other field (``litellm_provider``, ``mode``, ``max_tokens``, ``max_input_tokens``,
  ``max_output_tokens``, ``deprecation_date``, ``supports_*``, ``supported_regions``,
  ``supported_endpoints``, ``source``, fields added later) is an attribute; ``mode`` is also
  the category. ``supported_modalities`` and ``supported_output_modalities`` also become the
  model's input and output formats, one per modality (``text/text``, ``image/image``...).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from catalogsync.catalog import FORMAT_KINDS, Catalog, Format, Model, ModelInput, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import ConfigError, PayloadError, PermanentProviderError
from catalogsync.providers.base import load_json, reject_unknown_options
from catalogsync.providers.litellm_prices import (
    UNKNOWN_UNIT,
    PriceName,
    is_price_key,
    price_name,
    scaled,
    variant_name,
)
from catalogsync.providers.paths import format_loc

if TYPE_CHECKING:
    import httpx

FILE_PATH = "/BerriAI/litellm/main/model_prices_and_context_window.json"
CURRENCY = "USD"
SKIPPED_KEYS = frozenset({"sample_spec"})
INPUT_ID = "prompt"


class LiteLLMProvider:
    """Adapter for litellm's ``model_prices_and_context_window.json``."""

    name: ClassVar[str] = "litellm"
    config_options: ClassVar[frozenset[str]] = frozenset({"url", "path"})
    default_base_url: ClassVar[str] = "https://raw.githubusercontent.com"
    requires_key: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings) -> None:
        options = settings.options
        reject_unknown_options(self.name, options, self.config_options)
        if "url" in options and "path" in options:
            raise ConfigError(f"[providers.{self.name}] set url or path, not both")
        url = options.get("url", settings.base_url.rstrip("/") + FILE_PATH)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ConfigError(f"[providers.{self.name}] url must be an http(s) URL")
        path = options.get("path")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise ConfigError(f"[providers.{self.name}] path must be a file path")
        self._settings = settings
        self.url = url
        self.path = Path(path).expanduser() if path is not None else None

    def fetch(self, client: httpx.Client) -> bytes:
        """Download the price file (no key sent), or read it from ``path``."""
        if self.path is not None:
            return self._read_file(self.path)
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        return get_bytes(client, self.name, self.url)

    def _read_file(self, path: Path) -> bytes:
        cap = self._settings.max_response_bytes
        try:
            with path.open("rb") as handle:
                raw = handle.read(cap + 1)
        except OSError as exc:
            raise PermanentProviderError(
                self.name, f"cannot read {path}: {exc.strerror or exc}"
            ) from None
        if len(raw) > cap:
            raise PermanentProviderError(
                self.name, f"{path} is larger than max_response_bytes ({cap})"
            )
        return raw

    def parse(self, raw: bytes) -> Catalog:
        """Parse a verbatim ``model_prices_and_context_window.json`` into a catalog."""
        data = load_json(self.name, raw)
        if not isinstance(data, dict):
            raise PayloadError(self.name, "", "must be an object of models by name")
        try:
            models = [
                self._model(key, entry)
                for key, entry in data.items()
                if isinstance(entry, dict) and key not in SKIPPED_KEYS
            ]
        except RecursionError:  # an attribute nested too deeply to normalise
            raise PayloadError(self.name, "", "nested too deeply") from None
        return Catalog(self.name, tuple(models))

    def _model(self, key: str, entry: dict[str, Any]) -> Model:
        if not key.strip():
            raise PayloadError(self.name, format_loc((key,)), "a model name must not be empty")
        attributes: dict[str, Any] = {}
        prices: list[Price] = []
        taken: set[tuple[str, ...]] = set()
        for field in sorted(entry, key=_field_order):
            value = entry[field]
            if not is_price_key(field):
                attributes[field] = value
                continue
            name = price_name(field)
            for variant, amount in self._amounts(key, field, value):
                try:
                    price = _price(name, variant, scaled(amount, name.shift))
                except ValueError as exc:  # scaled out of the range catalogsync stores
                    loc = format_loc((key, field))
                    raise PayloadError(self.name, loc, str(exc), model_id=key) from None
                if price.key in taken:  # two names read as one price point: keep both
                    price = _price(PriceName(field, UNKNOWN_UNIT, 0), variant, amount)
                taken.add(price.key)
                prices.append(price)
        mode = entry.get("mode")
        try:
            return Model(
                model_id=key,
                name=key,
                category=mode if isinstance(mode, str) and mode else None,
                inputs=_inputs(entry.get("supported_modalities")),
                output_formats=_formats(entry.get("supported_output_modalities")),
                prices=prices,
                attributes=attributes,
            )
        except ValueError as exc:
            raise PayloadError(self.name, format_loc((key,)), str(exc), model_id=key) from None

    def _amounts(self, key: str, field: str, value: object) -> list[tuple[str, Decimal]]:
        """``(variant, amount)`` of each price a field holds: none for ``null``, one per
        member for an object of prices."""
        if value is None:
            return []
        if isinstance(value, dict):
            return [
                (variant_name(member), self._amount(key, (key, field, member), amount))
                for member, amount in sorted(value.items())
                if amount is not None
            ]
        return [("", self._amount(key, (key, field), value))]

    def _amount(self, key: str, loc: tuple[str, ...], value: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            what = "a number, an object of numbers" if len(loc) == 2 else "a number"
            raise PayloadError(
                self.name, format_loc(loc), f"a price must be {what} or null", model_id=key
            )
        number = Decimal(value)
        if number < 0:
            raise PayloadError(self.name, format_loc(loc), "a price must be >= 0", model_id=key)
        return number


def _field_order(field: str) -> tuple[bool, str]:
    """Fields in name order, a ``..._per_1k_tokens`` price after the per-token one it
    doubles (on a clash, the per-token name is the one read)."""
    return "_1k_" in field, field


def _price(name: PriceName, variant: str, amount: Decimal) -> Price:
    return Price(
        name.price_type,
        variant,
        name.unit,
        amount,
        tier=name.tier,
        service_tier=name.service_tier,
        currency=CURRENCY,
    )


def _format_list(value: object) -> list[Format]:
    if not isinstance(value, list):
        return []
    formats = []
    for item in value:
        if isinstance(item, str) and item.strip():
            kind = item.strip().lower()
            formats.append(Format.of(kind if kind in FORMAT_KINDS else "other", kind))
    return formats


def _formats(value: object) -> frozenset[Format]:
    return frozenset(_format_list(value))


def _inputs(value: object) -> tuple[ModelInput, ...]:
    formats = _format_list(value)
    return (ModelInput(INPUT_ID, formats=formats),) if formats else ()
