"""Provider instances: one adapter serving several providers, each under its own name.

``ListingProvider`` below reads a bare ``/v1/models`` list (the shape of any
OpenAI-compatible API) and has no default base URL (``requires_base_url``). The tests
install it as a third party's package would be (a dist-info whose ``entry_points.txt``
names it, as in ``tests/test_fourth_provider.py``), then configure instances of it:
the configuration (adapter resolution, defaults, variables of names with dashes,
errors), and issue 13's second must-show on both databases: two instances with their
own hosts (two local servers) and keys sync side by side, each key goes only to its own
host, and the tables, ``status``, the daemon's ``/metrics``, locks, ``diff``, ``import``
and ``rebuild`` all name the instance.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import httpx
import pytest

from catalogsync import providers
from catalogsync.catalog import Catalog, Model
from catalogsync.config import ProviderSettings, Settings, load_settings
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.locks import provider_lock
from catalogsync.providers import build_provider, default_base_urls
from catalogsync.providers.base import load_json, reject_unknown_options
from tests import helpers
from tests.api_keys import FILE_KEY, api_key, instance_keys
from tests.helpers import cli, installed_adapter, rows
from tests.processes import spawn_processes, wait_until
from tests.provider_server import ProviderServer
from tests.secret_scan import database_leaks, leaked_keys

if TYPE_CHECKING:
    from sqlalchemy import Engine

ENTRY_POINT = "listing = tests.test_instances:ListingProvider"
REPOSITORY = Path(__file__).resolve().parent.parent
AKOOL_URL = "https://openapi.akool.com"
ADAPTERS = {"akool": AKOOL_URL, "listing": ""}  # as default_base_urls() gives them

spawn = pytest.fixture(spawn_processes)


class ListingProvider:
    """A bare ``GET {base_url}{models_path}`` list, ``{"data": [{"id", ...}]}``, key as bearer."""

    name: ClassVar[str] = "listing"
    default_base_url: ClassVar[str] = ""
    requires_base_url: ClassVar[bool] = True

    def __init__(self, settings: ProviderSettings) -> None:
        reject_unknown_options(settings.name, settings.options, {"models_path"})
        self._settings = settings
        self._path = str(settings.options.get("models_path", "/v1/models"))

    def fetch(self, client: httpx.Client) -> bytes:
        from catalogsync.http import get_bytes

        key = self._settings.api_key
        headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else {}
        return get_bytes(client, self.name, self._settings.base_url + self._path, headers=headers)

    def parse(self, raw: bytes) -> Catalog:
        data = load_json(self.name, raw)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise PayloadError(self.name, "data", "not a list of models")
        models = [Model(str(i["id"]), attributes={"owned_by": i.get("owned_by")}) for i in items]
        return Catalog(self.name, tuple(models))


def metric_values(process) -> dict[str, float] | None:
    """``'name{labels}' -> value`` of the daemon's ``/metrics``, once it says where they are."""
    found = re.search(r"serving metrics at (http://\S+/metrics)", process.stderr)
    if not found:
        return None
    return helpers.metric_values(found.group(1))


def models_list(*ids: str) -> dict:
    return {"object": "list", "data": [{"id": i, "object": "model", "owned_by": "x"} for i in ids]}


@pytest.fixture
def listing_installed(tmp_path: Path) -> Iterator[Path]:
    """Install ``ListingProvider`` as pip would; yield the directory to put on the path."""
    with installed_adapter(tmp_path / "site-packages", "listing", ENTRY_POINT) as site:
        yield site


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None, adapters=None):
    path = tmp_path / "catalogsync.toml"
    path.write_text(text)
    return load_settings(path, environ or {}, ADAPTERS if adapters is None else adapters)


# --- (a) configuration -------------------------------------------------------------------


