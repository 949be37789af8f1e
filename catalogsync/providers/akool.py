"""Akool adapter: the video generation models (image to video, text to video, face swap).

Source: "AI Model", https://docs.akool.com/ai-tools-suite/aimodel
(``GET https://openapi.akool.com/api/open/v4/aigModel/list?types[]=1501&types[]=1502``,
header ``x-api-key``). Quirks:

- HTTP 200 does not mean success: a ``code`` other than 1000 is an error that ``msg``
  explains, raised as ``PermanentProviderError``.
- ``types[]`` is a required, repeated query parameter (option ``types``, default 1501
  image to video, 1502 text to video, 2101 character face swap). The same model (same
  ``value``) may be listed under several types: it is one model whose attribute
  ``types`` lists them all; the first listing wins for everything else, and prices are
  the union over the listings. Where the listings price one resolution differently
  (say 5 credits for 720p as image to video, 6 as text to video), every price is
  kept, each under the variant ``RESOLUTION@TYPE`` (``720p@1501``, ``720p@1502``);
  equal prices are one price under the plain ``RESOLUTION``.
- Prices sit on each resolution as ``unit_credit`` (the page's attribute table forgets
  it, its example shows it): one ``unit`` price in credits per resolution.
- ``provider`` is the upstream vendor (akool, seedance, minimax, vidu...), kept as an
  attribute; ``generate_audio`` may be null, and null is kept.
- The payload names no file formats, so inputs carry none; they are derived from the
  type's documented meaning only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from catalogsync.catalog import Catalog, Model, ModelInput, Price
from catalogsync.config import ProviderSettings
from catalogsync.errors import ConfigError, PayloadError, PermanentProviderError
from catalogsync.providers.base import (
    load_json,
    option_list,
    reject_unknown_options,
    require_unique,
)

if TYPE_CHECKING:
    import httpx

    from catalogsync.providers.akool_schema import Item

DEFAULT_TYPES = (1501, 1502, 2101)
SUCCESS_CODE = 1000

# What the page says each type means; an unknown type derives no input.
_INPUT_BY_TYPE = {
    1501: ModelInput("image", description="Image to animate (image to video)"),
    1502: ModelInput("prompt", description="Text description of the video (text to video)"),
    2101: ModelInput("video", description="Character video to face-swap (character faceswap)"),
}
_DERIVED = ("types", "resolutions")


# Fields that become columns of the canonical model (or prices) rather than attributes.
_MAPPED = {"group", "label", "description", "type", "value", "resolution_list"}


class AkoolProvider:
    """Adapter for Akool's ``GET /api/open/v4/aigModel/list``."""

    name: ClassVar[str] = "akool"
    config_options: ClassVar[frozenset[str]] = frozenset({"types"})
    default_base_url: ClassVar[str] = "https://openapi.akool.com"

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(settings.name, settings.options, self.config_options)
        self._types: list[int] = []
        for value in option_list(settings.name, settings.options, "types", DEFAULT_TYPES):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"[providers.{settings.name}] types must be whole numbers")
            if value not in self._types:
                self._types.append(value)
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch the models of every configured type in one request."""
        from catalogsync.http import get_bytes  # the HTTP stack loads only to fetch

        key = self._settings.api_key
        headers = {"x-api-key": key.reveal()} if key is not None else {}
        url = self._settings.base_url.rstrip("/") + "/api/open/v4/aigModel/list"
        params = [("types[]", t) for t in self._types]
        return get_bytes(client, self.name, url, headers=headers, params=params)

    def parse(self, raw: bytes) -> Catalog:
        """Validate an ``aigModel/list`` response into a catalog."""
        from catalogsync.providers.akool_schema import Envelope, Status
        from catalogsync.providers.validation import validate

        try:
            data = load_json(self.name, raw)
            status = validate(self.name, Status, data)
            if status.code != SUCCESS_CODE:
                raise PermanentProviderError(
                    self.name, f"API error code {status.code}: {status.msg}"
                )
            items = validate(self.name, Envelope, data).data
            listings: dict[str, list[int]] = {}
            seen: dict[tuple[str, int], int] = {}
            for index, item in enumerate(items):
                first = seen.setdefault((item.value, item.type), index)
                if first != index:
                    raise PayloadError(
                        self.name,
                        f"data[{index}].value",
                        f"duplicate id {item.value!r} for type {item.type} "
                        f"(first at data[{first}])",
                        model_id=item.value,
                    )
                listings.setdefault(item.value, []).append(index)
            models = [self._model(items, indexes) for indexes in listings.values()]
            return Catalog(self.name, tuple(models))
        except RecursionError:
            raise PayloadError(self.name, "", "nested too deeply") from None

    def _model(self, items: list[Item], indexes: list[int]) -> Model:
        """One model from all its listings (``items[i]`` for ``i`` in ``indexes``)."""
        first = items[indexes[0]]
        path = f"data[{indexes[0]}]"
        clash = sorted(set(_DERIVED) & set(first.extras()))
        if clash:
            raise PayloadError(
                self.name,
                f"{path}.{clash[0]}",
                "unknown field clashes with the attribute of the same name",
                model_id=first.value,
            )
        resolutions: dict[str, dict[str, Any]] = {}
        prices: dict[str, dict[int, Decimal]] = {}  # resolution -> type -> credits
        for index in indexes:
            resolution_list = items[index].resolution_list
            require_unique(
                self.name,
                [r.value for r in resolution_list],
                f"data[{index}].resolutionList",
                field="value",
                what="resolution",
                model_id=first.value,
            )
            for resolution in resolution_list:
                resolutions.setdefault(
                    resolution.value,
                    resolution.model_dump(exclude_unset=True, exclude={"unit_credit"}),
                )
                if resolution.unit_credit is not None:
                    by_type = prices.setdefault(resolution.value, {})
                    by_type[items[index].type] = resolution.unit_credit
        types = sorted({items[i].type for i in indexes})
        attributes = first.model_dump(by_alias=True, exclude_unset=True, exclude=_MAPPED)
        attributes.update(types=types, resolutions=list(resolutions.values()))
        try:
            return Model(
                model_id=first.value,
                name=first.label,
                category=first.group,
                description=first.description,
                inputs=tuple(_INPUT_BY_TYPE[t] for t in types if t in _INPUT_BY_TYPE),
                prices=tuple(_prices(prices)),
                attributes=attributes,
            )
        except ValueError as exc:
            raise PayloadError(self.name, path, str(exc), model_id=first.value) from None


def _prices(by_resolution: dict[str, dict[int, Decimal]]) -> list[Price]:
    """One ``unit`` price per resolution; where a model's listings under several types
    price one resolution differently, one per type, its variant ``RESOLUTION@TYPE``."""
    found = []
    for resolution, by_type in by_resolution.items():
        if len(set(by_type.values())) == 1:
            found.append(Price("unit", resolution, "credits", next(iter(by_type.values()))))
        else:
            found += [
                Price("unit", f"{resolution}@{kind}", "credits", amount)
                for kind, amount in sorted(by_type.items())
            ]
    return found
