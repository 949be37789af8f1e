"""Notifications end to end, against a real receiver on 127.0.0.1. SQLite and PostgreSQL.

An import that changes prices sends each channel exactly the events its filters leave,
signed; a receiver that is down or answers 503 gets them once it is back; a 400 fails the
delivery, and ``notify retry`` sends it again; a delivery sent twice carries one id.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from catalogsync import api
from catalogsync.config import load_settings
from catalogsync.db.session import make_engine
from catalogsync.errors import ConfigError
from catalogsync.notify.library import TEST_PAUSE
from catalogsync.providers import default_base_urls
from tests.api_keys import NOTIFY_SECRET, NOTIFY_URL_TOKEN, notify_url
from tests.factories import akool_model, akool_payload
from tests.helpers import T0, cli, metric_values, rows
from tests.processes import (
    process_env,
    serve_catalogs,
    spawn_processes,
    version_count,
    wait_until,
    write_config,
)
from tests.receiver import Receiver
from tests.test_change_events import V1, V2
from tests.test_daemon import metrics_url

GOLDEN = Path(__file__).parent / "fixtures" / "notify" / "slack_message.json"
UPDATE = bool(os.environ.get("CATALOGSYNC_UPDATE_GOLDEN"))  # read before the fixtures clear it

CONFIG = """
[database]
url = "{url}"

[notify]
backoff_seconds = 0
max_backoff_seconds = 0
max_attempts = 4

[notify.all]
kind = "webhook"

[notify.gpt-moves]
kind = "webhook"
events = ["price_changed"]
models = ["acme/g*"]
min_pct = 10

[notify.big-moves]
kind = "webhook"
events = ["price_changed", "model_removed"]
min_pct = 50

[notify.chat]
kind = "slack"
providers = ["openrouter"]

