"""Property-based tests of the litellm adapter (hypothesis), as ``test_properties.py`` does
for the others: any valid file round-trips (every model, every price exact, every other
field an attribute), and any mangled one parses or fails with the project's payload error.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from catalogsync.codec import normalize_json
from catalogsync.config import ProviderSettings
from catalogsync.providers.litellm import LiteLLMProvider
from catalogsync.providers.litellm_prices import price_name, scaled
from tests.providers.test_properties import (
    SETTINGS,
    _parses_or_fails_cleanly,
    _raw,
    amounts,
    extras,
    mangled,
)

ids = st.text(alphabet=string.ascii_letters + string.digits + "_-./:", min_size=1, max_size=16)
price_keys = st.sampled_from(
    [
        "input_cost_per_token",
        "output_cost_per_token",
        "cache_read_input_token_cost",
        "cache_creation_input_token_cost",
        "cache_creation_input_token_cost_above_1hr",
        "input_cost_per_token_above_200k_tokens",
        "output_cost_per_token_above_128k_tokens",
        "input_cost_per_token_batches",
        "output_cost_per_token_flex",
        "input_cost_per_token_priority",
        "input_cost_per_token_above_200k_tokens_priority",
        "output_cost_per_reasoning_token",
        "input_cost_per_audio_token",
        "input_cost_per_second",
        "output_cost_per_image",
        "input_cost_per_pixel",
        "input_cost_per_character",
        "input_cost_per_query",
        "input_cost_per_1k_tokens",
        "input_dbu_cost_per_token",
        "some_new_cost_per_thing",
    ]
)


@st.composite
def litellm_files(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {"sample_spec": {"input_cost_per_token": "prose"}}
    if draw(st.booleans()):
        document["last_updated"] = "2026-11-01"
    for model_id in draw(
        st.lists(ids.filter(lambda i: i != "sample_spec"), max_size=5, unique=True)
    ):
        entry: dict[str, Any] = draw(st.dictionaries(price_keys, amounts, max_size=5))
        entry["litellm_provider"] = draw(st.sampled_from(["openai", "anthropic", "vertex_ai"]))
        if draw(st.booleans()):
            entry["mode"] = draw(st.sampled_from(["chat", "embedding", "rerank"]))
        if draw(st.booleans()):
            entry["search_context_cost_per_query"] = {
                f"search_context_size_{size}": draw(amounts) for size in ("low", "medium", "high")
            }
        entry.update(draw(extras))
        document[model_id] = entry
    return document


def _provider() -> LiteLLMProvider:
    return LiteLLMProvider(ProviderSettings(name="litellm", base_url="https://example.test"))


@SETTINGS
@given(litellm_files())
def test_litellm_valid_files_round_trip(document):
    catalog = _provider().parse(_raw(document))
    models = catalog.by_id()
    assert set(models) == set(document) - {"sample_spec", "last_updated"}
    for model_id, model in models.items():
        entry = document[model_id]
        prices = {(p.price_type, p.variant, p.tier, p.service_tier): p.amount for p in model.prices}
        for key, value in entry.items():
            if "cost" not in key:
                assert model.attributes[key] == normalize_json(value)
                continue
            name = price_name(key)
            members = value.items() if isinstance(value, dict) else [("", value)]
            for member, amount in members:
                variant = member.removeprefix("search_context_size_")
                found = prices.get((name.price_type, variant, name.tier, name.service_tier))
                if key == "input_cost_per_1k_tokens" and "input_cost_per_token" in entry:
                    found = prices[(key, "", "", "")]  # a clash: kept under its own name
                    assert found == Decimal(amount)
                else:
                    assert found == scaled(Decimal(amount), name.shift)
        assert not any("cost" in name for name in model.attributes)


@SETTINGS
@given(mangled(litellm_files()))
def test_litellm_mangled_files_fail_cleanly(raw):
    _parses_or_fails_cleanly(_provider(), raw)
