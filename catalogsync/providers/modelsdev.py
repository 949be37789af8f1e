"""models.dev adapter: the open database of AI models across about 150 providers.

Source: https://models.dev (``GET https://models.dev/api.json``, public, no key; the data
lives as files in https://github.com/sst/models.dev). One document of several MB:
``{providerId: {"id", "name", "env", "npm", "api", "doc", "models": {modelId: model}}}``.
Quirks:

- A model is only unique as the pair: its id here is ``providerId/modelId`` (the keys of
  the two objects), so ``openai/gpt-4o`` and ``azure/gpt-4o`` are two models.
- ``cost`` is in **USD per 1M tokens** already (no scaling): ``input``, ``output``,
  ``reasoning``, ``cache_read``, ``cache_write``, ``input_audio``, ``output_audio`` become
  ``input_tokens``, ``output_tokens``, ``reasoning_tokens``, ``cache_read_tokens``,
  ``cache_write_tokens``, ``input_audio_tokens``, ``output_audio_tokens`` in
  ``USD/1M tokens``, currency ``USD``. Numbers are read exactly from the JSON text. A cost
  field this adapter does not know is a price under its own name in ``USD/1M tokens``
  (never dropped); a ``null`` field is no price; a non-numeric unknown field (in ``cost``,
  a tier or ``context_over_200k``) is kept in the attribute ``cost_extra``.
- ``cost.tiers`` is a list of the same fields with ``tier: {"type": "context", "size": N}``
  (the price when the request's context exceeds N tokens): tier ``input_tokens>N``. Another
  tier type T gives tier ``T>N``. The older ``cost.context_over_200k`` (an object of the
  same fields) is tier ``input_tokens>200000``; when ``tiers`` also names that threshold,
  ``tiers`` wins for the fields it names.
- A model without ``cost`` (or with ``"cost": null``) is free or unpriced: no prices.
- ``modalities.input`` / ``output`` (``text``, ``audio``, ``image``, ``video``, ``pdf``)
  are the formats of the model's one input ``input`` and its output formats, named by the
  modality: ``text/text``, ``audio/audio``, ``image/image``, ``video/video``,
  ``other/pdf``; an unknown modality is ``other/<name>``.
- Everything else of a model (``limit``, ``attachment``, ``reasoning``, ``tool_call``,
  ``structured_output``, ``temperature``, ``open_weights``, ``knowledge``,
  ``release_date``, ``last_updated``, ``status``, ``family``, and fields added without
  notice) is an attribute, as is ``id`` when it differs from the key. ``name`` is the
  model's name. The provider's own fields are attributes of each of its models, prefixed
  ``provider_`` (``provider_name``, ``provider_env``, ``provider_npm``, ``provider_api``,
  ``provider_doc``, and any other but ``id`` and ``models``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import PayloadError
from catalogsync.providers.base import load_json, reject_unknown_options

if TYPE_CHECKING:
    import httpx

UNIT = "USD/1M tokens"
CURRENCY = "USD"
COST_TYPES = {
    "input": "input_tokens",
    "output": "output_tokens",
    "reasoning": "reasoning_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "input_audio": "input_audio_tokens",
    "output_audio": "output_audio_tokens",
}
MODALITY_FORMATS = {
    "text": Format("text", "text"),
    "audio": Format("audio", "audio"),
    "image": Format("image", "image"),
    "video": Format("video", "video"),
    "pdf": Format("other", "pdf"),
}
OVER_200K = "input_tokens>200000"
_MODEL_MAPPED = {"name", "cost", "modalities"}
_PROVIDER_SKIPPED = {"id", "models"}


class ModelsDevProvider:
    """Adapter for models.dev's ``GET /api.json`` (public: no key)."""

    name: ClassVar[str] = "modelsdev"
    config_options: ClassVar[frozenset[str]] = frozenset()
    default_base_url: ClassVar[str] = "https://models.dev"
    requires_key: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(self.name, settings.options, self.config_options)
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch ``api.json`` verbatim."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        return get_bytes(client, self.name, f"{self._settings.base_url.rstrip('/')}/api.json")

    def parse(self, raw: bytes) -> Catalog:
        """Validate a verbatim ``api.json`` into a catalog of ``provider/model`` models."""
        data = load_json(self.name, raw)
        if not isinstance(data, dict):
            raise PayloadError(self.name, "", "must be an object of providers")
        models: list[Model] = []
        for provider_id, provider in data.items():
            where = provider_id
            if not provider_id.strip():
                raise PayloadError(self.name, where, "a provider id must not be empty")
            if not isinstance(provider, dict):
                raise PayloadError(self.name, where, "must be an object")
            listed = provider.get("models")
            if not isinstance(listed, dict):
                message = "is required" if listed is None else "must be an object"
                raise PayloadError(self.name, f"{where}.models", message)
            shared = {
                f"provider_{key}": value
                for key, value in provider.items()
                if key not in _PROVIDER_SKIPPED
            }
            for model_id, model in listed.items():
                models.append(
                    self._model(provider_id, model_id, model, shared, f"{where}.models.{model_id}")
                )
        try:
            return Catalog(self.name, tuple(models))
        except ValueError as exc:  # two provider/model pairs spelled alike
            raise PayloadError(self.name, "", str(exc)) from None

    def _model(
        self, provider_id: str, model_id: str, item: object, shared: dict[str, Any], path: str
    ) -> Model:
        ident = f"{provider_id}/{model_id}"
        if not model_id.strip():
            raise PayloadError(self.name, path, "a model id must not be empty")
        if not isinstance(item, dict):
            raise PayloadError(self.name, path, "must be an object", model_id=ident)
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise PayloadError(self.name, f"{path}.name", "must be a string", model_id=ident)
        attributes = {k: v for k, v in item.items() if k not in _MODEL_MAPPED}
        if attributes.get("id") == model_id:
            del attributes["id"]
        for key in sorted(set(attributes) & set(shared)):
            raise PayloadError(
                self.name,
                f"{path}.{key}",
                "field clashes with the provider attribute of the same name",
                model_id=ident,
            )
        attributes.update(shared)
        prices, cost_extra = self._prices(item.get("cost"), f"{path}.cost", ident)
        if cost_extra:
            attributes["cost_extra"] = cost_extra
        inputs, outputs = self._formats(item.get("modalities"), f"{path}.modalities", ident)
        try:
            return Model(
                model_id=ident,
                name=name,
                inputs=inputs,
                output_formats=outputs,
                prices=prices,
                attributes=attributes,
            )
        except (ValueError, TypeError) as exc:
            raise PayloadError(self.name, path, str(exc), model_id=ident) from None

    def _prices(self, cost: object, path: str, ident: str) -> tuple[list[Price], dict[str, Any]]:
        if cost is None:
            return [], {}
        if not isinstance(cost, dict):
            raise PayloadError(self.name, path, "must be an object", model_id=ident)
        extra: dict[str, Any] = {}
        prices: dict[tuple[str, str], Price] = {}
        for key, value in cost.items():
            if key in {"tiers", "context_over_200k"}:
                continue
            if _kept(extra, key, key, value):
                continue
            self._add(prices, key, value, "", f"{path}.{key}", ident)
        tiers = cost.get("tiers")
        if tiers is not None:
            if not isinstance(tiers, list):
                raise PayloadError(self.name, f"{path}.tiers", "must be a list", model_id=ident)
            for index, entry in enumerate(tiers):
                where = f"{path}.tiers[{index}]"
                tier = self._tier(entry, where, ident)
                assert isinstance(entry, dict)
                for key, value in entry.items():
                    if key == "tier" or _kept(extra, f"tiers[{index}].{key}", key, value):
                        continue
                    self._add(prices, key, value, tier, f"{where}.{key}", ident)
        over = cost.get("context_over_200k")
        if over is not None:
            where = f"{path}.context_over_200k"
            if not isinstance(over, dict):
                raise PayloadError(self.name, where, "must be an object", model_id=ident)
            for key, value in over.items():
                if _kept(extra, f"context_over_200k.{key}", key, value):
                    continue
                if (COST_TYPES.get(key, key), OVER_200K) not in prices:  # ``tiers`` wins
                    self._add(prices, key, value, OVER_200K, f"{where}.{key}", ident)
        return list(prices.values()), extra

    def _tier(self, entry: object, where: str, ident: str) -> str:
        if not isinstance(entry, dict):
            raise PayloadError(self.name, where, "must be an object", model_id=ident)
        tier = entry.get("tier")
        if not isinstance(tier, dict):
            message = "is required" if tier is None else "must be an object"
            raise PayloadError(self.name, f"{where}.tier", message, model_id=ident)
        kind, size = tier.get("type"), tier.get("size")
        if not isinstance(kind, str) or not kind.strip():
            raise PayloadError(self.name, f"{where}.tier.type", "must be a string", model_id=ident)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise PayloadError(
                self.name, f"{where}.tier.size", "must be a whole number >= 0", model_id=ident
            )
        subject = "input_tokens" if kind == "context" else kind.strip()
        return f"{subject}>{size}"

    def _add(
        self,
        prices: dict[tuple[str, str], Price],
        key: str,
        value: object,
        tier: str,
        where: str,
        ident: str,
    ) -> None:
        if value is None:
            return
        if not _is_number(value):
            raise PayloadError(self.name, where, "must be a number", model_id=ident)
        amount = Decimal(value)  # type: ignore[arg-type]
        if not amount.is_finite() or amount < 0:
            raise PayloadError(self.name, where, "must be >= 0", model_id=ident)
        price_type = COST_TYPES.get(key, key)
        if not price_type.strip():
            raise PayloadError(self.name, where, "a cost field needs a name", model_id=ident)
        if (price_type, tier) in prices:
            raise PayloadError(
                self.name,
                where,
                f"price {price_type!r} given twice for tier {tier!r}",
                model_id=ident,
            )
        prices[price_type, tier] = Price(price_type, "", UNIT, amount, tier=tier, currency=CURRENCY)

    def _formats(
        self, modalities: object, path: str, ident: str
    ) -> tuple[list[ModelInput], list[Format]]:
        if modalities is None:
            return [], []
        if not isinstance(modalities, Mapping):
            raise PayloadError(self.name, path, "must be an object", model_id=ident)
        found: dict[str, list[Format]] = {}
        for side in ("input", "output"):
            names = modalities.get(side, [])
            if not isinstance(names, list):
                raise PayloadError(self.name, f"{path}.{side}", "must be a list", model_id=ident)
            formats = []
            for index, modality in enumerate(names):
                if not isinstance(modality, str) or not modality.strip():
                    raise PayloadError(
                        self.name, f"{path}.{side}[{index}]", "must be a name", model_id=ident
                    )
                known = MODALITY_FORMATS.get(modality.strip().lower())
                formats.append(known or Format.of("other", modality))
            found[side] = formats
        inputs = [ModelInput("input", formats=found["input"])] if found["input"] else []
        return inputs, found["output"]


def _kept(extra: dict[str, Any], label: str, key: str, value: object) -> bool:
    """Keep an unknown cost field that is no number in ``extra`` (not a price we can name:
    kept, not refused); say whether it was."""
    if key in COST_TYPES or value is None or _is_number(value):
        return False
    extra[label] = value
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
