"""The command line, run in-process: exit codes, stdout JSON, database rows. SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import io
import json
from decimal import Decimal

import pytest

from catalogsync.cli import build_parser, main
from catalogsync.db.session import make_engine
from catalogsync.providers import provider_classes
from catalogsync.providers.base import needs_key
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
from tests.helpers import count, rows
from tests.provider_server import provider_fixture


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


SEEDS = ("akool", "audioshake", "auriko")
"""The providers ``serve_initial`` serves payloads of its own to; any other registered one
gets its local-server fixture's small catalog."""


def serve_initial(server) -> None:
    for name in provider_classes():
        fixture = provider_fixture(name)
        if name not in SEEDS and fixture is not None:
            for endpoint, payload in fixture["catalog"].items():
                server.set_json(endpoint, payload)
    server.set_json(
        "audioshake",
        audioshake_payload(
            audioshake_model("bass", price=1),
            audioshake_model("drums", price=2),
            audioshake_model("music_detection", price=None, access="request_access"),
        ),
    )
    server.set_json(
        "akool",
        akool_payload(
            akool_model("AkoolImage2VideoFastV1", prices={"720p": 5, "1080p": 10}),
            akool_model(
                "seedance-1-0-lite-i2v-250428",
                prices={"480p": 3, "720p": 5},
                group="seedance",
                provider="seedance",
            ),
            akool_model(
                "seedance-1-0-lite-i2v-250428",
                model_type=1502,
                prices={"480p": 3, "720p": 5},
                group="seedance",
                provider="seedance",
            ),
        ),
    )
    default = [
        auriko_model("gpt-4o-2024-08-06", providers={"openai": (2.5, 10), "azure": (2.75, 11)})
    ]
    server.set_json("openrouter", openrouter_payload(openrouter_model("openai/gpt-4o")))
    server.set_json("auriko", auriko_payload(*default))
    server.set_json(
        "auriko_responses",
        auriko_payload(*default, auriko_model("gpt-5.5-pro", providers={"openai": (15, 120)})),
    )


SEEDS = ("akool", "audioshake", "auriko")


def seeds_only(monkeypatch, tmp_path) -> None:
    """A configuration that turns off every provider but the three seeds these tests know."""
    from catalogsync.providers import provider_classes

    config = tmp_path / "seeds-only.toml"
    # An adapter without a default host needs one in its section, even switched off.
    config.write_text(
        "".join(
            f"[providers.{name}]\nenabled = false\n"
            + ("" if cls.default_base_url else 'base_url = "http://127.0.0.1:9"\n')
            for name, cls in provider_classes().items()
            if name not in SEEDS
        )
    )
    monkeypatch.setenv("CATALOGSYNC_CONFIG", str(config))


@pytest.fixture
def live_env(monkeypatch, provider_server, empty_database_url, tmp_path):
    seeds_only(monkeypatch, tmp_path)
    for name, value in {**KEYS, **provider_server.base_url_env()}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", empty_database_url)
    serve_initial(provider_server)
    engine = make_engine(empty_database_url)
    yield provider_server, engine
    engine.dispose()


