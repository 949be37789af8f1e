"""OpenAI-compatible ``/v1/models``: MockTransport, each pricing shape, and the CLI on both databases."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.config import ProviderSettings
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.openai_compatible import OpenAICompatibleProvider
from tests.api_keys import KEYS
from tests.helpers import cli, rows, use_local_server

T = "USD/1M tokens"
FIX = "openai_compatible"


def _parse(raw: bytes):
    return OpenAICompatibleProvider(ProviderSettings("openai_compatible", "")).parse(raw)


@pytest.mark.parametrize(
    "base", ["https://api.groq.example/openai", "https://api.groq.example/openai/v1/"]
)
def test_fetch_sends_the_key_as_a_bearer_token(make_settings, mock_client, fixture_bytes, base):
    seen: list[httpx.Request] = []
    body = fixture_bytes("openai_compatible", "envelope_groq_like.json")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings("openai_compatible", base_url=base.rstrip("/"))
    provider = OpenAICompatibleProvider(settings)
    catalog = provider.parse(provider.fetch(mock_client(settings, handler)))
    (request,) = seen
    assert str(request.url) == "https://api.groq.example/openai/v1/models"
    assert request.headers["authorization"].startswith("Bearer adapter_test_")
    assert len(catalog.models) == 8


def test_fetch_without_a_base_url_is_a_config_error(make_settings, mock_client):
    settings = make_settings("openai_compatible", base_url="")
    provider = OpenAICompatibleProvider(settings)
    with pytest.raises(ConfigError, match=r"\[providers.openai_compatible\] needs base_url"):
        provider.fetch(mock_client(settings, lambda r: httpx.Response(500)))
    assert OpenAICompatibleProvider.default_base_url == ""


def test_envelope_keeps_every_field_and_both_shapes(fixture_bytes):
    models = _parse(fixture_bytes("openai_compatible", "envelope_groq_like.json")).by_id()
    plain = models["llama-3.3-70b-versatile"]
    assert plain.prices == ()
    assert plain.attributes == {
        "created": 1733447754,
        "owned_by": "Meta",
        "active": True,
        "context_window": 131072,
        "public_apps": None,
        "max_completion_tokens": 32768,
    }
    assert {(p.price_type, p.unit, p.amount) for p in models["openai/gpt-oss-20b"].prices} == {
        ("input_tokens", T, Decimal("0.075")),
        ("output_tokens", T, Decimal("0.3")),
        ("cache_read_tokens", T, Decimal("0.0375")),
    }
    assert "pricing" not in models["openai/gpt-oss-20b"].attributes


def test_bare_list_per_million_pricing(fixture_bytes):
    models = _parse(fixture_bytes("openai_compatible", "bare_list_together_like.json")).by_id()
    llama = models["meta-llama/Llama-3.3-70B-Instruct-Turbo"]
    assert {(p.price_type, p.unit, p.amount, p.currency) for p in llama.prices} == {
        ("input_tokens", T, Decimal("0.88"), "USD"),
        ("output_tokens", T, Decimal("0.88"), "USD"),
        ("per_hour", "USD/hour", 0, "USD"),
        ("base", "USD", 0, "USD"),
        ("finetune", "USD", 0, "USD"),
    }
    assert llama.attributes["config"] == {"chat_template": None, "stop": ["<|eot_id|>"]}
    assert llama.attributes["type"] == "chat"


def test_per_token_pricing_every_key_scaled_exactly_and_variable(fixture_bytes):
    models = _parse(fixture_bytes("openai_compatible", "per_token_pricing.json")).by_id()
    every = {(p.price_type, p.unit, p.amount) for p in models["every/price"].prices}
    assert every == {
        ("input_tokens", T, Decimal("0.100000000000000015")),
        ("output_tokens", T, Decimal("0.6")),
        ("cache_read_tokens", T, Decimal("0.03")),
        ("cache_write_tokens", T, Decimal("0.375")),
        ("reasoning_tokens", T, Decimal("0.6")),
        ("request", "USD/request", Decimal("0.001")),
        ("input_image", "USD/image", Decimal("0.002")),
        ("web_search", "USD/request", Decimal("0.004")),
        ("audio_second", "USD", Decimal("0.0001")),
    }
    router = models["router/auto"]
    assert {(p.price_type, p.amount, p.is_variable) for p in router.prices} == {
        ("input_tokens", None, True),
        ("output_tokens", None, True),
    }


def test_a_list_without_prices_is_tracked(fixture_bytes):
    catalog = _parse(fixture_bytes("openai_compatible", "no_prices_ollama_like.json"))
    assert sorted(catalog.by_id()) == ["llama3.2:3b", "qwen2.5:7b"]
    assert all(m.prices == () for m in catalog.models)
    assert catalog.by_id()["llama3.2:3b"].attributes["max_model_len"] == 131072


def test_an_unknown_pricing_shape_stays_an_attribute():
    raw = json.dumps([{"id": "m", "pricing": {"per_hour_gpu": 2}}]).encode()
    (model,) = _parse(raw).models
    assert model.prices == ()
    assert model.attributes["pricing"] == {"per_hour_gpu": 2}


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("x", "must be a list"),
        ({"object": "list"}, "data: is required"),
        ([1], "[0]: must be an object"),
        ([{"id": ""}], "[0].id: must be a non-empty string"),
        ([{"id": "a"}, {"id": "a"}], "[1].id: duplicate id 'a'"),
        ([{"id": "a", "owned_by": 3}], "[0].owned_by: must be a string"),
        ([{"id": "a", "pricing": {"prompt": None, "completion": "NaN"}}], "must be a number >= 0"),
        ([{"id": "a", "pricing": {"input": "1"}}], "[0].pricing.input: must be a number"),
        ([{"id": "a", "pricing": {"cached_input": 1, "cache_read": 1, "input": 1}}], "duplicate"),
    ],
)
def test_bad_payloads_name_the_path(document, fragment):
    with pytest.raises(PayloadError) as caught:
        _parse(json.dumps(document).encode())
    assert fragment in str(caught.value)


def test_sync_and_import_through_the_cli(
    database_url, provider_server, monkeypatch, tmp_path, fixture_bytes
):
    use_local_server(monkeypatch, provider_server, database_url)
    provider_server.set_raw("openai_compatible", fixture_bytes(FIX, "per_token_pricing.json"))
    code, out = cli("sync", "openai_compatible", "--format", "json")
    assert code == 0, out
    (outcome,) = json.loads(out)
    assert (outcome["status"], outcome["model_count"]) == ("succeeded", 2)
    (request,) = provider_server.requests
    assert request.path == "/openai-compatible/v1/models"
    assert request.headers["Authorization"] == f"Bearer {KEYS['OPENAI_COMPATIBLE_API_KEY']}"
    assert _stored(database_url) == {
        ("every/price", "input_tokens", T, Decimal("0.100000000000000015")),
        ("every/price", "output_tokens", T, Decimal("0.6")),
        ("every/price", "cache_read_tokens", T, Decimal("0.03")),
        ("every/price", "cache_write_tokens", T, Decimal("0.375")),
        ("every/price", "reasoning_tokens", T, Decimal("0.6")),
        ("every/price", "request", "USD/request", Decimal("0.001")),
        ("every/price", "input_image", "USD/image", Decimal("0.002")),
        ("every/price", "web_search", "USD/request", Decimal("0.004")),
        ("every/price", "audio_second", "USD", Decimal("0.0001")),
        ("router/auto", "input_tokens", T, None),
        ("router/auto", "output_tokens", T, None),
    }

    # A saved bare list (Together's shape), imported.
    path = tmp_path / "models.json"
    path.write_bytes(fixture_bytes(FIX, "bare_list_together_like.json"))
    code, out = cli("import", "openai_compatible", str(path), "--allow-mass-removal")
    assert code == 0, out
    stored = _stored(database_url)
    assert ("BAAI/bge-large-en-v1.5", "input_tokens", T, Decimal("0.02")) in stored
    assert ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "per_hour", "USD/hour", 0) in stored
    assert len(stored) == 10


def _stored(database_url: str) -> set[tuple[object, ...]]:
    from catalogsync.db.session import make_engine

    engine = make_engine(database_url)
    try:
        found = rows(
            engine,
            "SELECT model_id, price_type, unit, amount, tier, service_tier, region, currency "
            "FROM current_prices",
        )
    finally:
        engine.dispose()
    assert {r[4:] for r in found} <= {("", "", "", "USD")}
    return {(*r[:3], None if r[3] is None else Decimal(str(r[3]))) for r in found}


def test_without_a_base_url_it_is_no_provider_and_a_section_needs_one(tmp_path):
    from catalogsync.config import load_settings
    from catalogsync.providers import default_base_urls

    assert "openai_compatible" not in load_settings(None, {}, default_base_urls()).providers
    env = {"CATALOGSYNC_OPENAI_COMPATIBLE_BASE_URL": "https://api.groq.example/openai/"}
    on = load_settings(None, env, default_base_urls()).providers["openai_compatible"]
    assert (on.enabled, on.base_url) == (True, "https://api.groq.example/openai")
    config = tmp_path / "c.toml"
    config.write_text('[providers.groq]\nadapter = "openai_compatible"\n')
    with pytest.raises(ConfigError, match="no default base URL"):
        load_settings(config, {}, default_base_urls())
    config.write_text(
        '[providers.groq]\nadapter = "openai_compatible"\nbase_url = "https://api.groq.example"\n'
        "requires_key = false\n"
    )
    groq = load_settings(config, {}, default_base_urls()).providers["groq"]
    assert (groq.adapter, groq.options) == ("openai_compatible", {"requires_key": False})


def test_an_api_without_auth_can_say_it_needs_no_key(make_settings):
    from catalogsync.providers.base import needs_key

    assert needs_key(OpenAICompatibleProvider(make_settings(FIX)))
    local = OpenAICompatibleProvider(make_settings(FIX, api_key=None, requires_key=False))
    assert not needs_key(local)
    with pytest.raises(ConfigError, match="requires_key must be true or false"):
        OpenAICompatibleProvider(make_settings(FIX, requires_key="no"))
    with pytest.raises(ConfigError, match="pricing: unknown key"):
        OpenAICompatibleProvider(make_settings(FIX, pricing="auto"))