def test_without_sections_every_adapter_with_a_default_is_the_provider_of_its_name(tmp_path):
    settings = load_settings(None, {}, ADAPTERS)
    assert list(settings.providers) == ["akool"]  # `listing` has no base URL: no provider
    akool = settings.providers["akool"]
    assert (akool.name, akool.adapter, akool.base_url) == ("akool", "akool", AKOOL_URL)
    # A base URL from the environment makes the adapter a provider of its own name.
    env = {"CATALOGSYNC_LISTING_BASE_URL": "http://127.0.0.1:9/"}
    listing = load_settings(None, env, ADAPTERS).providers["listing"]
    assert (listing.adapter, listing.base_url) == ("listing", "http://127.0.0.1:9")


def test_instances_have_their_own_url_key_schedule_and_options(tmp_path):
    (tmp_path / "beta.key").write_text(FILE_KEY + "\n")
    keys = instance_keys("alpha-one", "akool-eu")
    settings = load(
        tmp_path,
        '[providers.alpha-one]\nadapter = "listing"\nbase_url = "https://alpha.example/v1/"\n'
        'schedule = "@every 30s"\n\n'
        '[providers.beta_two]\nadapter = "listing"\napi_key_file = "beta.key"\n'
        'models_path = "/openai/v1/models"\nenabled = false\n\n'
        '[providers.akool-eu]\nadapter = "akool"\ntypes = [1501]\n',
        {**keys, "CATALOGSYNC_BETA_TWO_BASE_URL": "https://beta.example"},
    )
    assert {n: p.adapter for n, p in settings.providers.items()} == {
        "akool": "akool",
        "akool-eu": "akool",
        "alpha-one": "listing",
        "beta_two": "listing",
    }
    alpha, beta = settings.providers["alpha-one"], settings.providers["beta_two"]
    assert (alpha.name, alpha.base_url, alpha.schedule) == (
        "alpha-one",
        "https://alpha.example/v1",
        "@every 30s",
    )
    assert alpha.api_key_env == "ALPHA_ONE_API_KEY"
    assert alpha.api_key is not None
    assert alpha.api_key.reveal() == keys["ALPHA_ONE_API_KEY"]
    assert (beta.base_url, beta.enabled, dict(beta.options)) == (
        "https://beta.example",
        False,
        {"models_path": "/openai/v1/models"},
    )
    assert beta.api_key is not None
    assert beta.api_key.reveal() == FILE_KEY
    assert "adapter" not in alpha.options
    # An instance of an adapter with a default gets that default; the adapter's own
    # provider stays, without a key (each instance reads its own variable).
    eu = settings.providers["akool-eu"]
    assert (eu.base_url, dict(eu.options)) == (AKOOL_URL, {"types": [1501]})
    assert eu.api_key is not None
    assert eu.api_key.reveal() == keys["AKOOL_EU_API_KEY"]
    assert settings.providers["akool"].api_key is None
    # Every instance's key is redacted wherever a payload, error or log repeats it.
    revealed = {s.reveal() for s in settings.secrets()}
    assert revealed == {FILE_KEY, *keys.values()}


