"""The API-key scanner of ``tests/secret_scan.py`` catches planted keys, so it cannot pass by
being blind; and the places keys could escape from (settings, stored rows) keep them out.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from sqlalchemy import insert

from catalogsync.config import load_settings
from catalogsync.db import models as t
from catalogsync.db.session import make_engine
from catalogsync.providers import default_base_urls
from tests.api_keys import FILE_KEY, KEYS, known_keys
from tests.secret_scan import database_leaks, forget_seen, leaked_keys

PLANTED = """
import argparse
import io
import logging
import sqlite3
import sys
import zlib

from tests.api_keys import FILE_KEY, KEYS

KEY = KEYS["AKOOL_API_KEY"]


def test_clean(capsys):
    print("nothing to see here")
    logging.getLogger("catalogsync.sync").warning("sync failed: no key in this line")


def test_stdout():
    print("the key is", KEY)


def test_stderr():
    print("the key is", KEY, file=sys.stderr)


def test_log_record():
    logger = logging.getLogger("catalogsync.planted")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # seen by no one but the scanner
    logger.error("sent x-api-key %s", KEY)


def test_command_output():
    from catalogsync.cli import App

    app = App(argparse.Namespace(), io.StringIO())
    app.out.write("key: " + KEY)


def test_output_read_by_the_test(capsys):
    print(KEY)
    assert KEY in capsys.readouterr().out


def test_process_output_file(tmp_path):
    (tmp_path / "daemon.err").write_text("Authorization: Bearer " + KEY)


def test_sqlite_database_in_tmp_path(tmp_path):
    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE t (v BLOB)")
    conn.execute("INSERT INTO t VALUES (?)", (zlib.compress(FILE_KEY.encode()),))
    conn.commit()
    conn.close()
"""


def test_the_scanner_fails_every_test_that_leaks_a_planted_key(pytester, request, capsys):
    pytester.makepyfile(test_planted=PLANTED)
    result = pytester.runpytest_inprocess("-p", "tests.secret_scan", "-p", "no:cacheprovider")
    # The inner session printed the keys in its failure reports: nothing of that is ours.
    capsys.readouterr()
    forget_seen(request.node)

    outcomes = {r.nodeid.split("::")[1]: r for r in result.reprec.getreports() if r.failed}
    assert set(outcomes) == {
        "test_stdout",
        "test_stderr",
        "test_log_record",
        "test_command_output",
        "test_output_read_by_the_test",
        "test_process_output_file",
        "test_sqlite_database_in_tmp_path",
    }
    # Two leaks are found at teardown (files, databases): their calls passed, their teardowns not.
    result.assert_outcomes(passed=3, failed=5, errors=2)
    messages = {name: str(report.longrepr) for name, report in outcomes.items()}
    label = "KEYS['AKOOL_API_KEY']"
    assert messages["test_stdout"] == f"API key(s) leaked: {label} in Captured stdout call"
    assert messages["test_stderr"] == f"API key(s) leaked: {label} in Captured stderr call"
    assert f"{label} in a log record" in messages["test_log_record"]
    assert f"{label} in command output" in messages["test_command_output"]
    assert f"{label} in output read with readouterr()" in messages["test_output_read_by_the_test"]
    assert f"{label} in file daemon.err" in messages["test_process_output_file"]
    assert (
        "database other.db: t.v (row 1): FILE_KEY" in messages["test_sqlite_database_in_tmp_path"]
    )
    for message in messages.values():  # a report names the key, never shows it
        assert not leaked_keys(message)


def test_the_database_scan_finds_keys_in_text_and_compressed_payloads(database_url):
    engine = make_engine(database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        assert database_leaks(database_url) == []
        with engine.begin() as conn:
            provider_id = conn.execute(
                insert(t.providers).returning(t.providers.c.id),
                {"slug": "akool", "created_at": now},
            ).scalar_one()
            payload_id = conn.execute(
                insert(t.failed_payloads).returning(t.failed_payloads.c.id),
                {
                    "provider_id": provider_id,
                    "raw_hash": "0" * 64,
                    "first_seen": now,
                    "raw_encoding": "zlib",
                    "raw_payload": zlib.compress(f'{{"key": "{FILE_KEY}"}}'.encode()),
                },
            ).scalar_one()
            conn.execute(
                insert(t.sync_runs),
                {
                    "provider_id": provider_id,
                    "trigger": "sync",
                    "started_at": now,
                    "status": "failed",
                    "error": f"akool: bad key {KEYS['AKOOL_API_KEY']}",
                    "hostname": "h",
                    "pid": 1,
                    "failed_payload_id": payload_id,
                },
            )
        assert sorted(database_leaks(database_url)) == [
            "failed_payloads.raw_payload (row 1): FILE_KEY",
            "sync_runs.error (row 1): KEYS['AKOOL_API_KEY']",
        ]
        with engine.begin() as conn:  # leave the database clean for the fixture's own scan
            conn.execute(t.sync_runs.delete())
            conn.execute(t.failed_payloads.delete())
        assert database_leaks(database_url) == []
    finally:
        engine.dispose()


def test_settings_never_show_a_key(tmp_path):
    (tmp_path / "auriko.key").write_text(FILE_KEY + "\n")
    config = tmp_path / "c.toml"
    config.write_text('[providers.auriko]\napi_key_file = "auriko.key"\n')
    settings = load_settings(config, KEYS, default_base_urls())
    assert settings.providers["auriko"].api_key is not None
    assert settings.providers["auriko"].api_key.reveal() == KEYS["AURIKO_API_KEY"]  # env wins
    environment = {k: v for k, v in KEYS.items() if k != "AURIKO_API_KEY"}
    settings = load_settings(config, environment, default_base_urls())
    assert settings.providers["auriko"].api_key is not None
    assert settings.providers["auriko"].api_key.reveal() == FILE_KEY
    for shown in (repr(settings), str(settings), f"{settings.providers['auriko']}"):
        assert not [key for key in known_keys() if key in shown]
        assert "Secret('********')" in shown


PLANTED_NOTIFY = """
import io
import logging
import sqlite3

