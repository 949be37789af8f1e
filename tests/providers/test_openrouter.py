"""OpenRouter adapter: requests it sends, and how ``/api/v1/models`` payloads parse."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Format, ModelInput, Price
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.base import needs_key
from catalogsync.providers.openrouter import OpenRouterProvider
from tests.api_keys import ADAPTER_KEY

NAME = "openrouter"
TOKENS = "USD/1M tokens"
WINDOW = "utc 10:00-01:00"


def _price(price_type, amount, unit=TOKENS, *, tier="", variant=""):
    value = None if amount is None else Decimal(amount)
    return Price(price_type, variant, unit, value, tier=tier, currency="USD")


EVERY_KEY_PRICES = {
    _price("input_tokens", "2.5"),
    _price("output_tokens", "10"),
    _price("cache_read_tokens", "1.25"),
    _price("cache_write_tokens", "3.125"),
    _price("cache_write_1h_tokens", "5"),
    _price("reasoning_tokens", "10"),
    _price("input_audio_tokens", "40"),
    _price("output_audio_tokens", "80"),
    _price("input_audio_cache_tokens", "0.002"),
    _price("input_image_tokens", "2.5"),
    _price("request", "0.0005", "USD/request"),
    _price("input_image", "0.003613", "USD/image"),
    _price("output_image", "0.04", "USD/image"),
    _price("web_search", "0.01", "USD/request"),
    _price("input_tokens", "5", tier="input_tokens>200000"),
    _price("output_tokens", "20", tier="input_tokens>200000"),
    _price("input_tokens", "1.25", tier=f"{WINDOW} on mon,sat"),
    _price("cache_read_tokens", "2.5", tier=f"input_tokens>200000 and {WINDOW}"),
}


@pytest.fixture
def provider(make_settings):
    return OpenRouterProvider(make_settings(NAME))


@pytest.fixture
def parse_fixture(provider, fixture_bytes):
    return lambda name: provider.parse(fixture_bytes(NAME, name))


def _raw(document: object) -> bytes:
    return json.dumps(document).encode()


def _model(ident: str = "a/m", **fields: object) -> dict[str, object]:
    return {"id": ident, **fields}


def _priced(**pricing: object) -> bytes:
    return _raw({"data": [_model(pricing=pricing)]})


def test_needs_no_key(make_settings):
    assert OpenRouterProvider.requires_key is False
    assert not needs_key(OpenRouterProvider(make_settings(NAME, api_key=None)))


@pytest.mark.parametrize("api_key", [ADAPTER_KEY, None])
def test_fetch_gets_the_list_with_a_key_only_when_set(
    make_settings, mock_client, fixture_bytes, api_key
):
    body = fixture_bytes(NAME, "catalog.json")
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings(NAME, api_key=api_key, base_url="https://example.test/")
    raw = OpenRouterProvider(settings).fetch(mock_client(settings, handler))

    assert raw == body
    assert [(r.method, str(r.url)) for r in requests] == [
        ("GET", "https://example.test/api/v1/models")
    ]
    if api_key is None:
        assert "authorization" not in requests[0].headers
    else:
        assert requests[0].headers["authorization"] == f"Bearer {ADAPTER_KEY}"


@pytest.mark.parametrize(
    "options",
    [
        {"endpoint": True},
        {"endpoints": "yes"},
        {"endpoints_concurrency": 0},
        {"endpoints_concurrency": True},
        {"endpoints_budget_seconds": 0},
        {"endpoints_budget_seconds": "5"},
    ],
)
def test_bad_options_are_a_config_error(make_settings, options):
    with pytest.raises(ConfigError, match=r"providers\.openrouter"):
        OpenRouterProvider(make_settings(NAME, **options))


def test_every_pricing_key_is_a_price_point(parse_fixture):
    (model,) = parse_fixture("every_pricing_key.json").models
    assert set(model.prices) == EVERY_KEY_PRICES
    assert len(model.prices) == len(EVERY_KEY_PRICES)
    assert model.attributes["pricing"] == {"discount": 0}


def test_modalities_are_formats_and_the_rest_attributes(parse_fixture):
    (model,) = parse_fixture("every_pricing_key.json").models
    assert model.name == "OpenAI: GPT-4o Audio"
    assert model.description == "Every pricing key OpenRouter documents."
    assert model.inputs == (
        ModelInput(
            "prompt",
            formats={
                Format("text", "text"),
                Format("image", "image"),
                Format("audio", "audio"),
                Format("video", "video"),
                Format("other", "file"),
            },
        ),
    )
    assert model.output_formats == {
        Format("text", "text"),
        Format("audio", "audio"),
        Format("image", "image"),
    }
    assert model.attributes["architecture"] == {
        "modality": "text+image+audio+video+file->text+audio+image",
        "tokenizer": "GPT",
        "instruct_type": None,
    }
    for field in (
        "context_length",
        "top_provider",
        "supported_parameters",
        "expiration_date",
        "created",
        "canonical_slug",
        "per_request_limits",
        "knowledge_cutoff",
        "hugging_face_id",
        "default_parameters",
        "links",
    ):
        assert field in model.attributes, field
    assert not {"id", "name", "description"} & set(model.attributes)


def test_docs_example_tiers(parse_fixture):
    (model,) = parse_fixture("docs_example.json").models
    assert set(model.prices) == {
        _price("input_tokens", "0.03"),
        _price("output_tokens", "0.13"),
        _price("cache_read_tokens", "0.006"),
        _price("cache_write_tokens", "0.038"),
        _price("input_tokens", "0.1", tier="input_tokens>32000"),
        _price("output_tokens", "0.4", tier="input_tokens>32000"),
        _price("input_tokens", "0.2", tier="input_tokens>256000"),
        _price("output_tokens", "0.8", tier="input_tokens>256000"),
    }


def test_routers_free_variants_and_sparse_models(parse_fixture):
    models = parse_fixture("catalog.json").by_id()
    router = models["openrouter/auto"]
    assert {(p.price_type, p.amount, p.is_variable) for p in router.prices} == {
        ("input_tokens", None, True),
        ("output_tokens", None, True),
    }
    free = models["meta-llama/llama-3.3-70b-instruct:free"]
    assert len(free.prices) == 6
    assert all(p.amount == 0 for p in free.prices)
    sparse = models["acme/sparse"]
    assert sparse.name is None
    assert set(sparse.prices) == {
        _price("input_tokens", "0.002"),
        _price("batch_discount_token", "0.0000001", "USD/unit"),
    }
    assert sparse.attributes["pricing"] == {"future_flag": {"x": 1}}
    assert sparse.attributes["brand_new_field"] == [1, 2, 3]


def test_same_content_same_hash(parse_fixture):
    first = parse_fixture("catalog.json")
    assert parse_fixture("catalog_reordered_and_respelled.json") == first
    assert parse_fixture("catalog_reordered_and_respelled.json").content_hash() == (
        first.content_hash()
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.000000002", "0.002"),
        ("0.00000100000000000000015", "1.00000000000000015"),
        (
            "0.0000000000000000000000000012345678901234567890123456789",
            "0.0000000000000000000012345678901234567890123456789",
        ),
        ("0", "0"),
        ("0.0", "0"),
        ("1e-7", "0.1"),
        (3, "3000000"),
        ("-1", None),
        ("-0.5", None),
    ],
)
def test_token_amounts_are_scaled_exactly(provider, value, expected):
    (model,) = provider.parse(_priced(prompt=value)).models
    (price,) = model.prices
    assert price.unit == TOKENS
    if expected is None:
        assert price.amount is None
    else:
        assert price.amount == Decimal(expected)


@pytest.mark.parametrize(
    ("override", "tier"),
    [
        ({"min_prompt_tokens": 0}, "input_tokens>0"),
        ({"utc_start": 0, "utc_end": 2400}, "utc 00:00-24:00"),
        ({"utc_start": "0930", "utc_end": 1730}, "utc 09:30-17:30"),
        ({"utc_days": ["sunday", "Fri", "fri"]}, "utc 00:00-24:00 on fri,sun"),
        ({"utc_days": []}, ""),
        (
            {"utc_days": ["Tue"], "utc_end": 100, "min_prompt_tokens": 128000, "utc_start": 2200},
            "input_tokens>128000 and utc 22:00-01:00 on tue",
        ),
    ],
)
def test_override_tiers(provider, override, tier):
    (model,) = provider.parse(
        _priced(prompt="0.000001", overrides=[override | {"prompt": "0.000002"}])
    ).models
    assert {(p.tier, p.amount) for p in model.prices} == (
        {(tier, Decimal(2))} if tier == "" else {("", Decimal(1)), (tier, Decimal(2))}
    )


def test_later_override_wins_per_key(provider):
    raw = _priced(
        prompt="0.000001",
        completion="0.000002",
        overrides=[
            {"min_prompt_tokens": 10, "prompt": "0.000003", "completion": "0.000004"},
            {"min_prompt_tokens": 10, "prompt": "0.000005"},
        ],
    )
    (model,) = provider.parse(raw).models
    assert {(p.price_type, p.tier, p.amount) for p in model.prices} == {
        ("input_tokens", "", Decimal(1)),
        ("output_tokens", "", Decimal(2)),
        ("input_tokens", "input_tokens>10", Decimal(5)),
        ("output_tokens", "input_tokens>10", Decimal(4)),
    }


def test_null_and_missing_fields(provider):
    raw = _raw({"data": [_model(), _model("b/m", pricing=None, architecture=None, name=None)]})
    models = provider.parse(raw).by_id()
    assert models["a/m"].prices == models["b/m"].prices == ()
    assert models["a/m"].inputs == ()


def test_other_top_level_keys_are_not_content(provider):
    plain = provider.parse(_raw({"data": [_model()]}))
    assert provider.parse(_raw({"data": [_model()], "generated": 1, "meta": {}})) == plain


BAD_PAYLOADS = [
    pytest.param(b"not json", "", "not JSON", id="not-json"),
    pytest.param(b"[" * 100_000, "", "nested too deeply", id="deep-nesting"),
    pytest.param(b"[]", "", "must be an object", id="list-envelope"),
    pytest.param(_raw({"models": []}), "data", "is required", id="no-data"),
    pytest.param(_raw({"data": {}}), "data", "must be a list", id="data-object"),
    pytest.param(_raw({"data": [1]}), "data[0]", "must be an object", id="item-number"),
    pytest.param(_raw({"data": [{"name": "x"}]}), "data[0].id", "is required", id="no-id"),
    pytest.param(_raw({"data": [_model(" ")]}), "data[0].id", "non-empty", id="blank-id"),
    pytest.param(
        _raw({"data": [_model("a"), _model("a")]}),
        "data[1].id",
        "duplicate id 'a' (first at data[0])",
        id="duplicate-id",
    ),
    pytest.param(_priced(prompt="free"), "data[0].pricing.prompt", "decimal", id="word-price"),
    pytest.param(_priced(prompt=True), "data[0].pricing.prompt", "decimal", id="bool-price"),
    pytest.param(_priced(image=[1]), "data[0].pricing.image", "decimal", id="list-price"),
    pytest.param(_priced(prompt="1e5000"), "data[0].pricing.prompt", "out of range", id="huge"),
    pytest.param(_priced(x_new="-1e999"), "data[0].pricing.x_new", "out of range", id="huge-new"),
    pytest.param(
        _raw({"data": [_model(pricing="0.1")]}), "data[0].pricing", "object", id="pricing-str"
    ),
    pytest.param(_priced(overrides={}), "data[0].pricing.overrides", "list", id="overrides-obj"),
    pytest.param(
        _priced(overrides=[{"min_prompt_tokens": "10", "prompt": "1"}]),
        "data[0].pricing.overrides[0].min_prompt_tokens",
        "whole number",
        id="threshold-string",
    ),
    pytest.param(
        _priced(overrides=[{"utc_start": 1000, "prompt": "1"}]),
        "data[0].pricing.overrides[0].utc_end",
        "is required",
        id="half-window",
    ),
    pytest.param(
        _priced(overrides=[{"utc_start": 1075, "utc_end": 1100}]),
        "data[0].pricing.overrides[0].utc_start",
        "not a time",
        id="bad-minutes",
    ),
    pytest.param(
        _priced(overrides=[{"utc_days": ["someday"]}]),
        "data[0].pricing.overrides[0].utc_days[0]",
        "not a day",
        id="bad-day",
    ),
    pytest.param(
        _priced(overrides=[{"prompt": "0.1x"}]),
        "data[0].pricing.overrides[0].prompt",
        "decimal",
        id="override-bad-price",
    ),
    pytest.param(
        _raw({"data": [_model(architecture={"input_modalities": "text"})]}),
        "data[0].architecture.input_modalities",
        "must be a list",
        id="modalities-str",
    ),
    pytest.param(_raw({"data": [_model(name=3)]}), "data[0].name", "string", id="name-number"),
    pytest.param(
        _raw({"models": {"data": []}, "endpoints": {"x/y": {}}}),
        "endpoints.x/y",
        "no such model",
        id="combined-stray",
    ),
    pytest.param(
        _raw({"models": {"data": [_model()]}, "endpoints": {}}),
        "endpoints.a/m",
        "is required",
        id="combined-missing-model",
    ),
    pytest.param(
        _raw({"models": {"data": [_model()]}, "endpoints": {"a/m": {"error": "x"}}}),
        "endpoints.a/m.data",
        "must be an object",
        id="combined-error-body",
    ),
    pytest.param(
        _raw(
            {
                "models": {"data": [_model()]},
                "endpoints": {"a/m": {"data": {"endpoints": [{"tag": "x"}, {"tag": "x"}]}}},
            }
        ),
        "endpoints.a/m.data.endpoints[1].tag",
        "duplicate endpoint 'x'",
        id="combined-duplicate-endpoint",
    ),
    pytest.param(
        _raw({"models": {"data": []}, "endpoints": {}, "x": 1}),
        "x",
        "not permitted",
        id="combined-unknown-key",
    ),
]


@pytest.mark.parametrize(("raw", "path", "reason"), BAD_PAYLOADS)
def test_bad_payloads(provider, raw, path, reason):
    with pytest.raises(PayloadError) as caught:
        provider.parse(raw)
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert str(caught.value).startswith("openrouter: invalid payload")


def test_payload_error_names_the_model(provider):
    with pytest.raises(PayloadError) as caught:
        provider.parse(_raw({"data": [_model("ok"), _model("bad/one", pricing={"prompt": "?"})]}))
    assert caught.value.model_id == "bad/one"


def test_any_mutation_is_a_catalog_or_a_payload_error(provider, fixture_bytes, mutations):
    for name in ("every_pricing_key.json", "combined_with_endpoints.json"):
        for raw in mutations(fixture_bytes(NAME, name)):
            with contextlib.suppress(PayloadError):
                provider.parse(raw)
