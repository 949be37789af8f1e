"""Hostile and broken HTTP servers: keys stay home, no answer hangs or bloats a sync.

Each server here is a raw HTTP/1.1 server on 127.0.0.1 (an ephemeral port, a thread per
connection) whose answers the test writes byte by byte, so that it can trickle, lie about
its encoding, redirect anywhere or break the protocol. A second server on another port is
another origin. Every test bounds the time it takes, generously: these are limits, not
benchmarks.
"""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx
import pytest

from catalogsync.config import ProviderSettings, load_settings
from catalogsync.errors import (
    ConfigError,
    PermanentProviderError,
    TransientProviderError,
)
from catalogsync.http import (
    ERROR_BODY_BYTES,
    MAX_REDIRECTS,
    ProviderClient,
    build_client,
    get_bytes,
    longest_call_seconds,
)
from catalogsync.payloads import Secret
from catalogsync.present.output import dumps_json
from catalogsync.providers import default_base_urls, get_provider_class
from tests.api_keys import KEYS
from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
)
from tests.helpers import cli, count

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KEY_ENV = {"audioshake": "AUDIOSHAKE_API_KEY", "akool": "AKOOL_API_KEY", "auriko": "AURIKO_API_KEY"}
CATALOGS = {  # path -> body, as each provider's endpoint answers
    "/models": dumps_json(
        audioshake_payload(audioshake_model("bass"), audioshake_model("drums", price=2))
    ).encode(),
    "/api/open/v4/aigModel/list": dumps_json(
        akool_payload(akool_model("AkoolImage2VideoFastV1", prices={"720p": 5}))
    ).encode(),
    "/v1/models": dumps_json(
        auriko_payload(auriko_model("gpt-4o", providers={"openai": (2.5, 10)}))
    ).encode(),
}
CATALOG = CATALOGS["/models"]


# --- hostile servers ----------------------------------------------------------------------


@dataclass
class Seen:
    """One request a server received."""

    path: str  # with the query string
    headers: dict[str, str]  # names lowercased


Send = Callable[[bytes], None]
Respond = Callable[["HostileServer", Seen, Send], None]


