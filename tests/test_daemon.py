"""The daemon as a real process on ``@every 1s`` against the local provider server. SQLite and PostgreSQL.

Repeated syncs and a picked-up catalog change, metrics, a clean SIGTERM; two daemons and a
one-shot sync on one database; a provider that always fails; a stop during a slow sync.
"""

from __future__ import annotations

import io
import json
import re
import signal
from itertools import pairwise

import pytest

from catalogsync.cli import main
from catalogsync.config import load_settings
from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from catalogsync.providers import default_base_urls, provider_classes
from catalogsync.providers.base import needs_key
from catalogsync.scheduler import runnable_providers
from tests.api_keys import KEYS
from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import count, metric_values, rows
from tests.processes import (
    PROVIDERS,
    finished_ok,
    process_env,
    run_counts,
    serve_catalogs,
    spawn_processes,
    version_count,
    wait_until,
    write_config,
)

spawn = pytest.fixture(spawn_processes)

NAMED_METRICS = (
    "catalogsync_last_success_timestamp_seconds",
    "catalogsync_last_sync_duration_seconds",
    "catalogsync_sync_duration_seconds_count",
    "catalogsync_models",
    "catalogsync_price_changes_total",
    "catalogsync_sync_failures_total",
)


@pytest.fixture
def served(provider_server):
    serve_catalogs(provider_server)
    return provider_server


def metrics_url(process) -> str | None:
    found = re.search(r"serving metrics at (http://\S+/metrics)", process.stderr)
    return found.group(1) if found else None


def status_json(*argv: str) -> tuple[int, dict[str, dict]]:
    out = io.StringIO()
    code = main(["status", "--format", "json", *argv], out=out)
    return code, {s["provider"]: s for s in json.loads(out.getvalue())}


def test_daemon_syncs_repeatedly_picks_up_a_change_and_stops_on_sigterm(
    database_url, engine, served, spawn, tmp_path
):
    config = write_config(tmp_path / "catalogsync.toml", database_url)
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        "--log-format",
        "json",
        env=process_env(served),
    )
    wait_until(
        lambda: all(finished_ok(engine, p) >= 2 for p in PROVIDERS),
        20,
        "two syncs of every provider",
        daemon,
    )
    samples = metric_values(wait_until(lambda: metrics_url(daemon), 5, "the metrics URL", daemon))
    for name in NAMED_METRICS:
        for provider in PROVIDERS:
            assert f'{name}{{provider="{provider}"}}' in samples, name
    assert samples['catalogsync_models{provider="audioshake"}'] == 2
    assert samples['catalogsync_last_success_timestamp_seconds{provider="akool"}'] > 1.7e9
    assert samples['catalogsync_syncs_total{provider="akool",status="unchanged"}'] >= 1

    served.set_json(
        "akool", akool_payload(akool_model("AkoolImage2VideoFastV1", prices={"720p": 6}))
    )
    wait_until(lambda: version_count(engine, "akool") == 2, 10, "akool version 2", daemon)
    code, seconds = daemon.stop(signal.SIGTERM, timeout=15)

    assert code == 0, daemon.describe()
    assert seconds < 15
    assert count(engine, "sync_runs", "status = 'running'") == 0
    assert {p: version_count(engine, p) for p in PROVIDERS} == {
        p: 2 if p == "akool" else 1 for p in PROVIDERS
    }
    assert all(finished_ok(engine, p) >= 3 for p in PROVIDERS)
    # Every line is one JSON object; every line about a sync names the provider and run.
    logs = daemon.json_logs()
    about_runs = [line for line in logs if line["message"].startswith("sync ")]
    assert len(about_runs) >= 12
    assert all(line["provider"] in PROVIDERS and line["run_id"] for line in about_runs)
    assert {"time", "level", "logger", "message", "provider", "run_id"} <= set(logs[0])


