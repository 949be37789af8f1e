"""AudioShake adapter: the request it sends and how ``GET /models`` payloads parse."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import httpx
import pytest

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.codec import normalize_json
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.audioshake import AudioShakeProvider
from tests.api_keys import ADAPTER_KEY

NAME = "audioshake"
AUDIO_IN = ("wav", "aiff", "flac", "mp3", "aac", "m4a")
MEDIA = ModelInput(
    "media",
    description="Source audio or video file",
    required=True,
    task_fields=("url", "assetId"),
    formats=frozenset(
        {Format("audio", n) for n in AUDIO_IN} | {Format("video", "mp4"), Format("video", "mov")}
    ),
)
DOCS_CATALOG = Catalog(
    NAME,
    (
        Model(
            model_id="bass",
            name="Bass",
            category="instrumentStemSeparation",
            description="Low-end bass sources (electric bass, double bass, bass synth).",
            access="enabled",
            inputs=(MEDIA,),
            output_formats=frozenset(
                {Format("audio", n) for n in ("aiff", "wav", "flac", "mp3")}
                | {Format("video", "mp4")}
            ),
            prices=(Price("per_minute", "", "credits/minute", Decimal(1)),),
        ),
    ),
)


@pytest.fixture
def provider(make_settings):
    return AudioShakeProvider(make_settings(NAME))


@pytest.fixture
def parse_fixture(provider, fixture_bytes):
    return lambda name: provider.parse(fixture_bytes(NAME, name))


def test_fetch_sends_the_documented_request(make_settings, mock_client, fixture_bytes):
    body = fixture_bytes(NAME, "docs_example.json")
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings(NAME, base_url="https://example.test/")
    raw = AudioShakeProvider(settings).fetch(mock_client(settings, handler))

    assert raw == body
    (request,) = requests
    assert request.method == "GET"
    assert str(request.url) == "https://example.test/models"
    assert request.headers["x-api-key"] == ADAPTER_KEY


def test_fetch_without_a_key_sends_no_auth_header(make_settings, mock_client, fixture_bytes):
    body = fixture_bytes(NAME, "docs_example.json")
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=body)

    settings = make_settings(NAME, api_key=None)
    AudioShakeProvider(settings).fetch(mock_client(settings, handler))

    assert "x-api-key" not in requests[0].headers
    assert "authorization" not in requests[0].headers


def test_unknown_options_are_a_config_error(make_settings):
    with pytest.raises(ConfigError, match=r"providers\.audioshake.*types"):
        AudioShakeProvider(make_settings(NAME, types=[1]))


def test_parse_docs_example(parse_fixture):
    assert parse_fixture("docs_example.json") == DOCS_CATALOG


@pytest.mark.parametrize(
    ("fixture", "model_id", "field", "expected"),
    [
        pytest.param("gated_model_no_price.json", "multi_voice", "prices", (), id="gated-no-price"),
        pytest.param(
            "gated_model_no_price.json",
            "multi_voice",
            "access",
            "request_access",
            id="gated-access",
        ),
        pytest.param("gated_model_no_price.json", "bass", "prices", DOCS_CATALOG.models[0].prices),
        pytest.param(
            "unknown_extra_fields.json",
            "bass",
            "attributes",
            {
                "tier": "standard",
                "deprecated": False,
                "inputs_extra": {"media": {"maxFileSizeBytes": 2147483648}},
            },
            id="unknown-fields-kept",
        ),
        pytest.param(
            "unknown_extra_fields.json",
            "bass",
            "inputs",
            (
                ModelInput(
                    "media",
                    description=MEDIA.description,
                    required=True,
                    task_fields=MEDIA.task_fields,
                    formats=MEDIA.formats | {Format("other", "srt")},
                ),
            ),
            id="unknown-format-kind-is-other",
        ),
        pytest.param(
            "limits_and_languages.json",
            "transcription",
            "attributes",
            {
                "limits": {"maxInputDurationSeconds": 900},
                "supportedLanguages": ["de", "en", "es", "fr"],
            },
            id="limits-and-languages",
        ),
        pytest.param(
            "limits_and_languages.json",
            "transcription",
            "output_formats",
            frozenset({Format("text", "json"), Format("text", "srt"), Format("text", "txt")}),
            id="output-kinds-inferred",
        ),
        pytest.param(
            "limits_and_languages.json", "alignment", "attributes", {"limits": None}, id="null-kept"
        ),
        pytest.param("limits_and_languages.json", "bass", "attributes", {}, id="absent-not-kept"),
        pytest.param(
            "limits_and_languages.json",
            "alignment",
            "inputs",
            (
                MEDIA,
                ModelInput(
                    "transcript",
                    required=False,
                    task_fields=("transcriptUrl", "transcriptAssetId"),
                    formats=frozenset({Format("text", "txt")}),
                ),
            ),
            id="two-inputs",
        ),
        pytest.param(
            "exact_decimal_price.json",
            "bass",
            "prices",
            (Price("per_minute", "", "credits/minute", Decimal("0.00000100000000000000015")),),
            id="exact-decimal",
        ),
    ],
)
def test_quirks(parse_fixture, fixture, model_id, field, expected):
    model = parse_fixture(fixture).by_id()[model_id]
    if field == "attributes":
        expected = normalize_json(expected)
    assert getattr(model, field) == expected


def test_exact_decimal_keeps_every_digit(parse_fixture):
    (price,) = parse_fixture("exact_decimal_price.json").models[0].prices
    assert str(price.amount) == "0.00000100000000000000015"


@pytest.mark.parametrize(
    ("first", "second"), [("docs_example.json", "reordered_and_respelled.json")]
)
def test_same_content_same_hash(parse_fixture, first, second):
    assert parse_fixture(first).content_hash() == parse_fixture(second).content_hash()


def _models(*models: object) -> bytes:
    return json.dumps({"models": list(models)}).encode()


def _bass(**fields: object) -> dict[str, object]:
    return {"id": "bass", **fields}


BAD_PAYLOADS = [
    pytest.param(b"not json", "", "not JSON", id="not-json"),
    pytest.param(b"<html><body>502 Bad Gateway</body></html>", "", "not JSON", id="html"),
    pytest.param(b"\xff\xfe\x00", "", "not JSON", id="binary"),
    pytest.param(b"[" * 100_000, "", "nested too deeply", id="deep-nesting"),
    pytest.param(b"[]", "", "must be an object", id="list-envelope"),
    pytest.param(b'{"data": []}', "models", "is required", id="wrong-envelope"),
    pytest.param(b'{"models": {}}', "models", "must be a list", id="models-object"),
    pytest.param(_models({"name": "Bass"}), "models[0].id", "is required", id="missing-id"),
    pytest.param(_models({"id": ""}), "models[0].id", "must not be empty", id="empty-id"),
    pytest.param(_models({"id": "  "}), "models[0].id", "must not be empty", id="blank-id"),
    pytest.param(_models({"id": 7}), "models[0].id", "must be a string", id="number-id"),
    pytest.param(
        _models({"id": "vocals"}, _bass(), _bass()),
        "models[2].id",
        "duplicate id 'bass' (first at models[1])",
        id="duplicate-id",
    ),
    pytest.param(
        _models({"id": "vocals"}, _bass(creditsPerMinute=-1)),
        "models[1].creditsPerMinute",
        "must be >= 0",
        id="negative-price",
    ),
    pytest.param(
        _models(_bass(creditsPerMinute="1")), "models[0].creditsPerMinute", "must be a number"
    ),
    pytest.param(
        _models(_bass(creditsPerMinute=True)), "models[0].creditsPerMinute", "must be a number"
    ),
    pytest.param(_models(_bass(creditsPerMinute=float("nan"))), "", "not JSON", id="nan"),
    pytest.param(_models(_bass(creditsPerMinute=float("inf"))), "", "not JSON", id="infinity"),
    pytest.param(
        b'{"models": [{"id": "bass", "creditsPerMinute": 1e5000}]}',
        "models[0].creditsPerMinute",
        "out of range",
        id="huge-price",
    ),
    pytest.param(
        b'{"models": [{"id": "bass", "x": 1e5000}]}',
        "models[0].x",
        "out of range",
        id="huge-extra",
    ),
    pytest.param(_models(_bass(inputs={})), "models[0].inputs", "must be a list"),
    pytest.param(
        _models(_bass(inputs=[{"id": "media", "formats": ["wav"]}])),
        "models[0].inputs[0].formats",
        "must be an object",
    ),
    pytest.param(
        _models(_bass(inputs=[{"id": "media", "formats": {"audio": "wav"}}])),
        "models[0].inputs[0].formats.audio",
        "must be a list",
    ),
    pytest.param(
        _models(_bass(inputs=[{"id": "media", "required": "yes"}])),
        "models[0].inputs[0].required",
        "must be true or false",
    ),
    pytest.param(
        _models(_bass(inputs=[{"id": "media"}, {"id": "media"}])),
        "models[0].inputs[1].id",
        "duplicate input id 'media'",
    ),
    pytest.param(_models(_bass(outputFormats=[1])), "models[0].outputFormats[0]", "a string"),
    pytest.param(_models(_bass(outputFormats=[""])), "models[0].outputFormats[0]", "not be empty"),
    pytest.param(_models(_bass(limits=[900])), "models[0].limits", "must be an object"),
    pytest.param(_models(_bass(supportedLanguages="en")), "models[0].supportedLanguages", "list"),
    pytest.param(
        _models(_bass(inputs_extra=1, inputs=[{"id": "media", "maxFileSizeBytes": 1}])),
        "models[0].inputs_extra",
        "clashes",
    ),
]


@pytest.mark.parametrize(("raw", "path", "reason"), BAD_PAYLOADS)
def test_bad_payloads(provider, raw, path, reason):
    with pytest.raises(PayloadError) as caught:
        provider.parse(raw)
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert str(caught.value).startswith("audioshake: invalid payload")


def test_payload_error_names_the_model(provider):
    with pytest.raises(PayloadError) as caught:
        provider.parse(_models({"id": "vocals"}, _bass(creditsPerMinute=-1)))
    assert caught.value.model_id == "bass"


@pytest.mark.parametrize("number", ["1e999999999", "1e-999999999", "1e5000", "-2.5E+1001"])
def test_a_huge_exponent_is_refused_quickly(provider, number):
    with pytest.raises(PayloadError, match="out of range") as caught:
        provider.parse(b'{"models": [{"id": "bass", "x": %s}]}' % number.encode())
    assert caught.value.path == "models[0].x"
    assert caught.value.model_id == "bass"


def test_deep_nesting_is_a_payload_error(provider):
    with pytest.raises(PayloadError, match="nested too deeply"):
        provider.parse(b"[" * 100_000)
    deep_attribute = b'{"models": [{"id": "bass", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}]}"
    with pytest.raises(PayloadError, match="nested too deeply"):
        provider.parse(deep_attribute)


def test_any_mutation_is_a_catalog_or_a_payload_error(provider, fixture_bytes, mutations):
    for raw in mutations(fixture_bytes(NAME, "limits_and_languages.json")):
        with contextlib.suppress(PayloadError):
            provider.parse(raw)
