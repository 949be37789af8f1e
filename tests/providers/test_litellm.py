"""litellm adapter: where it reads the price file from, and how every price key name parses."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Format, Price
from catalogsync.errors import ConfigError, PayloadError, PermanentProviderError
from catalogsync.providers.base import needs_key
from catalogsync.providers.litellm import FILE_PATH, LiteLLMProvider
from catalogsync.providers.litellm_prices import PriceName, price_name, scaled

NAME = "litellm"
TOKENS = "USD/1M tokens"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
T200K = "input_tokens>200000"

# Every price point of ``every/cost-key`` in every_cost_key.json:
# (price_type, variant, tier, service_tier, unit, amount).
EVERY_COST_KEY = [
    ("cache_read_audio_tokens", "", "", "", TOKENS, "1"),
    ("cache_read_tokens", "", "", "", TOKENS, "0.3"),
    ("cache_read_tokens", "", "", "flex", TOKENS, "0.15"),
    ("cache_read_tokens", "", "", "priority", TOKENS, "0.5"),
    ("cache_read_tokens", "", T200K, "", TOKENS, "0.6"),
    ("cache_write_1h_tokens", "", "", "", TOKENS, "6"),
    ("cache_write_audio_tokens", "", "", "", TOKENS, "2"),
    ("cache_write_tokens", "", "", "", TOKENS, "3.75"),
    ("cache_write_tokens", "", T200K, "", TOKENS, "7.5"),
    ("citation_cost_per_token", "", "", "", "USD/unit", "0.000002"),
    ("input_audio_per_second", "", "", "", "USD/second", "0.00003125"),
    ("input_audio_tokens", "", "", "", TOKENS, "40"),
    ("input_character", "", "", "", "USD/character", "0.0000003125"),
    ("input_character", "", "input_tokens>128000", "", "USD/character", "0.000000625"),
    ("input_cost_per_token_cache_hit", "", "", "", "USD/unit", "0.00000007"),
    ("input_dbu_cost_per_token", "", "", "", "USD/unit", "0.000007143"),
    ("input_image", "", "", "", "USD/image", "0.00032875"),
    ("input_image_tokens", "", "", "", TOKENS, "10"),
    ("input_per_second", "", "", "", "USD/second", "0.0001"),
    ("input_pixel", "", "", "", "USD/pixel", "0.000000045"),
    ("input_query", "", "", "", "USD/query", "0.002"),
    ("input_tokens", "", "", "", TOKENS, "3"),
    ("input_tokens", "", "", "batch", TOKENS, "1.5"),
    ("input_tokens", "", "", "flex", TOKENS, "1.5"),
    ("input_tokens", "", "", "priority", TOKENS, "6"),
    ("input_tokens", "", "input_tokens>128000", "", TOKENS, "4"),
    ("input_tokens", "", T200K, "", TOKENS, "6"),
    ("input_tokens", "", T200K, "priority", TOKENS, "12"),
    ("input_tokens", "", "input_tokens>272000", "", TOKENS, "8"),
    ("input_video_per_second", "", "", "", "USD/second", "0.00032875"),
    ("output_audio_tokens", "", "", "", TOKENS, "80"),
    ("output_character", "", "", "", "USD/character", "0.00000125"),
    # Reads as output_tokens too, which output_cost_per_token already is: kept as published.
    ("output_cost_per_1k_tokens", "", "", "", "USD/unit", "0.015"),
    ("output_image", "", "", "", "USD/image", "0.04"),
    ("output_image_tokens", "", "", "", TOKENS, "40"),
    ("output_per_second", "", "", "", "USD/second", "0.5"),
    ("output_pixel", "", "", "", "USD/pixel", "0"),
    ("output_tokens", "", "", "", TOKENS, "15"),
    ("output_tokens", "", "", "batch", TOKENS, "7.5"),
    ("output_tokens", "", "", "flex", TOKENS, "7.5"),
    ("output_tokens", "", "", "priority", TOKENS, "30"),
    ("output_tokens", "", T200K, "", TOKENS, "22.5"),
    ("output_video_per_second", "", "", "", "USD/second", "0.1"),
    ("reasoning_tokens", "", "", "", TOKENS, "10"),
    ("request", "", "", "", "USD/request", "0.005"),
    ("web_search", "high", "", "", "USD/query", "0.05"),
    ("web_search", "low", "", "", "USD/query", "0.03"),
    ("web_search", "medium", "", "", "USD/query", "0.035"),
]


def expected_prices(rows: Sequence[tuple[str, ...]]) -> tuple[Price, ...]:
    return tuple(
        Price(t, v, unit, Decimal(a), tier=tier, service_tier=st, currency="USD")
        for t, v, tier, st, unit, a in rows
    )


@pytest.fixture
def provider(make_settings):
    return LiteLLMProvider(make_settings(NAME, base_url="https://raw.githubusercontent.com"))


@pytest.fixture
def parse_fixture(provider, fixture_bytes):
    return lambda name: provider.parse(fixture_bytes(NAME, name))


def _serving(body: bytes, seen: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    return handler


def test_needs_no_key():
    assert needs_key(LiteLLMProvider) is False


def test_fetch_gets_the_raw_file_without_sending_a_key(make_settings, mock_client):
    seen: list[httpx.Request] = []
    settings = make_settings(NAME, base_url="https://raw.githubusercontent.com")
    raw = LiteLLMProvider(settings).fetch(mock_client(settings, _serving(b"{}", seen)))
    assert raw == b"{}"
    assert [str(r.url) for r in seen] == [DEFAULT_URL]
    assert "authorization" not in seen[0].headers
    assert all(settings.api_key.reveal() not in value for value in seen[0].headers.values())


def test_a_base_url_serves_the_same_path(make_settings, mock_client):
    seen: list[httpx.Request] = []
    settings = make_settings(NAME, base_url="http://127.0.0.1:9/")
    LiteLLMProvider(settings).fetch(mock_client(settings, _serving(b"{}", seen)))
    assert seen[0].url.path == FILE_PATH


def test_the_url_option_names_the_whole_url(make_settings, mock_client):
    seen: list[httpx.Request] = []
    url = "https://mirror.example.test/litellm/prices.json"
    settings = make_settings(NAME, url=url)
    LiteLLMProvider(settings).fetch(mock_client(settings, _serving(b"{}", seen)))
    assert [str(r.url) for r in seen] == [url]


def test_the_path_option_reads_a_local_file_without_any_request(
    make_settings, mock_client, tmp_path, fixture_bytes
):
    local = tmp_path / "prices.json"
    local.write_bytes(fixture_bytes(NAME, "docs_example.json"))
    seen: list[httpx.Request] = []
    settings = make_settings(NAME, path=str(local))
    provider = LiteLLMProvider(settings)
    raw = provider.fetch(mock_client(settings, _serving(b"{}", seen)))
    assert raw == local.read_bytes()
    assert seen == []
    assert len(provider.parse(raw).models) == 14


def test_an_unreadable_path_is_a_provider_error(make_settings, tmp_path):
    provider = LiteLLMProvider(make_settings(NAME, path=str(tmp_path / "missing.json")))
    with pytest.raises(PermanentProviderError, match=r"litellm: cannot read .*missing\.json"):
        provider.fetch(httpx.Client())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "https://a.test/x.json", "path": "x.json"}, "url or path, not both"),
        ({"url": "ftp://a.test/x.json"}, "url must be an http"),
        ({"url": 3}, "url must be an http"),
        ({"path": ""}, "path must be a file path"),
        ({"endpoints": True}, "endpoints: unknown key"),
    ],
)
def test_bad_options_are_config_errors(make_settings, options, message):
    with pytest.raises(ConfigError, match=message):
        LiteLLMProvider(make_settings(NAME, **options))


def test_every_cost_key_lands_with_its_type_tier_service_tier_unit_and_exact_amount(
    parse_fixture,
):
    models = parse_fixture("every_cost_key.json").by_id()
    assert set(models) == {"every/cost-key", "legacy/per-1k"}  # sample_spec, scalar skipped
    assert models["every/cost-key"].prices == expected_prices(EVERY_COST_KEY)
    assert models["legacy/per-1k"].prices == expected_prices(
        [("input_tokens", "", "", "", TOKENS, "1.5"), ("output_tokens", "", "", "", TOKENS, "2")]
    )


def test_every_other_field_is_an_attribute_and_modalities_are_formats(parse_fixture):
    model = parse_fixture("every_cost_key.json").by_id()["every/cost-key"]
    assert model.category == "chat"
    assert not any("cost" in name for name in model.attributes)
    assert model.attributes["litellm_provider"] == "example"
    assert model.attributes["max_input_tokens"] == 1000000
    assert model.attributes["deprecation_date"] == "2027-01-31"
    assert model.attributes["supports_vision"] is True
    assert model.attributes["supported_regions"] == ["global", "us-west-2"]
    assert model.attributes["supported_endpoints"] == ["/v1/batch", "/v1/chat/completions"]
    (prompt,) = model.inputs
    assert {f.label for f in prompt.formats} == {
        "text/text",
        "image/image",
        "audio/audio",
        "video/video",
        "other/pdf",
    }
    assert model.output_formats == {Format("text", "text"), Format("image", "image")}


def test_reordered_and_respelled_file_is_the_same_catalog(parse_fixture):
    first = parse_fixture("every_cost_key.json")
    second = parse_fixture("every_cost_key_reordered_and_respelled.json")
    assert first == second
    assert first.content_hash() == second.content_hash()


def test_null_prices_scalars_and_exact_digits(parse_fixture):
    models = parse_fixture("bad_and_odd_values.json").by_id()
    assert set(models) == {"odd/null-prices", "odd/no-mode", "huge/exact"}
    assert models["odd/null-prices"].prices == expected_prices(
        [
            ("output_tokens", "", "", "", TOKENS, "10"),
            ("web_search", "high", "", "", "USD/query", "0.05"),
        ]
    )
    assert models["odd/no-mode"].category is None
    assert models["odd/no-mode"].inputs == ()  # a modality list that is not a list
    exact = {p.price_type: str(p.amount) for p in models["huge/exact"].prices}
    assert exact == {
        "input_tokens": "1.00000000000000000000000000000015",
        "output_tokens": "123456789012345678901234567890500000",
    }


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("input_cost_per_token", PriceName("input_tokens", TOKENS, 6)),
        ("output_cost_per_token_batches", PriceName("output_tokens", TOKENS, 6, "", "batch")),
        ("input_cost_per_token_above_128k_tokens", PriceName("input_tokens", TOKENS, 6, "input_tokens>128000")),
        ("input_cost_per_token_above_1m_tokens", PriceName("input_tokens", TOKENS, 6, "input_tokens>1000000")),
        ("input_cost_per_token_priority_above_200k_tokens", PriceName("input_tokens", TOKENS, 6, T200K, "priority")),
        ("cache_creation_input_token_cost_above_1hr", PriceName("cache_write_1h_tokens", TOKENS, 6)),
        ("cache_creation_input_token_cost_above_1hr_above_200k_tokens", PriceName("cache_write_1h_tokens", TOKENS, 6, T200K)),
        ("input_cost_per_1k_tokens", PriceName("input_tokens", TOKENS, 3)),
        ("output_cost_per_second", PriceName("output_per_second", "USD/second", 0)),
        ("search_context_cost_per_query", PriceName("web_search", "USD/query", 0)),
        ("input_cost_per_token_cache_hit", PriceName("input_cost_per_token_cache_hit", "USD/unit", 0)),
        ("code_interpreter_cost_per_session", PriceName("code_interpreter_cost_per_session", "USD/unit", 0)),
        ("_batches", PriceName("_batches", "USD/unit", 0)),
        ("cost", PriceName("cost", "USD/unit", 0)),
    ],
)  # fmt: skip
def test_price_names(key, expected):
    assert price_name(key) == expected


@pytest.mark.parametrize(
    ("amount", "shift", "expected"),
    [
        ("2.5e-06", 6, "2.5"),
        ("1e-05", 6, "10"),
        ("0.0", 6, "0"),
        ("1.00000000000000000000000000000015e-06", 6, "1.00000000000000000000000000000015"),
        ("0.015", 3, "15"),
        ("7", 0, "7"),
    ],
)
def test_scaling_is_exact(amount, shift, expected):
    assert scaled(Decimal(amount), shift) == Decimal(expected)
    assert str(scaled(Decimal(amount), shift).normalize()) == str(Decimal(expected).normalize())


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b"[]", "", "must be an object of models by name"),
        (b'{"m": {"input_cost_per_token": "0.1"}}', "m.input_cost_per_token", "a number"),
        (b'{"m": {"input_cost_per_token": true}}', "m.input_cost_per_token", "a number"),
        (b'{"m": {"input_cost_per_token": [1]}}', "m.input_cost_per_token", "a number"),
        (b'{"m": {"input_cost_per_token": -1e-06}}', "m.input_cost_per_token", ">= 0"),
        (
            b'{"m": {"search_context_cost_per_query": {"search_context_size_low": "x"}}}',
            "m.search_context_cost_per_query.search_context_size_low",
            "must be a number",
        ),
        (b'{"m": {"input_cost_per_token": 1e999}}', "m.input_cost_per_token", "out of range"),
        (b'{" ": {"input_cost_per_token": 1}}', " ", "must not be empty"),
        (b'{"m": {"a": 1, "a": 2}}', "m.a", "duplicate key"),
    ],
)
def test_bad_prices_fail_the_file_with_their_path(provider, body, path, message):
    with pytest.raises(PayloadError) as caught:
        provider.parse(body)
    assert caught.value.path == path
    assert message in caught.value.reason
    assert str(caught.value).startswith("litellm: invalid payload")