def test_a_section_named_like_an_adapter_may_name_another_one(tmp_path):
    settings = load(tmp_path, '[providers.akool]\nadapter = "listing"\nbase_url = "http://h"\n')
    assert (settings.providers["akool"].adapter, settings.providers["akool"].base_url) == (
        "listing",
        "http://h",
    )
    env = {"CATALOGSYNC_GROQ_EU_BASE_URL": "http://eu"}
    groq = load(tmp_path, '[providers.groq-eu]\nadapter = "listing"\n', env).providers["groq-eu"]
    assert groq.base_url == "http://eu"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[providers.groq]\nadapter = "nope"\nbase_url = "http://h"\n',
            "[providers.groq] adapter 'nope' is not an installed adapter; installed: akool, listing",
        ),
        ("[providers.groq]\nadapter = 3\n", "[providers.groq] adapter: must be a string"),
        ("[providers.groq]\nbase_url = 'http://h'\n", "unknown provider(s) in [providers]: groq"),
        ("[providers]\ngroq = 1\n", "[providers.groq]: must be a table"),
        (
            '[providers.groq]\nadapter = "listing"\n',
            "[providers.groq]: adapter 'listing' has no default base URL; set base_url in "
            "[providers.groq] or CATALOGSYNC_GROQ_BASE_URL",
        ),
        ("[providers.listing]\nenabled = true\n", "adapter 'listing' has no default base URL"),
        (
            '[providers.a-b]\nadapter = "akool"\n[providers.a_b]\nadapter = "akool"\n',
            "[providers.a-b] and [providers.a_b] would both read A_B_API_KEY and "
            "CATALOGSYNC_A_B_BASE_URL: rename one",
        ),
        (
            '[providers.groq-eu]\nadapter = "akool"\napi_key = "x"\n',
            "[providers.groq-eu] api_key: does not belong in the configuration file; set "
            "GROQ_EU_API_KEY",
        ),
        *[
            (f'[providers."{name}"]\nadapter = "akool"\n', f"[providers.{name}]: a provider name")
            for name in ("Groq", "groq.eu", "-groq", "9groq", "gr oq", "g" * 65, "grøq")
        ],
    ],
)
def test_configuration_errors_name_the_section(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)


def test_an_adapter_requiring_a_base_url_has_no_default(listing_installed):
    assert default_base_urls()["listing"] == ""
    assert default_base_urls()["akool"] == AKOOL_URL


def test_the_adapter_object_carries_the_instance_name(tmp_path, listing_installed):
    settings = load(
        tmp_path,
        '[providers.alpha-one]\nadapter = "listing"\nbase_url = "http://a"\n'
        '[providers.akool-eu]\nadapter = "akool"\n',
        adapters=default_base_urls(),
    )
    alpha = build_provider(settings.providers["alpha-one"])
    assert isinstance(alpha, ListingProvider)
    assert (alpha.name, ListingProvider.name) == ("alpha-one", "listing")
    with pytest.raises(PayloadError) as caught:
        alpha.parse(b"[]")
    assert (caught.value.provider, str(caught.value)) == (
        "alpha-one",
        "alpha-one: invalid payload: data: not a list of models",
    )
    assert build_provider(settings.providers["akool-eu"]).name == "akool-eu"
    assert build_provider(settings.providers["akool"]).name == "akool"
    # An adapter's own checks of its options name the instance's section.
    bad = ProviderSettings("akool-eu", AKOOL_URL, options={"types": ["x"]}, adapter="akool")
    with pytest.raises(ConfigError, match=r"\[providers.akool-eu\] types must be whole numbers"):
        build_provider(bad)
    odd = ProviderSettings("beta", "http://b", options={"bogus": 1}, adapter="listing")
    with pytest.raises(ConfigError, match=r"\[providers.beta\] bogus: unknown key"):
        build_provider(odd)


def test_an_adapter_whose_objects_take_no_name_serves_only_its_own(monkeypatch):
    class Slotted:  # no instance dictionary: the object cannot be given a name
        __slots__ = ("settings",)
        name = "slotted"
        default_base_url = "http://s"

        def __init__(self, settings):
            self.settings = settings

    monkeypatch.setattr(providers, "provider_classes", lambda: {"slotted": Slotted})
    assert build_provider(ProviderSettings("slotted", "http://s")).name == "slotted"
    with pytest.raises(ConfigError, match=r"\[providers.second\]: adapter 'slotted' cannot"):
        build_provider(ProviderSettings("second", "http://s", adapter="slotted"))


def test_the_commented_instance_of_the_ops_example_loads(tmp_path):
    text = (REPOSITORY / "ops" / "catalogsync.toml").read_text()
    head, example = text.split("# [providers.akool-team2]\n", 1)
    enabled = head + "[providers.akool-team2]\n" + example.replace("# ", "")
    settings = load(tmp_path, enabled, adapters=default_base_urls())
    team2 = build_provider(settings.providers["akool-team2"])
    assert (team2.name, settings.providers["akool-team2"].base_url) == ("akool-team2", AKOOL_URL)


