"""Shared helpers for the provider adapter tests: settings, fixture payloads, mock clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalogsync.config import ProviderSettings
from catalogsync.http import build_client
from catalogsync.payloads import Secret
from tests.api_keys import ADAPTER_KEY

FIXTURES = Path(__file__).parent.parent / "fixtures" / "providers"
API_KEY = ADAPTER_KEY

Handler = Callable[[httpx.Request], httpx.Response]


def fixture_path(provider: str, name: str) -> Path:
    """The path of a recorded or edited payload under ``tests/fixtures/providers``."""
    return FIXTURES / provider / name


@pytest.fixture
def fixture_bytes() -> Callable[[str, str], bytes]:
    """Read a fixture payload, verbatim."""

    def read(provider: str, name: str) -> bytes:
        return fixture_path(provider, name).read_bytes()

    return read


@pytest.fixture
def make_settings() -> Callable[..., ProviderSettings]:
    """Build ``ProviderSettings`` for a test host, with a key unless ``api_key=None``."""

    def make(
        name: str,
        *,
        api_key: str | None = API_KEY,
        base_url: str = "https://example.test",
        **options: Any,
    ) -> ProviderSettings:
        return ProviderSettings(
            name=name,
            base_url=base_url,
            api_key=Secret(api_key) if api_key is not None else None,
            options=options,
        )

    return make


@pytest.fixture
def mock_client() -> Iterator[Callable[[ProviderSettings, Handler], httpx.Client]]:
    """Return clients whose requests go to ``handler`` instead of the network."""
    clients: list[httpx.Client] = []

    def make(settings: ProviderSettings, handler: Handler) -> httpx.Client:
        client = build_client(settings, transport=httpx.MockTransport(handler))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


_REPLACEMENTS: list[object] = [None, True, -1, 0, 1.5, "", "x", [], {}, [None], {"x": 1}]


def _mutations(node: object) -> Iterator[object]:
    """Copies of ``node`` with one value replaced by each of ``_REPLACEMENTS`` or removed."""
    yield from _REPLACEMENTS
    if isinstance(node, dict):
        for key, value in node.items():
            yield {k: v for k, v in node.items() if k != key}
            for changed in _mutations(value):
                yield {**node, key: changed}
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node[:index] + node[index + 1 :]
            for changed in _mutations(value):
                yield [*node[:index], changed, *node[index + 1 :]]


@pytest.fixture
def mutations() -> Callable[[bytes], Iterator[bytes]]:
    """Every one-value mutation of a JSON payload, for "parse never crashes" tests."""

    def mutate(raw: bytes) -> Iterator[bytes]:
        for changed in _mutations(json.loads(raw)):
            yield json.dumps(changed).encode()

    return mutate