@dataclass
class HostileServer:
    """Answers each request (one per connection) by calling ``respond``; records requests."""

    respond: Respond
    requests: list[Seen] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    line = self.rfile.readline(65536).decode("latin-1")
                    headers = {}
                    while (header := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
                        name, _, value = header.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    if not line:
                        return
                    seen = Seen(line.split(" ")[1] if " " in line else line, headers)
                    owner.requests.append(seen)

                    def send(data: bytes) -> None:
                        self.wfile.write(data)
                        self.wfile.flush()

                    owner.respond(owner, seen, send)
                except OSError:
                    pass  # the client gave up (a deadline, a cap, a refusal): expected here

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def trickle(self, send: Send, data: bytes, every: float = 0.05, limit: float = 20.0) -> None:
        """Send ``data`` one byte at a time, for at most ``limit`` seconds."""
        end = time.monotonic() + limit
        for byte in data:
            if self.stopping.is_set() or time.monotonic() > end:
                return
            send(bytes([byte]))
            time.sleep(every)


def reply(
    status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, *, length=True
) -> bytes:
    """A whole HTTP/1.1 response, closing the connection."""
    lines = [f"HTTP/1.1 {status} X", "Connection: close"]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def answer(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> Respond:
    return lambda server, seen, send: send(reply(status, body, headers))


def catalogs(server: HostileServer, seen: Seen, send: Send) -> None:
    """Answer like the three providers' endpoints, each with a small catalog."""
    body = CATALOGS.get(seen.path.split("?", 1)[0])
    send(reply(200, body) if body else reply(404, b"{}"))


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], HostileServer]]:
    servers: list[HostileServer] = []

    def start(respond: Respond) -> HostileServer:
        servers.append(HostileServer(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def settings_for(provider: str, base_url: str, key: str | None = None, **kw) -> ProviderSettings:
    kw.setdefault("max_attempts", 1)
    kw.setdefault("timeout_seconds", 5)
    return ProviderSettings(
        provider, base_url, api_key=Secret(key or KEYS[KEY_ENV[provider]]), **kw
    )


def fetch(settings: ProviderSettings) -> bytes:
    with build_client(settings) as client:
        return get_provider_class(settings.name)(settings).fetch(client)


def fetch_url(url: str, **kw) -> bytes:
    settings = settings_for("audioshake", url, **kw)
    with build_client(settings) as client:
        return get_bytes(client, "audioshake", url, headers={"x-api-key": "not-a-key-at-all"})


def full_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


def sync_json(*argv: str) -> tuple[int, dict[str, dict], float]:
    """``sync --format json ARGV``: the exit code, outcomes by provider, and seconds taken."""
    started = time.monotonic()
    code, out = cli("sync", "--format", "json", *argv)
    return code, {o["provider"]: o for o in json.loads(out)}, time.monotonic() - started


def point_providers_at(monkeypatch, database_url: str, urls: dict[str, str]) -> None:
    for provider, url in urls.items():
        monkeypatch.setenv(f"CATALOGSYNC_{provider.upper()}_BASE_URL", url)
        monkeypatch.setenv(KEY_ENV[provider], KEYS[KEY_ENV[provider]])
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)


# --- keys never cross origins --------------------------------------------------------------


def redirect_to(location: Callable[[HostileServer, Seen], str], status: int = 302) -> Respond:
    return lambda server, seen, send: send(
        reply(status, b"moved", {"Location": location(server, seen)})
    )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("provider", ["audioshake", "akool", "auriko"])
def test_a_redirect_to_another_port_is_refused_and_the_key_stays_home(serve, provider, status):
    other = serve(catalogs)
    home = serve(redirect_to(lambda server, seen: other.url + seen.path, status))
    key = KEYS[KEY_ENV[provider]]
    with pytest.raises(PermanentProviderError) as caught:
        fetch(settings_for(provider, home.url, max_attempts=3))
    message = str(caught.value)
    assert f"HTTP {status} from {home.url}/" in message
    assert f"redirects to another origin (http://127.0.0.1:{other.port})" in message
    assert "set its base_url to the new address" in message
    assert other.requests == []  # refused, not followed
    assert len(home.requests) == 1  # permanent: not retried
    assert key in json.dumps(home.requests[0].headers)  # the key went to its own origin
    assert key not in full_text(caught.value)


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("http://localhost:{home}/models", id="other-host-same-port"),
        pytest.param("https://127.0.0.1:{home}/models", id="other-scheme-same-port"),
        pytest.param("//127.0.0.1:{other}/models", id="scheme-relative-other-port"),
        pytest.param("http://user:pw@127.0.0.1:{other}/models", id="userinfo-other-port"),
    ],
)
def test_every_kind_of_other_origin_is_refused(serve, location):
    other = serve(catalogs)
    home = serve(
        redirect_to(lambda server, seen: location.format(home=server.port, other=other.port))
    )
    with pytest.raises(PermanentProviderError, match="redirects to another origin"):
        fetch(settings_for("akool", home.url))
    assert other.requests == []
    assert len(home.requests) == 1  # "localhost" and https are this server too: not asked again


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("status", [302, 307])
def test_cli_sync_never_sends_a_key_to_the_origin_a_redirect_names(
    serve, database_url, monkeypatch, status, engine
):
    """Every provider's base URL at server A, which redirects everything to server B."""
    other = serve(catalogs)
    home = serve(redirect_to(lambda server, seen: other.url + seen.path, status))
    point_providers_at(monkeypatch, database_url, dict.fromkeys(KEY_ENV, home.url))
    code, outcomes, _ = sync_json()
    assert code == 1
    for provider in KEY_ENV:
        assert outcomes[provider]["status"] == "failed"
        assert "redirects to another origin" in outcomes[provider]["error"]
        assert "internal error" not in outcomes[provider]["error"]
    seen_by_other = json.dumps([r.headers for r in other.requests])
    for key in KEYS.values():
        assert key not in seen_by_other
    assert other.requests == []
    assert count(engine, "catalog_versions") == 0


