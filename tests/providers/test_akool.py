"""Akool adapter: the request it sends and how ``aigModel/list`` payloads parse."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Catalog, Model, ModelInput, Price
from catalogsync.codec import JSONValue, normalize_json
from catalogsync.errors import ConfigError, PayloadError, PermanentProviderError
from catalogsync.providers.akool import AkoolProvider
from tests.api_keys import ADAPTER_KEY

NAME = "akool"
IMAGE = ModelInput("image", description="Image to animate (image to video)")
PROMPT = ModelInput("prompt", description="Text description of the video (text to video)")
VIDEO = ModelInput("video", description="Character video to face-swap (character faceswap)")
CAPABILITIES: dict[str, JSONValue] = {
    "isPro": False,
    "generate_audio": None,
    "durationList": [5, 10],
    "requiresPay": False,
    "supportedExtendPrompt": False,
    "maxImageCount": 1,
    "maxCount": 10,
    "types": [1501],
}


def _resolution(value: str, width: int, height: int) -> dict[str, JSONValue]:
    return {"label": value, "value": value, "width": width, "height": height}


def _unit_prices(**amounts: int) -> tuple[Price, ...]:
    return tuple(
        Price("unit", k.removeprefix("r"), "credits", Decimal(v)) for k, v in amounts.items()
    )


DOCS_CATALOG = Catalog(
    NAME,
    (
        Model(
            model_id="AkoolImage2VideoFastV1",
            name="Akool Image2Video Fast V1",
            category="akool",
            description="Fast image to video generation with Akool's AI",
            inputs=(IMAGE,),
            prices=_unit_prices(r720p=5, r1080p=10, r4k=20),
            attributes={
                **CAPABILITIES,
                "sort": 100,
                "provider": "akool",
                "supportedLastFrame": False,
                "resolutions": [
                    _resolution("720p", 1280, 720),
                    _resolution("1080p", 1920, 1080),
                    _resolution("4k", 3840, 2160),
                ],
            },
        ),
        Model(
            model_id="seedance-1-0-lite-i2v-250428",
            name="Seedance Lite Image2Video",
            category="seedance",
            description="Seedance Lite model for image to video generation",
            inputs=(IMAGE,),
            prices=_unit_prices(r480p=3, r720p=5, r1080p=10),
            attributes={
                **CAPABILITIES,
                "sort": 95,
                "provider": "seedance",
                "supportedLastFrame": True,
                "resolutions": [
                    _resolution("480p", 854, 480),
                    _resolution("720p", 1280, 720),
                    _resolution("1080p", 1920, 1080),
                ],
            },
        ),
    ),
)


@pytest.fixture
def provider(make_settings):
    return AkoolProvider(make_settings(NAME))


@pytest.fixture
def parse_fixture(provider, fixture_bytes):
    return lambda name: provider.parse(fixture_bytes(NAME, name))


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        pytest.param({}, ["1501", "1502", "2101"], id="default-types"),
        pytest.param({"types": [1502]}, ["1502"], id="one-type"),
        pytest.param({"types": [2101, 1501, 2101]}, ["2101", "1501"], id="repeats-dropped"),
    ],
)
def test_fetch_sends_one_request_with_repeated_types(
    make_settings, mock_client, fixture_bytes, options, sent
):
    body = fixture_bytes(NAME, "docs_example.json")
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings(NAME, **options)
    raw = AkoolProvider(settings).fetch(mock_client(settings, handler))

    assert raw == body
    (request,) = requests
    assert request.method == "GET"
    assert request.url.copy_with(query=None) == "https://example.test/api/open/v4/aigModel/list"
    assert request.url.params.multi_items() == [("types[]", t) for t in sent]
    assert request.headers["x-api-key"] == ADAPTER_KEY


def test_fetch_without_a_key_sends_no_auth_header(make_settings, mock_client, fixture_bytes):
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=fixture_bytes(NAME, "docs_example.json"))

    settings = make_settings(NAME, api_key=None)
    AkoolProvider(settings).fetch(mock_client(settings, handler))

    assert "x-api-key" not in requests[0].headers
    assert "authorization" not in requests[0].headers


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"types": []}, "non-empty list", id="empty"),
        pytest.param({"types": 1501}, "non-empty list", id="not-a-list"),
        pytest.param({"types": ["1501"]}, "whole numbers", id="string"),
        pytest.param({"types": [True]}, "whole numbers", id="bool"),
        pytest.param({"types": [1501.0]}, "whole numbers", id="float"),
        pytest.param(
            {"type": [1501]}, r'type: unknown key \(did you mean "types"\?\)', id="unknown-option"
        ),
    ],
)
def test_bad_options_are_a_config_error(make_settings, options, message):
    with pytest.raises(ConfigError, match=message):
        AkoolProvider(make_settings(NAME, **options))


def test_parse_docs_example(parse_fixture):
    assert parse_fixture("docs_example.json") == DOCS_CATALOG


@pytest.mark.parametrize(
    ("fixture", "model_id", "field", "expected"),
    [
        pytest.param(
            "model_under_two_types.json",
            "seedance-1-0-lite-i2v-250428",
            "prices",
            _unit_prices(r480p=3, r540p=4, r720p=5, r1080p=10),
            id="two-types-prices-union",
        ),
        pytest.param(
            "model_under_two_types.json",
            "seedance-1-0-lite-i2v-250428",
            "inputs",
            (IMAGE, PROMPT),
            id="two-types-inputs",
        ),
        pytest.param(
            "model_under_two_types.json",
            "seedance-1-0-lite-i2v-250428",
            "name",
            "Seedance Lite Image2Video",
            id="two-types-first-wins",
        ),
        pytest.param(
            "model_under_two_types.json",
            "seedance-1-0-lite-i2v-250428",
            "attributes",
            {
                **DOCS_CATALOG.models[1].attributes,
                "types": [1501, 1502],
                "resolutions": [
                    _resolution("480p", 854, 480),
                    _resolution("540p", 960, 540),
                    _resolution("720p", 1280, 720),
                    _resolution("1080p", 1920, 1080),
                ],
            },
            id="two-types-attributes",
        ),
        pytest.param(
            "unknown_type.json", "AkoolImage2VideoFastV1", "inputs", (), id="unknown-type"
        ),
        pytest.param(
            "unknown_extra_fields.json",
            "AkoolImage2VideoFastV1",
            "attributes",
            {
                **DOCS_CATALOG.models[0].attributes,
                "tags": ["fast", "new"],
                "resolutions": [
                    {**_resolution("720p", 1280, 720), "fps": 24},
                    _resolution("1080p", 1920, 1080),
                    _resolution("4k", 3840, 2160),
                ],
            },
            id="unknown-fields-kept",
        ),
        pytest.param(
            "unknown_extra_fields.json",
            "seedance-1-0-lite-i2v-250428",
            "attributes",
            {
                k: v
                for k, v in {**DOCS_CATALOG.models[1].attributes, "generate_audio": True}.items()
                if k != "maxCount"
            },
            id="absent-not-kept",
        ),
        pytest.param(
            "exact_decimal_price.json",
            "AkoolImage2VideoFastV1",
            "prices",
            (
                *_unit_prices(r720p=5, r1080p=10),
                Price("unit", "4k", "credits", Decimal("0.00000100000000000000015")),
            ),
            id="exact-decimal",
        ),
    ],
)
def test_quirks(parse_fixture, fixture, model_id, field, expected):
    actual = getattr(parse_fixture(fixture).by_id()[model_id], field)
    if field == "attributes":
        expected = normalize_json(expected)
    if isinstance(actual, tuple):  # inputs and prices: order is the model's business
        actual, expected = set(actual), set(expected)
    assert actual == expected


def test_a_model_under_two_types_is_one_model(parse_fixture):
    catalog = parse_fixture("model_under_two_types.json")
    assert [m.model_id for m in catalog.models] == [m.model_id for m in DOCS_CATALOG.models]


def test_exact_decimal_keeps_every_digit(parse_fixture):
    prices = parse_fixture("exact_decimal_price.json").by_id()["AkoolImage2VideoFastV1"].prices
    assert [str(p.amount) for p in prices if p.variant == "4k"] == ["0.00000100000000000000015"]


def test_same_content_same_hash(parse_fixture):
    first = parse_fixture("docs_example.json")
    second = parse_fixture("reordered_and_respelled.json")
    assert first.content_hash() == second.content_hash()


def test_error_code_is_a_permanent_provider_error(parse_fixture):
    with pytest.raises(PermanentProviderError) as caught:
        parse_fixture("error_code_1101.json")
    assert str(caught.value) == (
        "akool: API error code 1101: Invalid authorization or The request token has expired"
    )


def test_a_model_priced_differently_under_two_types_keeps_every_price(parse_fixture):
    """Seedance Lite is listed as image to video (1501) and text to video (1502): 480p and
    1080p cost the same under both, 720p 5 credits under one and 6 under the other."""
    catalog = parse_fixture("prices_differ_by_type.json")
    seedance = catalog.by_id()["seedance-1-0-lite-i2v-250428"]
    assert seedance.attributes["types"] == [1501, 1502]
    assert {(p.variant, p.amount) for p in seedance.prices} == {
        ("480p", Decimal(3)),
        ("720p@1501", Decimal(5)),
        ("720p@1502", Decimal(6)),
        ("1080p", Decimal(10)),
    }
    assert {p.unit for p in seedance.prices} == {"credits"}
    # The other model, under one type only, is untouched.
    fast = catalog.by_id()["AkoolImage2VideoFastV1"]
    assert {p.variant for p in fast.prices} == {"720p", "1080p", "4k"}


def _data(*items: object, code: object = 1000) -> bytes:
    return json.dumps({"code": code, "msg": "OK", "data": list(items)}).encode()


def _item(value: str = "m1", type_: object = 1501, **fields: object) -> dict[str, object]:
    return {"type": type_, "value": value, **fields}


def _res(value: str = "720p", **fields: object) -> dict[str, object]:
    return {"value": value, **fields}


BAD_PAYLOADS = [
    pytest.param(b"not json", "", "not JSON", id="not-json"),
    pytest.param(b"<!DOCTYPE html><html>Bad Gateway</html>", "", "not JSON", id="html"),
    pytest.param(b'{"a":' * 100_000, "", "nested too deeply", id="deep-nesting"),
    pytest.param(b"[]", "", "must be an object", id="list-envelope"),
    pytest.param(b'{"msg": "OK", "data": []}', "code", "is required", id="no-code"),
    pytest.param(b'{"code": "1000", "data": []}', "code", "whole number", id="string-code"),
    pytest.param(b'{"code": 1000, "msg": "OK"}', "data", "is required", id="no-data"),
    pytest.param(b'{"code": 1000, "data": null}', "data", "must be a list", id="null-data"),
    pytest.param(_data({"type": 1501}), "data[0].value", "is required", id="missing-id"),
    pytest.param(_data(_item("")), "data[0].value", "must not be empty", id="empty-id"),
    pytest.param(
        _data(_item("m1"), _item("m2"), _item("m1")),
        "data[2].value",
        "duplicate id 'm1' for type 1501 (first at data[0])",
        id="duplicate-id",
    ),
    pytest.param(_data(_item(type_="1501")), "data[0].type", "whole number", id="string-type"),
    pytest.param(_data({"value": "m1"}), "data[0].type", "is required", id="missing-type"),
    pytest.param(
        _data(_item(resolutionList=[_res(), _res()])),
        "data[0].resolutionList[1].value",
        "duplicate resolution '720p'",
        id="duplicate-resolution",
    ),
    pytest.param(
        _data(_item(), _item("m2", resolutionList=[_res(unit_credit=-5)])),
        "data[1].resolutionList[0].unit_credit",
        "must be >= 0",
        id="negative-price",
    ),
    pytest.param(
        _data(_item(resolutionList=[_res(unit_credit="5")])),
        "data[0].resolutionList[0].unit_credit",
        "must be a number",
        id="string-price",
    ),
    pytest.param(
        _data(_item(resolutionList=[_res(unit_credit=False)])),
        "data[0].resolutionList[0].unit_credit",
        "must be a number",
        id="bool-price",
    ),
    pytest.param(_data(_item(resolutionList=[_res(unit_credit=float("nan"))])), "", "not JSON"),
    pytest.param(
        b'{"code": 1000, "data": [{"type": 1501, "value": "m1", '
        b'"resolutionList": [{"value": "720p", "unit_credit": 1e5000}]}]}',
        "data[0].resolutionList[0].unit_credit",
        "out of range",
        id="huge-price",
    ),
    pytest.param(_data(_item(resolutionList={})), "data[0].resolutionList", "must be a list"),
    pytest.param(
        _data(_item(resolutionList=[_res(width=1280.0)])),
        "data[0].resolutionList[0].width",
        "whole number",
    ),
    pytest.param(_data(_item(durationList=["5"])), "data[0].durationList[0]", "must be a number"),
    pytest.param(_data(_item(generate_audio="yes")), "data[0].generate_audio", "true or false"),
    pytest.param(_data(_item(types=[1])), "data[0].types", "clashes", id="derived-name-clash"),
]


@pytest.mark.parametrize(("raw", "path", "reason"), BAD_PAYLOADS)
def test_bad_payloads(provider, raw, path, reason):
    with pytest.raises(PayloadError) as caught:
        provider.parse(raw)
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert str(caught.value).startswith("akool: invalid payload")


def test_any_mutation_is_a_catalog_or_a_refusal(provider, fixture_bytes, mutations):
    for raw in mutations(fixture_bytes(NAME, "model_under_two_types.json")):
        with contextlib.suppress(PayloadError, PermanentProviderError):
            provider.parse(raw)