def test_an_unknown_provider_lists_the_configured_ones():
    settings = Settings(providers={"alpha-one": ProviderSettings("alpha-one", "http://a")})
    with pytest.raises(ConfigError, match="unknown provider 'listing'; providers: alpha-one"):
        settings.provider("listing")


# --- (b) two instances side by side, on both databases -----------------------------------


@pytest.fixture
def two_servers(provider_server: ProviderServer) -> Iterator[tuple[ProviderServer, ProviderServer]]:
    """Two local hosts: alpha serves ``/v1/models``, beta ``/openai/v1/models``."""
    beta = ProviderServer()
    beta.start()
    try:
        provider_server.route("/v1/models", "models")
        provider_server.set_json("models", models_list("llama-3", "mixtral", "gemma"))
        beta.route("/openai/v1/models", "models")
        beta.set_json("models", models_list("qwen-2"))
        yield provider_server, beta
    finally:
        beta.stop()


def instances_config(tmp_path: Path, database_url: str, alpha_url: str) -> Path:
    """alpha-one: URL in the file, key in ALPHA_ONE_API_KEY; beta_two: URL from the
    environment, key in a file; the registered adapters' own providers disabled."""
    (tmp_path / "beta.key").write_text(api_key("beta_two"))
    # An adapter without a default host (openai_compatible) is no provider here anyway.
    seeds = "".join(
        f"[providers.{n}]\nenabled = false\n"
        for n, url in default_base_urls().items()
        if n != "listing" and url
    )
    text = (
        f'[database]\nurl = "{database_url}"\n\n{seeds}\n'
        f'[providers.alpha-one]\nadapter = "listing"\nbase_url = "{alpha_url}"\n'
        'schedule = "@every 1s"\n\n'
        '[providers.beta_two]\nadapter = "listing"\napi_key_file = "beta.key"\n'
        'models_path = "/openai/v1/models"\nschedule = "@every 1s"\n'
    )
    path = tmp_path / "catalogsync.toml"
    path.write_text(text)
    return path


def assert_each_key_went_only_to_its_host(alpha: ProviderServer, beta: ProviderServer) -> None:
    alpha_key, beta_key = api_key("alpha-one"), api_key("beta_two")
    assert alpha.requests
    assert beta.requests
    assert {(r.path, r.headers.get("Authorization")) for r in alpha.requests} == {
        ("/v1/models", f"Bearer {alpha_key}")
    }
    assert {(r.path, r.headers.get("Authorization")) for r in beta.requests} == {
        ("/openai/v1/models", f"Bearer {beta_key}")
    }
    assert beta_key not in repr(alpha.requests)
    assert alpha_key not in repr(beta.requests)


def current_models(engine: Engine) -> set[tuple[str, str]]:
    return set(rows(engine, "SELECT provider, model_id FROM current_models"))