@SQLITE
def test_same_origin_redirects_are_followed_with_the_key(serve, database_url, monkeypatch):
    def respond(server: HostileServer, seen: Seen, send: Send) -> None:
        if seen.path == "/models":
            send(reply(301, headers={"Location": "/v2/models"}))  # relative
        elif seen.path == "/v2/models":
            send(reply(307, headers={"Location": f"{server.url}/v3/models#frag"}))  # absolute
        else:
            send(reply(200, CATALOG))

    home = serve(respond)
    point_providers_at(monkeypatch, database_url, {"audioshake": home.url})
    code, outcomes, _ = sync_json("audioshake")
    assert (code, outcomes["audioshake"]["status"]) == (0, "succeeded")
    assert outcomes["audioshake"]["model_count"] == 2
    assert [r.path for r in home.requests] == ["/models", "/v2/models", "/v3/models"]
    assert all(r.headers["x-api-key"] == KEYS["AUDIOSHAKE_API_KEY"] for r in home.requests)


@pytest.mark.parametrize("hops", [MAX_REDIRECTS, MAX_REDIRECTS + 1])
def test_redirects_are_followed_up_to_the_limit(serve, hops):
    def respond(server: HostileServer, seen: Seen, send: Send) -> None:
        step = int(seen.path.rsplit("/", 1)[1])
        send(reply(302, headers={"Location": f"/{step + 1}"}) if step < hops else reply(200, b"[]"))

    home = serve(respond)
    if hops <= MAX_REDIRECTS:
        assert fetch_url(f"{home.url}/0") == b"[]"
    else:
        with pytest.raises(PermanentProviderError, match=r"more than 5 redirects"):
            fetch_url(f"{home.url}/0")
    assert len(home.requests) == min(hops, MAX_REDIRECTS) + 1


@SQLITE
def test_cli_a_redirect_loop_is_a_clear_failure_not_retried(serve, database_url, monkeypatch):
    home = serve(redirect_to(lambda server, seen: seen.path))
    point_providers_at(monkeypatch, database_url, {"audioshake": home.url})
    code, outcomes, seconds = sync_json("audioshake")
    assert code == 1
    assert outcomes["audioshake"]["error"] == (
        f"audioshake: more than {MAX_REDIRECTS} redirects from {home.url}/models (a redirect loop?)"
    )
    assert len(home.requests) == MAX_REDIRECTS + 1  # one attempt: a loop is no passing fault
    assert seconds < 5


@SQLITE
@pytest.mark.parametrize(
    ("status", "headers", "says"),
    [
        (302, {}, "is a redirect without a Location, not a catalog"),
        (301, {"Location": ""}, "is a redirect without a Location, not a catalog"),
        (307, {}, "is a redirect without a Location, not a catalog"),
        (308, {}, "is a redirect without a Location, not a catalog"),
        (303, {}, "is a redirect without a Location, not a catalog"),
        (300, {"Location": "/models"}, "is not a catalog"),
        (305, {}, "is not a catalog"),
    ],
)
def test_cli_a_3xx_body_is_never_stored(
    serve, database_url, monkeypatch, engine, status, headers, says
):
    home = serve(answer(status, CATALOG, headers))
    point_providers_at(monkeypatch, database_url, {"audioshake": home.url})
    code, outcomes, _ = sync_json("audioshake")
    assert code == 1
    assert (
        outcomes["audioshake"]["error"]
        == f"audioshake: HTTP {status} from {home.url}/models {says}"
    )
    assert count(engine, "catalog_versions") == 0
    assert count(engine, "models") == 0


# --- a deadline for each attempt ------------------------------------------------------------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"


