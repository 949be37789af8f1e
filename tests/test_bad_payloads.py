"""Bad payloads end to end: whatever a provider sends, nothing stored is lost or wrong.

Each case first syncs every provider from good payloads through the command line
against the local provider server, then serves one bad payload to one provider and runs
``catalogsync sync --format json`` again. Every case checks: exit code 1; the failed run's
recorded error names the provider, the JSON path (and model) and the reason; the catalog
tables and the earlier history are exactly as before; the other two providers synced
(unchanged); ``runs show ID --raw`` gives back the bytes that arrived. All cases run on
SQLite, a representative subset on PostgreSQL too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from catalogsync.db.session import make_engine
from catalogsync.present.output import dumps_json
from tests.api_keys import KEYS
from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
    openrouter_model,
    openrouter_payload,
)
from tests.helpers import cli, provider_runs, rows, snapshot, use_local_server
from tests.processes import PROVIDERS
from tests.provider_server import ProviderServer, provider_fixture

HTML = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"


def _audioshake(*changed: dict[str, Any]) -> list[dict[str, Any]]:
    models = [
        audioshake_model("bass", price=1),
        audioshake_model("drums", price=2),
        audioshake_model("vocals", price=1.5),
        audioshake_model("guitar", price=3),
    ]
    return [*models[: 4 - len(changed)], *changed]


def _akool(*changed: dict[str, Any]) -> list[dict[str, Any]]:
    models = [
        akool_model("AkoolImage2VideoFastV1", prices={"720p": 5, "1080p": 10}),
        akool_model("seedance-lite", prices={"480p": 3}, group="seedance", provider="seedance"),
    ]
    return [*models[: 2 - len(changed)], *changed]


GPT4O = auriko_model("gpt-4o", providers={"openai": (2.5, 10), "azure": (2.75, 11)})
GPT5 = auriko_model("gpt-5.5-pro", providers={"openai": (15, 120)})
OPENROUTER = [
    openrouter_model("openai/gpt-4o", pricing={"input_cache_read": "0.00000125"}),
    openrouter_model("openrouter/auto", "-1", "-1"),
    openrouter_model("meta-llama/llama-3.3-70b-instruct:free", "0", "0"),
]
GOOD = {
    "audioshake": audioshake_payload(*_audioshake()),
    "openrouter": openrouter_payload(*OPENROUTER),
    "akool": akool_payload(*_akool()),
    "auriko": auriko_payload(GPT4O),
    "auriko_responses": auriko_payload(GPT4O, GPT5),
    "litellm": {
        "sample_spec": {"input_cost_per_token": "prose", "mode": "one of: chat, ..."},
        "gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "mode": "chat"},
        "claude-sonnet-4-5": {
            "input_cost_per_token": 3e-06,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "search_context_cost_per_query": {"search_context_size_low": 0.01},
        },
        "whisper-1": {"input_cost_per_second": 0.0001, "mode": "audio_transcription"},
    },
    "modelsdev": provider_fixture("modelsdev")["catalog"]["modelsdev"],  # type: ignore[index]
    "openai_compatible": provider_fixture("openai_compatible")["catalog"]["openai_compatible"],  # type: ignore[index]
}


def _bytes(document: Any) -> bytes:
    return dumps_json(document).encode()


@dataclass(frozen=True)
class Case:
    endpoint: str  # the provider server's endpoint that answers badly
    body: bytes
    expected: tuple[str, ...]  # fragments of the recorded error
    content_type: str = "application/json"
    postgres: bool = False  # also run on PostgreSQL

    @property
    def provider(self) -> str:
        if self.endpoint in {"modelsdev", "openai_compatible"}:
            return self.endpoint
        return self.endpoint.split("_")[0]

    def kept(self) -> bytes:
        """What the failed run keeps: the body (Auriko: both lists, as its fetch combines them)."""
        body = self.body.replace(KEYS["AKOOL_API_KEY"].encode(), b"********")
        if self.provider != "auriko":
            return body
        chat = body if self.endpoint == "auriko" else _bytes(GOOD["auriko"])
        responses = (
            body if self.endpoint == "auriko_responses" else _bytes(GOOD["auriko_responses"])
        )
        return b'{"endpoints":{"chat_completions":' + chat + b',"responses":' + responses + b"}}"


AS = "audioshake: invalid payload"
AK = "akool: invalid payload"
AU = "auriko: invalid payload"
LL = "litellm: invalid payload"
CHAT = "endpoints.chat_completions."
RESP = "endpoints.responses."
OR = "openrouter: invalid payload"


def _as(*models: dict[str, Any]) -> bytes:
    return _bytes(audioshake_payload(*_audioshake(*models)))


def _ak(*models: dict[str, Any], **envelope: Any) -> bytes:
    return _bytes({**akool_payload(*_akool(*models)), **envelope})


def _au(*models: dict[str, Any], **envelope: Any) -> bytes:
    return _bytes({**auriko_payload(GPT4O, *models), **envelope})


def _or(*models: dict[str, Any], **envelope: Any) -> bytes:
    return _bytes({**openrouter_payload(*OPENROUTER, *models), **envelope})


def _ll(**models: Any) -> bytes:
    return _bytes({**GOOD["litellm"], **models})


MD = "modelsdev: invalid payload"
OC = "openai_compatible: invalid payload"


def _md(**providers: Any) -> bytes:
    return _bytes({**GOOD["modelsdev"], **providers})


def _oc(*items: dict[str, Any]) -> bytes:
    good = GOOD["openai_compatible"]
    return _bytes({**good, "data": [good["data"][0], *items]})


def _res(**fields: Any) -> list[dict[str, Any]]:
    return [{"label": "720p", "value": "720p", "width": 1280, "height": 720, **fields}]


def _providers(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "openai", "input_price": 1, "output_price": 2, **fields}]


CASES = {
    # --- AudioShake ---------------------------------------------------------------------
    "audioshake-not-json": Case("audioshake", b"not json", (AS, "not JSON"), postgres=True),
    "audioshake-html-200": Case(
        "audioshake", HTML, (AS, "not JSON", "body starts '<!DOCTYPE html>"), "text/html"
    ),
    "audioshake-empty-body": Case("audioshake", b"", (AS, "not JSON")),
    "audioshake-truncated": Case("audioshake", _as()[:-40], (AS, "not JSON")),
    "audioshake-list-envelope": Case("audioshake", b"[]", (AS, "must be an object")),
    "audioshake-wrong-envelope": Case(
        "audioshake",
        _bytes({"data": _audioshake()}),
        (AS, "models: is required"),
        postgres=True,
    ),
    "audioshake-models-object": Case(
        "audioshake", _bytes({"models": {"bass": {}}}), (AS, "models: must be a list")
    ),
    "audioshake-missing-id": Case(
        "audioshake", _as({"name": "Piano"}), (AS, "models[3].id: is required")
    ),
    "audioshake-empty-id": Case(
        "audioshake", _as(audioshake_model(" ")), (AS, "models[3].id: must not be empty")
    ),
    "audioshake-duplicate-id": Case(
        "audioshake",
        _as(audioshake_model("bass")),
        (AS, "(model 'bass')", "models[3].id: duplicate id 'bass' (first at models[0])"),
        postgres=True,
    ),
    "audioshake-negative-price": Case(
        "audioshake",
        _as(audioshake_model("guitar", price=-3)),
        (AS, "(model 'guitar')", "models[3].creditsPerMinute: must be >= 0"),
        postgres=True,
    ),
    "audioshake-string-price": Case(
        "audioshake",
        _as(audioshake_model("guitar", price="3")),
        (AS, "models[3].creditsPerMinute: must be a number"),
    ),
    "audioshake-boolean-price": Case(
        "audioshake",
        _as(audioshake_model("guitar", price=True)),
        (AS, "models[3].creditsPerMinute: must be a number"),
    ),
    "audioshake-nan-price": Case(
        "audioshake",
        _as().replace(b'"creditsPerMinute": 3', b'"creditsPerMinute": NaN'),
        (AS, "not JSON"),
    ),
    "audioshake-huge-price": Case(
        "audioshake",
        _as().replace(b'"creditsPerMinute": 3', b'"creditsPerMinute": 1e999999'),
        (AS, "models[3]", "out of range"),
    ),
    "audioshake-nested-formats-list": Case(
        "audioshake",
        _as(audioshake_model("guitar", inputs=[{"id": "media", "formats": ["wav"]}])),
        (AS, "models[3].inputs[0].formats: must be an object"),
        postgres=True,
    ),
    "audioshake-nested-output-number": Case(
        "audioshake",
        _as(audioshake_model("guitar", outputs=(1,))),  # type: ignore[arg-type]
        (AS, "models[3].outputFormats[0]: must be a string"),
    ),
    "audioshake-nested-required-string": Case(
        "audioshake",
        _as(audioshake_model("guitar", inputs=[{"id": "media", "required": "yes"}])),
        (AS, "models[3].inputs[0].required: must be true or false"),
    ),
    "audioshake-empty-list": Case(
        "audioshake",
        _bytes({"models": []}),
        (
            "audioshake: refusing a catalog that removes 4 of 4 current models",
            "--allow-mass-removal",
        ),
        postgres=True,
    ),
    # --- Akool ----------------------------------------------------------------------------
    "akool-not-json": Case("akool", b"{'code': 1000}", (AK, "not JSON")),
    "akool-html-200": Case("akool", HTML, (AK, "not JSON"), "text/html", postgres=True),
    "akool-error-code": Case(
        "akool",
        _bytes({"code": 1101, "msg": "Invalid authorization or The request token has expired"}),
        ("akool: API error code 1101: Invalid authorization",),
        postgres=True,
    ),
    "akool-error-code-echoing-the-key": Case(
        "akool",
        _bytes({"code": 1101, "msg": f"invalid x-api-key {KEYS['AKOOL_API_KEY']}", "data": None}),
        ("akool: API error code 1101: invalid x-api-key ********",),
    ),
    "akool-string-code": Case("akool", _ak(code="1000"), (AK, "code: must be a whole number")),
    "akool-missing-data": Case(
        "akool", _bytes({"code": 1000, "msg": "OK"}), (AK, "data: is required")
    ),
    "akool-null-data": Case("akool", _ak(data=None), (AK, "data: must be a list")),
    "akool-missing-id": Case("akool", _ak({"type": 1501}), (AK, "data[1].value: is required")),
    "akool-empty-id": Case("akool", _ak(akool_model("")), (AK, "data[1].value: must not be empty")),
    "akool-duplicate-id": Case(
        "akool",
        _bytes(akool_payload(*_akool(), akool_model("seedance-lite"))),
        (
            AK,
            "(model 'seedance-lite')",
            "data[2].value: duplicate id 'seedance-lite' for type 1501",
        ),
    ),
    "akool-negative-price": Case(
        "akool",
        _ak(akool_model("seedance-lite", prices={"480p": -3})),
        (AK, "(model 'seedance-lite')", "data[1].resolutionList[0].unit_credit: must be >= 0"),
        postgres=True,
    ),
    "akool-string-price": Case(
        "akool",
        _ak(akool_model("seedance-lite", prices={"480p": "3"})),
        (AK, "data[1].resolutionList[0].unit_credit: must be a number"),
    ),
    "akool-boolean-price": Case(
        "akool",
        _ak(akool_model("seedance-lite", prices={"480p": False})),
        (AK, "data[1].resolutionList[0].unit_credit: must be a number"),
    ),
    "akool-infinite-price": Case(
        "akool", _ak().replace(b'"unit_credit": 3', b'"unit_credit": Infinity'), (AK, "not JSON")
    ),
    "akool-huge-price": Case(
        "akool",
        _ak().replace(b'"unit_credit": 3', b'"unit_credit": 1e400000'),
        (AK, "data[1]", "out of range"),
    ),
    "akool-nested-resolutions-object": Case(
        "akool",
        _ak(akool_model("seedance-lite", resolutionList={"480p": 3})),
        (AK, "data[1].resolutionList: must be a list"),
    ),
    "akool-nested-width-float": Case(
        "akool",
        _ak(akool_model("seedance-lite", resolutionList=_res(width=1280.5, unit_credit=3))),
        (AK, "data[1].resolutionList[0].width: must be a whole number"),
    ),
    "akool-nested-flag-string": Case(
        "akool",
        _ak(akool_model("seedance-lite", generate_audio="yes")),
        (AK, "data[1].generate_audio: must be true or false"),
    ),
    "akool-empty-list": Case(
        "akool",
        _bytes(akool_payload()),
        ("akool: refusing a catalog that removes 2 of 2 current models", "--allow-mass-removal"),
    ),
    # --- Auriko ---------------------------------------------------------------------------
    "auriko-not-json": Case("auriko", b"Service Unavailable", (AU, "not JSON")),
    "auriko-html-200": Case("auriko_responses", HTML, (AU, "not JSON"), "text/html", postgres=True),
    "auriko-error-body-200": Case(
        "auriko", b'{"error": "unauthorized"}', (AU, f"{CHAT}object: is required")
    ),
    "auriko-wrong-object": Case("auriko", _au(object="model"), (AU, f"{CHAT}object: ", "'list'")),
    "auriko-missing-data": Case(
        "auriko_responses",
        _bytes({"object": "list", "catalog_version": "v2"}),
        (AU, f"{RESP}data: is required"),
    ),
    "auriko-missing-id": Case(
        "auriko_responses", _au({"object": "model"}), (AU, f"{RESP}data[1].id: is required")
    ),
    "auriko-duplicate-id": Case(
        "auriko_responses",
        _au(GPT4O),
        (
            AU,
            "(model 'gpt-4o')",
            f"{RESP}data[1].id: duplicate id 'gpt-4o' (first at {RESP}data[0])",
        ),
    ),
    "auriko-duplicate-upstream": Case(
        "auriko_responses",
        _au({**auriko_model("gpt-5.5-pro"), "providers": _providers() * 2}),
        (AU, f"{RESP}data[1].providers[1].name: duplicate provider 'openai'"),
    ),
    "auriko-negative-price": Case(
        "auriko_responses",
        _au(auriko_model("gpt-5.5-pro", providers={"openai": (-15, 120)})),
        (AU, "(model 'gpt-5.5-pro')", f"{RESP}data[1].providers[0].input_price: must be >= 0"),
        postgres=True,
    ),
    "auriko-string-price": Case(
        "auriko_responses",
        _au(auriko_model("gpt-5.5-pro", providers={"openai": (15, "120")})),
        (AU, f"{RESP}data[1].providers[0].output_price: must be a number"),
    ),
    "auriko-boolean-price": Case(
        "auriko",
        _au(auriko_model("o1", providers={"openai": (True, 1)})),
        (AU, f"{CHAT}data[1].providers[0].input_price: must be a number"),
    ),
    "auriko-huge-price": Case(
        "auriko",
        _au().replace(b'"input_price": 2.5', b'"input_price": 2.5e99999'),
        (AU, f"{CHAT}data[0]", "out of range"),
    ),
    "auriko-nested-created-string": Case(
        "auriko",
        _au(auriko_model("o1", created="1776656101")),
        (AU, f"{CHAT}data[1].created: must be a whole number"),
    ),
    "auriko-nested-providers-object": Case(
        "auriko",
        _au({**auriko_model("o1"), "providers": {"openai": {}}}),
        (AU, f"{CHAT}data[1].providers: must be a list"),
    ),
    "auriko-catalog-version-number": Case(
        "auriko", _au(catalog_version=7), (AU, f"{CHAT}catalog_version: must be a string")
    ),
    # --- OpenRouter -----------------------------------------------------------------------
    "openrouter-not-json": Case("openrouter", b"upstream timeout", (OR, "not JSON")),
    "openrouter-html-200": Case("openrouter", HTML, (OR, "not JSON"), "text/html", postgres=True),
    "openrouter-error-body-200": Case(
        "openrouter", b'{"error": {"code": 500, "message": "x"}}', (OR, "data: is required")
    ),
    "openrouter-data-object": Case(
        "openrouter", _bytes({"data": {}}), (OR, "data: must be a list")
    ),
    "openrouter-missing-id": Case(
        "openrouter", _or({"name": "x"}), (OR, "data[3].id: is required"), postgres=True
    ),
    "openrouter-duplicate-id": Case(
        "openrouter",
        _or(openrouter_model("openai/gpt-4o")),
        (OR, "(model 'openai/gpt-4o')", "data[3].id: duplicate id 'openai/gpt-4o'"),
    ),
    "openrouter-word-price": Case(
        "openrouter",
        _or(openrouter_model("x/y", "free")),
        (OR, "(model 'x/y')", "data[3].pricing.prompt: must be a decimal string or a number"),
        postgres=True,
    ),
    "openrouter-boolean-price": Case(
        "openrouter",
        _or(openrouter_model("x/y", pricing={"web_search": True})),
        (OR, "data[3].pricing.web_search: must be a decimal"),
    ),
    "openrouter-bad-override": Case(
        "openrouter",
        _or(openrouter_model("x/y", pricing={"overrides": [{"utc_start": 900, "prompt": "1"}]})),
        (OR, "data[3].pricing.overrides[0].utc_end: is required"),
    ),
    "openrouter-bad-day": Case(
        "openrouter",
        _or(openrouter_model("x/y", pricing={"overrides": [{"utc_days": ["funday"]}]})),
        (OR, "data[3].pricing.overrides[0].utc_days[0]: 'funday' is not a day"),
    ),
    "openrouter-modalities-string": Case(
        "openrouter",
        _or(openrouter_model("x/y", architecture={"input_modalities": "text"})),
        (OR, "data[3].architecture.input_modalities: must be a list"),
    ),
    "openrouter-huge-price": Case(
        "openrouter",
        _or().replace(b'"prompt": "0.0000025"', b'"prompt": 1e999999'),
        (OR, "data[0]", "out of range"),
    ),
    "openrouter-empty-list": Case(
        "openrouter",
        _bytes(openrouter_payload()),
        ("openrouter: refusing a catalog that removes 3 of 3 current models",),
        postgres=True,
    ),
    # --- litellm ---------------------------------------------------------------------------
    "litellm-not-json": Case("litellm", b"404: Not Found", (LL, "not JSON")),
    "litellm-html-200": Case("litellm", HTML, (LL, "not JSON"), "text/html", postgres=True),
    "litellm-empty-body": Case("litellm", b"", (LL, "not JSON")),
    "litellm-truncated": Case("litellm", _ll()[:-40], (LL, "not JSON")),
    "litellm-list-envelope": Case("litellm", b"[]", (LL, "must be an object of models by name")),
    "litellm-string-price": Case(
        "litellm",
        _ll(m={"input_cost_per_token": "2.5e-06"}),
        (LL, "(model 'm')", "m.input_cost_per_token: a price must be a number"),
        postgres=True,
    ),
    "litellm-boolean-price": Case(
        "litellm",
        _ll(m={"output_cost_per_token_batches": False}),
        (LL, "m.output_cost_per_token_batches: a price must be a number"),
    ),
    "litellm-list-price": Case(
        "litellm",
        _ll(m={"input_cost_per_second": [0.1]}),
        (LL, "m.input_cost_per_second: a price must be a number"),
    ),
    "litellm-negative-price": Case(
        "litellm",
        _ll(m={"input_cost_per_token_above_200k_tokens": -6e-06}),
        (LL, "(model 'm')", "m.input_cost_per_token_above_200k_tokens: a price must be >= 0"),
        postgres=True,
    ),
    "litellm-nested-search-context-string": Case(
        "litellm",
        _ll(m={"search_context_cost_per_query": {"search_context_size_low": "0.01"}}),
        (LL, "m.search_context_cost_per_query.search_context_size_low: a price must be a number"),
    ),
    "litellm-huge-price": Case(
        "litellm",
        _ll(m={"input_cost_per_token": 123456789}).replace(b"123456789", b"1e999"),
        (LL, "m.input_cost_per_token", "out of range"),
    ),
    "litellm-empty-name": Case(
        "litellm", _ll(**{" ": {"mode": "chat"}}), (LL, "a model name must not be empty")
    ),
    "litellm-duplicate-key": Case(
        "litellm",
        _ll().replace(b'"mode": "audio_transcription"', b'"mode": "chat", "mode": "chat"'),
        (LL, "whisper-1.mode: duplicate key 'mode'"),
    ),
    "litellm-empty-file": Case(
        "litellm",
        b"{}",
        ("litellm: refusing a catalog that removes 3 of 3 current models", "--allow-mass-removal"),
        postgres=True,
    ),
    # --- models.dev -----------------------------------------------------------------------
    "modelsdev-not-json": Case("modelsdev", b"Bad Gateway", (MD, "not JSON"), postgres=True),
    "modelsdev-html-200": Case("modelsdev", HTML, (MD, "not JSON"), "text/html"),
    "modelsdev-list": Case("modelsdev", b"[]", (MD, "must be an object of providers")),
    "modelsdev-missing-models": Case(
        "modelsdev", _md(google={"id": "google"}), (MD, "google.models: is required")
    ),
    "modelsdev-models-list": Case(
        "modelsdev", _md(google={"models": []}), (MD, "google.models: must be an object")
    ),
    "modelsdev-model-not-object": Case(
        "modelsdev",
        _md(google={"models": {"gemini-2.5-pro": 1}}),
        (MD, "(model 'google/gemini-2.5-pro')", "must be an object"),
    ),
    "modelsdev-string-price": Case(
        "modelsdev",
        _md(google={"models": {"g": {"cost": {"input": "1.25"}}}}),
        (MD, "google.models.g.cost.input: must be a number"),
        postgres=True,
    ),
    "modelsdev-negative-price": Case(
        "modelsdev",
        _md(google={"models": {"g": {"cost": {"output": -1}}}}),
        (MD, "(model 'google/g')", "google.models.g.cost.output: must be >= 0"),
    ),
    "modelsdev-tier-without-size": Case(
        "modelsdev",
        _md(google={"models": {"g": {"cost": {"tiers": [{"tier": {"type": "context"}}]}}}}),
        (MD, "cost.tiers[0].tier.size: must be a whole number"),
    ),
    "modelsdev-modalities-string": Case(
        "modelsdev",
        _md(google={"models": {"g": {"modalities": {"input": "text"}}}}),
        (MD, "google.models.g.modalities.input: must be a list"),
    ),
    "modelsdev-huge-price": Case(
        "modelsdev",
        _bytes(GOOD["modelsdev"]).replace(b'"input": 2.5', b'"input": 2.5e99999'),
        (MD, "out of range"),
    ),
    # --- OpenAI-compatible -----------------------------------------------------------------
    "openai_compatible-not-json": Case("openai_compatible", b"oops", (OC, "not JSON")),
    "openai_compatible-html-200": Case(
        "openai_compatible", HTML, (OC, "not JSON"), "text/html", postgres=True
    ),
    "openai_compatible-error-object": Case(
        "openai_compatible", b'{"error": {"message": "bad key"}}', (OC, "data: is required")
    ),
    "openai_compatible-data-object": Case(
        "openai_compatible", _bytes({"object": "list", "data": {}}), (OC, "data: must be a list")
    ),
    "openai_compatible-missing-id": Case(
        "openai_compatible", _oc({"object": "model"}), (OC, "data[1].id: is required")
    ),
    "openai_compatible-empty-id": Case(
        "openai_compatible", _oc({"id": " "}), (OC, "data[1].id: must be a non-empty string")
    ),
    "openai_compatible-duplicate-id": Case(
        "openai_compatible",
        _oc({"id": "llama-3.3-70b-versatile"}),
        (OC, "data[1].id: duplicate id 'llama-3.3-70b-versatile'"),
        postgres=True,
    ),
    "openai_compatible-created-string": Case(
        "openai_compatible",
        _oc({"id": "m", "created": "1700000000"}),
        (OC, "(model 'm')", "data[1].created: must be a whole number"),
    ),
    "openai_compatible-negative-price": Case(
        "openai_compatible",
        _oc({"id": "m", "pricing": {"prompt": "-0.5", "completion": "1"}}),
        (OC, "data[1].pricing.prompt: must be a number >= 0"),
    ),
    "openai_compatible-word-price": Case(
        "openai_compatible",
        _oc({"id": "m", "pricing": {"prompt": "free", "completion": "0"}}),
        (OC, "data[1].pricing.prompt: must be a decimal number"),
    ),
    "openai_compatible-boolean-price": Case(
        "openai_compatible",
        _oc({"id": "m", "pricing": {"input": True, "output": 1}}),
        (OC, "data[1].pricing.input: must be a number"),
    ),
}
EMPTY_AURIKO = _bytes(auriko_payload())


def _params() -> list[Any]:
    params = [pytest.param("sqlite", case, id=f"sqlite-{name}") for name, case in CASES.items()]
    params += [
        pytest.param("postgresql", case, id=f"postgresql-{name}", marks=pytest.mark.postgres)
        for name, case in CASES.items()
        if case.postgres
    ]
    return params


def _serve_good(server: ProviderServer) -> None:
    for endpoint, payload in GOOD.items():
        server.set_json(endpoint, payload)


def _sync() -> tuple[int, dict[str, dict[str, Any]]]:
    code, out = cli("sync", "--format", "json")
    return code, {o["provider"]: o for o in json.loads(out)}


def test_there_are_enough_cases_for_every_provider():
    per_provider = {p: sum(c.provider == p for c in CASES.values()) for p in PROVIDERS}
    assert len(CASES) >= 30
    assert min(per_provider.values()) >= 10, per_provider
    assert sum(c.postgres for c in CASES.values()) >= 10


@pytest.mark.parametrize(("database_url", "case"), _params(), indirect=["database_url"])
def test_a_bad_payload_changes_nothing_and_is_kept(
    database_url, case, provider_server, monkeypatch
):
    use_local_server(monkeypatch, provider_server, database_url)
    _serve_good(provider_server)
    code, first = _sync()
    assert code == 0, first
    assert {p: o["status"] for p, o in first.items()} == dict.fromkeys(PROVIDERS, "succeeded")
    engine = make_engine(database_url)
    try:
        catalog_before = snapshot(engine)
        history_before = {p: provider_runs(engine, p) for p in PROVIDERS}

        provider_server.set_raw(case.endpoint, case.body, content_type=case.content_type)
        code, second = _sync()

        assert code == 1
        failed = second[case.provider]
        assert failed["status"] == "failed"
        for fragment in case.expected:
            assert fragment in failed["error"], (fragment, failed["error"])
        others = {p: o["status"] for p, o in second.items() if p != case.provider}
        assert others == dict.fromkeys(others, "unchanged")

        # The catalog tables and every earlier run are exactly as they were.
        assert snapshot(engine) == catalog_before
        for provider in PROVIDERS:
            runs = provider_runs(engine, provider)
            assert runs[:-1] == history_before[provider]
            assert len(runs) == len(history_before[provider]) + 1
        run = provider_runs(engine, case.provider)[-1]
        assert run[0] == failed["run_id"]

        # The recorded run says the same, and keeps the bytes that arrived.
        code, shown = cli("runs", "show", str(failed["run_id"]), "--format", "json")
        assert code == 0
        document = json.loads(shown)
        assert (document["status"], document["error"]) == ("failed", failed["error"])
        assert document["payload"] == "run"
        code, raw = cli("runs", "show", str(failed["run_id"]), "--raw")
        assert code == 0
        assert raw.encode("utf-8", "surrogateescape") == case.kept()
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_empty_auriko_catalog_is_refused(database_url, provider_server, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    _serve_good(provider_server)
    assert _sync()[0] == 0
    provider_server.set_raw("auriko", EMPTY_AURIKO)
    provider_server.set_raw("auriko_responses", EMPTY_AURIKO)
    code, outcomes = _sync()
    assert code == 1
    assert (
        "auriko: refusing a catalog that removes 2 of 2 current models"
        in (outcomes["auriko"]["error"])
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_new_fields_are_kept_not_refused(database_url, provider_server, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    _serve_good(provider_server)
    assert _sync()[0] == 0
    provider_server.set_json(
        "audioshake",
        {
            "models": [*_audioshake()[:3], audioshake_model("guitar", price=3, stemCount=4)],
            "nextPage": None,
        },
    )
    code, outcomes = _sync()
    assert (code, outcomes["audioshake"]["status"], outcomes["audioshake"]["changed"]) == (
        0,
        "succeeded",
        1,
    )
    engine = make_engine(database_url)
    try:
        assert rows(
            engine,
            "SELECT value FROM current_attributes WHERE model_id = 'guitar' AND name = 'stemCount'",
        ) == [("4",)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tables_show_errors_as_they_are(database_url, provider_server, monkeypatch):
    """Errors quote JSON paths and [tables]: the terminal tables must not read them as markup."""
    use_local_server(monkeypatch, provider_server, database_url)
    monkeypatch.delenv("AKOOL_API_KEY")
    _serve_good(provider_server)
    provider_server.set_raw("audioshake", _as(audioshake_model("guitar", price=-3)))
    code, out = cli("sync")
    assert code == 1
    assert "models[3].creditsPerMinute:" in out
    assert "[providers.akool]" in out
    code, out = cli("status")
    assert code == 0
    assert "models[3].creditsPerMinute:" in out
    code, out = cli("runs", "list")
    assert "models[3].creditsPerMinute:" in out