def test_two_daemons_and_a_one_shot_sync_never_duplicate_or_overlap(
    database_url, engine, served, spawn, tmp_path
):
    # Slow answers make the three processes' syncs collide often.
    serve_catalogs(served, delay=0.2)
    config = str(write_config(tmp_path / "catalogsync.toml", database_url))
    env = process_env(served)
    first = spawn("daemon", "--config", config, env=env, label="daemon-1")
    second = spawn("daemon", "--config", config, env=env, label="daemon-2")
    once = spawn("sync", "--config", config, "--format", "json", env=env, label="sync")
    assert once.wait(30) == 0, once.describe()
    assert {o["status"] for o in json.loads(once.stdout)} <= {"succeeded", "unchanged", "skipped"}
    wait_until(
        lambda: all(finished_ok(engine, p) >= 2 for p in PROVIDERS),
        20,
        "two syncs of every provider",
        first,
        second,
    )
    served.set_json(
        "audioshake",
        audioshake_payload(audioshake_model("bass", price=3), audioshake_model("drums", price=2)),
        delay=0.2,
    )
    wait_until(lambda: version_count(engine, "audioshake") == 2, 10, "audioshake v2", first, second)
    settled = finished_ok(engine, "audioshake") + 1
    wait_until(lambda: finished_ok(engine, "audioshake") >= settled, 10, "more runs", first, second)
    assert first.stop()[0] == 0, first.describe()
    assert second.stop()[0] == 0, second.describe()

    # Exactly one version per distinct catalog content.
    versions = rows(
        engine,
        "SELECT p.slug, COUNT(*), COUNT(DISTINCT v.content_hash) FROM catalog_versions v "
        "JOIN providers p ON p.id = v.provider_id GROUP BY p.slug",
    )
    assert {slug: (n, distinct) for slug, n, distinct in versions} == {
        p: (2, 2) if p == "audioshake" else (1, 1) for p in PROVIDERS
    }
    # No two runs of one provider overlap in [started_at, finished_at].
    runs = rows(
        engine,
        "SELECT p.slug, r.started_at, r.finished_at, r.status, r.pid FROM sync_runs r "
        "JOIN providers p ON p.id = r.provider_id ORDER BY p.slug, r.started_at, r.id",
    )
    assert all(finished is not None for _, _, finished, _, _ in runs)
    for provider in PROVIDERS:
        mine = [r for r in runs if r[0] == provider]
        for before, after in pairwise(mine):
            assert before[2] <= after[1], f"{provider}: run {before} overlaps {after}"
    assert {status for *_, status, _ in runs} <= {"succeeded", "unchanged"}
    # The lock did turn processes away. (Which daemon wins is up to their phases: one
    # may win every time, which is as it should be.)
    assert {first.pid, second.pid} & {pid for *_, pid in runs}
    logs = first.stderr + second.stderr + once.stderr
    assert "skipped: another process is syncing" in logs


def test_a_provider_failing_every_time_does_not_stop_the_others(
    database_url, engine, served, spawn, tmp_path
):
    served.set_json("akool", {"error": "upstream down"}, status=500)
    config = write_config(
        tmp_path / "catalogsync.toml",
        database_url,
        '[providers.akool]\nschedule = "@every 1s"\nmax_attempts = 1\n',
    )
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        env=process_env(served),
    )
    wait_until(
        lambda: (
            run_counts(engine).get(("akool", "failed"), 0) >= 3
            and all(finished_ok(engine, p) >= 3 for p in ("audioshake", "auriko"))
        ),
        20,
        "three failures of akool and three successes of the others",
        daemon,
    )
    assert daemon.popen.poll() is None
    samples = metric_values(metrics_url(daemon) or "")
    assert samples['catalogsync_sync_failures_total{provider="akool"}'] >= 3
    assert samples['catalogsync_sync_failures_total{provider="audioshake"}'] == 0
    assert samples['catalogsync_last_success_timestamp_seconds{provider="akool"}'] == 0
    assert samples['catalogsync_last_success_timestamp_seconds{provider="auriko"}'] > 1.7e9

    # status --max-age: akool never succeeded, so exit 1; the others are fresh.
    code, status = status_json("--config", str(config), "--max-age", "1m")
    assert code == 1
    assert status["akool"]["stale"] is True
    assert "HTTP 500" in status["akool"]["last_failure_error"]
    assert status["audioshake"]["stale"] is status["auriko"]["stale"] is False

    assert daemon.stop()[0] == 0, daemon.describe()
    assert "HTTP 500" in daemon.stderr