def trickled(phase: str) -> Respond:
    """A server that sends its headers, or its body, one byte every 50 ms (for 20 s at most)."""

    def respond(server: HostileServer, seen: Seen, send: Send) -> None:
        if phase == "headers":
            server.trickle(send, HEAD + b"X-Padding: " + b"x" * 1000 + b"\r\n\r\n")
        else:
            send(HEAD + b"\r\n")
            server.trickle(send, b"[" + b" " * 99_999)

    return respond


@pytest.mark.parametrize("phase", ["headers", "body"])
def test_a_trickling_server_is_cut_off_at_the_deadline(serve, phase):
    home = serve(trickled(phase))
    started = time.monotonic()
    with pytest.raises(TransientProviderError) as caught:
        fetch_url(f"{home.url}/models", timeout_seconds=0.5, deadline_seconds=1)
    seconds = time.monotonic() - started
    assert str(caught.value) == (
        f"audioshake: no complete response from {home.url}/models within the 1-second "
        "deadline (deadline_seconds)"
    )
    assert 0.9 <= seconds < 5  # the per-read timeout (0.5 s) alone would never fire


def test_each_retry_is_bounded_by_the_deadline_and_so_is_their_total(serve):
    home = serve(trickled("body"))
    started = time.monotonic()
    with pytest.raises(TransientProviderError, match=r"within the 0\.5-second deadline"):
        fetch_url(f"{home.url}/models", timeout_seconds=5, deadline_seconds=0.5, max_attempts=3)
    seconds = time.monotonic() - started
    assert len(home.requests) == 3
    # Waits between attempts are zero in tests (conftest); the bound adds them at most.
    assert 1.4 <= seconds < 3 * 0.5 + 3
    assert longest_call_seconds(3, 0.5, 60) == 3 * 0.5 + 2 * 60
    assert longest_call_seconds(3, 120, 5) == 3 * 120 + 2 * 30  # backoff waits at most 30 s


def test_the_deadline_holds_through_a_proxy_from_the_environment(serve, monkeypatch):
    proxy = serve(trickled("headers"))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    started = time.monotonic()
    with pytest.raises(TransientProviderError, match=r"within the 1-second deadline"):
        fetch_url("http://catalog.example.test/models", timeout_seconds=0.5, deadline_seconds=1)
    assert time.monotonic() - started < 5
    assert proxy.requests[0].path == "http://catalog.example.test/models"  # it was the proxy


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_the_deadline_holds_over_tls(tmp_path):
    """CPython bounds a whole TLS read by its timeout, however many records it takes."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve_one() -> None:
        conn, _ = listener.accept()
        with server_tls.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            for byte in HEAD + b"X-Padding: " + b"x" * 1000 + b"\r\n\r\n":
                if stop.is_set():
                    return
                tls.send(bytes([byte]))
                time.sleep(0.05)

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/models"
    client = ProviderClient(
        verify=ssl.create_default_context(cafile=str(cert)),
        timeout=httpx.Timeout(0.5),
        deadline_seconds=1.0,
    )
    started = time.monotonic()
    try:
        with client, pytest.raises(TransientProviderError, match=r"within the 1-second deadline"):
            get_bytes(client, "audioshake", url)
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@SQLITE
def test_cli_a_trickling_provider_holds_neither_the_sync_nor_those_after_it(
    serve, provider_server, database_url, monkeypatch, tmp_path
):
    slow = serve(trickled("headers"))
    provider_server.set_raw("akool", CATALOGS["/api/open/v4/aigModel/list"])
    point_providers_at(
        monkeypatch, database_url, {"audioshake": slow.url, "akool": provider_server.url}
    )
    config = tmp_path / "catalogsync.toml"
    config.write_text("[http]\ntimeout_seconds = 2\ndeadline_seconds = 1\nmax_attempts = 2\n")
    code, outcomes, seconds = sync_json("audioshake", "akool", "--config", str(config))
    assert code == 1
    assert "within the 1-second deadline" in outcomes["audioshake"]["error"]
    assert outcomes["akool"]["status"] == "succeeded"
    assert len(slow.requests) == 2
    assert seconds < 2 * 1 + 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[http]\ndeadline_seconds = 0\n", r"\[http\] deadline_seconds: must be above 0"),
        ("[http]\ndeadline_seconds = -1\n", r"\[http\] deadline_seconds: must be above 0"),
        ("[http]\ndeadline_seconds = inf\n", r"\[http\] deadline_seconds: must be a finite number"),
        ("[http]\ndeadline_seconds = nan\n", r"\[http\] deadline_seconds: must be a finite number"),
        (
            "[providers.akool]\ndeadline_seconds = 'soon'\n",
            r"\[providers.akool\] deadline_seconds: must be a number",
        ),
    ],
)
def test_bad_deadlines_are_configuration_errors(text, message, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, {}, default_base_urls())


def test_the_deadline_comes_from_http_and_each_provider(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[http]\ndeadline_seconds = 45\n\n[providers.akool]\ndeadline_seconds = 7.5\n")
    providers = load_settings(path, {}, default_base_urls()).providers
    assert (providers["akool"].deadline_seconds, providers["auriko"].deadline_seconds) == (7.5, 45)
    with build_client(providers["akool"]) as client:
        assert client.deadline_seconds == 7.5
    defaults = load_settings(None, {}, default_base_urls()).providers["akool"]
    assert defaults.deadline_seconds == 120


# --- decoded bytes, counted as they stream -------------------------------------------------


def gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


@cache
def bomb(gib: int = 1) -> bytes:
    """``gib`` GiB of zeros, gzipped twice: about 1.4 KB a GiB.

    The inner stream is built from one 16 MiB segment repeated (a full flush makes each
    compress alike), so that building it takes a CRC's time, not a compression's.
    """
    zeros = bytes(1 << 24)
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16, 9, zlib.Z_RLE)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    segment = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    assert first.endswith(segment)
    segments = gib * 64
    crc = 0
    for _ in range(segments):
        crc = zlib.crc32(zeros, crc)
    size = segments << 24
    inner = (
        first[: -len(segment)]
        + segment * segments
        + packer.flush()[:-8]
        + struct.pack("<II", crc, size & 0xFFFFFFFF)
    )
    return gzip(inner)


CHILD = r"""
import json, resource, sys, time
from catalogsync.config import ProviderSettings
from catalogsync.http import build_client, get_bytes

