"""HTTP faults against the local provider server on 127.0.0.1: retries, timeouts, caps.

Every test bounds the time it takes (generously: these are limits, not benchmarks).
Retry waits are zero here (``stamina.set_testing`` in conftest) except in the one test
that proves ``Retry-After`` is honoured up to its cap.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import httpx
import pytest
import stamina

from catalogsync.config import ProviderSettings, load_settings
from catalogsync.errors import (
    AuthenticationError,
    ConfigError,
    PermanentProviderError,
    TransientProviderError,
)
from catalogsync.http import build_client, get_bytes
from catalogsync.http.client import _backoff
from catalogsync.payloads import Secret
from catalogsync.present.output import dumps_json
from catalogsync.providers import default_base_urls
from tests.api_keys import KEYS
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import cli, use_local_server
from tests.provider_server import Reply

GOOD = audioshake_payload(audioshake_model("bass"), audioshake_model("drums", price=2))
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def server(provider_server, database_url, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    provider_server.set_json("audioshake", GOOD)
    return provider_server


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "catalogsync.toml"
    path.write_text(text)
    return str(path)


def sync(*argv: str) -> tuple[int, dict[str, dict], float]:
    """``sync --format json ARGV``: the exit code, outcomes by provider, and seconds taken."""
    started = time.monotonic()
    code, out = cli("sync", "--format", "json", *argv)
    return code, {o["provider"]: o for o in json.loads(out)}, time.monotonic() - started


def requests_to(server, path: str) -> int:
    return sum(r.path == path for r in server.requests)


@SQLITE
def test_500_then_429_with_retry_after_then_200_succeeds(server):
    server.queue(
        "audioshake",
        Reply(500, b'{"error": "boom"}'),
        Reply(429, b'{"error": "slow down"}', headers={"Retry-After": "1"}),
    )
    code, outcomes, seconds = sync("audioshake")
    assert code == 0
    assert (outcomes["audioshake"]["status"], outcomes["audioshake"]["model_count"]) == (
        "succeeded",
        2,
    )
    assert requests_to(server, "/models") == 3
    assert seconds < 5


@SQLITE
def test_other_4xx_are_not_retried(server):
    server.queue("akool", Reply(404, b'{"error": "gone"}'), Reply(500, b"{}"))
    code, outcomes, seconds = sync("akool")
    assert code == 1
    assert outcomes["akool"]["status"] == "failed"
    assert "akool: HTTP 404 from http://127.0.0.1" in outcomes["akool"]["error"]
    assert requests_to(server, "/api/open/v4/aigModel/list") == 1
    assert seconds < 5


def test_retry_after_is_honoured_up_to_its_cap(provider_server):
    settings = ProviderSettings(
        "audioshake", provider_server.url, max_attempts=2, max_retry_after_seconds=0.3
    )
    provider_server.set_json("audioshake", GOOD)
    provider_server.queue("audioshake", Reply(429, b"{}", headers={"Retry-After": "30"}))
    with stamina.set_testing(False), build_client(settings) as client:  # real waits, this once
        started = time.monotonic()
        body = get_bytes(client, "audioshake", f"{provider_server.url}/models")
        seconds = time.monotonic() - started
    assert json.loads(body) == json.loads(dumps_json(GOOD))
    assert 0.3 <= seconds < 3  # waited the capped 0.3 s, not the 30 s asked for


@pytest.mark.parametrize(
    ("retry_after", "cap", "wait"),
    [("2", 60.0, 2.0), ("120", 60.0, 60.0), ("120", 5.0, 5.0), (None, 60.0, True)],
)
def test_the_backoff_hook_caps_retry_after(retry_after, cap, wait):
    seconds = float(retry_after) if retry_after else None
    assert _backoff(TransientProviderError("p", "HTTP 429", retry_after=seconds), cap) == wait
    assert _backoff(PermanentProviderError("p", "HTTP 404"), cap) is False


@SQLITE
def test_a_server_that_never_answers_fails_within_the_timeout(server, tmp_path):
    path = config(tmp_path, "[providers.audioshake]\ntimeout_seconds = 0.5\nmax_attempts = 2\n")
    server.set_json("audioshake", GOOD, delay=3.0)
    code, outcomes, seconds = sync("audioshake", "--config", path)
    assert code == 1
    error = outcomes["audioshake"]["error"]
    assert error.startswith("audioshake: timed out (ReadTimeout) fetching http://127.0.0.1:")
    assert requests_to(server, "/models") == 2
    assert seconds < 0.5 * 2 + 2  # the timeout times the attempts, plus a margin


@SQLITE
def test_persistent_503_fails_after_exactly_the_configured_attempts(server, tmp_path):
    path = config(tmp_path, "[http]\nmax_attempts = 4\n")
    server.set_raw("audioshake", b'{"error": "maintenance until 10:00"}', status=503)
    code, outcomes, seconds = sync("audioshake", "--config", path)
    assert code == 1
    assert "audioshake: HTTP 503 from http://127.0.0.1" in outcomes["audioshake"]["error"]
    assert requests_to(server, "/models") == 4
    assert seconds < 5
    # The error body is kept with the failed run.
    code, raw = cli("runs", "show", str(outcomes["audioshake"]["run_id"]), "--raw")
    assert (code, raw) == (0, '{"error": "maintenance until 10:00"}')


@SQLITE
@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_fails_at_once_as_an_authentication_problem(server, status):
    server.set_raw("audioshake", b'{"error": "invalid api key"}', status=status)
    code, outcomes, seconds = sync("audioshake")
    assert code == 1
    assert outcomes["audioshake"]["error"] == (
        f"audioshake: authentication failed (HTTP {status}): check the API key "
        "(the key itself is never printed)"
    )
    assert requests_to(server, "/models") == 1
    assert seconds < 5


@SQLITE
def test_an_oversized_response_fails_against_max_response_bytes(server, tmp_path):
    big = audioshake_payload(*(audioshake_model(f"model_{i}") for i in range(20)))
    size = len(dumps_json(big).encode())
    assert size > 4000
    path = config(tmp_path, "[providers.audioshake]\nmax_response_bytes = 4000\n")
    server.set_json("audioshake", big)
    code, outcomes, seconds = sync("audioshake", "--config", path)
    assert code == 1
    assert outcomes["audioshake"]["error"] == (
        f"audioshake: response of {size} bytes exceeds the 4000-byte cap"
    )
    assert requests_to(server, "/models") == 1  # not retried
    assert seconds < 5
    # Within the cap, the same catalog syncs.
    path = config(tmp_path, f"[providers.audioshake]\nmax_response_bytes = {size}\n")
    code, outcomes, _ = sync("audioshake", "--config", path)
    assert (code, outcomes["audioshake"]["status"]) == (0, "succeeded")


def test_a_response_without_a_length_is_cut_at_the_cap():
    def endless(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"x" * 10_000))

    settings = ProviderSettings("audioshake", "https://example.test", max_response_bytes=1000)
    transport = httpx.MockTransport(endless)
    with build_client(settings, transport) as client, pytest.raises(PermanentProviderError) as e:
        get_bytes(client, "audioshake", "https://example.test/models")
    assert str(e.value) == "audioshake: response exceeds the 1000-byte cap"


@SQLITE
def test_an_unreachable_provider_is_retried_then_fails(server, tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CATALOGSYNC_AUDIOSHAKE_BASE_URL", f"http://127.0.0.1:{port}")
    path = config(tmp_path, "[providers.audioshake]\nmax_attempts = 3\n")
    code, outcomes, seconds = sync("audioshake", "--config", path)
    assert code == 1
    assert outcomes["audioshake"]["error"].startswith(
        f"audioshake: cannot reach http://127.0.0.1:{port}/models: ConnectError"
    )
    assert seconds < 5


def test_http_settings_come_from_http_and_each_provider(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        "[http]\ntimeout_seconds = 5\nmax_attempts = 2\nmax_response_bytes = 1000\n"
        "max_retry_after_seconds = 7.5\n\n"
        "[providers.akool]\nmax_attempts = 6\nmax_response_bytes = 2000\n"
        "max_retry_after_seconds = 0\n"
    )
    settings = load_settings(path, {}, default_base_urls())
    akool, auriko = settings.providers["akool"], settings.providers["auriko"]
    assert (akool.max_attempts, akool.max_response_bytes, akool.max_retry_after_seconds) == (
        6,
        2000,
        0.0,
    )
    assert (auriko.max_attempts, auriko.max_response_bytes, auriko.max_retry_after_seconds) == (
        2,
        1000,
        7.5,
    )
    with build_client(akool) as client:
        assert (client.max_attempts, client.max_response_bytes) == (6, 2000)
        assert client.max_retry_after_seconds == 0.0
        assert client.timeout.read == 5.0
    defaults = load_settings(None, {}, default_base_urls()).providers["akool"]
    assert (defaults.max_response_bytes, defaults.max_retry_after_seconds) == (64 * 1024**2, 60)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[http]\nmax_response_bytes = 0\n",
            "[http] max_response_bytes: must be a whole number >= 1",
        ),
        ("[http]\nmax_response_bytes = 1.5\n", "[http] max_response_bytes: must be a whole number"),
        (
            "[providers.akool]\nmax_retry_after_seconds = -1\n",
            "[providers.akool] max_retry_after_seconds: must be at least 0",
        ),
        (
            "[http]\nmax_retry_after_seconds = 'soon'\n",
            "[http] max_retry_after_seconds: must be a number",
        ),
        ("[http]\nretries = 3\n", "[http] retries: unknown key"),
    ],
)
def test_bad_http_settings_are_configuration_errors(text, message, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path, {}, default_base_urls())


def test_http_errors_never_carry_the_key(provider_server):
    """Whatever fails, the exception's text, repr and traceback hold no key (must-show 4)."""
    import traceback

    from catalogsync.errors import ProviderError
    from catalogsync.providers.akool import AkoolProvider

    key = KEYS["AKOOL_API_KEY"]
    echo = f'{{"error": "bad key {key}"}}'.encode()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    cases = [
        (provider_server.url, Reply(401, echo)),
        (provider_server.url, Reply(403, echo)),
        (provider_server.url, Reply(404, echo)),
        (provider_server.url, Reply(429, echo, headers={"Retry-After": "1"})),
        (provider_server.url, Reply(503, echo)),
        (provider_server.url, Reply(200, echo * 100)),  # over the size cap
        (provider_server.url, Reply(200, echo, delay=1.0)),  # timeout
        (closed, None),  # connection refused
    ]
    for base_url, reply in cases:
        settings = ProviderSettings(
            "akool",
            base_url,
            api_key=Secret(key),
            timeout_seconds=0.3,
            max_attempts=1,
            max_response_bytes=1000,
        )
        if reply is not None:
            provider_server.queue("akool", reply)
        with build_client(settings) as client, pytest.raises(ProviderError) as caught:
            AkoolProvider(settings).fetch(client)
        exc = caught.value
        text = "".join(traceback.format_exception(exc)) + repr(exc) + repr(settings)
        assert key not in text, (base_url, reply)
        if reply is not None and reply.status == 401:
            assert isinstance(exc, AuthenticationError)
    assert key not in repr(load_settings(None, {"AKOOL_API_KEY": key}, default_base_urls()))
