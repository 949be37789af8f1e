"""models.dev: ``GET /api.json`` with MockTransport, every pricing key, and the CLI on both databases."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Format
from catalogsync.errors import PayloadError
from catalogsync.providers.modelsdev import ModelsDevProvider
from tests.api_keys import KEYS
from tests.helpers import cli, rows, use_local_server
from tests.provider_server import provider_fixture

T = "USD/1M tokens"
EVERY_PRICE = {
    ("input_tokens", "", "1.25"),
    ("output_tokens", "", "10"),
    ("reasoning_tokens", "", "12.5"),
    ("cache_read_tokens", "", "0.125"),
    ("cache_write_tokens", "", "1.5625"),
    ("input_audio_tokens", "", "3.000000000000000001"),
    ("output_audio_tokens", "", "12"),
    ("input_tokens", "input_tokens>128000", "2.5"),
    ("output_tokens", "input_tokens>128000", "20"),
    ("input_tokens", "input_tokens>272000", "5"),
    ("input_tokens", "input_tokens>200000", "4"),
    ("cache_read_tokens", "input_tokens>200000", "0.4"),
}


def _parse(raw: bytes):
    from catalogsync.config import ProviderSettings

    return ModelsDevProvider(ProviderSettings("modelsdev", "https://models.dev")).parse(raw)


def test_fetch_asks_for_api_json_without_a_key(make_settings, mock_client, fixture_bytes):
    seen: list[httpx.Request] = []
    body = fixture_bytes("modelsdev", "docs_example.json")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings("modelsdev", api_key=None, base_url="https://models.example")
    provider = ModelsDevProvider(settings)
    catalog = provider.parse(provider.fetch(mock_client(settings, handler)))
    (request,) = seen
    assert str(request.url) == "https://models.example/api.json"
    assert "authorization" not in request.headers
    assert ModelsDevProvider.requires_key is False
    assert "anthropic/claude-sonnet-4-5" in catalog.by_id()
    assert "ollama-cloud/gpt-oss:120b" in catalog.by_id()


def test_every_pricing_key_tier_and_quirk(fixture_bytes):
    catalog = _parse(fixture_bytes("modelsdev", "every_price_and_quirk.json"))
    models = catalog.by_id()
    every = models["acme/every-price"]
    assert {(p.price_type, p.tier, str(p.amount)) for p in every.prices} == EVERY_PRICE
    assert {(p.unit, p.currency, p.variant, p.service_tier, p.region) for p in every.prices} == {
        (T, "USD", "", "", "")
    }
    assert every.name == "Every Price"
    (given,) = every.inputs
    assert given.formats == {
        Format("text", "text"),
        Format("audio", "audio"),
        Format("image", "image"),
        Format("video", "video"),
        Format("other", "pdf"),
    }
    assert every.output_formats == {Format("text", "text"), Format("audio", "audio")}
    assert every.attributes["limit"] == {"context": 400000, "input": 272000, "output": 128000}
    assert every.attributes["status"] == "beta"
    assert every.attributes["provider_name"] == "Acme"
    assert every.attributes["provider_api"] == "https://api.acme.example/v1"
    assert every.attributes["provider_env"] == ["ACME_API_KEY"]
    assert "cost" not in every.attributes
    assert "modalities" not in every.attributes
    # Unpriced models are tracked, without prices.
    assert models["acme/unpriced"].prices == ()
    assert models["acme/null-cost"].prices == ()
    # A cost field nobody told us of is a price under its own name; a non-number is kept.
    new = models["acme/new-field"]
    assert {(p.price_type, p.unit, p.amount) for p in new.prices} == {
        ("input_tokens", T, Decimal("0.1")),
        ("output_tokens", T, Decimal("0.2")),
        ("video_input", T, Decimal("0.7")),
    }
    assert new.attributes["cost_extra"] == {"free_tier": {"requests_per_day": 50}}
    assert new.attributes["interleaved"] == {"field": "reasoning_content"}


def test_tiers_win_over_context_over_200k_for_the_same_threshold():
    raw = json.dumps(
        {
            "p": {
                "models": {
                    "m": {
                        "cost": {
                            "input": 1,
                            "tiers": [{"tier": {"type": "context", "size": 200000}, "input": 2}],
                            "context_over_200k": {"input": 3, "output": 4},
                        }
                    }
                }
            }
        }
    ).encode()
    (model,) = _parse(raw).models
    assert {(p.price_type, p.tier, p.amount) for p in model.prices} == {
        ("input_tokens", "", 1),
        ("input_tokens", "input_tokens>200000", 2),
        ("output_tokens", "input_tokens>200000", 4),
    }


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "must be an object of providers"),
        ({"p": {"name": "P"}}, "p.models: is required"),
        ({"p": {"models": []}}, "p.models: must be an object"),
        ({"p": {"models": {"m": []}}}, "(model 'p/m'): p.models.m: must be an object"),
        ({"p": {"models": {"m": {"cost": {"input": "1"}}}}}, "p.models.m.cost.input: must be a"),
        ({"p": {"models": {"m": {"cost": {"input": -1}}}}}, "cost.input: must be >= 0"),
        ({"p": {"models": {"m": {"cost": {"output": True}}}}}, "cost.output: must be a number"),
        ({"p": {"models": {"m": {"cost": {"tiers": {}}}}}}, "cost.tiers: must be a list"),
        ({"p": {"models": {"m": {"cost": {"tiers": [{"input": 1}]}}}}}, "tiers[0].tier: is req"),
        (
            {"p": {"models": {"m": {"cost": {"tiers": [{"tier": {"type": "context"}}]}}}}},
            "tiers[0].tier.size: must be a whole number",
        ),
        ({"p": {"models": {"m": {"modalities": {"input": "text"}}}}}, "modalities.input: must"),
        ({"p": {"models": {"m": {"name": 7}}}}, "p.models.m.name: must be a string"),
        ({"p": {"name": "P", "models": {"m": {"provider_name": "x"}}}}, "clashes"),
    ],
)
def test_bad_payloads_name_the_path(document, fragment):
    with pytest.raises(PayloadError) as caught:
        _parse(json.dumps(document).encode())
    assert fragment in str(caught.value)


def test_sync_and_import_through_the_cli_land_every_price(
    database_url, provider_server, monkeypatch, tmp_path, fixture_bytes
):
    use_local_server(monkeypatch, provider_server, database_url)
    every = fixture_bytes("modelsdev", "every_price_and_quirk.json")
    provider_server.set_raw("modelsdev", every)
    code, out = cli("sync", "modelsdev", "--format", "json")
    assert code == 0, out
    (outcome,) = json.loads(out)
    assert (outcome["status"], outcome["model_count"]) == ("succeeded", 4)
    assert [r.path for r in provider_server.requests] == ["/api.json"]
    stored = _stored_prices(database_url)
    assert {(r[0], r[1], str(Decimal(str(r[6])))) for r in stored} == EVERY_PRICE
    assert {r[2:6] for r in stored} == {("", "", T, "USD")}
    assert any(r[0] == "input_audio_tokens" and str(r[6]) == "3.000000000000000001" for r in stored)

    # The same bytes imported as a saved api.json are the same catalog: unchanged.
    path = tmp_path / "api.json"
    path.write_bytes(every)
    code, out = cli("import", "modelsdev", str(path), "--format", "json")
    assert code == 0, out
    assert _stored_prices(database_url) == stored
    path.write_bytes(fixture_bytes("modelsdev", "docs_example.json"))
    code, out = cli("import", "modelsdev", str(path), "--allow-mass-removal")
    assert code == 0, out
    assert _stored_prices(database_url) == []


def _stored_prices(database_url: str) -> list[tuple[object, ...]]:
    from catalogsync.db.session import make_engine

    engine = make_engine(database_url)
    try:
        return rows(
            engine,
            "SELECT price_type, tier, service_tier, region, unit, currency, amount "
            "FROM current_prices WHERE model_id = 'acme/every-price' ORDER BY 1, 2",
        )
    finally:
        engine.dispose()


def test_unknown_non_numeric_cost_fields_are_kept_wherever_they_are():
    raw = json.dumps(
        {"p": {"models": {"m": {"cost": {
            "input": 1,
            "note": "promo",
            "tiers": [{"tier": {"type": "requests", "size": 10}, "input": 2, "label": "bulk"}],
            "context_over_200k": {"input": 3, "source": {"url": "x"}},
        }}}}}
    ).encode()  # fmt: skip
    (model,) = _parse(raw).models
    assert {(p.price_type, p.tier, p.amount) for p in model.prices} == {
        ("input_tokens", "", 1),
        ("input_tokens", "requests>10", 2),
        ("input_tokens", "input_tokens>200000", 3),
    }
    assert model.attributes["cost_extra"] == {
        "note": "promo",
        "tiers[0].label": "bulk",
        "context_over_200k.source": {"url": "x"},
    }


def test_a_public_catalog_syncs_without_any_key(database_url, provider_server, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    for env in KEYS:
        monkeypatch.delenv(env)
    fixture = provider_fixture("modelsdev")
    assert fixture is not None
    provider_server.set_json("modelsdev", fixture["catalog"]["modelsdev"])
    # The providers that need a key, and models.dev (the other public catalogs aside).
    code, out = cli("sync", "akool", "audioshake", "auriko", "modelsdev", "--format", "json")
    assert code == 0, out
    outcomes = {o["provider"]: o["status"] for o in json.loads(out)}
    assert outcomes.pop("modelsdev") == "succeeded"
    assert set(outcomes.values()) == {"skipped"}  # every provider that needs a key
    assert [r.path for r in provider_server.requests] == ["/api.json"]


def test_a_month_later_a_model_left_one_came_and_a_price_has_many_decimals(fixture_bytes):
    before = _parse(fixture_bytes("modelsdev", "docs_example.json")).by_id()
    after = _parse(
        fixture_bytes("modelsdev", "next_month_model_replaced_and_repriced.json")
    ).by_id()
    assert set(before) - set(after) == {"openai/o3"}
    assert set(after) - set(before) == {"openai/gpt-5"}
    prices = {(p.price_type, p.tier): p.amount for p in after["deepseek/deepseek-chat"].prices}
    assert str(prices["input_tokens", ""]) == "0.27999999999999999999"
    assert after["openai/gpt-5"].attributes["interleaved"] is True