def status_kib(field):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith(field + ":"))

def reset_peak():
    # Linux resets VmHWM (the peak RSS) to the current RSS on "5" (since 4.0).
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        print(json.dumps({"skip": "cannot reset the peak RSS (/proc/self/clear_refs)"}))
        sys.exit(0)

# A guard: should decoding ever be unbounded again, fail with MemoryError at about
# 1 GiB more than now, rather than take the machine's memory.
vm = status_kib("VmSize") * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), resource.RLIM_INFINITY))

url = sys.argv[1]
settings = ProviderSettings("audioshake", url, max_attempts=1, max_response_bytes=1 << 20)
result = {}
with build_client(settings) as client:
    get_bytes(client, "audioshake", url + "/small")  # warm: every code path loaded
    reset_peak()
    result["baseline_kib"] = status_kib("VmRSS")
    started = time.monotonic()
    try:
        get_bytes(client, "audioshake", url + "/bomb")
        result["error"] = None
    except BaseException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["seconds"] = time.monotonic() - started
    result["peak_kib"] = status_kib("VmHWM")
print(json.dumps(result))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_compression_bomb_fails_at_the_cap_with_memory_near_the_cap(serve):
    """Under 1.5 KB, ``gzip, gzip``, 1 GiB decoded; the cap is 1 MiB; peak RSS grows < 16 MiB."""
    body = bomb(1)
    assert len(body) < 1500
    small = gzip(gzip(CATALOG))
    two_gzips = {"Content-Encoding": "gzip, gzip"}

    def respond(server: HostileServer, seen: Seen, send: Send) -> None:
        send(reply(200, body if seen.path == "/bomb" else small, two_gzips))

    home = serve(respond)
    run = subprocess.run(
        [sys.executable, "-c", CHILD, home.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    if "skip" in result:
        pytest.skip(result["skip"])
    assert result["error"] == (
        "PermanentProviderError: audioshake: response exceeds the 1048576-byte cap "
        "once decoded (gzip, gzip)"
    )
    growth_mib = (result["peak_kib"] - result["baseline_kib"]) / 1024
    assert growth_mib < 16, result
    assert result["seconds"] < 5, result


ENCODED = json.dumps({"models": [{"id": f"model_{i}", "x": "y" * (i % 97)} for i in range(40_000)]})


def deflate(data: bytes, raw: bool = False) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip),
        ("x-gzip", gzip),
        ("deflate", deflate),
        ("deflate", lambda data: deflate(data, raw=True)),
        ("gzip, gzip", lambda data: gzip(gzip(data))),
        ("deflate, gzip", lambda data: gzip(deflate(data))),
        ("identity, gzip", gzip),
        ("GZIP", lambda data: gzip(data[:1000]) + gzip(data[1000:])),  # two gzip members
        ("gzip", lambda data: gzip(data) + b"\0\0\0\0"),  # padding after the stream: ignored
        ("identity", lambda data: data),
    ],
)
def test_encoded_bodies_decode_exactly(serve, encoding, encode):
    body = ENCODED.encode()
    assert len(body) > 2_000_000  # many decoding steps, and full ones
    home = serve(answer(200, encode(body), {"Content-Encoding": encoding}))
    assert fetch_url(f"{home.url}/models") == body


