"""Secrets in the configuration: keys and URLs that could not be sent as they are are
refused at load, naming the setting and never the value; URL passwords are secrets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from catalogsync.cli import main
from catalogsync.config import load_settings
from catalogsync.db.session import make_engine
from catalogsync.errors import ConfigError
from catalogsync.payloads import mask_url
from catalogsync.providers import default_base_urls
from tests.api_keys import KEY_LINE, KEY_WITH_NEWLINE, KEYS, URL_PASSWORD
from tests.helpers import provider_runs

AKOOL_KEY = KEYS["AKOOL_API_KEY"]


def load(environ: dict[str, str], path: Path | None = None):
    return load_settings(path, environ, default_base_urls())


@pytest.mark.parametrize(
    "bad",
    [
        AKOOL_KEY + "\n",  # stripped: an outer newline is harmless
        AKOOL_KEY[:8] + "\nX-Injected: 1",
        AKOOL_KEY[:8] + "\r" + AKOOL_KEY[8:],
        AKOOL_KEY[:8] + "\x00" + AKOOL_KEY[8:],
        AKOOL_KEY[:8] + "é" + AKOOL_KEY[8:],
        AKOOL_KEY[:8] + "\t" + AKOOL_KEY[8:],
    ],
)
def test_a_key_with_control_characters_or_non_ascii_is_refused_naming_the_variable(bad):
    if bad.strip() == AKOOL_KEY:
        assert load({"AKOOL_API_KEY": bad}).providers["akool"].api_key is not None
        return
    with pytest.raises(ConfigError) as caught:
        load({"AKOOL_API_KEY": bad})
    message = str(caught.value)
    assert "AKOOL_API_KEY" in message
    assert AKOOL_KEY[:8] not in message
    assert "not shown" in message


def test_a_key_with_a_newline_is_refused_and_never_shown():
    for variable in ("AKOOL_API_KEY", "AUDIOSHAKE_API_KEY"):
        with pytest.raises(ConfigError) as caught:
            load({variable: KEY_WITH_NEWLINE})
        assert variable in str(caught.value)
        assert KEY_LINE not in str(caught.value)


def test_a_key_file_with_a_newline_inside_is_refused_naming_the_file(tmp_path):
    key_file = tmp_path / "akool.key"
    key_file.write_text(AKOOL_KEY[:8] + "\n" + AKOOL_KEY[8:] + "\n", encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text('[providers.akool]\napi_key_file = "akool.key"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load({}, config)
    assert "api_key_file" in str(caught.value)
    assert str(key_file) in str(caught.value)
    assert AKOOL_KEY[:8] not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{URL_PASSWORD}@api.example.com/\n",
        f"https://user:{URL_PASSWORD}@api.example.com/a b",
        f"https://user:{URL_PASSWORD}@api.exämple.com",
        f"https://user:{URL_PASSWORD}@api.example.com/\x1b[2J",
    ],
)
def test_a_base_url_with_control_characters_is_refused_without_showing_it(url):
    with pytest.raises(ConfigError) as caught:
        load({"CATALOGSYNC_AKOOL_BASE_URL": url})
    assert "CATALOGSYNC_AKOOL_BASE_URL" in str(caught.value)
    assert URL_PASSWORD not in str(caught.value)
    assert "api.example" not in str(caught.value)


def test_a_base_url_that_is_not_http_is_refused_with_its_password_masked():
    with pytest.raises(ConfigError) as caught:
        load({"CATALOGSYNC_AKOOL_BASE_URL": f"ftp://user:{URL_PASSWORD}@host"})
    assert URL_PASSWORD not in str(caught.value)
    assert "ftp://user:********@host" in str(caught.value)


def test_url_passwords_are_secrets():
    settings = load(
        {
            "CATALOGSYNC_AKOOL_BASE_URL": f"https://user:{URL_PASSWORD}@api.example.com",
            "CATALOGSYNC_DATABASE_URL": f"postgresql://app:{URL_PASSWORD}x@db/catalogsync",
            "AKOOL_API_KEY": AKOOL_KEY,
        }
    )
    revealed = {secret.reveal() for secret in settings.secrets()}
    assert revealed == {URL_PASSWORD, URL_PASSWORD + "x", AKOOL_KEY}
    assert mask_url(f"https://user:{URL_PASSWORD}@h:8/p?q=1") == "https://user:********@h:8/p?q=1"
    assert mask_url("https://h/p") == "https://h/p"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("http", "timeout_seconds"),
        ("http", "max_retry_after_seconds"),
        ("providers.akool", "timeout_seconds"),
        ("providers.akool", "jitter_seconds"),
        ("sync", "max_removal_fraction"),
        ("daemon", "stop_timeout_seconds"),
    ],
)
def test_numbers_must_be_finite(tmp_path, section, key, value):
    config = tmp_path / "c.toml"
    config.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=key):
        load({}, config)


def test_a_url_password_never_reaches_the_stored_error_or_the_output(
    database_url, monkeypatch, capsys
):
    """A provider at a base URL with a password that refuses connections: the failure is
    recorded, and the password is nowhere in it."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("AKOOL_API_KEY", AKOOL_KEY)
    monkeypatch.setenv("CATALOGSYNC_AKOOL_BASE_URL", f"http://user:{URL_PASSWORD}@127.0.0.1:9")
    out = io.StringIO()
    code = main(["sync", "akool", "--format", "json"], out=out)
    assert code == 1
    [outcome] = json.loads(out.getvalue())
    assert outcome["status"] == "failed"
    assert URL_PASSWORD not in out.getvalue() + capsys.readouterr().err
    engine = make_engine(database_url)
    try:
        [run] = provider_runs(engine, "akool")
    finally:
        engine.dispose()
    assert URL_PASSWORD not in repr(run)
