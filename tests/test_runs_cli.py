"""``catalogsync runs list`` and ``runs show``: how each attempt ended and what it received. Both databases."""

from __future__ import annotations

import json

import pytest

from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import cli, store

AUDIOSHAKE = audioshake_payload(audioshake_model("bass"), audioshake_model("drums", price=2))
AKOOL = akool_payload(akool_model("AkoolImage2VideoFastV1"))


@pytest.fixture
def history(engine, database_url, monkeypatch):
    """Runs 1-4: audioshake succeeded, akool succeeded, audioshake unchanged, akool failed."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    assert store(engine, "audioshake", AUDIOSHAKE).status == "succeeded"
    assert store(engine, "akool", AKOOL).status == "succeeded"
    assert store(engine, "audioshake", AUDIOSHAKE, day=1).status == "unchanged"
    assert store(engine, "akool", b"\xff\xfe not json", day=1).status == "failed"
    return engine


def test_runs_list_newest_first(history):
    code, out = cli("runs", "list", "--format", "json")
    assert code == 0
    runs = json.loads(out)
    assert [(r["id"], r["provider"], r["status"], r["version"], r["payload"]) for r in runs] == [
        (4, "akool", "failed", None, "run"),
        (3, "audioshake", "unchanged", 1, "version 1"),
        (2, "akool", "succeeded", 1, "version 1"),
        (1, "audioshake", "succeeded", 1, "version 1"),
    ]
    assert runs[0]["error"].startswith("akool: invalid payload: not JSON")
    assert runs[3]["models_added"] == 2
    assert set(runs[0]) >= {"started_at", "finished_at", "seconds", "trigger", "hostname", "pid"}

    code, out = cli("runs", "list", "akool", "--limit", "1", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [4]
    code, out = cli("runs", "list")
    assert code == 0
    assert "sync runs" in out
    assert "invalid payload" in out


def test_runs_show_prints_fields_and_payload(history):
    code, out = cli("runs", "show", "1")
    assert code == 0
    assert "succeeded" in out
    assert "kept with catalog version 1" in out
    assert '"drums"' in out
    code, out = cli("runs", "show", "3", "--format", "json")
    document = json.loads(out)
    assert (document["status"], document["payload"]) == ("unchanged", "version 1")
    assert json.loads(document["payload_text"]) == AUDIOSHAKE
    code, out = cli("runs", "show", "3", "--raw")
    assert json.loads(out) == AUDIOSHAKE


def test_a_payload_that_is_not_text_comes_back_byte_for_byte(history):
    code, out = cli("runs", "show", "4", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert (document["payload_bytes"], document["payload_text"]) == (11, None)
    code, out = cli("runs", "show", "4")
    assert code == 0
    assert "(not UTF-8 text: see it with --raw)" in out
    code, out = cli("runs", "show", "4", "--raw")
    assert code == 0
    assert out.encode("utf-8", "surrogateescape") == b"\xff\xfe not json"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("runs", "show", "99"), 2, "there is no sync run 99"),
        (("runs", "list", "nope"), 2, "unknown provider 'nope'"),
    ],
)
def test_runs_errors(history, argv, code, message, capsys):
    assert cli(*argv)[0] == code
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [("runs", "list", "--limit", "0"), ("runs", "show", "x")])
def test_runs_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli(*argv)
    assert exited.value.code == 2


def test_a_run_that_received_nothing_has_no_payload(engine, database_url, monkeypatch, capsys):
    from catalogsync.errors import TransientProviderError
    from catalogsync.providers.akool import AkoolProvider
    from catalogsync.sync import SyncPolicy, run_sync
    from tests.helpers import settings

    def unreachable() -> bytes:
        raise TransientProviderError("akool", "cannot reach http://127.0.0.1:1/: ConnectError")

    provider = AkoolProvider(settings().providers["akool"])
    outcome = run_sync(engine, provider, unreachable, SyncPolicy())
    assert outcome.status == "failed"
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    code, out = cli("runs", "show", str(outcome.run_id), "--format", "json")
    assert (json.loads(out)["payload"], json.loads(out)["payload_text"]) == (None, None)
    code, out = cli("runs", "show", str(outcome.run_id))
    assert code == 0
    assert "no payload was kept" in out
    assert cli("runs", "show", str(outcome.run_id), "--raw")[0] == 2
    assert "kept no payload" in capsys.readouterr().err


@pytest.mark.parametrize("position", ["before", "after"])
def test_global_options_before_or_after_runs_commands(history, database_url, monkeypatch, position):
    monkeypatch.delenv("CATALOGSYNC_DATABASE_URL")
    options = ("--database-url", database_url)
    command = ("runs", "list", "--format", "json")
    argv = (*options, *command) if position == "before" else (*command, *options)
    code, out = cli(*argv)
    assert code == 0
    assert len(json.loads(out)) == 4