def test_upgrade_sync_and_resync_against_a_local_server(live_env, capsys):
    server, engine = live_env
    code, out = run("db", "upgrade")
    assert code == 0
    assert "upgraded" in out

    code, out = run("sync", *SEEDS, "openrouter", "--format", "json")
    assert code == 0, out
    outcomes = {o["provider"]: o for o in json.loads(out)}
    assert {p: (o["status"], o["version"], o["model_count"]) for p, o in outcomes.items()} == {
        "akool": ("succeeded", 1, 2),
        "audioshake": ("succeeded", 1, 3),
        "auriko": ("succeeded", 1, 2),
        "openrouter": ("succeeded", 1, 1),
    }
    # Requests as the providers document them, with each provider's auth header.
    seen = {(r.path, tuple(r.query)): r.headers for r in server.requests}
    assert seen[("/models", ())]["x-api-key"] == KEYS["AUDIOSHAKE_API_KEY"]
    akool_query = (("types[]", "1501"), ("types[]", "1502"), ("types[]", "2101"))
    assert seen[("/api/open/v4/aigModel/list", akool_query)]["x-api-key"] == KEYS["AKOOL_API_KEY"]
    assert (
        seen[("/v1/models", (("endpoint", "responses"),))]["Authorization"]
        == f"Bearer {KEYS['AURIKO_API_KEY']}"
    )

    # OpenRouter's list is public, but a configured key is sent.
    assert seen[("/api/v1/models", ())]["Authorization"] == f"Bearer {KEYS['OPENROUTER_API_KEY']}"

    # Tables and views as the contract says.
    assert count(engine, "providers") == 4
    assert count(engine, "catalog_versions") == 4
    assert rows(
        engine,
        "SELECT upstream_version FROM catalog_versions v JOIN providers p ON p.id = v.provider_id WHERE p.slug = 'auriko'",
    ) == [("9950bdc087663c7b",)]
    assert rows(
        engine,
        "SELECT provider, model_id, access FROM current_models WHERE provider = 'audioshake' ORDER BY model_id",
    ) == [
        ("audioshake", "bass", "enabled"),
        ("audioshake", "drums", "enabled"),
        ("audioshake", "music_detection", "request_access"),
    ]
    prices = {
        (p, m, t, v, u): Decimal(str(a))
        for p, m, t, v, u, a in rows(
            engine,
            "SELECT provider, model_id, price_type, variant, unit, amount FROM current_prices",
        )
    }
    assert prices[("akool", "AkoolImage2VideoFastV1", "unit", "1080p", "credits")] == 10
    assert prices[("auriko", "gpt-4o-2024-08-06", "output_tokens", "azure", "USD/1M tokens")] == 11
    assert prices[("audioshake", "bass", "per_minute", "", "credits/minute")] == 1
    assert not any(m == "music_detection" for _, m, *_ in prices)
    assert count(engine, "price_history") == len(prices)
    assert count(engine, "current_models") == 8

    # An identical sync: unchanged runs, no new version.
    code, out = run("sync", *SEEDS, "openrouter", "--format", "json")
    assert code == 0
    assert {o["status"] for o in json.loads(out)} == {"unchanged"}
    assert count(engine, "catalog_versions") == 4
    assert count(engine, "sync_runs", "status = 'unchanged'") == 4

    # Change two providers: one new version each, nothing for the third.
    server.set_json(
        "audioshake",
        audioshake_payload(
            audioshake_model("bass", price=Decimal("1.5")),
            audioshake_model("drums", price=2, audio=("wav", "mp3", "flac")),
            audioshake_model("music_detection", price=None, access="request_access"),
        ),
    )
    server.set_json(
        "akool",
        akool_payload(
            akool_model("AkoolImage2VideoFastV1", prices={"720p": 5, "1080p": 12}),
            akool_model(
                "seedance-1-0-lite-i2v-250428",
                prices={"480p": 3, "720p": 5},
                group="seedance",
                provider="seedance",
                model_type=1502,
            ),
            akool_model(
                "seedance-1-0-lite-i2v-250428",
                prices={"480p": 3, "720p": 5},
                group="seedance",
                provider="seedance",
            ),
        ),
    )
    code, out = run("sync", *SEEDS, "openrouter", "--format", "json")
    assert code == 0
    assert {o["provider"]: (o["status"], o["version"]) for o in json.loads(out)} == {
        "akool": ("succeeded", 2),
        "audioshake": ("succeeded", 2),
        "auriko": ("unchanged", 1),
        "openrouter": ("unchanged", 1),
    }
    history = rows(
        engine,
        "SELECT amount, valid_to IS NULL FROM price_history WHERE model_id = 'AkoolImage2VideoFastV1' AND variant = '1080p' ORDER BY valid_from",
    )
    assert [(Decimal(str(a)), bool(current)) for a, current in history] == [
        (Decimal(10), False),
        (Decimal(12), True),
    ]

    code, out = run("versions", "--format", "json")
    versions = json.loads(out)
    assert code == 0
    assert len(versions) == 6
    assert set(versions[0]) >= {"provider", "version", "fetched_at", "content_hash", "model_count"}
    code, out = run("versions", "akool")
    assert code == 0
    assert "akool" in out
    assert "auriko" not in out

    code, out = run("models", "auriko", "--format", "json")
    listed = {m["model_id"]: m for m in json.loads(out)}
    assert set(listed) == {"gpt-4o-2024-08-06", "gpt-5.5-pro"}
    assert {
        (p["variant"], p["price_type"], p["amount"]) for p in listed["gpt-5.5-pro"]["prices"]
    } == {
        ("openai", "input_tokens", 15),
        ("openai", "output_tokens", 120),
    }
    code, out = run("models")
    assert code == 0
    assert "AkoolImage2VideoFastV1" in out
    assert "bass" in out

    # The keys appear nowhere: not in output, logs, or any stored row or payload.
    captured = capsys.readouterr()
    dump = database_text(engine)
    for key in KEYS.values():
        assert key not in captured.out + captured.err
        assert key not in dump


