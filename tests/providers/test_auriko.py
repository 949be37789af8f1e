"""Auriko adapter: the two requests it sends and how ``/v1/models`` payloads parse."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.codec import JSONValue, normalize_json
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.auriko import AurikoProvider
from tests.api_keys import ADAPTER_KEY

NAME = "auriko"
UNIT = "USD/1M tokens"
GPT_4O_ATTRIBUTES: dict[str, JSONValue] = {
    "created": 1776656101,
    "owned_by": "auriko",
    "context_window": 128000,
    "supported_endpoints": ["assistants", "batch", "chat_completions", "fine_tuning", "responses"],
    "providers": [{"name": "openai", "data_policy": "no_training"}],
    "listed_in": ["chat_completions"],
}
DOCS_CATALOG = Catalog(
    NAME,
    (
        Model(
            model_id="gpt-4o-2024-08-06",
            name="gpt-4o-2024-08-06",
            prices=(
                Price("input_tokens", "openai", UNIT, Decimal("2.5"), currency="USD"),
                Price("output_tokens", "openai", UNIT, Decimal(10), currency="USD"),
            ),
            attributes=GPT_4O_ATTRIBUTES,
        ),
    ),
    upstream_version="9950bdc087663c7b",
)


@pytest.fixture
def provider(make_settings):
    return AurikoProvider(make_settings(NAME))


@pytest.fixture
def parse_fixture(provider, fixture_bytes):
    return lambda name: provider.parse(fixture_bytes(NAME, name))


def _combined(chat: bytes, responses: bytes) -> bytes:
    return b'{"endpoints":{"chat_completions":' + chat + b',"responses":' + responses + b"}}"


@pytest.mark.parametrize(
    ("base_url", "path"),
    [
        ("https://example.test", "/v1/models"),
        ("https://example.test/v1", "/v1/models"),
        ("https://example.test/v1/", "/v1/models"),
        ("https://example.test/gateway", "/gateway/v1/models"),
    ],
)
def test_fetch_gets_both_lists_and_combines_them_verbatim(
    make_settings, mock_client, fixture_bytes, base_url, path
):
    chat = fixture_bytes(NAME, "docs_example.json")
    responses = fixture_bytes(NAME, "responses_endpoint.json")
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        endpoint = request.url.params.get("endpoint")
        return httpx.Response(200, content=responses if endpoint == "responses" else chat)

    settings = make_settings(NAME, base_url=base_url)
    raw = AurikoProvider(settings).fetch(mock_client(settings, handler))

    assert raw == _combined(chat, responses)
    assert raw == fixture_bytes(NAME, "responses_only_model.json")
    assert [(r.method, r.url.path, r.url.params.multi_items()) for r in requests] == [
        ("GET", path, []),
        ("GET", path, [("endpoint", "responses")]),
    ]
    assert all(r.headers["authorization"] == f"Bearer {ADAPTER_KEY}" for r in requests)


def test_fetch_without_a_key_sends_no_auth_header(make_settings, mock_client, fixture_bytes):
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=fixture_bytes(NAME, "docs_example.json"))

    settings = make_settings(NAME, api_key=None)
    AurikoProvider(settings).fetch(mock_client(settings, handler))

    assert len(requests) == 2
    assert not any("authorization" in r.headers for r in requests)


def test_unknown_options_are_a_config_error(make_settings):
    with pytest.raises(ConfigError, match="unknown key"):
        AurikoProvider(make_settings(NAME, endpoint="responses"))


def test_parse_docs_example(parse_fixture):
    assert parse_fixture("docs_example.json") == DOCS_CATALOG


def test_responses_only_model(parse_fixture):
    catalog = parse_fixture("responses_only_model.json")
    models = catalog.by_id()
    assert sorted(models) == ["gpt-4o-2024-08-06", "gpt-5.5-pro"]
    assert models["gpt-4o-2024-08-06"].attributes["listed_in"] == ["chat_completions", "responses"]
    assert models["gpt-5.5-pro"].attributes["listed_in"] == ["responses"]
    assert models["gpt-5.5-pro"].prices == (
        Price("input_tokens", "openai", UNIT, Decimal(15), currency="USD"),
        Price("output_tokens", "openai", UNIT, Decimal(120), currency="USD"),
    )
    assert catalog.upstream_version == "9950bdc087663c7b"


@pytest.mark.parametrize(
    ("fixture", "field", "expected"),
    [
        pytest.param(
            "unknown_extra_fields.json",
            "attributes",
            {
                **GPT_4O_ATTRIBUTES,
                "modalities": {"input": ["text", "image"], "output": ["text"]},
                "providers": [
                    {"name": "openai", "data_policy": "no_training", "region": "us"},
                    {"name": "azure", "data_policy": "zero_retention"},
                ],
            },
            id="unknown-fields-kept",
        ),
        pytest.param(
            "unknown_extra_fields.json",
            "prices",
            (
                Price("input_tokens", "azure", UNIT, Decimal("2.75"), currency="USD"),
                *DOCS_CATALOG.models[0].prices,
            ),
            id="missing-output-price-is-no-price",
        ),
        pytest.param(
            "exact_decimal_price.json",
            "prices",
            (
                Price(
                    "input_tokens",
                    "openai",
                    UNIT,
                    Decimal("0.00000100000000000000015"),
                    currency="USD",
                ),
                Price("output_tokens", "openai", UNIT, Decimal(10), currency="USD"),
            ),
            id="exact-decimal",
        ),
    ],
)
def test_quirks(parse_fixture, fixture, field, expected):
    (model,) = parse_fixture(fixture).models
    if field == "attributes":
        expected = normalize_json(expected)
    assert getattr(model, field) == expected


def test_exact_decimal_keeps_every_digit(parse_fixture):
    (model,) = parse_fixture("exact_decimal_price.json").models
    assert str(model.prices[0].amount) == "0.00000100000000000000015"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("docs_example.json", "catalog_age_changed.json", id="catalog-age"),
        pytest.param("docs_example.json", "catalog_version_moved.json", id="catalog-version"),
        pytest.param(
            "two_providers.json",
            "two_providers_reordered_and_respelled.json",
            id="reordered-and-respelled",
        ),
    ],
)
def test_same_content_same_hash(parse_fixture, first, second):
    assert parse_fixture(first).content_hash() == parse_fixture(second).content_hash()


def test_catalog_age_is_not_content(parse_fixture):
    assert parse_fixture("catalog_age_changed.json") == parse_fixture("docs_example.json")


def test_catalog_version_is_the_upstream_version(parse_fixture):
    assert parse_fixture("catalog_version_moved.json").upstream_version == "a1b2c3d4e5f60718"


def _model(ident: str = "m1", **fields: object) -> dict[str, object]:
    return {"id": ident, **fields}


def _list(*items: object, **fields: object) -> dict[str, object]:
    return {"object": "list", "data": list(items), "catalog_version": "v1", **fields}


def _raw(document: object) -> bytes:
    return json.dumps(document).encode()


def _entry(name: str = "openai", **fields: object) -> dict[str, object]:
    return {"name": name, **fields}


PRICED = _model(providers=[_entry(input_price=1, output_price=2)])

BAD_PAYLOADS = [
    pytest.param(b"not json", "", "not JSON", id="not-json"),
    pytest.param(b"<html><head><title>404</title></head></html>", "", "not JSON", id="html"),
    pytest.param(b"[" * 100_000, "", "nested too deeply", id="deep-nesting"),
    pytest.param(b"[]", "", "must be an object", id="list-envelope"),
    pytest.param(_raw({"data": []}), "object", "is required", id="no-object"),
    pytest.param(_raw({"object": "model", "data": []}), "object", "'list'", id="wrong-object"),
    pytest.param(_raw({"object": "list"}), "data", "is required", id="no-data"),
    pytest.param(_raw(_list() | {"data": {}}), "data", "must be a list", id="data-object"),
    pytest.param(_raw(_list({"object": "model"})), "data[0].id", "is required", id="missing-id"),
    pytest.param(_raw(_list(_model(""))), "data[0].id", "must not be empty", id="empty-id"),
    pytest.param(
        _raw(_list(_model("a"), _model("a"))),
        "data[1].id",
        "duplicate id 'a' (first at data[0])",
        id="duplicate-id",
    ),
    pytest.param(
        _raw(_list(_model(providers=[_entry(), _entry()]))),
        "data[0].providers[1].name",
        "duplicate provider 'openai'",
        id="duplicate-provider",
    ),
    pytest.param(
        _raw(_list(_model(providers=[_entry(input_price=-2.5)]))),
        "data[0].providers[0].input_price",
        "must be >= 0",
        id="negative-price",
    ),
    pytest.param(
        _raw(_list(_model(providers=[_entry(input_price="2.5")]))),
        "data[0].providers[0].input_price",
        "must be a number",
        id="string-price",
    ),
    pytest.param(
        _raw(_list(_model(providers=[_entry(output_price=True)]))),
        "data[0].providers[0].output_price",
        "must be a number",
        id="bool-price",
    ),
    pytest.param(_raw(_list(_model(providers=[_entry(output_price=float("nan"))]))), "", "JSON"),
    pytest.param(
        b'{"object": "list", "data": [{"id": "m1", "providers": [{"name": "openai", '
        b'"input_price": 1e5000}]}]}',
        "data[0].providers[0].input_price",
        "out of range",
        id="huge-price",
    ),
    pytest.param(_raw(_list(_model(created="1776656101"))), "data[0].created", "whole number"),
    pytest.param(
        _raw(_list(_model(supported_endpoints="x"))), "data[0].supported_endpoints", "list"
    ),
    pytest.param(_raw(_list(_model(providers={}))), "data[0].providers", "must be a list"),
    pytest.param(_raw(_list(catalog_age_seconds="120")), "catalog_age_seconds", "a number"),
    pytest.param(_raw(_list(catalog_version=1)), "catalog_version", "must be a string"),
    pytest.param(_raw(_list(_model(listed_in=[]))), "data[0].listed_in", "clashes"),
    pytest.param(
        _combined(
            _raw(_list(PRICED)),
            _raw(
                _list(
                    PRICED,
                    _model("m2"),
                    _model("m3", providers=[_entry(input_price=-1)]),
                )
            ),
        ),
        "endpoints.responses.data[2].providers[0].input_price",
        "must be >= 0",
        id="combined-path",
    ),
    pytest.param(
        _combined(_raw(_list()), _raw(_list(_model("a"), _model("a")))),
        "endpoints.responses.data[1].id",
        "(first at endpoints.responses.data[0])",
        id="combined-duplicate",
    ),
    pytest.param(
        _raw({"endpoints": {"chat_completions": _list()}}),
        "endpoints.responses",
        "is required",
        id="combined-missing-list",
    ),
    pytest.param(
        _raw(
            {"endpoints": {"chat_completions": _list(), "responses": _list(), "messages": _list()}}
        ),
        "endpoints.messages",
        "not permitted",
        id="combined-unknown-list",
    ),
    pytest.param(
        _combined(b'{"error": "unauthorized"}', _raw(_list())),
        "endpoints.chat_completions.object",
        "is required",
        id="combined-error-body",
    ),
]


@pytest.mark.parametrize(("raw", "path", "reason"), BAD_PAYLOADS)
def test_bad_payloads(provider, raw, path, reason):
    with pytest.raises(PayloadError) as caught:
        provider.parse(raw)
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert str(caught.value).startswith("auriko: invalid payload")


def test_payload_error_names_the_model(provider):
    raw = _combined(_raw(_list()), _raw(_list(_model("m3", providers=[_entry(input_price=-1)]))))
    with pytest.raises(PayloadError) as caught:
        provider.parse(raw)
    assert caught.value.model_id == "m3"


def test_any_mutation_is_a_catalog_or_a_payload_error(provider, fixture_bytes, mutations):
    for raw in mutations(fixture_bytes(NAME, "responses_only_model.json")):
        with contextlib.suppress(PayloadError):
            provider.parse(raw)