def test_two_instances_sync_side_by_side_each_under_its_own_name(
    database_url, engine, two_servers, listing_installed, tmp_path, monkeypatch, spawn
):
    alpha, beta = two_servers
    config = instances_config(tmp_path, database_url, alpha.url)
    env = {
        **instance_keys("alpha-one"),
        "CATALOGSYNC_BETA_TWO_BASE_URL": beta.url,
        "PYTHONPATH": os.pathsep.join([str(listing_installed), str(REPOSITORY)]),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    # The secret scan knows both keys, by the variables their names give.
    assert leaked_keys(api_key("alpha-one")) == ["KEYS['ALPHA_ONE_API_KEY']"]
    assert leaked_keys(api_key("beta_two")) == ["KEYS['BETA_TWO_API_KEY']"]

    code, out = cli("--config", str(config), "sync", "--format", "json")
    assert code == 0, out
    assert {o["provider"]: (o["status"], o["model_count"]) for o in json.loads(out)} == {
        "alpha-one": ("succeeded", 3),
        "beta_two": ("succeeded", 1),
    }
    assert_each_key_went_only_to_its_host(alpha, beta)
    assert {r[0] for r in rows(engine, "SELECT slug FROM providers")} == {"alpha-one", "beta_two"}
    assert current_models(engine) == {
        ("alpha-one", "gemma"),
        ("alpha-one", "llama-3"),
        ("alpha-one", "mixtral"),
        ("beta_two", "qwen-2"),
    }
    runs = "SELECT p.slug, r.status FROM sync_runs r JOIN providers p ON p.id = r.provider_id"
    assert sorted(rows(engine, runs)) == [("alpha-one", "succeeded"), ("beta_two", "succeeded")]

    # Each instance has its own lock: alpha-one's, held here, skips only alpha-one.
    with provider_lock(engine, "alpha-one") as held:
        assert held
        code, out = cli("--config", str(config), "sync", "--format", "json")
    assert code == 0, out
    assert {o["provider"]: o["status"] for o in json.loads(out)} == {
        "alpha-one": "skipped",
        "beta_two": "unchanged",
    }

    code, out = cli("--config", str(config), "status", "--format", "json")
    assert code == 0, out
    status = {s["provider"]: s for s in json.loads(out)}
    assert {"alpha-one", "beta_two"} <= set(status)
    assert "listing" not in status
    assert (status["alpha-one"]["model_count"], status["beta_two"]["model_count"]) == (3, 1)
    assert status["alpha-one"]["last_success_at"]
    assert status["beta_two"]["last_success_at"]

    code, out = cli("--config", str(config), "diff", "alpha-one", "--format", "json")
    assert code == 0, out
    assert (json.loads(out)["provider"], json.loads(out)["added"]) == (
        "alpha-one",
        ["gemma", "llama-3", "mixtral"],
    )
    code, out = cli("--config", str(config), "rebuild", "beta_two", "--format", "json")
    assert code == 0, out
    assert "beta_two" in out

    # The daemon schedules both, and its metrics name both.
    alpha.set_json("models", models_list("llama-3", "mixtral"))
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        env={**os.environ},
    )
    wait_until(
        lambda: ("alpha-one", "gemma") not in current_models(engine),
        20,
        "the daemon's sync of alpha-one's new catalog",
        daemon,
    )
    samples = wait_until(
        lambda: (
            (s := metric_values(daemon))
            and s['catalogsync_models{provider="alpha-one"}'] == 2
            and s
        ),
        10,
        "alpha-one's model count in the metrics",
        daemon,
    )
    assert samples['catalogsync_models{provider="beta_two"}'] == 1
    for provider in ("alpha-one", "beta_two"):
        assert samples[f'catalogsync_last_success_timestamp_seconds{{provider="{provider}"}}'] > 1e9
        assert f'catalogsync_syncs_total{{provider="{provider}",status="succeeded"}}' in samples
    assert not [s for s in samples if 'provider="listing"' in s]
    code, _ = daemon.stop()
    assert code == 0, daemon.describe()
    assert_each_key_went_only_to_its_host(alpha, beta)
    assert leaked_keys(daemon.stdout + daemon.stderr) == []
    assert database_leaks(database_url) == []


def test_import_takes_an_instance_name(database_url, engine, listing_installed, tmp_path):
    config = tmp_path / "catalogsync.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[providers.alpha-one]\nadapter = "listing"\nbase_url = "https://alpha.example"\n'
    )
    saved = tmp_path / "models.json"
    saved.write_text(json.dumps(models_list("llama-3")))
    code, out = cli("--config", str(config), "import", "alpha-one", str(saved), "--format", "json")
    assert code == 0, out
    assert current_models(engine) == {("alpha-one", "llama-3")}
    # The adapter's own name is no provider here (no section, no base URL), but an import
    # fetches nothing: a saved response is stored under the adapter's name.
    assert cli("--config", str(config), "import", "listing", str(saved))[0] == 0
    saved.write_text("[]")
    code, out = cli("--config", str(config), "import", "alpha-one", str(saved), "--format", "json")
    assert code == 1
    (outcome,) = json.loads(out)
    assert outcome["error"] == "alpha-one: invalid payload: data: not a list of models"
    assert sorted(rows(engine, "SELECT slug FROM providers")) == [("alpha-one",), ("listing",)]