from tests.api_keys import NOTIFY_SECRET, notify_url


def test_webhook_url_in_a_log_record():
    logger = logging.getLogger("catalogsync.planted_notify")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # seen by no one but the scanner
    logger.warning("posting to %s", notify_url("https://hooks.example.com", "chat"))


def test_signing_secret_on_stdout():
    print("signing with", NOTIFY_SECRET)


def test_webhook_url_in_a_stored_row(tmp_path):
    conn = sqlite3.connect(tmp_path / "outbox.db")
    conn.execute("CREATE TABLE notification_deliveries (last_error TEXT)")
    url = notify_url("http://127.0.0.1:9", "all")
    conn.execute("INSERT INTO notification_deliveries VALUES (?)", (f"cannot reach {url}",))
    conn.commit()
    conn.close()
"""


def test_the_scanner_knows_notification_urls_and_secrets(pytester, request, capsys):
    pytester.makepyfile(test_planted_notify=PLANTED_NOTIFY)
    result = pytester.runpytest_inprocess("-p", "tests.secret_scan", "-p", "no:cacheprovider")
    capsys.readouterr()
    forget_seen(request.node)
    messages = {
        r.nodeid.split("::")[1]: str(r.longrepr) for r in result.reprec.getreports() if r.failed
    }
    assert "NOTIFY_URL_TOKEN in a log record" in messages["test_webhook_url_in_a_log_record"]
    assert "NOTIFY_SECRET in Captured stdout call" in messages["test_signing_secret_on_stdout"]
    assert (
        "database outbox.db: notification_deliveries.last_error (row 1): NOTIFY_URL_TOKEN"
        in messages["test_webhook_url_in_a_stored_row"]
    )
    for message in messages.values():
        assert not leaked_keys(message)
