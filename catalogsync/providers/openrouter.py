"""OpenRouter adapter: every model OpenRouter routes, with every price dimension it publishes.

Source: "List all models and their properties", https://openrouter.ai/docs/api-reference/models
(``GET /api/v1/models``, public: ``Authorization: Bearer`` is sent only when a key is set, and
the provider is never skipped for lack of one, ``requires_key = False``). Model id = ``id``
(``:free``, ``:thinking``... variants are models of their own). Quirks:

- ``pricing`` values are USD decimal strings with many decimals; keys come and go and new
  ones appear; ``"-1"`` marks a variable price (routers such as ``openrouter/auto``);
  ``overrides`` hold conditional prices (a prompt-token threshold, a UTC time window on some
  days). How each becomes a price point is in ``catalogsync.providers.openrouter_pricing``;
  ``discount`` and unknown keys that are not amounts become attribute ``pricing``.
- ``architecture.input_modalities`` are the formats of the model's one input (``prompt``),
  ``output_modalities`` its output formats (``text`` is text/text, ``image`` image/image,
  ``audio`` audio/audio, ``video`` video/video, ``file`` other/file, anything else other/NAME);
  the rest of ``architecture`` and every other field (``context_length``, ``top_provider``,
  ``supported_parameters``, ``expiration_date``, ``created``, ``canonical_slug``...) are
  attributes, fields OpenRouter adds without notice included. ``name`` and ``description``
  are columns. Top-level keys other than ``data`` are neither validated nor stored: none
  describes the catalog, and one that changed on every call would make every sync a version.
- With option ``endpoints = true``, ``fetch`` also reads ``GET /api/v1/models/{id}/endpoints``
  for every model (a thread pool of ``endpoints_concurrency`` over the same client, each
  request with the client's retries, all within ``endpoints_budget_seconds``) and writes one
  document ``{"models": <list body>, "endpoints": {"<id>": <endpoints body>, ...}}``, the bodies
  byte for byte. Each endpoint's pricing gives prices whose variant is its ``tag`` (unique,
  e.g. ``deepinfra/fp8``), else its ``provider_name``; its other fields go to attribute
  ``provider_endpoints``, without ``status``, ``uptime_*``, ``latency_*`` and
  ``throughput_*``, which change on every call. One model's endpoints failing (HTTP error,
  a body that is not JSON, timeout, budget spent) fails the sync, naming the model, and a
  combined document missing a model's endpoints is invalid: per-provider prices never read
  as removed for a failure.

``parse`` takes a verbatim ``/api/v1/models`` body (``catalogsync import openrouter FILE``)
or the combined document.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import (
    ConfigError,
    PayloadError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)
from catalogsync.providers.base import load_json, reject_unknown_options, require_unique
from catalogsync.providers.openrouter_pricing import PricingReader

if TYPE_CHECKING:
    import httpx

OPTIONS = {"endpoints", "endpoints_concurrency", "endpoints_budget_seconds"}
MODALITIES = {
    "text": ("text", "text"),
    "image": ("image", "image"),
    "audio": ("audio", "audio"),
    "video": ("video", "video"),
    "file": ("other", "file"),
}
_COLUMNS = {"id", "name", "description", "pricing"}
_PROVIDER_ENDPOINTS = "provider_endpoints"
_VOLATILE_PREFIXES = ("uptime", "latency", "throughput")


def _volatile(key: str) -> bool:
    return key == "status" or key.startswith(_VOLATILE_PREFIXES)


class OpenRouterProvider:
    """Adapter for OpenRouter's ``GET /api/v1/models`` (and, optionally, each model's endpoints)."""

    name: ClassVar[str] = "openrouter"
    config_options: ClassVar[frozenset[str]] = frozenset(OPTIONS)
    default_base_url: ClassVar[str] = "https://openrouter.ai"
    requires_key: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings) -> None:
        options = settings.options
        reject_unknown_options(self.name, options, self.config_options)
        self._settings = settings
        self._endpoints = options.get("endpoints", False)
        if not isinstance(self._endpoints, bool):
            raise ConfigError(f"[providers.{self.name}] endpoints must be true or false")
        self._concurrency = options.get("endpoints_concurrency", 4)
        if isinstance(self._concurrency, bool) or not isinstance(self._concurrency, int):
            raise ConfigError(f"[providers.{self.name}] endpoints_concurrency must be an integer")
        if not 1 <= self._concurrency <= 64:
            raise ConfigError(f"[providers.{self.name}] endpoints_concurrency must be 1 to 64")
        budget = options.get("endpoints_budget_seconds", 300)
        if isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0:
            raise ConfigError(
                f"[providers.{self.name}] endpoints_budget_seconds must be a positive number"
            )
        self._budget = float(budget)

    # -- fetch -------------------------------------------------------------------------

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch the model list (with ``endpoints``, each model's endpoints too) as one document."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        key = self._settings.api_key
        headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else {}
        base = self._settings.base_url.rstrip("/")
        body = get_bytes(client, self.name, f"{base}/api/v1/models", headers=headers)
        if not self._endpoints:
            return body
        try:
            ids = [item.model_id for item in self._items(load_json(self.name, body), "")]
        except PayloadError:
            return body  # parse names what is wrong, with this body kept for inspection

        def one(model_id: str) -> bytes:
            url = f"{base}/api/v1/models/{quote(model_id, safe='/:')}/endpoints"
            try:
                answer = get_bytes(client, self.name, url, headers=headers)
            except ProviderError as exc:
                message = f"endpoints of model {model_id!r}: " + str(exc).removeprefix(
                    f"{self.name}: "
                )
                if isinstance(exc, TransientProviderError):
                    raise TransientProviderError(self.name, message, body=exc.body) from exc
                raise PermanentProviderError(self.name, message, body=exc.body) from exc
            try:  # a body that is not JSON would make the combined document unreadable
                load_json(self.name, answer)
            except PayloadError as exc:
                where = f"endpoints.{model_id}"
                raise PayloadError(self.name, where, exc.reason, model_id=model_id) from None
            return answer

        bodies = self._gather(ids, one)
        parts = [json.dumps(i).encode() + b":" + bodies[i] for i in ids]
        return b'{"models":' + body + b',"endpoints":{' + b",".join(parts) + b"}}"

    def _gather(self, ids: list[str], one: Any) -> dict[str, bytes]:
        """Run ``one`` for every id, ``endpoints_concurrency`` at a time, within the budget."""
        deadline = time.monotonic() + self._budget
        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="openrouter-endpoints")
        try:
            futures: dict[Future[bytes], str] = {pool.submit(one, i): i for i in ids}
            pending = set(futures)
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    waiting = sorted(futures[f] for f in pending)
                    raise TransientProviderError(
                        self.name,
                        f"endpoints_budget_seconds ({self._budget:g}) spent with "
                        f"{len(waiting)} of {len(ids)} models' endpoints not fetched, "
                        f"among them model {waiting[0]!r}",
                    )
                done, pending = wait(pending, timeout=left, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # the first failure fails the whole sync
            return {futures[f]: f.result() for f in futures}
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    # -- parse -------------------------------------------------------------------------

    def parse(self, raw: bytes) -> Catalog:
        """Validate a ``/api/v1/models`` body, or the combined document, into a catalog."""
        try:
            data = load_json(self.name, raw)
            endpoints: Mapping[str, Any] | None = None
            prefix = ""
            if isinstance(data, dict) and "endpoints" in data and "data" not in data:
                extra = sorted(set(data) - {"models", "endpoints"})
                if extra:
                    raise PayloadError(self.name, extra[0], "not permitted in the combined form")
                if "models" not in data:
                    raise PayloadError(self.name, "models", "is required")
                if not isinstance(data["endpoints"], dict):
                    raise PayloadError(self.name, "endpoints", "must be an object")
                endpoints, data, prefix = data["endpoints"], data["models"], "models."
            items = self._items(data, prefix)
            if endpoints is not None:
                known = {item.model_id for item in items}
                stray = sorted(set(endpoints) - known)
                if stray:
                    raise PayloadError(
                        self.name, f"endpoints.{stray[0]}", "no such model in the list"
                    )
            models = [item.model(endpoints) for item in items]
            return Catalog(self.name, tuple(models))
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _items(self, data: object, prefix: str) -> list[_Item]:
        if not isinstance(data, dict):
            raise PayloadError(self.name, prefix.rstrip("."), "must be an object")
        listed = data.get("data")
        if "data" not in data:
            raise PayloadError(self.name, f"{prefix}data", "is required")
        if not isinstance(listed, list):
            raise PayloadError(self.name, f"{prefix}data", "must be a list")
        items = []
        for index, entry in enumerate(listed):
            path = f"{prefix}data[{index}]"
            if not isinstance(entry, dict):
                raise PayloadError(self.name, path, "must be an object")
            ident = entry.get("id")
            if not isinstance(ident, str) or not ident.strip():
                reason = "is required" if ident is None else "must be a non-empty string"
                raise PayloadError(self.name, f"{path}.id", reason)
            items.append(_Item(self.name, ident.strip(), entry, path))
        require_unique(self.name, [i.model_id for i in items], f"{prefix}data", field="id")
        return items


class _Item:
    """One entry of ``data``, with its path, becoming a ``Model``."""

    def __init__(self, provider: str, model_id: str, entry: dict[str, Any], path: str) -> None:
        self.provider = provider
        self.model_id = model_id
        self.entry = entry
        self.path = path
        self.pricing = PricingReader(provider, model_id)

    def error(self, path: str, message: str) -> PayloadError:
        return PayloadError(self.provider, path, message, model_id=self.model_id)

    def model(self, endpoints: Mapping[str, Any] | None) -> Model:
        entry, path = self.entry, self.path
        text = {}
        for column in ("name", "description"):
            value = entry.get(column)
            if value is not None and not isinstance(value, str):
                raise self.error(f"{path}.{column}", "must be a string")
            text[column] = value
        prices, facts = self.pricing.prices(entry.get("pricing"), f"{path}.pricing")
        attributes = {k: v for k, v in entry.items() if k not in _COLUMNS}
        if facts:
            attributes["pricing"] = facts
        inputs, outputs = self._modalities(attributes)
        if endpoints is not None:
            if _PROVIDER_ENDPOINTS in attributes:
                raise self.error(
                    f"{path}.{_PROVIDER_ENDPOINTS}", "clashes with the attribute of that name"
                )
            if self.model_id not in endpoints:
                raise self.error(f"endpoints.{self.model_id}", "is required for every model")
            upstream, listed = self._endpoints(endpoints[self.model_id])
            prices += upstream
            attributes[_PROVIDER_ENDPOINTS] = listed
        try:
            return Model(
                model_id=self.model_id,
                name=text["name"],
                description=text["description"],
                inputs=inputs,
                output_formats=outputs,
                prices=prices,
                attributes=attributes,
            )
        except ValueError as exc:
            raise self.error(path, str(exc)) from None

    def _modalities(self, attributes: dict[str, Any]) -> tuple[list[ModelInput], set[Format]]:
        architecture = attributes.get("architecture")
        if architecture is None:
            return [], set()
        where = f"{self.path}.architecture"
        if not isinstance(architecture, dict):
            raise self.error(where, "must be an object")
        found = {}
        for field in ("input_modalities", "output_modalities"):
            names = architecture.get(field) or []
            if not isinstance(names, list):
                raise self.error(f"{where}.{field}", "must be a list")
            formats = set()
            for index, name in enumerate(names):
                if not isinstance(name, str) or not name.strip():
                    raise self.error(f"{where}.{field}[{index}]", "must be a non-empty string")
                kind, label = MODALITIES.get(name.strip().lower(), ("other", name))
                formats.add(Format.of(kind, label))
            found[field] = formats
        rest = {k: v for k, v in architecture.items() if k not in found}
        attributes["architecture"] = rest
        inputs = found["input_modalities"]
        return ([ModelInput("prompt", formats=inputs)] if inputs else []), found[
            "output_modalities"
        ]

    def _endpoints(self, body: object) -> tuple[list[Price], list[dict[str, Any]]]:
        where = f"endpoints.{self.model_id}"
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise self.error(f"{where}.data", "must be an object")
        listed = data.get("endpoints")
        if not isinstance(listed, list):
            raise self.error(f"{where}.data.endpoints", "must be a list")
        prices: list[Price] = []
        kept: list[dict[str, Any]] = []
        variants = []
        for index, endpoint in enumerate(listed):
            path = f"{where}.data.endpoints[{index}]"
            if not isinstance(endpoint, dict):
                raise self.error(path, "must be an object")
            variant = endpoint.get("tag") or endpoint.get("provider_name")
            if not isinstance(variant, str) or not variant.strip():
                raise self.error(f"{path}.tag", "a tag or provider_name is required")
            variants.append(variant.strip())
            found, facts = self.pricing.prices(
                endpoint.get("pricing"), f"{path}.pricing", variant.strip()
            )
            prices += found
            fields = {k: v for k, v in endpoint.items() if k != "pricing" and not _volatile(k)}
            if facts:
                fields["pricing"] = facts
            kept.append(fields)
        require_unique(
            self.provider,
            variants,
            f"{where}.data.endpoints",
            field="tag",
            what="endpoint",
            model_id=self.model_id,
        )
        return prices, kept
