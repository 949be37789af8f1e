"""The bundled sample payloads: served offline for the adapters' own requests, and valid."""

from __future__ import annotations

import httpx
import pytest

from catalogsync.codec import loads_exact
from catalogsync.http import build_client
from catalogsync.providers.akool import AkoolProvider
from catalogsync.providers.audioshake import AudioShakeProvider
from catalogsync.providers.auriko import AurikoProvider
from catalogsync.providers.litellm import LiteLLMProvider
from catalogsync.providers.modelsdev import ModelsDevProvider
from catalogsync.providers.openai_compatible import OpenAICompatibleProvider
from catalogsync.providers.openrouter import OpenRouterProvider
from catalogsync.samples import SAMPLE_OPENAI_COMPATIBLE_URL, sample_files, sample_transport

ADAPTERS = [
    AudioShakeProvider,
    AkoolProvider,
    AurikoProvider,
    LiteLLMProvider,
    OpenRouterProvider,
]  # modelsdev and openai_compatible: below


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
@pytest.mark.parametrize("base_url", ["https://example.test", "default"])
def test_fetch_then_parse_gives_a_priced_catalog(make_settings, adapter, base_url):
    url = adapter.default_base_url if base_url == "default" else base_url
    settings = make_settings(adapter.name, api_key=None, base_url=url)
    provider = adapter(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))

    assert catalog.provider == adapter.name
    assert len(catalog.models) >= 8
    assert all(m.prices for m in catalog.models if m.access != "request_access")


def test_audioshake_sample_has_a_gated_model_without_price(make_settings):
    settings = make_settings("audioshake", api_key=None)
    provider = AudioShakeProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    gated = [m for m in catalog.models if m.access == "request_access"]
    assert len(gated) == 1
    assert gated[0].prices == ()


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ([1501], {"AkoolImage2VideoFastV1", "seedance-1-0-pro-250528", "MiniMax-Hailuo-02"}),
        ([2101], {"AkoolCharacterFaceswapV1"}),
        ([1502, 2101], {"seedance-1-0-pro-250528", "kling-v2-5-turbo", "AkoolCharacterFaceswapV1"}),
    ],
)
def test_akool_sample_is_filtered_by_the_requested_types(make_settings, types, expected):
    settings = make_settings("akool", api_key=None, types=types)
    provider = AkoolProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    assert expected <= set(catalog.by_id())
    for model in catalog.models:
        listed = model.attributes["types"]
        assert isinstance(listed, list)
        assert set(listed) <= set(types)


def test_akool_sample_merges_a_model_listed_under_two_types(make_settings):
    settings = make_settings("akool", api_key=None)
    provider = AkoolProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    assert catalog.by_id()["seedance-1-0-pro-250528"].attributes["types"] == [1501, 1502]


def test_litellm_sample_has_tiers_service_tiers_and_search_context_prices(make_settings):
    settings = make_settings("litellm", api_key=None)
    provider = LiteLLMProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    prices = [p for m in catalog.models for p in m.prices]
    assert {p.service_tier for p in prices} == {"", "batch", "flex", "priority"}
    assert {p.tier for p in prices} >= {"", "input_tokens>200000", "input_tokens>128000"}
    assert {p.variant for p in prices if p.price_type == "web_search"} == {"low", "medium", "high"}
    assert "sample_spec" not in catalog.by_id()


def test_auriko_sample_has_a_responses_only_model(make_settings):
    settings = make_settings("auriko", api_key=None)
    provider = AurikoProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    assert catalog.by_id()["gpt-5.5-pro"].attributes["listed_in"] == ["responses"]
    assert catalog.upstream_version is not None


def test_openrouter_sample_has_tiers_windows_and_a_variable_router(make_settings):
    settings = make_settings("openrouter", api_key=None)
    provider = OpenRouterProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    tiers = {p.tier for m in catalog.models for p in m.prices}
    assert {"input_tokens>200000", "utc 16:30-00:30"} <= tiers
    assert all(p.is_variable for p in catalog.by_id()["openrouter/auto"].prices)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "https://example.test/unknown"),
        ("POST", "https://example.test/models"),
        ("GET", "https://example.test/v1/models?endpoint=embeddings"),
    ],
)
def test_other_requests_are_not_found(method, url):
    with httpx.Client(transport=sample_transport()) as client:
        response = client.request(method, url)
    assert response.status_code == 404
    assert response.json()["error"] == "not found"


def test_akool_without_types_is_refused():
    with httpx.Client(transport=sample_transport()) as client:
        response = client.get("https://example.test/api/open/v4/aigModel/list")
    assert response.status_code == 400


def test_sample_files_exist_and_are_json():
    files = sample_files()
    assert set(files) == {
        "audioshake",
        "akool",
        "auriko",
        "litellm",
        "openrouter",
        "modelsdev",
        "openai_compatible",
    }
    for paths in files.values():
        for path in paths:
            assert loads_exact(path.read_bytes())


def test_openai_compatible_sample_is_served_on_its_sample_host(make_settings):
    settings = make_settings("openai_compatible", base_url=SAMPLE_OPENAI_COMPATIBLE_URL)
    provider = OpenAICompatibleProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    assert len(catalog.models) >= 8
    assert sum(bool(m.prices) for m in catalog.models) >= 4  # both pricing shapes
    assert any(not m.prices for m in catalog.models)  # and unpriced models


def test_modelsdev_sample_has_tiers_and_an_unpriced_model(make_settings):
    settings = make_settings("modelsdev", api_key=None)
    provider = ModelsDevProvider(settings)
    with build_client(settings, transport=sample_transport()) as client:
        catalog = provider.parse(provider.fetch(client))
    tiers = {p.tier for m in catalog.models for p in m.prices}
    assert tiers == {"", "input_tokens>200000"}
    assert catalog.by_id()["ollama-cloud/gpt-oss:120b"].prices == ()
