"""A new user's first hour: the demo says how to query it, reads never create a database,
`diff --at` picks versions by date, `models --as-of` before the first version says so."""

from __future__ import annotations

import io
import json
import shlex

import pytest

from catalogsync.cli import main
from tests.factories import akool_model, akool_payload
from tests.helpers import T0, store


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


READERS = [
    ["versions"],
    ["models"],
    ["models", "akool", "--as-of", "2026-01-01"],
    ["diff", "akool"],
    ["diff", "akool", "--at", "2026-01-01"],
    ["report", "prices"],
    ["status"],
    ["runs", "list"],
    ["runs", "show", "1"],
    ["rebuild", "--dry-run"],
    ["sync", "akool"],
]


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_missing_sqlite_file_is_an_error_and_is_not_created(command, tmp_path, capsys):
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    database = folder / "catalogsync.db"
    code, out = run(*command, "--database-url", f"sqlite:///{database}")
    assert (code, out) == (2, "")
    assert (
        f"no database at {database}; run `catalogsync db upgrade`, then `catalogsync sync`"
        in capsys.readouterr().err
    )
    assert list(folder.iterdir()) == []  # no database, no -wal, -shm or lock file


def test_the_default_database_is_not_created_by_a_read(tmp_path, capsys):
    assert run("status")[0] == 2
    assert "no database at catalogsync.db" in capsys.readouterr().err
    assert not (tmp_path / "catalogsync.db").exists()
    assert run("db", "upgrade")[0] == 0  # the command that creates it still does
    assert (tmp_path / "catalogsync.db").exists()
    assert run("status")[0] == 0


def test_the_demo_says_how_to_point_the_other_commands_at_it(tmp_path, monkeypatch):
    code, out = run("demo", "--database-url", f"sqlite:///{tmp_path / 'demo.db'}")
    assert code == 0
    exports = [line.split() for line in out.splitlines() if "export " in line]
    assert len(exports) == 1
    name, value = exports[0][1].split("=", 1)
    assert name == "CATALOGSYNC_DATABASE_URL"
    monkeypatch.setenv(name, shlex.split(value)[0])
    code, listed = run("models", "akool", "--format", "json")
    assert code == 0
    assert json.loads(listed)  # the demo's Akool models, through the printed variable
    assert f"sqlite3 {tmp_path / 'demo.db'} 'SELECT " in out


@pytest.fixture
def history(engine, database_url, monkeypatch):
    """Akool versions 1, 2, 3 observed on T0 + 10, 20 and 30 days."""
    for day, price in ((10, 5), (20, 6), (30, 7)):
        payload = akool_payload(akool_model("m", prices={"720p": price}))
        assert store(engine, "akool", payload, day=day).status == "succeeded"
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    return engine


def test_diff_by_dates_compares_the_versions_in_effect_then(history):
    code, out = run("diff", "akool", "--at", "2026-01-15", "--at", "2026-01-25", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert (document["from_version"], document["to_version"]) == (1, 2)
    (change,) = document["changed"][0]["changes"]
    assert (change["field"], change["old"], change["new"]) == ("price.unit.720p", 5, 6)
    # The order of the two times does not matter; one time compares it with the newest.
    code, out = run("diff", "akool", "--at", "2026-01-25", "--at", "2026-01-15", "--format", "json")
    assert (json.loads(out)["from_version"], json.loads(out)["to_version"]) == (1, 2)
    code, out = run("diff", "akool", "--at", "2026-01-15", "--format", "json")
    assert (json.loads(out)["from_version"], json.loads(out)["to_version"]) == (1, 3)


def test_diff_by_dates_before_the_first_version_says_when_it_was(history, capsys):
    code, out = run("diff", "akool", "--at", "2026-01-02", "--at", "2026-01-25")
    assert (code, out) == (1, "")
    assert (
        "no version of akool before 2026-01-02T00:00:00Z; the first is version 1 observed at "
        "2026-01-11T00:00:00Z" in capsys.readouterr().err
    )
    assert run("diff", "akool", "--at", "2026-01-15", "--from", "1")[0] == 2


def test_models_as_of_before_the_first_version_says_so(history, capsys):
    code, out = run("models", "akool", "--as-of", "2026-01-05")
    assert (code, out) == (1, "")
    assert (
        "no version of akool before 2026-01-05T00:00:00Z; the first is version 1 observed at "
        f"{(T0.replace(day=11)).isoformat().replace('+00:00', 'Z')}" in capsys.readouterr().err
    )
    code, out = run("models", "akool", "--as-of", "2026-01-12", "--format", "json")
    assert code == 0
    assert "m" in out
    code, _ = run("models", "auriko", "--as-of", "2026-01-12")
    assert code == 1
    assert "auriko has no catalog versions yet" in capsys.readouterr().err