def test_two_openai_compatible_instances_sync_side_by_side(
    database_url, engine, two_servers, tmp_path, monkeypatch, spawn
):
    """Issue 13's must-show 2 with the shipped adapter: ``groq`` and ``together`` are
    ``openai_compatible`` instances with their own hosts and keys."""
    alpha, beta = two_servers
    others = "".join(
        f"[providers.{n}]\nenabled = false\n" for n, url in default_base_urls().items() if url
    )
    config = tmp_path / "catalogsync.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n\n{others}\n'
        f'[providers.groq]\nadapter = "openai_compatible"\nbase_url = "{alpha.url}"\n'
        'schedule = "@every 1s"\n\n'
        f'[providers.together]\nadapter = "openai_compatible"\nbase_url = "{beta.url}/openai"\n'
        'schedule = "@every 1s"\n'
    )
    for name, value in {**instance_keys("groq"), **instance_keys("together")}.items():
        monkeypatch.setenv(name, value)
    code, out = cli("--config", str(config), "sync", "--format", "json")
    assert code == 0, out
    assert {o["provider"]: (o["status"], o["model_count"]) for o in json.loads(out)} == {
        "groq": ("succeeded", 3),
        "together": ("succeeded", 1),
    }
    groq_key, together_key = api_key("groq"), api_key("together")
    assert {(r.path, r.headers.get("Authorization")) for r in alpha.requests} == {
        ("/v1/models", f"Bearer {groq_key}")
    }
    assert {(r.path, r.headers.get("Authorization")) for r in beta.requests} == {
        ("/openai/v1/models", f"Bearer {together_key}")
    }
    assert together_key not in repr(alpha.requests)
    assert groq_key not in repr(beta.requests)
    assert current_models(engine) == {
        ("groq", "gemma"),
        ("groq", "llama-3"),
        ("groq", "mixtral"),
        ("together", "qwen-2"),
    }
    code, out = cli("--config", str(config), "status", "--format", "json")
    assert code == 0, out
    status = {s["provider"]: s["model_count"] for s in json.loads(out)}
    assert (status["groq"], status["together"]) == (3, 1)
    assert "openai_compatible" not in status

    # The daemon's metrics name both instances.
    alpha.set_json("models", models_list("llama-3", "mixtral"))
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        env={**os.environ},
    )
    samples = wait_until(
        lambda: (
            (found := metric_values(daemon))
            and found.get('catalogsync_models{provider="groq"}') == 2
            and found
        ),
        20,
        "groq's new model count in the metrics",
        daemon,
    )
    assert samples['catalogsync_models{provider="together"}'] == 1
    assert not [name for name in samples if 'provider="openai_compatible"' in name]
    code, _ = daemon.stop()
    assert code == 0, daemon.describe()
    assert leaked_keys(daemon.stdout + daemon.stderr) == []


def test_an_adapter_without_a_host_imports_a_saved_response_under_its_own_name(
    database_url, tmp_path, monkeypatch
):
    """``import openai_compatible FILE`` backfills a saved ``/v1/models`` body although no
    base URL is configured: an import fetches nothing."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    saved = tmp_path / "models.json"
    saved.write_text(json.dumps(models_list("llama-3", "qwen-2")))
    code, out = cli("import", "openai_compatible", str(saved), "--format", "json")
    assert code == 0, out
    [outcome] = json.loads(out)
    assert (outcome["provider"], outcome["status"], outcome["model_count"]) == (
        "openai_compatible",
        "succeeded",
        2,
    )
    code, out = cli("versions", "--format", "json")
    assert [(v["provider"], v["version"]) for v in json.loads(out)] == [("openai_compatible", 1)]
    # A name that is neither a provider nor an installed adapter is still refused.
    code, _ = cli("import", "no-such-adapter", str(saved))
    assert code == 2