[notify.other-provider]
kind = "webhook"
providers = ["litellm"]
"""

CHANNELS = ("all", "gpt-moves", "big-moves", "chat", "other-provider")


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def channel_env(receiver: Receiver) -> dict[str, str]:
    env = {}
    for name in CHANNELS:
        key = name.upper().replace("-", "_")
        env[f"CATALOGSYNC_NOTIFY_{key}_URL"] = notify_url(receiver.base, name)
        env[f"CATALOGSYNC_NOTIFY_{key}_SECRET"] = NOTIFY_SECRET
    return env


@pytest.fixture
def setup(database_url, receiver, tmp_path, monkeypatch):
    config = tmp_path / "catalogsync.toml"
    config.write_text(CONFIG.format(url=database_url))
    for name, value in channel_env(receiver).items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config, os.environ, default_base_urls())
    db = api.open_database(database_url)
    yield db, settings
    db.close()


def imported(db, settings, payload, day):
    raw = json.dumps(payload).encode()
    report = api.import_catalog(db, settings, "openrouter", raw, T0 + timedelta(days=day))
    assert report.ok
    return report


def deliveries(db):
    return rows(
        db.engine,
        "SELECT channel, status, attempts, last_error, id FROM notification_deliveries "
        "ORDER BY channel",
    )


def verify(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check, as docs/operations.md shows it."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_each_channel_gets_the_events_its_filters_leave_signed(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    assert receiver.received == []  # a first version is a baseline: no delivery owed
    assert deliveries(db) == []
    imported(db, settings, V2, 1)

    got = {name: receiver.for_channel(name) for name in CHANNELS}
    assert {name: len(found) for name, found in got.items()} == {
        "all": 1,
        "gpt-moves": 1,
        "big-moves": 1,
        "chat": 1,
        "other-provider": 0,
    }
    every = got["all"][0].json()
    assert (every["provider"], every["version"], every["event_count"]) == ("openrouter", 2, 9)
    stored = rows(db.engine, "SELECT event_id FROM change_events WHERE version = 2 ORDER BY id")
    assert [e["event_id"] for e in every["events"]] == [r[0] for r in stored]
    moved = got["gpt-moves"][0].json()["events"]
    assert [(e["type"], e["model_id"], e["old_amount"], e["new_amount"]) for e in moved] == [
        ("price_changed", "acme/gpt", "2.5", "3")
    ]
    assert moved[0]["price"]["unit"] == "USD/1M tokens"
    assert moved[0]["pct_change"] == 20.0
    big = got["big-moves"][0].json()["events"]  # the +20 % move is below min_pct = 50
    assert [(e["type"], e["model_id"]) for e in big] == [("model_removed", "acme/old")]
    for name in ("all", "gpt-moves", "big-moves"):
        request = got[name][0]
        assert verify(NOTIFY_SECRET, request.body, request.headers["x-catalogsync-signature"])
        assert not verify(
            "another secret", request.body, request.headers["x-catalogsync-signature"]
        )
        assert request.headers["x-catalogsync-delivery"] == request.json()["delivery_id"]
        assert request.headers["content-type"] == "application/json"
    assert [(c, s, a) for c, s, a, _, _ in deliveries(db)] == [
        ("all", "delivered", 1),
        ("big-moves", "delivered", 1),
        ("chat", "delivered", 1),
        ("gpt-moves", "delivered", 1),
    ]


def test_the_slack_message_is_readable_and_pinned(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    imported(db, settings, V2, 1)
    [request] = receiver.for_channel("chat")
    message = request.json()
    text = json.dumps(message, indent=2, ensure_ascii=False, sort_keys=True)
    text = text.replace(request.delivery, "DELIVERY-ID") + "\n"
    if UPDATE:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    lines = message["blocks"][1]["text"]["text"].split("\n")
    assert lines[0] == "• `acme/gpt` input_tokens: 2.5 → 3 USD/1M tokens (+20.00%)"
    assert lines[2] == (
        "• `acme/old` removed; input_tokens: price removed (was 1 USD/1M tokens); "
        "output_tokens: price removed (was 2 USD/1M tokens)"
    )


def test_a_receiver_down_then_failing_gets_the_delivery_once_it_is_back(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    receiver.stop()  # connection refused
    report = imported(db, settings, V2, 1)  # the sync itself succeeds
    assert report.outcomes[0].status == "succeeded"
    states = {c: (s, a, e) for c, s, a, e, _ in deliveries(db)}
    assert states["all"][:2] == ("pending", 1)
    assert "cannot reach the receiver" in states["all"][2]
    receiver.start()  # back on the same port, but failing for a while
    for _ in CHANNELS[:4]:
        receiver.answer(503, b"busy")
    api.deliver(db, settings)
    states = {c: (s, a, e) for c, s, a, e, _ in deliveries(db)}
    assert states["all"] == ("pending", 2, "HTTP 503: busy")
    assert receiver.received
    assert all(r.path for r in receiver.received)
    first = len(receiver.received)
    imported(db, settings, V2, 2)  # the next run: unchanged, and it delivers
    assert [s for _, s, _, _, _ in deliveries(db)] == ["delivered"] * 4
    assert len(receiver.received) == first + 4
    ids = [r.delivery for r in receiver.received]
    stored = {i for *_, i in deliveries(db)}
    assert set(ids) == stored  # retries carry the delivery's one id


def test_a_400_fails_at_once_and_notify_retry_sends_it_again(setup, receiver, monkeypatch):
    db, settings = setup
    imported(db, settings, V1, 0)
    for _ in CHANNELS[:4]:
        receiver.answer(400, b"bad payload")
    imported(db, settings, V2, 1)
    states = {c: (s, a, e) for c, s, a, e, _ in deliveries(db)}
    assert states["all"] == ("failed", 1, "HTTP 400: bad payload")
    code, out = cli("notify", "list", "--status", "failed", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert {d["channel"] for d in listed} == {"all", "gpt-moves", "big-moves", "chat"}
    failed_id = next(d["id"] for d in listed if d["channel"] == "all")
    # The same list as CSV and JSON lines: one row, one line per delivery, the same values.
    code, lines = cli("notify", "list", "--status", "failed", "--format", "jsonl")
    assert code == 0
    assert [json.loads(line) for line in lines.splitlines()] == listed
    code, text = cli("notify", "list", "--status", "failed", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["id"], r["channel"], r["status"]) for r in rows] == [
        (d["id"], d["channel"], d["status"]) for d in listed
    ]
    before = len(receiver.received)
    code, out = cli("notify", "retry", failed_id, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["delivered"] == 1
    assert receiver.received[before].delivery == failed_id
    statuses = {c: s for c, s, *_ in deliveries(db)}
    assert statuses == {
        "all": "delivered",
        "gpt-moves": "failed",
        "big-moves": "failed",
        "chat": "failed",
    }
    code, out = cli("notify", "retry")  # every failed one
    assert code == 0
    assert {s for _, s, *_ in deliveries(db)} == {"delivered"}


def test_transient_failures_end_failed_after_max_attempts(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    receiver.stop()
    imported(db, settings, V2, 1)
    for _ in range(3):
        api.deliver(db, settings)
    states = {c: (s, a) for c, s, a, _, _ in deliveries(db)}
    assert states["all"] == ("failed", 4)
    error = {c: e for c, _, _, e, _ in deliveries(db)}["all"]
    assert "cannot reach the receiver" in error
    assert "gave up after 4 attempts" in error


def test_a_delivery_sent_twice_carries_the_same_id_and_body(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    imported(db, settings, V2, 1)
    # As if the process had died after sending and before recording: pending again.
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE notification_deliveries SET status = 'pending', next_attempt_at = NULL "
            "WHERE channel = 'all'"
        )
    api.deliver(db, settings)
    first, second = receiver.for_channel("all")
    assert first.delivery == second.delivery
    assert first.body == second.body
    assert first.headers["x-catalogsync-signature"] == second.headers["x-catalogsync-signature"]


def test_a_removed_channel_leaves_its_deliveries_alone(setup, receiver, tmp_path, caplog):
    db, settings = setup
    imported(db, settings, V1, 0)
    receiver.stop()
    imported(db, settings, V2, 1)
    receiver.start()
    fewer = tmp_path / "fewer.toml"
    fewer.write_text((tmp_path / "catalogsync.toml").read_text().split("[notify.gpt-moves]")[0])
    trimmed = load_settings(fewer, os.environ, default_base_urls())
    report = api.deliver(db, trimmed)
    assert sorted(report.unconfigured) == ["big-moves", "chat", "gpt-moves"]
    states = {c: s for c, s, *_ in deliveries(db)}
    assert states == {
        "all": "delivered",
        "big-moves": "pending",
        "chat": "pending",
        "gpt-moves": "pending",
    }
    assert "channel chat is no longer configured" in caplog.text
    listed = api.deliveries(db, trimmed, "pending").deliveries
    assert {d.channel for d in listed if not d.configured} == {"big-moves", "chat", "gpt-moves"}


def test_retry_after_is_respected_within_the_cap(setup, receiver, tmp_path):
    db, _settings = setup
    config = tmp_path / "catalogsync.toml"
    config.write_text(
        config.read_text().replace("max_backoff_seconds = 0", "max_backoff_seconds = 60")
    )
    capped = load_settings(config, os.environ, default_base_urls())
    imported(db, capped, V1, 0)
    for _ in CHANNELS[:4]:
        receiver.answer(429, b"slow down", Retry_After="3600")
    imported(db, capped, V2, 1)
    waits = rows(
        db.engine,
        "SELECT next_attempt_at, last_attempt_at FROM notification_deliveries WHERE channel = 'all'",
    )
    [(next_at, last_at)] = waits
    from datetime import datetime

    gap = datetime.fromisoformat(str(next_at)) - datetime.fromisoformat(str(last_at))
    assert timedelta(seconds=59) <= gap <= timedelta(seconds=61)


def test_notify_test_sends_a_signed_sample_and_reports_the_answer(setup, receiver):
    receiver.answer(202, b"accepted by the test receiver")
    code, out = cli("notify", "test", "all", "--format", "json")
    assert code == 0, out
    answer = json.loads(out)
    assert (answer["ok"], answer["status_code"], answer["answer"]) == (
        True,
        202,
        "accepted by the test receiver",
    )
    [request] = receiver.received
    assert verify(NOTIFY_SECRET, request.body, request.headers["x-catalogsync-signature"])
    receiver.answer(404, b"no such hook")
    code, out = cli("notify", "test", "chat")
    assert code == 1
    assert "HTTP 404" in out
    code, _ = cli("notify", "test", "nope")
    assert code == 2


def test_status_and_notify_list_show_pending_and_failed(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    receiver.stop()
    imported(db, settings, V2, 1)
    code, out = cli("status", "--format", "json")
    assert code == 0
    [openrouter] = [s for s in json.loads(out) if s["provider"] == "openrouter"]
    assert openrouter["notifications"] == {"pending": 4, "failed": 0}
    code, out = cli("status")
    assert "notification deliveries" in out
    assert "chat" in out
    code, out = cli("notify", "list")
    assert code == 0
    assert "pending" in out
    assert "cannot reach" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[notify.x]\nkind = "webhook"\nurl = "https://example.com"\n', "CATALOGSYNC_NOTIFY_X_URL"),
        ('[notify.x]\nkind = "slack"\nsecret = "s"\n', "CATALOGSYNC_NOTIFY_X_SECRET"),
        ('[notify.x]\nkind = "email"\n', "[notify.x] kind: must be one of"),
        ('[notify.x]\nkind = "slack"\nevents = ["price_moved"]\n', "unknown event type"),
        ('[notify.x]\nkind = "slack"\nproviders = ["nobody"]\n', "unknown provider"),
        ('[notify.x]\nkind = "slack"\nmin_pct = -1\n', "min_pct"),
        (
            "[notify]\nmax_atempts = 3\n",
            '[notify] max_atempts: unknown key (did you mean "max_attempts"?)',
        ),
        ('[notify.X]\nkind = "slack"\n', "lower-case"),
    ],
)
def test_configuration_errors_name_the_place(tmp_path, text, message):
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match="notify") as caught:
        load_settings(config, {}, default_base_urls())
    assert message in str(caught.value)


def test_urls_and_secrets_come_from_files_and_never_show(tmp_path):
    (tmp_path / "hook.url").write_text(notify_url("https://hooks.example.com", "x") + "\n")
    (tmp_path / "hook.secret").write_text(NOTIFY_SECRET)
    config = tmp_path / "c.toml"
    config.write_text(
        '[notify.x]\nkind = "webhook"\nurl_file = "hook.url"\nsecret_file = "hook.secret"\n'
    )
    settings = load_settings(config, {}, default_base_urls())
    channel = settings.notify.channels["x"]
    assert channel.secret is not None
    assert channel.secret.reveal() == NOTIFY_SECRET
    assert channel.url is not None
    assert channel.url.reveal().startswith("https://hooks")
    assert NOTIFY_SECRET not in repr(settings)
    assert channel.url.reveal() not in repr(settings)
    assert channel.secret in settings.secrets()  # masked wherever a payload repeats it


def test_slack_lines_escape_provider_text_and_long_lists_are_cut():
    from catalogsync.notify.messages import SLACK_LINES, Envelope, slack_message

    def event(model_id):
        return {
            "event_id": "x",
            "event_type": "model_added",
            "model_id": model_id,
            **dict.fromkeys(("price_type", "variant", "tier", "service_tier")),
            "region": None,
            "unit": None,
            "currency": None,
            "old_amount": None,
            "new_amount": None,
            "pct_change": None,
            "fields": None,
            "retires_on": None,
        }

    hostile = [event("<!channel> & <https://evil.example|click>")]
    many = hostile + [event(f"m{i:02}") for i in range(SLACK_LINES + 4)]
    message = slack_message(Envelope("d", "chat", "p<&>", 2, None), many)
    text = json.dumps(message)
    assert "<!channel>" not in text
    assert "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "p&lt;&amp;&gt; version 2" in message["text"]
    lines = [
        line
        for block in message["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].split("\n")
    ]
    assert lines[-1] == "…and 5 more models"
    assert len(lines) == 1 + SLACK_LINES + 1  # the summary, the lines, the count


spawn = pytest.fixture(spawn_processes)


def test_a_process_killed_after_the_commit_loses_no_delivery(
    database_url, receiver, tmp_path, spawn
):
    config = tmp_path / "catalogsync.toml"
    config.write_text(CONFIG.format(url=database_url))
    v1, v2 = tmp_path / "v1.json", tmp_path / "v2.json"
    v1.write_text(json.dumps(V1))
    v2.write_text(json.dumps(V2))
    env = {**os.environ, **channel_env(receiver)}
    first = spawn("import", "openrouter", str(v1), "--observed-at", "2026-01-01", env=env)
    assert first.wait() == 0, first.describe()
    paused = spawn(
        "import",
        "openrouter",
        str(v2),
        "--observed-at",
        "2026-01-02",
        env={**env, TEST_PAUSE: "60"},
        label="paused",
    )
    wait_until(lambda: "test hook: pausing" in paused.stderr, 30, "the pause", paused)
    paused.send(signal.SIGKILL)
    assert paused.wait() == -signal.SIGKILL
    engine = make_engine(database_url)
    try:
        # The version and the deliveries it owes committed together; nothing was sent.
        assert rows(engine, "SELECT MAX(version) FROM catalog_versions")[0][0] == 2
        owed = rows(engine, "SELECT id, channel, status FROM notification_deliveries")
        assert sorted((c, s) for _, c, s in owed) == [
            ("all", "pending"),
            ("big-moves", "pending"),
            ("chat", "pending"),
            ("gpt-moves", "pending"),
        ]
        assert receiver.received == []
        # The next run (any sync or import; here the same file again: unchanged) sends them.
        again = spawn("import", "openrouter", str(v2), "--observed-at", "2026-01-03", env=env)
        assert again.wait() == 0, again.describe()
        assert sorted(r.delivery for r in receiver.received) == sorted(i for i, _, _ in owed)
        statuses = rows(engine, "SELECT DISTINCT status FROM notification_deliveries")
        assert statuses == [("delivered",)]
        stored = rows(engine, "SELECT event_id FROM change_events WHERE version = 2")
        [every] = receiver.for_channel("all")
        assert sorted(e["event_id"] for e in every.json()["events"]) == sorted(r[0] for r in stored)
    finally:
        engine.dispose()


def test_what_a_receiver_echoes_of_the_url_or_secret_is_masked(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    echo = f"refused {{path}} signed with {NOTIFY_SECRET}".encode()
    for _ in CHANNELS[:4]:
        receiver.answer(400, echo)
    imported(db, settings, V2, 1)
    errors = [e for _, _, _, e, _ in deliveries(db)]
    assert all(e.startswith("HTTP 400: refused ********") for e in errors), errors
    assert len(receiver.received) == 4
    assert all(NOTIFY_URL_TOKEN in r.path for r in receiver.received)
    assert all("signed with ********" in e for e in errors)
    # tests/secret_scan.py also scans every row, log line and output of this test.


DAEMON_NOTIFY = """
[notify]
backoff_seconds = 0
max_backoff_seconds = 0
max_attempts = 1000
interval_seconds = 0.5

