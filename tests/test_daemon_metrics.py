"""The daemon's HTTP endpoint: ``/healthz`` follows the scheduler, a busy metrics port is
retried while the schedule runs (never exit 2), and the real ``/metrics`` passes
``promtool check metrics``. SQLite and PostgreSQL for the daemon process.
"""

from __future__ import annotations

import logging
import socket

import httpx
import pytest
from prometheus_client import CollectorRegistry

from catalogsync import api
from catalogsync.config import DaemonSettings, ProviderSettings, Settings
from catalogsync.errors import ConfigError
from catalogsync.metrics import SyncMetrics
from catalogsync.metrics_server import MetricsServer
from catalogsync.scheduler import Daemon
from tests.helpers import metric_values
from tests.processes import (
    PROVIDERS,
    finished_ok,
    process_env,
    serve_catalogs,
    spawn_processes,
    wait_until,
    write_config,
)
from tests.test_prometheus import check_metrics

spawn = pytest.fixture(spawn_processes)


def listening_socket() -> socket.socket:
    """A socket holding a free loopback port, as another program would."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=5)


def test_healthz_answers_200_when_healthy_and_503_with_the_reason_otherwise():
    problem: list[str | None] = [None]
    server = MetricsServer(CollectorRegistry(), 0, "127.0.0.1", lambda: problem[0])
    server.start()
    try:
        base = server.url.removesuffix("/metrics")
        ok = get(f"{base}/healthz")
        assert (ok.status_code, ok.text) == (200, "ok\n")
        problem[0] = "stopping"
        down = get(f"{base}/healthz")
        assert (down.status_code, down.text) == (503, "unhealthy: stopping\n")
        assert get(server.url).status_code == 200
    finally:
        server.close()


def test_a_busy_port_is_retried_until_it_binds(caplog):
    caplog.set_level(logging.INFO, logger="catalogsync.metrics_server")
    holder = listening_socket()
    port = holder.getsockname()[1]
    server = MetricsServer(
        SyncMetrics(["akool"]).registry, port, "127.0.0.1", lambda: None, retry_delays=(0.1,)
    )
    try:
        server.start()  # no ConfigError: the port is busy, not wrong
        assert not server.bound
        holder.close()
        wait_until(lambda: server.bound, 10, "the port bound once free")
        assert metric_values(server.url)['catalogsync_models{provider="akool"}'] == 0
    finally:
        holder.close()
        server.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        f"cannot serve metrics on 127.0.0.1:{port}: the port is in use; retrying in 0.1s" in m
        for m in messages
    )
    assert f"serving metrics at http://127.0.0.1:{port}/metrics (health at /healthz)" in messages


def test_an_address_that_cannot_be_bound_is_a_configuration_error():
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: EADDRNOTAVAIL, not EADDRINUSE.
    server = MetricsServer(CollectorRegistry(), 0, "192.0.2.1", lambda: None)
    with pytest.raises(ConfigError, match=r"cannot serve metrics on 192\.0\.2\.1:0"):
        server.start()


def test_the_daemons_health_follows_its_scheduler(tmp_path):
    db = api.open_database(f"sqlite:///{tmp_path / 'health.db'}")
    api.upgrade_database(db)
    settings = Settings(
        providers={
            "akool": ProviderSettings(
                name="akool", base_url="http://127.0.0.1:9", schedule="@every 1h"
            )
        },
        daemon=DaemonSettings(run_at_start=False),
    )
    daemon = Daemon(db, settings, ["akool"])
    assert daemon.health() == "the scheduler is not running"
    daemon.start()
    try:
        assert daemon.health() is None
    finally:
        assert daemon.stop(1) == []
    assert daemon.health() == "stopping"
    db.close()


def test_daemon_on_a_busy_port_keeps_syncing_then_serves_metrics_and_health(
    database_url, engine, provider_server, spawn, tmp_path
):
    serve_catalogs(provider_server)
    holder = listening_socket()
    port = holder.getsockname()[1]
    config = write_config(tmp_path / "catalogsync.toml", database_url)
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        str(port),
        "--metrics-host",
        "127.0.0.1",
        env=process_env(provider_server),
    )
    try:
        wait_until(
            lambda: "the port is in use; retrying in 1s" in daemon.stderr, 20, "a retry", daemon
        )
        # The schedule runs while the port is taken.
        wait_until(lambda: all(finished_ok(engine, p) >= 1 for p in PROVIDERS), 20, "syncs", daemon)
        assert daemon.popen.poll() is None
    finally:
        holder.close()
    url = f"http://127.0.0.1:{port}/metrics"
    # Retries back off (1, 2, 5, 10, 30 s...): on a slow machine the bind may take a while.
    wait_until(lambda: f"serving metrics at {url}" in daemon.stderr, 65, "the bind", daemon)
    health = get(f"http://127.0.0.1:{port}/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")

    exposition = get(url).content
    check_metrics(exposition)
    samples = metric_values(url)
    python, version = python_and_version()
    assert samples[f'catalogsync_build_info{{python="{python}",version="{version}"}}'] == 1
    assert samples["process_resident_memory_bytes"] > 10e6
    assert samples["process_start_time_seconds"] > 1.7e9
    assert not [name for name in samples if "_created" in name]
    for provider in PROVIDERS:
        assert samples[f'catalogsync_sync_duration_seconds_count{{provider="{provider}"}}'] >= 1
        assert samples[f'catalogsync_last_success_timestamp_seconds{{provider="{provider}"}}'] > 0
    assert daemon.stop()[0] == 0, daemon.describe()


def python_and_version() -> tuple[str, str]:
    import platform

    from catalogsync import __version__

    return platform.python_version(), __version__
