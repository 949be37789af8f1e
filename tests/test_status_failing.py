"""A provider whose newest run failed is `failing` (since when, how many times); the whole
error with --verbose and in JSON; with --log-format json even fatal errors are JSON lines."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from catalogsync import api
from catalogsync.cli import main
from catalogsync.errors import TransientProviderError
from catalogsync.present.output import dumps_json
from catalogsync.providers import get_provider_class
from catalogsync.sync import SyncPolicy, run_sync
from tests.factories import akool_model, akool_payload
from tests.helpers import settings

LONG = (
    "HTTP 502 from https://openapi.akool.com/api/open/v4/aigModel/list: " + "gateway " * 30 + "END"
)


def sync_at(engine, at, error=None):
    adapter = get_provider_class("akool")(settings().providers["akool"])
    raw = dumps_json(akool_payload(akool_model("m"))).encode()

    def obtain() -> bytes:
        if error:
            raise TransientProviderError("akool", error)
        return raw

    return run_sync(engine, adapter, obtain, SyncPolicy(trigger="sync"), clock=lambda: at).status


def status(*argv):
    out = io.StringIO()
    code = main(["status", *argv], out=out)
    return code, out.getvalue()


@pytest.fixture
def failing(engine, database_url, monkeypatch):
    """akool: succeeded 3 h ago, then failed 2 h and 10 min ago."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    now = datetime.now(UTC)
    assert sync_at(engine, now - timedelta(hours=5), "HTTP 500 long ago") == "failed"
    assert sync_at(engine, now - timedelta(hours=3)) == "succeeded"
    assert sync_at(engine, now - timedelta(hours=2), "HTTP 503") == "failed"
    assert sync_at(engine, now - timedelta(minutes=10), LONG) == "failed"
    return engine, now


def test_a_provider_whose_newest_run_failed_is_failing(failing):
    engine, now = failing
    code, out = status("--format", "json")
    assert code == 0
    akool = {s["provider"]: s for s in json.loads(out)}["akool"]
    assert akool["state"] == "failing"
    assert akool["consecutive_failures"] == 2  # the failure before the success is not counted
    since = datetime.fromisoformat(akool["failing_since"])
    assert abs(since - (now - timedelta(hours=2))) < timedelta(seconds=5)
    assert akool["last_failure_error"] == f"akool: {LONG}"  # the whole error in JSON

    code, out = status()
    assert "FAILING 2x, since 2h 0m ago" in out
    assert "END" not in out  # the table keeps it short...
    code, out = status("--verbose")
    assert "END" in out.replace("\n", "")  # ...but --verbose shows all of it

    # A success ends the streak.
    assert sync_at(engine, now - timedelta(minutes=1)) == "unchanged"
    akool = {s["provider"]: s for s in json.loads(status("--format", "json")[1])}["akool"]
    assert (akool["state"], akool["consecutive_failures"], akool["failing_since"]) == (
        "ok",
        0,
        None,
    )


def test_a_provider_that_never_succeeded_is_failing_from_its_first_failure(
    engine, database_url, monkeypatch
):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    now = datetime.now(UTC)
    assert sync_at(engine, now - timedelta(hours=1), "HTTP 401") == "failed"
    akool = {s["provider"]: s for s in json.loads(status("--format", "json")[1])}["akool"]
    assert (akool["state"], akool["consecutive_failures"]) == ("failing", 1)
    auriko = {s["provider"]: s for s in json.loads(status("--format", "json")[1])}["auriko"]
    assert (auriko["state"], auriko["failing_since"]) == ("never", None)


def _json_lines(err: str) -> list[dict]:
    lines = err.splitlines()
    assert lines
    return [json.loads(line) for line in lines]  # every line is a JSON object


def test_fatal_errors_are_json_lines_with_json_logs(tmp_path, monkeypatch, capsys):
    (tmp_path / "catalogsync.toml").write_text("[providers.akool]\nschedual = '@every 1h'\n")
    assert status("--log-format", "json")[0] == 2
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["level"] == "ERROR"
    assert "[providers.akool] schedual: unknown key" in line["message"]
    (tmp_path / "catalogsync.toml").unlink()

    # A database that cannot be reached.
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    assert status("--log-format", "json", "--database-url", url)[0] == 1
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["error"] == "database error"

    # A missing database, and a bug: still one JSON object a line, the traceback inside.
    assert status("--log-format", "json")[0] == 2
    assert "no database at" in _json_lines(capsys.readouterr().err)[0]["message"]
    assert main(["db", "upgrade"], out=io.StringIO()) == 0
    capsys.readouterr()

    def broken(*_args, **_kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(api, "status", broken)
    assert status("--log-format", "json")[0] == 1
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["message"] == "RuntimeError: unexpected"
    assert "Traceback" in line["exc_info"]
    with pytest.raises(RuntimeError):  # text logs: Python's own traceback, as before
        status()


def test_stale_messages_are_json_lines_with_json_logs(failing, capsys):
    code, _ = status("--max-age", "1m", "--log-format", "json", "--format", "json")
    assert code == 1
    lines = _json_lines(capsys.readouterr().err)
    assert any(line["message"].startswith("akool: last success 3h") for line in lines)
    assert {line["level"] for line in lines} == {"WARNING"}