[notify.hook]
kind = "webhook"
providers = ["akool"]
"""


def test_the_daemon_delivers_once_the_receiver_is_back_and_shows_it_in_metrics(
    database_url, provider_server, receiver, spawn, tmp_path
):
    serve_catalogs(provider_server)
    receiver.stop()  # down from the start: connection refused
    config = write_config(tmp_path / "catalogsync.toml", database_url, DAEMON_NOTIFY)
    env = process_env(
        provider_server,
        CATALOGSYNC_NOTIFY_HOOK_URL=notify_url(receiver.base, "hook"),
        CATALOGSYNC_NOTIFY_HOOK_SECRET=NOTIFY_SECRET,
    )
    daemon = spawn(
        "daemon",
        "--config",
        str(config),
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        env=env,
    )
    engine = make_engine(database_url)
    try:
        wait_until(lambda: version_count(engine, "akool") == 1, 20, "akool version 1", daemon)
        provider_server.set_json(
            "akool", akool_payload(akool_model("AkoolImage2VideoFastV1", prices={"720p": 6}))
        )
        wait_until(
            lambda: rows(
                engine,
                "SELECT attempts FROM notification_deliveries WHERE attempts >= 2",
            ),
            20,
            "a delivery tried while the receiver is down",
            daemon,
        )
        url = wait_until(lambda: metrics_url(daemon), 5, "the metrics URL", daemon)
        samples = wait_until(
            lambda: (
                (s := metric_values(url)).get(
                    'catalogsync_notify_deliveries{channel="hook",status="pending"}'
                )
                == 1
                and s
            ),
            10,
            "the pending delivery in the metrics",
            daemon,
        )
        assert samples['catalogsync_notify_deliveries{channel="hook",status="failed"}'] == 0
        receiver.start()
        wait_until(lambda: receiver.received, 20, "the delivery", daemon)
        wait_until(
            lambda: rows(engine, "SELECT status FROM notification_deliveries") == [("delivered",)],
            10,
            "the delivery recorded",
            daemon,
        )
        [got] = receiver.received
        assert got.json()["provider"] == "akool"
        assert verify(NOTIFY_SECRET, got.body, got.headers["x-catalogsync-signature"])
        wait_until(
            lambda: (
                metric_values(url).get(
                    'catalogsync_notify_deliveries{channel="hook",status="pending"}'
                )
                == 0
            ),
            10,
            "no pending delivery in the metrics",
            daemon,
        )
        code, _ = daemon.stop(signal.SIGTERM)
        assert code == 0
    finally:
        engine.dispose()


def documented_verifier():
    """The signature check of docs/operations.md, run as it is written there."""
    text = (Path(__file__).parent.parent / "docs" / "operations.md").read_text()
    section = text.split("### Verifying a signature", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(code, namespace)  # our own documentation
    return namespace["verify_signature"]


def test_the_documented_signature_check_accepts_deliveries_and_refuses_forgeries(setup, receiver):
    db, settings = setup
    verify_signature = documented_verifier()
    imported(db, settings, V1, 0)
    imported(db, settings, V2, 1)
    [request] = receiver.for_channel("all")
    header = request.headers["x-catalogsync-signature"]
    assert verify_signature(NOTIFY_SECRET, request.body, header)
    assert not verify_signature(NOTIFY_SECRET, request.body + b" ", header)
    assert not verify_signature("not the secret", request.body, header)


def test_a_rebuild_recomputes_events_and_notifies_nobody_again(setup, receiver):
    db, settings = setup
    imported(db, settings, V1, 0)
    imported(db, settings, V2, 1)
    sent = len(receiver.received)
    owed = deliveries(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE catalog_versions SET content_hash = 'stale' WHERE version = 2")
    report = api.rebuild(db, settings, ["openrouter"])
    assert report.ok
    assert report.outcomes[0].status == "rebuilt"
    imported(db, settings, V2, 2)  # a later run: unchanged, nothing due
    assert len(receiver.received) == sent
    assert deliveries(db) == owed


FIRST = """
[notify]
first_version = true

