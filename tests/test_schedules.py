"""Schedules read as cron reads them, the daemon's settings, and the JSON log format."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalogsync.config import load_settings
from catalogsync.errors import ConfigError
from catalogsync.logs import configure_logging, log_context, set_log_context
from catalogsync.providers import default_base_urls
from catalogsync.schedules import build_trigger, cron_weekdays

THURSDAY = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # 2026-01-01 is a Thursday


def fire_times(schedule: str, count: int = 3, start: datetime = THURSDAY) -> list[datetime]:
    trigger = build_trigger(schedule, UTC)
    times, previous, now = [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + timedelta(microseconds=1)
    return times


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1", "mon"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("5-7", "sun,fri,sat"),
        ("fri-sun", "sun,fri,sat"),
        ("0,6", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1/3", "mon,thu"),
        ("SAT", "sat"),
    ],
)
def test_cron_weekdays_count_from_sunday(field, names):
    assert cron_weekdays(field) == names


@pytest.mark.parametrize(
    ("schedule", "first"),
    [
        ("0 3 * * 1", datetime(2026, 1, 5, 3, 0, tzinfo=UTC)),  # Monday, as cron means it
        ("0 3 * * 0", datetime(2026, 1, 4, 3, 0, tzinfo=UTC)),  # Sunday
        ("*/15 * * * *", datetime(2026, 1, 1, 12, 0, tzinfo=UTC)),
        ("30 13 * * *", datetime(2026, 1, 1, 13, 30, tzinfo=UTC)),
        ("0 0 1 * *", datetime(2026, 2, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_cron_schedules_fire_when_cron_would(schedule, first):
    assert fire_times(schedule, 1) == [first]


def test_day_of_month_and_day_of_week_together_mean_either_as_in_cron():
    # The 1st of the month OR any Monday, not "a 1st that is a Monday".
    assert fire_times("0 0 1 * 1", 3) == [
        datetime(2026, 1, 5, tzinfo=UTC),
        datetime(2026, 1, 12, tzinfo=UTC),
        datetime(2026, 1, 19, tzinfo=UTC),
    ]
    assert datetime(2026, 2, 1, tzinfo=UTC) in fire_times("0 0 1 * 1", 6)


def test_every_is_an_interval():
    first, second = fire_times("@every 90s", 2)
    assert second - first == timedelta(seconds=90)


def test_cron_follows_the_configured_time_zone():
    berlin = ZoneInfo("Europe/Berlin")
    trigger = build_trigger("0 3 * * *", berlin)
    assert trigger.get_next_fire_time(None, THURSDAY) == datetime(2026, 1, 2, 3, 0, tzinfo=berlin)


@pytest.mark.parametrize(
    "schedule",
    ["61 * * * *", "0 24 * * *", "0 0 32 * *", "0 0 * 13 *", "0 0 * * 8", "0 0 * * 5-1",
     "* * * *", "* * * * * *", "@hourly", "@every 0s", "@every 5d", "every 5m", "*/0 * * * *"],
)  # fmt: skip
def test_invalid_schedules_are_configuration_errors(schedule, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(f'[providers.akool]\nschedule = "{schedule}"\n')
    with pytest.raises(ConfigError, match=r"\[providers.akool\] schedule: '.*' is not valid"):
        load_settings(path, {}, default_base_urls())


def test_daemon_settings_and_jitter(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        "[daemon]\nrun_at_start = false\nmetrics_port = 9464\nmetrics_host = '127.0.0.1'\n"
        "stop_timeout_seconds = 5\ntimezone = 'Europe/Berlin'\n"
        "[providers.akool]\nschedule = '@every 10m'\njitter_seconds = 30\n"
    )
    settings = load_settings(path, {}, default_base_urls())
    assert settings.daemon.run_at_start is False
    assert (settings.daemon.metrics_port, settings.daemon.metrics_host) == (9464, "127.0.0.1")
    assert settings.daemon.stop_timeout_seconds == 5
    assert settings.daemon.zone == ZoneInfo("Europe/Berlin")
    assert settings.providers["akool"].jitter_seconds == 30
    defaults = load_settings(None, {}, default_base_urls())
    assert defaults.daemon.run_at_start is True
    assert defaults.daemon.metrics_port is None
    assert defaults.daemon.zone is UTC
    assert defaults.providers["akool"].jitter_seconds == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[daemon]\nrun_at_start = 'yes'\n", "run_at_start"),
        ("[daemon]\nmetrics_port = 70000\n", "metrics_port"),
        ("[daemon]\nstop_timeout_seconds = 0\n", "stop_timeout_seconds"),
        ("[daemon]\ntimezone = 'Nowhere/Special'\n", "timezone"),
        (
            "[daemon]\nmetrics = true\n",
            r"\[daemon\] metrics: unknown key \(did you mean \"metrics_port\"\?\)",
        ),
        ("[providers.akool]\nschedule = '@every 10s'\njitter_seconds = 10\n", "jitter_seconds"),
        ("[providers.akool]\njitter_seconds = 'a bit'\n", "jitter_seconds"),
    ],
)
def test_bad_daemon_settings(text, message, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, {}, default_base_urls())


def test_json_logs_name_the_provider_and_run_from_the_context():
    stream = io.StringIO()
    configure_logging(0, stream, log_format="json")
    log = logging.getLogger("catalogsync.test")
    try:
        log.info("outside")
        with log_context(provider="akool"):
            log.info("before the run")
            set_log_context(run_id=7)
            log.warning("retrying %s", "x")
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                log.exception("failed")
        log.info("after", extra={"provider": "auriko", "run_id": 9})
        with log_context(provider="auriko", run_id=10):
            logging.getLogger("some.library").warning("careful")
            logging.getLogger("some.library").info("not shown: other libraries' info")
            logging.getLogger("stamina").warning("stamina.retry_scheduled")
    finally:
        configure_logging(0)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["message"], x["provider"], x["run_id"]) for x in lines] == [
        ("outside", None, None),
        ("before the run", "akool", None),
        ("retrying x", "akool", 7),
        ("failed", "akool", 7),
        ("after", "auriko", 9),
        ("careful", "auriko", 10),
    ]
    assert lines[2]["level"] == "WARNING"
    assert lines[2]["logger"] == "catalogsync.test"
    assert lines[2]["time"].endswith("Z")
    assert "RuntimeError: boom" in lines[3]["exc_info"]


def test_text_logs_are_the_default():
    stream = io.StringIO()
    configure_logging(0, stream)
    try:
        with log_context(provider="akool", run_id=3):
            logging.getLogger("catalogsync.test").info("hello")
    finally:
        configure_logging(0)
    assert stream.getvalue().rstrip().endswith("INFO  provider=akool run=3 hello")
