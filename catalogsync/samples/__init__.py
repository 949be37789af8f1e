"""Sample catalogs for the offline demo: provider-shaped payloads served without a network.

The files under this package are shaped exactly like each provider's API response (see
the adapters' docstrings for the pages they follow); ``sample_transport`` answers the
requests the adapters' ``fetch`` sends, on any host and without checking keys, so the
demo needs neither.

``openai_compatible`` has no public host, so the demo, which syncs the providers as
configured, leaves it out unless it is given a base URL; its sample is served for
``SAMPLE_OPENAI_COMPATIBLE_URL`` (any other host's ``/v1/models`` is Auriko's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import httpx

from catalogsync.codec import JSONValue, dumps_canonical, loads_exact

SAMPLES_DIR = Path(__file__).parent
SAMPLE_OPENAI_COMPATIBLE_URL = "https://openai-compatible.sample"

_FILES = {
    "audioshake": ("audioshake/models.json",),
    "akool": ("akool/aigModel_list.json",),
    "auriko": ("auriko/models.json", "auriko/models_responses.json"),
    "openrouter": ("openrouter/models.json",),
    "litellm": ("litellm/model_prices_and_context_window.json",),
    "modelsdev": ("modelsdev/api.json",),
    "openai_compatible": ("openai_compatible/models.json",),
}
_LITELLM_PATH = "/BerriAI/litellm/main/model_prices_and_context_window.json"


def sample_files() -> dict[str, list[Path]]:
    """Return the sample payload files by provider name."""
    return {name: [SAMPLES_DIR / f for f in files] for name, files in _FILES.items()}


def sample_transport() -> httpx.MockTransport:
    """Return a transport that serves the samples for the adapters' requests, 404 otherwise."""
    return httpx.MockTransport(_respond)


def _respond(request: httpx.Request) -> httpx.Response:
    path = request.url.path.rstrip("/")
    if request.method != "GET":
        return _not_found(request)
    if path == "/api/v1/models":
        return _file("openrouter/models.json")
    if path == "/models":
        return _file("audioshake/models.json")
    if path == _LITELLM_PATH:
        return _file("litellm/model_prices_and_context_window.json")
    if path == "/api/open/v4/aigModel/list":
        return _akool(request.url.params.get_list("types[]"))
    if path == "/api.json":
        return _file("modelsdev/api.json")
    if path == "/v1/models" and request.url.host == "openai-compatible.sample":
        return _file("openai_compatible/models.json")
    if path == "/v1/models":
        endpoint = request.url.params.get("endpoint", "chat_completions")
        if endpoint == "chat_completions":
            return _file("auriko/models.json")
        if endpoint == "responses":
            return _file("auriko/models_responses.json")
    return _not_found(request)


def _file(name: str) -> httpx.Response:
    return httpx.Response(
        200,
        content=(SAMPLES_DIR / name).read_bytes(),
        headers={"Content-Type": "application/json"},
    )


def _akool(requested: list[str]) -> httpx.Response:
    """The Akool list restricted to the requested ``types[]``, as the real API does."""
    if not requested:
        return _json(400, {"error": "types[] is required"})
    raw = (SAMPLES_DIR / "akool/aigModel_list.json").read_bytes()
    document = cast(dict[str, Any], loads_exact(raw))
    types = {t.strip() for t in requested}
    document["data"] = [item for item in document["data"] if str(item["type"]) in types]
    # dumps_canonical writes exact decimals (json.dumps cannot), keeping list order.
    body = dumps_canonical(cast(JSONValue, document))
    return httpx.Response(
        200, content=body.encode("utf-8"), headers={"Content-Type": "application/json"}
    )


def _not_found(request: httpx.Request) -> httpx.Response:
    return _json(404, {"error": "not found", "path": request.url.path})


def _json(status: int, body: dict[str, object]) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
