"""A fourth provider, installed as a third-party package would be, synced end to end. Both databases.

``TinyProvider`` below is a whole adapter (the ``Provider`` protocol of
``catalogsync/providers/base.py``). The test installs it the way pip would: a
``tiny_catalogsync-0.dist-info`` directory whose ``entry_points.txt`` names the class,
on the path of a real ``python -m catalogsync`` process (``PYTHONPATH``) and of this one.
Then the command line syncs it against the local provider server.

Nothing shared knows about ``tiny``: the generic helpers take it from the registry (its
key in ``TINY_API_KEY``, its ``CATALOGSYNC_TINY_BASE_URL``, the secret scan's knowledge
of its key), and the test adds its own route to the server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.config import ProviderSettings
from catalogsync.db.session import make_engine
from catalogsync.errors import PayloadError, PermanentProviderError
from catalogsync.present.output import dumps_json
from catalogsync.providers import provider_classes
from tests.api_keys import KEYS
from tests.helpers import installed_adapter, rows
from tests.processes import process_env, spawn_processes
from tests.secret_scan import database_leaks, leaked_keys

if TYPE_CHECKING:
    import httpx

    from tests.provider_server import ProviderServer

ENTRY_POINT = "tiny = tests.test_fourth_provider:TinyProvider"
REPOSITORY = Path(__file__).resolve().parent.parent  # where the package ``tests`` is


class TinyProvider:
    """Tiny's price list: ``GET /v1/catalog?view=full`` with header ``X-Tiny-Key``.

    The answer is ``{"models": [{"id", "name", "usd_per_call"}, ...]}``: one price per
    model, ``per_call`` in ``USD``.
    """

    name: ClassVar[str] = "tiny"
    default_base_url: ClassVar[str] = "https://api.tiny.example"

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        key = self._settings.api_key
        response = client.get(
            f"{self._settings.base_url}/v1/catalog",
            params={"view": "full"},
            headers={"X-Tiny-Key": key.reveal()} if key is not None else {},
        )
        if response.status_code != 200:
            raise PermanentProviderError(self.name, f"HTTP {response.status_code}")
        return response.content

    def parse(self, raw: bytes) -> Catalog:
        try:
            items = json.loads(raw, parse_float=Decimal)["models"]
            models = [
                Model(
                    model_id=item["id"],
                    name=item["name"],
                    prices=[Price("per_call", "", "USD", Decimal(item["usd_per_call"]))],
                )
                for item in items
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise PayloadError(
                self.name, "", f"not a tiny catalog ({type(exc).__name__})"
            ) from None
        return Catalog(self.name, tuple(models))


PAYLOAD = {
    "models": [
        {"id": "tiny-small", "name": "Tiny Small", "usd_per_call": Decimal("0.0015")},
        {"id": "tiny-large", "name": "Tiny Large", "usd_per_call": Decimal("0.02")},
    ]
}

spawn = pytest.fixture(spawn_processes)


@pytest.fixture
def tiny_installed(tmp_path: Path) -> Iterator[Path]:
    """Install ``TinyProvider`` as pip would; yield the directory to put on the path."""
    # This process sees it too, so the shared helpers (keys, server, environment) do.
    with installed_adapter(tmp_path / "site-packages", "tiny", ENTRY_POINT) as site:
        yield site


def test_a_fourth_provider_syncs_end_to_end_through_the_cli(
    database_url: str, provider_server: ProviderServer, tiny_installed: Path, spawn
):
    assert provider_classes()["tiny"] is TinyProvider
    provider_server.route("/v1/catalog", "tiny", {"view": "full"})
    provider_server.set_json("tiny", PAYLOAD)
    env = process_env(
        provider_server,
        CATALOGSYNC_DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join([str(tiny_installed), str(REPOSITORY)]),
    )
    assert env["CATALOGSYNC_TINY_BASE_URL"] == provider_server.url
    key = KEYS["TINY_API_KEY"]
    assert leaked_keys(f"key: {key}") == ["KEYS['TINY_API_KEY']"]  # the scan knows it

    sync = spawn("sync", "tiny", "--format", "json", env=env, label="sync")
    assert sync.wait() == 0, sync.describe()
    (outcome,) = json.loads(sync.stdout)
    assert (outcome["provider"], outcome["status"], outcome["version"]) == ("tiny", "succeeded", 1)
    assert (outcome["model_count"], outcome["added"], outcome["error"]) == (2, 2, None)

    # The adapter's request, with its key from TINY_API_KEY.
    (request,) = provider_server.requests
    assert (request.path, request.query) == ("/v1/catalog", [("view", "full")])
    assert request.headers["X-Tiny-Key"] == key

    versions = spawn("versions", "tiny", "--format", "json", env=env, label="versions")
    assert versions.wait() == 0, versions.describe()
    (version,) = json.loads(versions.stdout)
    expected = TinyProvider(ProviderSettings("tiny", TinyProvider.default_base_url)).parse(
        dumps_json(PAYLOAD).encode()
    )
    assert version["content_hash"] == expected.content_hash()
    assert {k: version[k] for k in ("provider", "version", "model_count", "source")} == {
        "provider": "tiny",
        "version": 1,
        "model_count": 2,
        "source": "sync",
    }

    engine = make_engine(database_url)
    try:
        tiny = (
            "JOIN providers p ON p.id = t.provider_id WHERE p.slug = 'tiny' AND t.valid_to IS NULL"
        )
        assert rows(engine, f"SELECT t.model_id, t.name FROM models t {tiny} ORDER BY 1") == [
            ("tiny-large", "Tiny Large"),
            ("tiny-small", "Tiny Small"),
        ]
        prices = rows(
            engine,
            f"SELECT t.model_id, t.price_type, t.variant, t.unit, t.amount FROM prices t {tiny}"
            " ORDER BY 1",
        )
        assert [(*row[:4], Decimal(str(row[4]))) for row in prices] == [
            ("tiny-large", "per_call", "", "USD", Decimal("0.02")),
            ("tiny-small", "per_call", "", "USD", Decimal("0.0015")),
        ]
    finally:
        engine.dispose()

    # Sent, but never printed, logged or stored (the suite-wide scan checks again).
    assert leaked_keys(sync.stdout + sync.stderr + versions.stdout + versions.stderr) == []
    assert database_leaks(database_url) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_its_package_the_fourth_provider_is_unknown(
    database_url: str, provider_server: ProviderServer, spawn
):
    env = process_env(provider_server, CATALOGSYNC_DATABASE_URL=database_url)
    sync = spawn("sync", "tiny", env=env)
    assert sync.wait() == 2, sync.describe()
    assert "unknown provider 'tiny'" in sync.stderr
    assert not provider_server.requests
