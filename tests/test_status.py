"""``catalogsync status`` and the metrics: what monitoring sees. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import generate_latest

from catalogsync.cli import build_parser, main
from catalogsync.config import load_settings
from catalogsync.durations import format_age, parse_duration
from catalogsync.errors import TransientProviderError
from catalogsync.metrics import SyncMetrics
from catalogsync.present.output import dumps_json
from catalogsync.providers import default_base_urls, get_provider_class
from catalogsync.reads.status import ProviderStatus
from catalogsync.results import SyncOutcome
from catalogsync.sync import SyncPolicy, run_sync
from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
)
from tests.helpers import settings, store


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 2H ", 7200),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "90", "2x", "h", "0s", "1h and 2m", "-5m"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (42, "42s"), (192, "3m 12s"), (7500, "2h 5m"), (352800, "4d 2h")],
)
def test_format_age(seconds, text):
    assert format_age(timedelta(seconds=seconds)) == text


def sync_at(engine, provider, payload, at, *, fail=False):
    """A recorded sync (not an import) of ``payload`` as if run at ``at``."""
    adapter = get_provider_class(provider)(settings().providers[provider])
    raw = dumps_json(payload).encode()

    def obtain() -> bytes:
        if fail:
            raise TransientProviderError(provider, "HTTP 500 from https://example.invalid/x")
        return raw

    return run_sync(engine, adapter, obtain, SyncPolicy(trigger="sync"), clock=lambda: at)


@pytest.fixture
def history(engine, monkeypatch, database_url):
    """akool: ok 3 h ago, failed 10 min ago; audioshake: ok 5 min ago; auriko: only imported."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    now = datetime.now(UTC)
    akool = akool_payload(akool_model("AkoolImage2VideoFastV1"))
    assert sync_at(engine, "akool", akool, now - timedelta(hours=3)).status == "succeeded"
    assert sync_at(engine, "akool", akool, now - timedelta(minutes=10), fail=True).status == (
        "failed"
    )
    shake = audioshake_payload(audioshake_model("bass"))
    assert sync_at(engine, "audioshake", shake, now - timedelta(days=2)).status == "succeeded"
    assert sync_at(engine, "audioshake", shake, now - timedelta(minutes=5)).status == "unchanged"
    assert store(engine, "auriko", auriko_payload(auriko_model("gpt-4o"))).status == "succeeded"
    return engine


def status(*argv):
    out = io.StringIO()
    code = main(["status", *argv], out=out)
    return code, out.getvalue()


def test_status_shows_each_provider(history):
    code, out = status("--format", "json")
    assert code == 0
    found = {s["provider"]: s for s in json.loads(out)}
    assert list(found)[:3] == ["akool", "audioshake", "auriko"]
    # The adapters added later (modelsdev...) have no history here: listed, never synced.
    assert all(s["version_count"] == 0 for p, s in list(found.items())[3:])
    akool = found["akool"]
    assert 3 * 3600 - 60 < akool["last_success_age_seconds"] < 3 * 3600 + 60
    assert "HTTP 500" in akool["last_failure_error"]
    assert akool["last_failure_at"] > akool["last_success_at"]
    assert (akool["version"], akool["version_count"], akool["model_count"]) == (1, 1, 1)
    assert akool["stale"] is None
    shake = found["audioshake"]
    # Newest data: version 1, observed two days ago; confirmed unchanged five minutes ago.
    assert shake["data_age_seconds"] > 2 * 86400 - 60
    assert shake["last_success_age_seconds"] < 5 * 60 + 60
    assert shake["last_failure_at"] is None
    # An import is data, but not a sync: auriko has a version and no last success.
    auriko = found["auriko"]
    assert (auriko["version_count"], auriko["last_success_at"]) == (1, None)

    code, out = status()
    assert code == 0
    for text in ("akool", "audioshake", "auriko", "HTTP 500", "3h 0m ago", "never"):
        assert text in out


def test_status_max_age_exits_1_for_stale_providers_and_0_for_fresh(history, tmp_path, capsys):
    code, out = status("--max-age", "1h", "--format", "json")
    assert code == 1
    stale = {s["provider"]: s["stale"] for s in json.loads(out)}
    enabled = {
        name: p.enabled
        for name, p in load_settings(None, {}, default_base_urls()).providers.items()
    }
    others = {name: enabled[name] for name in list(stale)[3:]}  # never synced: stale if enabled
    assert stale == {"akool": True, "audioshake": False, "auriko": True, **others}
    err = capsys.readouterr().err
    assert "akool: last success 3h 0m ago, older than --max-age 1h 0m" in err
    assert "auriko: no successful sync recorded" in err
    assert "audioshake" not in err

    assert status("--max-age", "4h", "--format", "json")[0] == 1  # auriko never succeeded
    config = tmp_path / "c.toml"
    config.write_text(
        "".join(f"[providers.{name}]\nenabled = false\n" for name in ["auriko", *others])
    )
    code, out = status("--config", str(config), "--max-age", "4h")
    assert code == 0
    assert "STALE" not in out
    code, out = status("--config", str(config), "--max-age", "90s")
    assert code == 1
    assert "STALE" in out


def test_status_refuses_a_bad_duration(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["status", "--max-age", "soon"])
    assert exited.value.code == 2
    assert "not a duration" in capsys.readouterr().err


def test_status_before_db_upgrade_exits_2(empty_database_url, monkeypatch, capsys):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", empty_database_url)
    assert status("--max-age", "1h")[0] == 2
    assert "catalogsync db upgrade" in capsys.readouterr().err


def test_metrics_count_outcomes_and_report_the_database_state():
    now = datetime.now(UTC)
    metrics = SyncMetrics(["akool", "auriko"])
    metrics.observe(SyncOutcome("akool", "succeeded", 1, 1, 5, prices_changed=7, seconds=1.5))
    metrics.observe(SyncOutcome("akool", "failed", 2, error="boom", seconds=0.5))
    metrics.observe(SyncOutcome("akool", "skipped", error="another process is syncing akool"))
    metrics.refresh(
        ProviderStatus("akool", True, last_success_at=now, model_count=5, version_count=1)
    )
    text = generate_latest(metrics.registry).decode()
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert samples['catalogsync_last_success_timestamp_seconds{provider="akool"}'] == (
        now.timestamp()
    )
    assert samples['catalogsync_last_success_timestamp_seconds{provider="auriko"}'] == 0
    assert samples['catalogsync_last_sync_duration_seconds{provider="akool"}'] == 0.5
    assert samples['catalogsync_models{provider="akool"}'] == 5
    assert samples['catalogsync_price_changes_total{provider="akool"}'] == 7
    assert samples['catalogsync_sync_failures_total{provider="akool"}'] == 1
    assert samples['catalogsync_sync_failures_total{provider="auriko"}'] == 0
    for outcome in ("succeeded", "failed", "skipped"):
        assert samples[f'catalogsync_syncs_total{{provider="akool",status="{outcome}"}}'] == 1
    assert samples['catalogsync_syncs_total{provider="akool",status="unchanged"}'] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-format", "json", "status", "--max-age", "2h"],
        ["status", "--max-age", "2h", "--log-format", "json"],
        ["--log-format", "json", "daemon", "--metrics-port", "9464"],
        ["daemon", "--log-format", "json", "--metrics-port", "9464", "--config", "c.toml"],
    ],
)
def test_log_format_is_a_global_option(argv):
    args = build_parser().parse_args(argv)
    assert args.log_format == "json"
    assert (
        build_parser().parse_args(argv[2:] if argv[0] == "--log-format" else argv[:1]).log_format
        == "text"
    )