def test_sigterm_during_a_slow_sync_exits_within_the_stop_timeout(
    served, spawn, tmp_path, monkeypatch
):
    database_url = f"sqlite:///{tmp_path / 'slow.db'}"
    upgrade(make_engine(database_url))
    engine = make_engine(database_url)
    served.set_raw("akool", json.dumps(akool_payload(akool_model("A"))).encode(), delay=60)
    config = write_config(
        tmp_path / "catalogsync.toml",
        database_url,
        "[daemon]\nstop_timeout_seconds = 1\n",
        every="1h",
    )
    daemon = spawn("daemon", "--config", str(config), env=process_env(served))
    wait_until(
        lambda: (
            count(engine, "sync_runs", "status = 'running'") == 1
            and finished_ok(engine, "audioshake") == 1
        ),
        20,
        "akool's sync hanging on its slow provider",
        daemon,
    )
    code, seconds = daemon.stop(signal.SIGTERM, timeout=15)
    assert code == 0, daemon.describe()
    assert seconds < 5
    assert "akool" in daemon.stderr.split("stopping now with syncs unfinished")[1]

    # The next run finds the interrupted one and records it; the provider is fast again.
    serve_catalogs(served)
    monkeypatch.setenv("AKOOL_API_KEY", KEYS["AKOOL_API_KEY"])
    monkeypatch.setenv("CATALOGSYNC_AKOOL_BASE_URL", served.url)
    assert main(["sync", "akool", "--config", str(config)], out=io.StringIO()) == 0
    [(status, error)] = rows(
        engine,
        "SELECT status, error FROM sync_runs WHERE status NOT IN ('succeeded', 'unchanged')",
    )
    assert status == "abandoned"
    assert f"process {daemon.pid} " in error
    engine.dispose()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[providers.akool]\nschedule = '0 25 * * *'\n", "higher than the maximum"),
        ("[providers.akool]\nschedule = '* * * * 8'\n", "day of week"),
        ("[providers.akool]\njitter_seconds = -1\n", "jitter_seconds"),
        ("[daemon]\ntimezone = 'Mars/Olympus'\n", "time zone"),
        ("[daemon]\nrun_at_once = true\n", "[daemon] run_at_once: unknown key"),
    ],
)
def test_configuration_errors_stop_the_daemon_at_start(config, message, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(config)
    assert main(["daemon", "--config", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_daemon_without_any_key_exits_2(tmp_path, capsys):
    """With every provider that needs no key (litellm's public file) disabled."""
    database_url = f"sqlite:///{tmp_path / 'keys.db'}"
    # Providers that need no key (OpenRouter's public list) would be scheduled: disabled here.
    keyless = [name for name, cls in provider_classes().items() if not needs_key(cls)]
    config = tmp_path / "catalogsync.toml"
    config.write_text("".join(f"[providers.{n}]\nenabled = false\n" for n in keyless))
    assert main(["db", "upgrade", "--database-url", database_url], out=io.StringIO()) == 0
    assert main(["daemon", "--config", str(config), "--database-url", database_url]) == 2
    assert "nothing to schedule" in capsys.readouterr().err


def test_a_provider_that_needs_no_key_is_scheduled_without_one():
    settings = load_settings(None, {}, default_base_urls())
    assert runnable_providers(settings) == [
        name for name, cls in provider_classes().items() if not needs_key(cls)
    ]
