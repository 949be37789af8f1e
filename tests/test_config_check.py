"""`catalogsync config check`, and every command checking the whole file the same way."""

from __future__ import annotations

import io
import json

import pytest

from catalogsync.cli import main
from catalogsync.config_schema import (
    SECTIONS,
    Section,
    check_document,
    choice,
    number,
    readable_file,
    strings,
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty working directory, no key in the environment, a database that is not there."""
    monkeypatch.chdir(tmp_path)
    for name in ("AKOOL_API_KEY", "AUDIOSHAKE_API_KEY", "AURIKO_API_KEY", "CATALOGSYNC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    return tmp_path


TYPO = '[providers.akool]\nschedual = "@every 1h"\n'


@pytest.mark.parametrize(
    "command",
    [
        ["config", "check"],
        ["status"],
        ["versions"],
        ["sync"],
        ["demo"],
        # With the database named on the command line, the file is still checked.
        ["versions", "--database-url", "sqlite:///elsewhere.db"],
        ["db", "upgrade", "--database-url", "sqlite:///elsewhere.db"],
    ],
    ids=" ".join,
)
def test_a_misspelt_key_stops_every_command_naming_file_section_and_key(folder, command, capsys):
    (folder / "catalogsync.toml").write_text(TYPO)
    code, out = run(*command)
    assert (code, out) == (2, "")
    assert sorted(p.name for p in folder.iterdir()) == ["catalogsync.toml"]  # nothing written
    assert (
        'catalogsync.toml: [providers.akool] schedual: unknown key (did you mean "schedule"?)'
        in capsys.readouterr().err
    )


def test_config_check_lists_every_problem_one_a_line(folder, capsys):
    (folder / "c.toml").write_text(
        TYPO
        + '[http]\ntimeout_seconds = "soon"\n'
        + "[daemon]\nmetrics_port = 70000\ntimezone = 'Mars/Olympus'\n"
        + "[sync]\nmax_removal_fraction = 2\n"
        + "[providrs.x]\n"
        + "[providers.litellm]\napi_key_file = 'missing.key'\n"
    )
    code, _ = run("config", "check", "--config", str(folder / "c.toml"))
    lines = capsys.readouterr().err.splitlines()
    assert code == 2
    assert lines == [
        'catalogsync: error: c.toml: [providers.akool] schedual: unknown key (did you mean "schedule"?)',
        f"catalogsync: error: c.toml: [providers.litellm] api_key_file: {folder / 'missing.key'} "
        "cannot be read: No such file or directory",
        "catalogsync: error: c.toml: [http] timeout_seconds: must be a number",
        "catalogsync: error: c.toml: [daemon] metrics_port: must be a port number (0-65535)",
        "catalogsync: error: c.toml: [daemon] timezone: 'Mars/Olympus' is not a time zone name "
        "(e.g. 'UTC', 'Europe/Berlin')",
        "catalogsync: error: c.toml: [sync] max_removal_fraction: must be between 0 and 1",
        'catalogsync: error: c.toml: providrs: unknown section (did you mean "providers"?)',
    ]


def test_a_bad_http_value_names_the_http_section_not_a_provider(folder, capsys):
    (folder / "catalogsync.toml").write_text("[http]\ntimeout_seconds = -1\n")
    assert run("status")[0] == 2
    err = capsys.readouterr().err
    assert "catalogsync.toml: [http] timeout_seconds: must be above 0" in err
    assert "[providers." not in err


def test_an_adapters_own_options_are_checked_by_every_command(folder, capsys):
    (folder / "catalogsync.toml").write_text('[providers.akool]\ntypes = ["video"]\n')
    assert run("status")[0] == 2
    assert "catalogsync.toml: [providers.akool] types must be whole numbers" in (
        capsys.readouterr().err
    )
    (folder / "catalogsync.toml").write_text("[providers.openrouter]\nendpoint = true\n")
    assert run("config", "check")[0] == 2
    assert '[providers.openrouter] endpoint: unknown key (did you mean "endpoints"?)' in (
        capsys.readouterr().err
    )


def test_a_valid_configuration_says_what_it_configures_without_secrets(folder, monkeypatch):
    secret = "sk-very-secret-0123456789"
    (folder / "auriko.key").write_text(secret + "\n")
    (folder / "catalogsync.toml").write_text(
        "[database]\nurl = 'postgresql://me:dbpassword@db/x'\n"
        "[providers.akool]\nenabled = false\n"
        "[providers.auriko]\napi_key_file = 'auriko.key'\nschedule = '@every 30m'\n"
    )
    monkeypatch.delenv("CATALOGSYNC_DATABASE_URL")
    monkeypatch.setenv("AUDIOSHAKE_API_KEY", secret)
    code, out = run("config", "check", "--format", "json")
    assert code == 0
    assert secret not in out
    assert "dbpassword" not in out
    summary = json.loads(out)
    assert summary["path"] == "catalogsync.toml"
    assert summary["database_url"] == "postgresql://me:********@db/x"
    by_name = {p["provider"]: p for p in summary["providers"]}
    assert (by_name["akool"]["state"], by_name["akool"]["reason"]) == (
        "disabled",
        "enabled = false in [providers.akool]",
    )
    assert by_name["audioshake"]["key_from"] == "AUDIOSHAKE_API_KEY"
    assert (by_name["auriko"]["state"], by_name["auriko"]["key_from"]) == (
        "enabled",
        "api_key_file",
    )
    assert by_name["auriko"]["schedule"] == "@every 30m"
    assert by_name["litellm"]["reason"] == "public catalog, no key needed"
    monkeypatch.delenv("AUDIOSHAKE_API_KEY")
    code, out = run("config", "check")
    assert code == 0
    assert "configuration catalogsync.toml is valid" in out
    assert "no API key: set AUDIOSHAKE_API_KEY or api_key_file" in out
    assert not (folder / "c.db").exists()  # checking touches no database


def test_with_json_logs_each_problem_is_a_json_line(folder, capsys):
    (folder / "catalogsync.toml").write_text(TYPO + "[http]\nmax_attempts = 0\n")
    assert run("config", "check", "--log-format", "json")[0] == 2
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["level"] for line in lines] == ["ERROR", "ERROR"]
    assert (
        lines[1]["message"] == "catalogsync.toml: [http] max_attempts: must be a whole number >= 1"
    )


def test_a_section_is_declared_in_one_place(tmp_path, monkeypatch):
    """A new section is one entry of SECTIONS: its keys are then checked like any other."""
    declared = Section(
        {
            "kind": choice("webhook", "slack"),
            "providers": strings,
            "ratio": number(0, 1),
            "secret_file": readable_file,
        },
        named=True,
    )
    monkeypatch.setitem(SECTIONS, "extra", declared)
    (tmp_path / "secret").write_text("s")
    good = {"kind": "slack", "providers": ["akool"], "ratio": 0.5, "secret_file": "secret"}
    assert check_document({"extra": {"ok": good}}, "f.toml", tmp_path) == []
    data = {
        "extra": {
            "one": {"ratio": 3, "ration": 1, "kind": "email", "providers": "akool"},
            "two": {"secret_file": "nowhere"},
        }
    }
    assert check_document(data, "f.toml", tmp_path) == [
        "f.toml: [extra.one] ratio: must be between 0 and 1",
        'f.toml: [extra.one] ration: unknown key (did you mean "ratio"?)',
        'f.toml: [extra.one] kind: must be one of "webhook", "slack"',
        "f.toml: [extra.one] providers: must be a list of strings",
        f"f.toml: [extra.two] secret_file: {tmp_path / 'nowhere'} cannot be read: "
        "No such file or directory",
    ]


def test_a_misspelt_provider_section_is_named_with_a_suggestion(folder, capsys):
    (folder / "catalogsync.toml").write_text("[providers.akol]\nenabled = false\n")
    assert run("status")[0] == 2
    assert (
        'catalogsync.toml: unknown provider(s) in [providers]: akol (did you mean "akool"?)'
        in capsys.readouterr().err
    )


def test_usage_errors_are_json_lines_with_json_logs(capsys):
    with pytest.raises(SystemExit) as exited:
        run("status", "--max-age", "soon", "--log-format", "json")
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    document = json.loads(line)
    assert document["error"] == "usage error"
    assert "not a duration: 'soon'" in document["message"]