def test_the_cap_counts_decoded_bytes_exactly(serve):
    body = b"x" * 100_000
    home = serve(answer(200, gzip(body), {"Content-Encoding": "gzip"}))
    assert fetch_url(f"{home.url}/models", max_response_bytes=100_000) == body
    with pytest.raises(PermanentProviderError) as caught:
        fetch_url(f"{home.url}/models", max_response_bytes=99_999)
    assert str(caught.value) == (
        "audioshake: response exceeds the 99999-byte cap once decoded (gzip)"
    )


@pytest.mark.parametrize(
    ("encoding", "body", "error", "says"),
    [
        ("gzip", CATALOG, PermanentProviderError, "is not valid gzip data"),
        (
            "deflate",  # read as raw deflate, which it is not
            CATALOG,
            PermanentProviderError,
            "is not valid deflate data (bytes after its end)",
        ),
        ("deflate", b"\x78\x9c" + CATALOG, PermanentProviderError, "is not valid deflate data"),
        ("gzip, gzip", gzip(CATALOG), PermanentProviderError, "is not valid gzip data"),
        (
            "gzip",
            gzip(CATALOG)[:-20],
            TransientProviderError,
            "ends in the middle of its gzip data",
        ),
        (
            "br",
            CATALOG,
            PermanentProviderError,
            "has an unsupported Content-Encoding, 'br' (catalogsync asks for gzip, deflate)",
        ),
        (
            "gzip\xe9",  # obs-text: shown escaped
            CATALOG,
            PermanentProviderError,
            "has an unsupported Content-Encoding, 'gzip\\xe9' (catalogsync asks for gzip, deflate)",
        ),
        (
            "gzip, gzip, gzip, gzip",
            CATALOG,
            PermanentProviderError,
            "has 4 Content-Encoding layers (at most 3 are undone)",
        ),
    ],
)
def test_bodies_that_do_not_decode_are_clear_provider_errors(serve, encoding, body, error, says):
    home = serve(answer(200, body, {"Content-Encoding": encoding}))
    with pytest.raises(error) as caught:
        fetch_url(f"{home.url}/models", max_attempts=1)
    assert str(caught.value) == f"audioshake: the body from {home.url}/models {says}"
    assert len(home.requests) == 1