def database_text(engine) -> str:
    """Every value of every table, raw payloads decompressed, as one text."""
    import zlib

    from catalogsync.db.models import metadata

    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = zlib.decompress(bytes(value)).decode()
                    parts.append(str(value))
    assert parts
    return "\n".join(parts)


def test_one_failing_provider_exits_1_and_the_others_sync(live_env):
    server, engine = live_env
    assert run("db", "upgrade")[0] == 0
    server.set_raw("akool", b"<html>502 Bad Gateway</html>", status=200, content_type="text/html")
    code, out = run("sync", "--format", "json")
    assert code == 1
    status = {o["provider"]: o for o in json.loads(out)}
    assert status["akool"]["status"] == "failed"
    assert "not JSON" in status["akool"]["error"]
    assert status["audioshake"]["status"] == status["auriko"]["status"] == "succeeded"
    assert rows(engine, "SELECT error FROM sync_runs WHERE status = 'failed'")[0][0].startswith(
        "akool: invalid payload"
    )


def test_provider_without_key_is_skipped(live_env, monkeypatch, capsys):
    server, _engine = live_env
    monkeypatch.delenv("AKOOL_API_KEY")
    assert run("db", "upgrade")[0] == 0
    code, out = run("sync", "--format", "json")
    assert code == 0
    status = {o["provider"]: o for o in json.loads(out)}
    assert status["akool"]["status"] == "skipped"
    assert "AKOOL_API_KEY" in status["akool"]["error"]
    assert "AKOOL_API_KEY" in capsys.readouterr().err
    assert not any(r.path.startswith("/api/open") for r in server.requests)


