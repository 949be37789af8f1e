"""Auriko adapter: the LLMs callable through Auriko, with each upstream provider's price.

Source: "List callable models", https://docs.auriko.ai/api-reference/list-callable-models
(``GET /v1/models``, header ``Authorization: Bearer ak_...``; the page names no host, so
the base URL is configurable and may already end in ``/v1``). Quirks:

- The default list holds the models callable via Chat Completions; ``?endpoint=responses``
  adds those only callable via the Responses API (e.g. ``gpt-5.5-pro``). ``fetch`` gets
  both and wraps the two bodies, byte for byte, into one document
  ``{"endpoints": {"chat_completions": ..., "responses": ...}}``; ``parse`` also takes a
  single plain response saved by hand (counted as ``chat_completions``). Models are
  merged by id (the chat_completions listing wins) and attribute ``listed_in`` names the
  lists each appeared in.
- One model has several upstream ``providers``, each with its own ``input_price`` and
  ``output_price`` (USD per 1M tokens) and ``data_policy``: one price per provider.
- ``catalog_version`` is Auriko's own catalog version (the catalog's upstream version);
  ``catalog_age_seconds`` changes on every call, so it is validated but never stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import PayloadError
from catalogsync.providers.base import (
    load_json,
    reject_unknown_options,
    require_unique,
)

if TYPE_CHECKING:
    import httpx

    from catalogsync.providers.auriko_schema import Item

PRICE_UNIT = "USD/1M tokens"
CURRENCY = "USD"
CHAT, RESPONSES = "chat_completions", "responses"


# Item fields that become columns (or prices), and the OpenAI type tag, always "model".
_MAPPED = {"id", "object", "providers"}
_LISTED_IN = "listed_in"


class AurikoProvider:
    """Adapter for Auriko's ``GET /v1/models`` (both the default and the responses list)."""

    name: ClassVar[str] = "auriko"
    config_options: ClassVar[frozenset[str]] = frozenset()
    default_base_url: ClassVar[str] = "https://api.auriko.ai"

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(settings.name, settings.options, self.config_options)
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch both lists and combine the bodies verbatim into one JSON document."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        key = self._settings.api_key
        headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else {}
        base = self._settings.base_url.rstrip("/")
        url = (base if base.endswith("/v1") else base + "/v1") + "/models"
        chat = get_bytes(client, self.name, url, headers=headers)
        responses = get_bytes(
            client, self.name, url, headers=headers, params=[("endpoint", RESPONSES)]
        )
        return b'{"endpoints":{"chat_completions":' + chat + b',"responses":' + responses + b"}}"

    def parse(self, raw: bytes) -> Catalog:
        """Validate a combined document, or one plain ``/v1/models`` response, into a catalog."""
        from catalogsync.providers.auriko_schema import Combined, ModelList
        from catalogsync.providers.validation import validate

        try:
            data = load_json(self.name, raw)
            if isinstance(data, dict) and "endpoints" in data:
                endpoints = validate(self.name, Combined, data).endpoints
                lists = [
                    (CHAT, "endpoints.chat_completions.", endpoints.chat_completions),
                    (RESPONSES, "endpoints.responses.", endpoints.responses),
                ]
            else:
                lists = [(CHAT, "", validate(self.name, ModelList, data))]
            merged: dict[str, tuple[Item, str]] = {}
            listed_in: dict[str, set[str]] = {}
            for list_name, prefix, model_list in lists:
                items = model_list.data
                require_unique(self.name, [item.id for item in items], f"{prefix}data", field="id")
                for index, item in enumerate(items):
                    self._check_item(item, f"{prefix}data[{index}]")
                    merged.setdefault(item.id, (item, f"{prefix}data[{index}]"))
                    listed_in.setdefault(item.id, set()).add(list_name)
            models = [
                self._model(item, path, sorted(listed_in[model_id]))
                for model_id, (item, path) in merged.items()
            ]
            version = next(
                (m.catalog_version for _, _, m in lists if m.catalog_version is not None), None
            )
            return Catalog(self.name, tuple(models), upstream_version=version)
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _check_item(self, item: Item, path: str) -> None:
        if _LISTED_IN in item.extras():
            raise PayloadError(
                self.name,
                f"{path}.{_LISTED_IN}",
                "unknown field clashes with the attribute of the same name",
                model_id=item.id,
            )
        require_unique(
            self.name,
            [entry.name for entry in item.providers],
            f"{path}.providers",
            field="name",
            what="provider",
            model_id=item.id,
        )

    def _model(self, item: Item, path: str, listed_in: list[str]) -> Model:
        attributes = item.model_dump(exclude_unset=True, exclude=_MAPPED)
        attributes["providers"] = [
            entry.model_dump(exclude_unset=True, exclude={"input_price", "output_price"})
            for entry in item.providers
        ]
        attributes[_LISTED_IN] = listed_in
        try:
            prices = [
                Price(price_type, entry.name, PRICE_UNIT, amount, currency=CURRENCY)
                for entry in item.providers
                for price_type, amount in (
                    ("input_tokens", entry.input_price),
                    ("output_tokens", entry.output_price),
                )
                if amount is not None
            ]
            return Model(
                model_id=item.id, name=item.id, prices=tuple(prices), attributes=attributes
            )
        except ValueError as exc:
            raise PayloadError(self.name, path, str(exc), model_id=item.id) from None