def test_an_error_response_bomb_is_read_only_to_its_limit(serve):
    body = gzip(bytes(256 << 20))  # 256 MiB of zeros in about 256 KB
    home = serve(answer(503, body, {"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(TransientProviderError) as caught:
            fetch_url(f"{home.url}/models")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == f"audioshake: HTTP 503 from {home.url}/models"
    assert caught.value.body == bytes(ERROR_BODY_BYTES)
    assert peak < 8 << 20, peak  # python allocations while fetching, in bytes


# --- every transport failure a provider error, with no key in it ---------------------------

AKOOL_KEY = KEYS["AKOOL_API_KEY"]


def echo_key(template: bytes) -> Respond:
    """Answer with ``template``, its ``KEY`` replaced by the x-api-key the request carried."""
    return lambda server, seen, send: send(
        template.replace(b"KEY", seen.headers.get("x-api-key", "").encode())
    )


@pytest.mark.parametrize(
    ("respond", "error", "says"),
    [
        (echo_key(b"HTTP/1.1 2OO KEY\r\n\r\n"), TransientProviderError, "RemoteProtocolError"),
        (
            echo_key(b"HTTP/1.1 200 OK\r\nKEY\r\n\r\n"),
            TransientProviderError,
            "RemoteProtocolError",
        ),
        (
            answer(200, b"{", {"Content-Length": "100"}),  # two lengths: a protocol error
            TransientProviderError,
            "RemoteProtocolError",
        ),
        (
            lambda server, seen, send: send(reply(200, b"x" * 10)[:-5]),  # cut short
            TransientProviderError,
            "RemoteProtocolError",
        ),
        (
            redirect_to(lambda server, seen: "http://[::1"),
            TransientProviderError,
            "RemoteProtocolError: Invalid URL in location header",
        ),
        (
            lambda server, seen, send: send(b"\x16\x03\x01 not http at all\r\n\r\n"),
            TransientProviderError,
            "RemoteProtocolError",
        ),
    ],
)
def test_broken_responses_are_provider_errors_without_the_key(serve, respond, error, says):
    home = serve(respond)
    with pytest.raises(error) as caught:
        fetch(settings_for("akool", home.url))
    assert says in str(caught.value)
    assert str(caught.value).startswith("akool: ")
    assert AKOOL_KEY not in full_text(caught.value)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(AKOOL_KEY[:12] + "\n" + AKOOL_KEY[12:], id="newline"),
        pytest.param(AKOOL_KEY[:12] + "\r\nX-Evil: 1\r\n" + AKOOL_KEY[12:], id="header-injection"),
        pytest.param(AKOOL_KEY[:12] + "\x00" + AKOOL_KEY[12:], id="nul"),
        pytest.param(AKOOL_KEY[:12] + "é" + AKOOL_KEY[12:], id="non-ascii"),
    ],
)
def test_a_key_that_is_no_valid_header_value_fails_without_showing_it(serve, key):
    home = serve(catalogs)
    with pytest.raises(PermanentProviderError) as caught:
        fetch(settings_for("akool", home.url, key=key, max_attempts=3))
    text = full_text(caught.value)
    assert "(values are never shown)" in str(caught.value)
    assert AKOOL_KEY[:12] not in text
    assert AKOOL_KEY[12:] not in text
    assert home.requests == []  # nothing was sent


@SQLITE
@pytest.mark.parametrize(
    ("respond", "says"),
    [
        (redirect_to(lambda server, seen: seen.path), "redirect loop"),
        (answer(200, CATALOG, {"Content-Encoding": "gzip"}), "is not valid gzip data"),
        (answer(302, CATALOG), "redirect without a Location"),
        (echo_key(b"HTTP/1.1 2OO KEY\r\n\r\n"), "RemoteProtocolError"),
    ],
)
def test_cli_broken_servers_end_as_clear_failures(serve, database_url, monkeypatch, respond, says):
    home = serve(respond)
    point_providers_at(monkeypatch, database_url, {"audioshake": home.url})
    code, outcomes, seconds = sync_json("audioshake")
    assert code == 1
    error = outcomes["audioshake"]["error"]
    assert error.startswith("audioshake: ")
    assert says in error
    assert "internal error" not in error
    assert seconds < 10