def test_sync_with_no_keys_at_all_exits_2(monkeypatch, tmp_path, capsys):
    """Of the providers that need a key (public catalogs such as litellm's need none)."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert run("db", "upgrade")[0] == 0
    # (openai_compatible is a provider only where a base URL is configured: none here.)
    keyed = [
        name
        for name, cls in provider_classes().items()
        if needs_key(cls) and name != "openai_compatible"
    ]
    code, _ = run("sync", *keyed)
    assert code == 2
    err = capsys.readouterr().err
    assert "AUDIOSHAKE_API_KEY" in err
    assert "AKOOL_API_KEY" in err
    assert "AURIKO_API_KEY" in err


def test_providers_that_need_no_key_sync_without_any(live_env, monkeypatch, capsys):
    server, engine = live_env
    for name in KEYS:
        monkeypatch.delenv(name)
    router = openrouter_model("openrouter/auto", "-1", "-1")
    server.set_json("openrouter", openrouter_payload(router))
    assert run("db", "upgrade")[0] == 0
    code, out = run("sync", *SEEDS, "openrouter", "--format", "json")
    assert code == 0, out
    status = {o["provider"]: o["status"] for o in json.loads(out)}
    assert status == {**dict.fromkeys(SEEDS, "skipped"), "openrouter": "succeeded"}
    [openrouter] = [r for r in server.requests if r.path == "/api/v1/models"]
    assert "Authorization" not in openrouter.headers
    assert all(not r.path.startswith(("/models", "/api/open", "/v1/")) for r in server.requests)
    assert (
        rows(
            engine,
            "SELECT model_id, amount, kind FROM current_prices WHERE provider = 'openrouter'",
        )
        == [("openrouter/auto", None, "variable")] * 2
    )


def test_sync_before_db_upgrade_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("AKOOL_API_KEY", KEYS["AKOOL_API_KEY"])
    assert run("sync")[0] == 2
    assert "catalogsync db upgrade" in capsys.readouterr().err


def test_import_with_observed_at(database_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    first, second = tmp_path / "v1.json", tmp_path / "v2.json"
    first.write_text(json.dumps(audioshake_payload(audioshake_model("bass", price=1))))
    second.write_text(json.dumps(audioshake_payload(audioshake_model("bass", price=2))))
    code, out = run(
        "import",
        "audioshake",
        str(first),
        "--observed-at",
        "2025-03-01T12:00:00Z",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)[0]["version"] == 1
    code, out = run(
        "import", "audioshake", str(second), "--observed-at", "2025-06-01", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)[0]["version"] == 2
    engine = make_engine(database_url)
    try:
        [(valid_from, valid_to)] = rows(
            engine,
            "SELECT valid_from, valid_to FROM price_history WHERE amount = 1"
            if "sqlite" not in database_url
            else "SELECT valid_from, valid_to FROM price_history WHERE amount = '1'",
        )
        assert str(valid_from).startswith("2025-03-01 12:00:00")
        assert str(valid_to).startswith("2025-06-01 00:00:00")
    finally:
        engine.dispose()
    code, _ = run("import", "audioshake", str(first), "--observed-at", "2025-04-01")
    assert code == 1
    assert "newest stored version" in capsys.readouterr().err + _
    code, _ = run("import", "audioshake", str(tmp_path / "missing.json"))
    assert code == 2


@pytest.mark.parametrize("position", ["before", "after"])
def test_global_options_before_or_after_the_command(position, tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "from-config.db"}"\n')
    argv = (
        ["--config", str(config), "db", "upgrade"]
        if position == "before"
        else ["db", "upgrade", "--config", str(config)]
    )
    code, out = run(*argv)
    assert code == 0
    assert "from-config.db" in out


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[providers.akool]\napi_key = 'x'\n", "api_key: does not belong"),
        ("[providers.nope]\n", "unknown provider"),
        ("[providers.akool]\nschedule = 'hourly'\n", "five-field cron"),
        ("[providers.akool]\ntypes = []\n", "types"),
        ("[database\n", "not valid TOML"),
        ("colour = 'blue'\n", "colour: unknown key"),
    ],
)
def test_configuration_errors_exit_2(config, message, tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(config)
    monkeypatch.setenv("AKOOL_API_KEY", KEYS["AKOOL_API_KEY"])
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    run("db", "upgrade")
    code, _ = run("--config", str(path), "sync")
    assert code == 2
    assert message in capsys.readouterr().err


def _leaf_commands():
    parser = build_parser()
    stack: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = [((), parser)]
    while stack:
        prefix, current = stack.pop()
        subs = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield prefix
        for action in subs:
            for name, sub in action.choices.items():
                stack.append(((*prefix, name), sub))


@pytest.mark.parametrize("command", sorted(_leaf_commands()), ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    assert "usage: catalogsync" in help_text
    assert len(help_text.splitlines()) > 3
    # Each ends with examples, the environment it reads and its exit codes (cli/help.py):
    # a command added without them fails here.
    tail = help_text[help_text.index("\nexamples:\n") :]
    assert "\nenvironment:\n  CATALOGSYNC_" in tail
    assert "\nexit codes:\n  0  " in tail
    assert f"  catalogsync {' '.join(command)}" in tail


@pytest.mark.parametrize("command", ["versions", "models"])
def test_listing_an_unknown_provider_exits_2(command, database_url, monkeypatch, capsys):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    code, _ = run(command, "nope")
    assert code == 2
    assert "unknown provider 'nope'" in capsys.readouterr().err


def test_a_reader_does_not_block_a_sync_on_sqlite(tmp_path):
    from sqlalchemy import text

    from catalogsync.db.migrate import upgrade
    from catalogsync.db.session import reading

    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}", busy_timeout=0.2)
    upgrade(engine)
    try:
        with reading(engine) as reader:
            reader.execute(
                text("SELECT COUNT(*) FROM providers")
            ).scalar()  # a read transaction is open
            with engine.begin() as writer:  # would fail with "database is locked" if reads locked
                writer.execute(text("INSERT INTO formats (kind, name) VALUES ('audio', 'wav')"))
    finally:
        engine.dispose()


def test_models_listing_shows_bracketed_names_verbatim(database_url, monkeypatch):
    from tests.helpers import store

    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    engine = make_engine(database_url)
    try:
        store(
            engine, "audioshake", audioshake_payload(audioshake_model("bass", name="Bass [bold]"))
        )
    finally:
        engine.dispose()
    code, out = run("models", "audioshake")
    assert code == 0
    assert "Bass [bold]" in out


def test_a_provider_that_needs_no_key_syncs_without_one(live_env, monkeypatch):
    """litellm's price file is public: with no key at all, it still syncs, and nothing else."""
    _server, _engine = live_env
    for name in KEYS:
        monkeypatch.delenv(name)
    assert run("db", "upgrade")[0] == 0
    code, out = run("sync", *SEEDS, "litellm", "--format", "json")
    assert code == 0
    status = {o["provider"]: o["status"] for o in json.loads(out)}
    assert status["litellm"] == "succeeded"
    assert status["akool"] == status["audioshake"] == status["auriko"] == "skipped"