[notify.baseline]
kind = "webhook"

[notify.no-secret]
kind = "webhook"
first_version = false

[notify.no-url]
kind = "slack"
"""


def test_first_version_when_asked_and_channels_that_cannot_send_wait(
    database_url, receiver, tmp_path, monkeypatch, caplog
):
    config = tmp_path / "catalogsync.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n{FIRST}')
    monkeypatch.setenv("CATALOGSYNC_NOTIFY_BASELINE_URL", notify_url(receiver.base, "baseline"))
    monkeypatch.setenv("CATALOGSYNC_NOTIFY_BASELINE_SECRET", NOTIFY_SECRET)
    monkeypatch.setenv("CATALOGSYNC_NOTIFY_NO_SECRET_URL", notify_url(receiver.base, "no-secret"))
    settings = load_settings(config, os.environ, default_base_urls())
    db = api.open_database(database_url)
    try:
        imported(db, settings, V1, 0)  # a first version: only channels that ask for it
        [baseline] = receiver.for_channel("baseline")
        assert [e["type"] for e in baseline.json()["events"]] == ["model_added"] * 3
        imported(db, settings, V2, 1)
        assert receiver.for_channel("no-secret") == []  # never sent unsigned
        states = {c: (s, a, e) for c, s, a, e, _ in deliveries(db)}
        assert states["no-secret"] == ("pending", 0, None)
        assert states["no-url"] == ("pending", 0, None)
        assert "no signing secret: set CATALOGSYNC_NOTIFY_NO_SECRET_SECRET" in caplog.text
        assert "no URL: set CATALOGSYNC_NOTIFY_NO_URL_URL" in caplog.text
    finally:
        db.close()


def test_a_delivery_that_breaks_never_fails_the_sync(setup, receiver, monkeypatch, caplog):
    from catalogsync.notify.deliver import deliver_due

    db, settings = setup
    imported(db, settings, V1, 0)

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox table is on fire")

    monkeypatch.setattr("catalogsync.notify.library.deliver_due", broken)
    report = imported(db, settings, V2, 1)
    assert report.outcomes[0].status == "succeeded"
    assert "notifications could not be sent: RuntimeError" in caplog.text
    assert {s for _, s, *_ in deliveries(db)} == {"pending"}  # kept for the next run
    monkeypatch.setattr("catalogsync.notify.library.deliver_due", deliver_due)
    api.deliver(db, settings)
    assert {s for _, s, *_ in deliveries(db)} == {"delivered"}
