"""Property-based tests of the OpenRouter adapter (hypothesis), like ``test_properties.py``'s.

Any valid ``/api/v1/models`` payload round-trips: ids, every price (scaled exactly from its
decimal string, ``"-1"`` variable), override tiers, modalities and unknown fields. Any
mangled payload gives the project's payload error, never another exception.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from catalogsync.codec import normalize_json
from catalogsync.config import ProviderSettings
from catalogsync.providers.openrouter import OpenRouterProvider
from catalogsync.providers.openrouter_pricing import PRICE_KEYS, TOKENS
from tests.providers.test_properties import (
    SETTINGS,
    _parses_or_fails_cleanly,
    _raw,
    extras,
    ids,
    mangled,
)

slugs = st.builds(lambda a, b, s: f"{a}/{b}{s}", ids, ids, st.sampled_from(["", ":free", ":beta"]))
# Decimal strings as OpenRouter writes them: many decimals, "0", and "-1" for variable.
amounts = st.decimals(
    min_value=0, max_value=100, allow_nan=False, allow_infinity=False, places=12
).map(lambda d: format(d, "f")) | st.sampled_from(["0", "-1", "0.000000002"])
modalities = st.lists(st.sampled_from(["text", "image", "audio", "video", "file"]), unique=True)


def _provider() -> OpenRouterProvider:
    return OpenRouterProvider(ProviderSettings(name="openrouter", base_url="https://example.test"))


@st.composite
def pricings(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(sorted(PRICE_KEYS)), unique=True, max_size=6))
    pricing: dict[str, Any] = {"prompt": draw(amounts), "completion": draw(amounts)}
    pricing.update({key: draw(amounts) for key in keys})
    if draw(st.booleans()):
        pricing[draw(st.sampled_from(["x_new_price", "per_hour"]))] = draw(amounts)
    overrides = []
    for threshold in draw(st.lists(st.integers(0, 10**6), unique=True, max_size=2)):
        overrides.append({"min_prompt_tokens": threshold, "prompt": draw(amounts)})
    if overrides:
        pricing["overrides"] = overrides
    return pricing


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    data = []
    for model_id in draw(st.lists(slugs, max_size=5, unique=True)):
        item: dict[str, Any] = {
            "id": model_id,
            "name": draw(st.text(string.printable, max_size=10)),
            "context_length": draw(st.none() | st.integers(0, 10**7)),
            "architecture": {
                "input_modalities": draw(modalities),
                "output_modalities": draw(modalities),
                "tokenizer": "Other",
            },
            "pricing": draw(pricings()),
        }
        item.update(draw(extras))
        data.append(item)
    return {"data": data}


def _expected(amount: str, key: str) -> Decimal | None:
    number = Decimal(amount)
    if number < 0:
        return None
    unit = PRICE_KEYS.get(key, ("", ""))[1]
    return number * 10**6 if unit == TOKENS else number


@SETTINGS
@given(payloads())
def test_openrouter_valid_payloads_round_trip(payload):
    catalog = _provider().parse(_raw(payload))
    models = catalog.by_id()
    assert set(models) == {item["id"] for item in payload["data"]}
    for item in payload["data"]:
        model = models[item["id"]]
        prices = {(p.price_type, p.tier): p.amount for p in model.prices}
        expected = {}
        for key, value in item["pricing"].items():
            if key != "overrides":
                expected[(PRICE_KEYS.get(key, (key,))[0], "")] = _expected(value, key)
        for override in item["pricing"].get("overrides", []):
            tier = f"input_tokens>{override['min_prompt_tokens']}"
            expected[("input_tokens", tier)] = _expected(override["prompt"], "prompt")
        assert prices == expected
        assert {f.name for f in model.output_formats} == set(
            item["architecture"]["output_modalities"]
        )
        inputs = item["architecture"]["input_modalities"]
        assert {f.name for i in model.inputs for f in i.formats} == set(inputs)
        for key, value in item.items():
            if key.startswith("x_"):
                assert model.attributes[key] == normalize_json(value)


@SETTINGS
@given(mangled(payloads()))
def test_openrouter_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(_provider(), raw)


times = st.builds(lambda h, m: h * 100 + m, st.integers(0, 23), st.integers(0, 59))
DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@SETTINGS
@given(
    st.none() | st.integers(0, 10**7),
    st.none() | st.tuples(times, times),
    st.lists(st.sampled_from(DAY_NAMES), max_size=9),
    st.randoms(use_true_random=False),
)
def test_openrouter_override_tiers_are_canonical(threshold, window, days, rnd):
    override: dict[str, Any] = {"prompt": "0.000001"}
    if threshold is not None:
        override["min_prompt_tokens"] = threshold
    if window is not None:
        override["utc_start"], override["utc_end"] = window
    if days:
        shuffled = [d.upper() if rnd.random() < 0.5 else d for d in days]
        rnd.shuffle(shuffled)
        override["utc_days"] = shuffled
    payload = {"data": [{"id": "a/m", "pricing": {"prompt": "0", "overrides": [override]}}]}
    (model,) = _provider().parse(_raw(payload)).models
    tiers = {p.tier for p in model.prices} - {""}
    parts = []
    if threshold is not None:
        parts.append(f"input_tokens>{threshold}")
    if window is not None or days:
        start, end = window or (0, 2400)
        text = f"utc {start // 100:02d}:{start % 100:02d}-{end // 100:02d}:{end % 100:02d}"
        if days:
            text += " on " + ",".join(d for d in DAY_NAMES if d in days)
        parts.append(text)
    assert tiers == ({" and ".join(parts)} if parts else set())
