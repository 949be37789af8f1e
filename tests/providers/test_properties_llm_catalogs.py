"""Property-based tests of the models.dev and OpenAI-compatible adapters (hypothesis).

As in ``test_properties.py``: any valid payload round-trips (ids, exact prices with their
tiers, formats, unknown fields), and any mangled payload gives the payload error, never
another exception.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from catalogsync.codec import normalize_json
from catalogsync.config import ProviderSettings
from catalogsync.providers.modelsdev import COST_TYPES, ModelsDevProvider
from catalogsync.providers.openai_compatible import OpenAICompatibleProvider
from tests.providers.test_properties import (
    SETTINGS,
    _parses_or_fails_cleanly,
    _raw,
    amounts,
    extras,
    ids,
    mangled,
    text,
)

MODALITIES = st.lists(st.sampled_from(["text", "audio", "image", "video", "pdf"]), unique=True)
KINDS = {"text": "text", "audio": "audio", "image": "image", "video": "video", "pdf": "other"}


def _modelsdev() -> ModelsDevProvider:
    return ModelsDevProvider(ProviderSettings("modelsdev", "https://example.test"))


def _openai() -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(ProviderSettings("openai_compatible", "https://example.test"))


@st.composite
def modelsdev_payloads(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for provider_id in draw(st.lists(ids, max_size=3, unique=True)):
        models: dict[str, Any] = {}
        for model_id in draw(st.lists(ids, max_size=4, unique=True)):
            model: dict[str, Any] = {"id": model_id, "name": draw(st.text(text, max_size=8))}
            if draw(st.booleans()):
                fields = draw(st.lists(st.sampled_from(sorted(COST_TYPES)), unique=True))
                model["cost"] = {f: draw(amounts) for f in fields}
                sizes = draw(st.lists(st.integers(1, 10**7), max_size=2, unique=True))
                if sizes:
                    model["cost"]["tiers"] = [
                        {
                            "tier": {"type": "context", "size": size},
                            **{f: draw(amounts) for f in fields},
                        }
                        for size in sizes
                    ]
            model["modalities"] = {"input": draw(MODALITIES), "output": draw(MODALITIES)}
            model.update(draw(extras))
            models[model_id] = model
        document[provider_id] = {"id": provider_id, "name": provider_id, "models": models}
    return document


@SETTINGS
@given(modelsdev_payloads())
def test_modelsdev_valid_payloads_round_trip(payload):
    catalog = _modelsdev().parse(_raw(payload))
    expected = {f"{p}/{m}": (p, m) for p, entry in payload.items() for m in entry["models"]}
    assert set(catalog.by_id()) == set(expected)
    for model in catalog.models:
        provider_id, model_id = expected[model.model_id]
        source = payload[provider_id]["models"][model_id]
        cost = source.get("cost", {})
        prices = {(COST_TYPES[f], ""): Decimal(v) for f, v in cost.items() if f != "tiers"}
        for tier in cost.get("tiers", []):
            condition = f"input_tokens>{tier['tier']['size']}"
            prices.update(
                {(COST_TYPES[f], condition): Decimal(v) for f, v in tier.items() if f != "tier"}
            )
        assert {(p.price_type, p.tier): p.amount for p in model.prices} == prices
        assert {f.kind for f in model.output_formats} == {
            KINDS[m] for m in source["modalities"]["output"]
        }
        for key, value in source.items():
            if key.startswith("x_"):
                assert model.attributes[key] == normalize_json(value)


@st.composite
def openai_payloads(draw: st.DrawFn) -> Any:
    items = []
    for model_id in draw(st.lists(ids, max_size=5, unique=True)):
        item: dict[str, Any] = {
            "id": model_id,
            "object": "model",
            "created": draw(st.integers(0, 2**40)),
        }
        shape = draw(st.sampled_from(["none", "per_token", "per_million"]))
        if shape == "per_token":
            item["pricing"] = {"prompt": str(draw(amounts)), "completion": str(draw(amounts))}
        elif shape == "per_million":
            item["pricing"] = {"input": draw(amounts), "output": draw(amounts)}
        item.update(draw(extras))
        items.append(item)
    return items if draw(st.booleans()) else {"object": "list", "data": items}


@SETTINGS
@given(openai_payloads())
def test_openai_compatible_valid_payloads_round_trip(payload):
    catalog = _openai().parse(_raw(payload))
    items = payload if isinstance(payload, list) else payload["data"]
    assert [m.model_id for m in catalog.models] == sorted(i["id"] for i in items)
    for item in items:
        model = catalog.by_id()[item["id"]]
        pricing = item.get("pricing", {})
        scale = Decimal(10**6) if "prompt" in pricing else 1
        expected = {
            {"prompt": "input_tokens", "completion": "output_tokens"}.get(
                k, f"{k}_tokens"
            ): Decimal(v) * scale
            for k, v in pricing.items()
        }
        assert {p.price_type: p.amount for p in model.prices} == expected
        assert model.attributes["created"] == item["created"]
        for key, value in item.items():
            if key.startswith("x_"):
                assert model.attributes[key] == normalize_json(value)


@SETTINGS
@given(mangled(modelsdev_payloads()))
def test_modelsdev_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(_modelsdev(), raw)


@SETTINGS
@given(mangled(openai_payloads()))
def test_openai_compatible_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(_openai(), raw)
