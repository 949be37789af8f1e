"""OpenRouter adapter with ``endpoints = true``: each model's endpoints, fetched and parsed."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import httpx
import pytest

from catalogsync.errors import PayloadError, ProviderError
from catalogsync.providers.openrouter import OpenRouterProvider

NAME = "openrouter"


@pytest.fixture
def parse_fixture(make_settings, fixture_bytes):
    provider = OpenRouterProvider(make_settings(NAME))
    return lambda name: provider.parse(fixture_bytes(NAME, name))


def test_combined_form_prices_per_upstream_provider(parse_fixture):
    models = parse_fixture("combined_with_endpoints.json").by_id()
    qwen = models["qwen/qwen3.7-flash"]
    upstream = {(p.variant, p.price_type, p.tier, p.amount) for p in qwen.prices if p.variant}
    assert upstream == {
        ("alibaba", "input_tokens", "", Decimal("0.03")),
        ("alibaba", "output_tokens", "", Decimal("0.13")),
        ("alibaba", "input_tokens", "input_tokens>32000", Decimal("0.1")),
        ("deepinfra/fp8", "input_tokens", "", Decimal("0.04")),
        ("deepinfra/fp8", "output_tokens", "", None),
    }
    listed = qwen.attributes["provider_endpoints"]
    assert isinstance(listed, list)
    assert len(listed) == 2
    for endpoint in listed:
        assert isinstance(endpoint, dict)
        assert not {"status", "uptime_last_30m", "latency_last_30m", "throughput_last_30m"} & set(
            endpoint
        )
    assert models["openrouter/auto"].attributes["provider_endpoints"] == []


def test_volatile_endpoint_fields_are_not_content(parse_fixture):
    assert parse_fixture("combined_volatile_changed.json").content_hash() == (
        parse_fixture("combined_with_endpoints.json").content_hash()
    )


def _endpoint_server(fixture_bytes, fail: str | None = None, delay: float = 0.0):
    combined = json.loads(fixture_bytes(NAME, "combined_with_endpoints.json"))
    list_body = json.dumps(combined["models"]).encode()
    seen: list[str] = []
    active = [0, 0]  # now, most at once
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        if path == "/api/v1/models":
            return httpx.Response(200, content=list_body)
        model = path.removeprefix("/api/v1/models/").removesuffix("/endpoints")
        with lock:
            active[0] += 1
            active[1] = max(active)
        try:
            time.sleep(delay)
            if model == fail:
                return httpx.Response(404, content=b'{"error": "no such model"}')
            return httpx.Response(200, content=json.dumps(combined["endpoints"][model]).encode())
        finally:
            with lock:
                active[0] -= 1

    return handler, seen, active


def test_fetch_with_endpoints_combines_every_body(make_settings, mock_client, fixture_bytes):
    handler, seen, _ = _endpoint_server(fixture_bytes)
    settings = make_settings(NAME, endpoints=True)
    provider = OpenRouterProvider(settings)
    raw = provider.fetch(mock_client(settings, handler))
    assert sorted(seen) == [
        "/api/v1/models",
        "/api/v1/models/openrouter/auto/endpoints",
        "/api/v1/models/qwen/qwen3.7-flash/endpoints",
    ]
    assert provider.parse(raw) == provider.parse(
        fixture_bytes(NAME, "combined_with_endpoints.json")
    )


def test_a_failing_model_endpoint_fails_the_fetch_naming_it(
    make_settings, mock_client, fixture_bytes
):
    handler, _, _ = _endpoint_server(fixture_bytes, fail="openrouter/auto")
    settings = make_settings(NAME, endpoints=True)
    with pytest.raises(ProviderError, match=r"endpoints of model 'openrouter/auto'.*404"):
        OpenRouterProvider(settings).fetch(mock_client(settings, handler))


def test_the_budget_bounds_the_endpoint_requests(make_settings, mock_client, fixture_bytes):
    handler, _, _ = _endpoint_server(fixture_bytes, delay=0.5)
    settings = make_settings(NAME, endpoints=True, endpoints_budget_seconds=0.1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="endpoints_budget_seconds"):
        OpenRouterProvider(settings).fetch(mock_client(settings, handler))
    assert time.monotonic() - started < 0.45


def test_concurrency_is_bounded(make_settings, mock_client, fixture_bytes):
    handler, _, active = _endpoint_server(fixture_bytes, delay=0.05)
    settings = make_settings(NAME, endpoints=True, endpoints_concurrency=1)
    OpenRouterProvider(settings).fetch(mock_client(settings, handler))
    assert active[1] == 1


def test_an_endpoint_body_that_is_not_json_fails_naming_the_model(make_settings, mock_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/models":
            return httpx.Response(200, content=b'{"data": [{"id": "a/b"}]}')
        return httpx.Response(200, content=b"<html>maintenance</html>")

    settings = make_settings(NAME, endpoints=True)
    with pytest.raises(PayloadError) as caught:
        OpenRouterProvider(settings).fetch(mock_client(settings, handler))
    assert (caught.value.path, caught.value.model_id) == ("endpoints.a/b", "a/b")
    assert "not JSON" in caught.value.reason
