"""The web front end over HTTP (a real uvicorn on 127.0.0.1), on SQLite and PostgreSQL:
its JSON API and downloads equal the CLI's output, provider text is escaped, it only
reads, it refuses writes and strangers, and it says when the database is gone."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from catalogsync.cli import main
from catalogsync.errors import ConfigError, DatabaseAccessError
from catalogsync.web import server as web_server
from catalogsync.web.auth import Auth, auth_from_environ
from catalogsync.web.database import open_read_only
from catalogsync.web.guard import CONTENT_SECURITY_POLICY
from tests.api_keys import KEYS, URL_PASSWORD
from tests.factories import akool_model, akool_payload
from tests.helpers import settings, snapshot, store
from tests.test_cli import run
from tests.web_support import HOSTILE, live_server, load_history

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;q&#39;&amp;"
HOSTILE_PAGE = f"/models/akool/{quote(HOSTILE, safe='')}"
PAGES = [
    "/",
    "/providers/akool",
    "/providers/akool?q=script&sort=amount&order=desc",
    HOSTILE_PAGE,
    "/providers/akool/versions",
    "/providers/akool/diff?from=1&to=3",
    "/report?period=all",
    "/report?provider=akool&change=changed&min_pct=10&sort=pct&period=all",
]
SHOWING_HOSTILE = [p for p in PAGES if "versions" not in p]


@pytest.fixture
def site(engine, database_url, monkeypatch):
    """The history loaded, the CLI pointed at it, the web page served over it."""
    load_history(engine)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    with live_server(database_url) as server:
        yield server


def get(server, path: str, **kw) -> httpx.Response:
    return httpx.get(server.url + path, timeout=30, **kw)


@pytest.mark.parametrize(
    ("path", "argv"),
    [
        ("/api/models", ["models"]),
        ("/api/models?provider=akool", ["models", "akool"]),
        (
            "/api/models?provider=akool&as_of=2026-02-15T00:00:00Z",
            ["models", "akool", "--as-of", "2026-02-15T00:00:00Z"],
        ),
        ("/api/versions", ["versions"]),
        ("/api/versions?provider=audioshake", ["versions", "audioshake"]),
        ("/api/diff/akool", ["diff", "akool"]),
        ("/api/diff/akool?from=1&to=3", ["diff", "akool", "--from", "1", "--to", "3"]),
        ("/api/report/prices", ["report", "prices"]),
        (
            "/api/report/prices?provider=akool&since=2026-02-01&until=2026-04-11",
            [
                "report",
                "prices",
                "--provider",
                "akool",
                "--since",
                "2026-02-01",
                "--until",
                "2026-04-11",
            ],
        ),
        ("/report.json?period=all", ["report", "prices"]),
        ("/report.csv?period=all", ["report", "prices"]),
        (
            "/report.csv?period=all&provider=audioshake",
            ["report", "prices", "--provider", "audioshake"],
        ),
        (
            "/report.csv?since=2026-02-10T00:00:00Z",
            ["report", "prices", "--since", "2026-02-10T00:00:00Z"],
        ),
        (
            "/report.csv?period=all&change=changed&min_pct=10&sort=pct",
            ["report", "prices", "--change", "changed", "--min-pct", "10", "--sort", "percent"],
        ),
        ("/report.json?period=all&first=1", ["report", "prices", "--include-first-version"]),
        ("/providers/akool/diff.json?from=1&to=3", ["diff", "akool", "--from", "1", "--to", "3"]),
        ("/providers/akool/diff.csv?from=1&to=3", ["diff", "akool", "--from", "1", "--to", "3"]),
        ("/providers/audioshake/diff.csv", ["diff", "audioshake"]),
    ],
)
def test_the_json_api_and_downloads_are_the_clis_output(site, path, argv):
    kind = "csv" if ".csv" in path else "json"
    code, expected = run(*argv, "--format", kind)
    assert code == 0
    response = get(site, path)
    assert response.status_code == 200
    assert response.text == expected
    assert response.headers["content-type"].startswith(
        "text/csv" if kind == "csv" else "application/json"
    )
    if kind == "json":
        assert json.loads(response.text)  # not empty: the comparison compared something


@pytest.mark.parametrize(
    ("path", "argv"),
    [
        ("/feed.atom", ["feed"]),
        ("/feed.atom?provider=akool", ["feed", "--provider", "akool"]),
        ("/feed.atom?since=2026-03-01", ["feed", "--since", "2026-03-01"]),
    ],
)
def test_the_atom_feed_is_the_clis(site, path, argv):
    code, expected = run(*argv)
    assert code == 0
    assert "<entry>" in expected  # the history has changes: the comparison compares entries
    response = get(site, path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.text == expected


def test_the_status_api_is_the_clis_but_for_the_ages(site):
    def steady(document):
        return [
            {k: v for k, v in row.items() if not k.endswith("_age_seconds")} for row in document
        ]

    expected = json.loads(run("status", "--format", "json")[1])
    assert steady(get(site, "/api/status").json()) == steady(expected)
    assert {row["provider"] for row in expected} >= {"akool", "audioshake"}


def test_the_report_downloads_apply_the_pages_filters(site):
    every = json.loads(run("report", "prices", "--provider", "akool", "--format", "json")[1])
    wanted = [
        r
        for r in every
        if r["change"] == "changed" and abs(Decimal(str(r["percent_change"]))) >= 10
    ]
    wanted.sort(key=lambda r: -abs(Decimal(str(r["percent_change"]))))
    found = get(site, "/report.json?provider=akool&change=changed&min_pct=10&sort=pct&period=all")
    found = found.json()
    assert found == wanted
    assert [r["model_id"] for r in found] == [HOSTILE, "A", "A", HOSTILE]  # 31.25, 20, 20, 14.29 %


@pytest.mark.parametrize("path", SHOWING_HOSTILE)
def test_a_hostile_model_id_is_text_on_every_page(site, path):
    response = get(site, path)
    assert response.status_code == 200
    assert HOSTILE not in response.text
    assert "<script>alert" not in response.text
    assert ESCAPED in response.text  # shown, escaped
    if path != HOSTILE_PAGE:
        assert quote(HOSTILE, safe="") in response.text  # and linked to, quoted


@pytest.mark.parametrize("path", [*PAGES, "/api/status", "/healthz", "/static/style.css"])
def test_every_response_carries_the_security_headers(site, path):
    response = get(site, path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writing_methods_get_405(site, method):
    for path in [*PAGES, "/api/models", "/report.csv", "/healthz", "/static/app.js"]:
        response = httpx.request(method, site.url + path, timeout=30)
        assert response.status_code == 405, path
        assert response.headers["allow"] == "GET, HEAD"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/providers/nosuch", 404),
        ("/api/diff/akool?from=9", 404),
        ("/api/diff/akool?from=x", 400),
        ("/api/models?as_of=yesterday", 400),
        ("/report?period=forever", 400),
        ("/report?min_pct=-1", 400),
        ("/report.xml", 404),
        ("/models/akool/nosuch", 404),
        ("/nowhere", 404),
    ],
)
def test_bad_requests_are_told_apart(site, path, status):
    response = get(site, path)
    assert response.status_code == status
    if path.startswith("/api/"):
        assert "error" in response.json()


def test_the_database_is_unchanged_by_serving_every_page(engine, database_url):
    load_history(engine)
    before = snapshot(engine)
    with live_server(database_url) as server:
        for path in [*PAGES, "/api/models", "/api/status", "/report.csv", "/healthz"]:
            assert get(server, path).status_code == 200
    assert snapshot(engine) == before


def test_the_web_database_refuses_writes(engine, database_url):
    load_history(engine)
    db = open_read_only(database_url)
    try:
        with pytest.raises(Exception, match=r"read-only|readonly"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM providers"))
    finally:
        db.close()
    assert snapshot(engine)["catalog_versions"]


def test_healthz_says_503_when_the_database_is_gone(tmp_path):
    with live_server("postgresql+psycopg://nobody@127.0.0.1:1/none") as server:
        assert get(server, "/healthz").status_code == 503
        page = get(server, "/")
        assert page.status_code == 503
        assert "nobody" not in page.text  # what the database said stays in the log
    empty = tmp_path / "empty.db"
    empty.touch()
    with live_server(f"sqlite:///{empty}") as server:
        assert get(server, "/healthz").status_code == 503


def test_a_token_is_required_when_one_is_set(engine, database_url):
    load_history(engine)
    with live_server(database_url, Auth(token=b"s3cret-token")) as server:
        refused = get(server, "/")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="catalogsync"'
        assert (
            get(server, "/api/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
        )
        ok = get(server, "/", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        assert get(server, "/healthz").status_code == 200  # probes need no token


def test_basic_authentication(engine, database_url):
    load_history(engine)
    with live_server(database_url, Auth(user=b"team", password=b"pa:ss")) as server:
        refused = get(server, "/report")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Basic realm="catalogsync"'
        assert get(server, "/report", auth=("team", "wrong")).status_code == 401
        assert get(server, "/report", auth=("other", "pa:ss")).status_code == 401
        assert get(server, "/report", auth=("team", "pa:ss")).status_code == 200


def test_authentication_comes_from_the_environment_or_a_file(tmp_path):
    assert auth_from_environ({}) is None
    assert auth_from_environ({"CATALOGSYNC_WEB_TOKEN": "t"}) == Auth(token=b"t")
    secret = tmp_path / "password"
    secret.write_text("from-a-file\n")
    assert auth_from_environ(
        {"CATALOGSYNC_WEB_USER": "u", "CATALOGSYNC_WEB_PASSWORD_FILE": str(secret)}
    ) == Auth(user=b"u", password=b"from-a-file")
    for environ in (
        {"CATALOGSYNC_WEB_USER": "u"},
        {
            "CATALOGSYNC_WEB_TOKEN": "t",
            "CATALOGSYNC_WEB_USER": "u",
            "CATALOGSYNC_WEB_PASSWORD": "p",
        },
        {"CATALOGSYNC_WEB_TOKEN": "t", "CATALOGSYNC_WEB_TOKEN_FILE": str(secret)},
        {"CATALOGSYNC_WEB_TOKEN_FILE": str(tmp_path / "missing")},
    ):
        with pytest.raises(ConfigError):
            auth_from_environ(environ)


def test_serve_without_the_web_extra_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr("catalogsync.cli.serve.WEB_PACKAGES", ("no_such_package_for_web",))
    assert main(["serve"]) == 2
    assert "pip install 'catalogsync[web]'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "warned"), [("127.0.0.1", False), ("::1", False), ("0.0.0.0", True)]
)
def test_binding_beyond_loopback_without_auth_is_warned_about(monkeypatch, caplog, host, warned):
    started = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: started.append(self.config.host))
    with caplog.at_level(logging.WARNING, logger="catalogsync.web.server"):
        web_server.serve(None, settings(), host=host)  # type: ignore[arg-type]
        web_server.serve(None, settings(), host=host, auth=Auth(token=b"t"))  # type: ignore[arg-type]
    assert started == [host, host]
    warnings = [r for r in caplog.records if "without authentication" in r.getMessage()]
    assert len(warnings) == (1 if warned else 0)


def test_serve_refuses_a_missing_database_file(tmp_path, capsys):
    assert main(["serve", "--database-url", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "no database at" in capsys.readouterr().err


def test_a_database_error_is_the_librarys(tmp_path):
    db = open_read_only("postgresql+psycopg://nobody@127.0.0.1:1/none")
    from catalogsync import api

    with pytest.raises(DatabaseAccessError):
        api.versions(db)


def test_the_serve_command_serves_until_sigterm(engine, database_url):
    load_history(engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "catalogsync", "serve", "--port", str(port)],
        env={**os.environ, "CATALOGSYNC_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, process.stderr
                assert process.poll() is None, process.communicate()
                time.sleep(0.1)
        assert health.status_code == 200
        page = httpx.get(f"http://127.0.0.1:{port}/providers/akool", timeout=30)
        assert page.status_code == 200
        assert ESCAPED in page.text
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then lets SIGTERM end the process as it would have
    # (systemd and Kubernetes count that as a clean stop).
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert "without authentication" not in err  # 127.0.0.1: no warning
    assert f"http://127.0.0.1:{port}/" in err


def test_the_catalog_page_shows_a_version_stored_while_serving(site, engine):
    assert "model-new" not in get(site, "/providers/akool").text
    payload = akool_payload(akool_model("A", prices={"720p": 4}), akool_model("model-new"))
    assert store(engine, "akool", payload, day=120, allow_mass_removal=True).status == "succeeded"
    page = get(site, "/providers/akool").text
    assert "model-new" in page
    assert ESCAPED not in page  # the hostile model went with the new version
    removed = get(site, "/models/akool/D")
    assert removed.status_code == 200
    assert "no longer in the catalog: it was removed in version 4" in removed.text


def test_no_page_shows_a_key_or_a_password(engine, database_url):
    load_history(engine)
    environ = {
        **KEYS,
        "CATALOGSYNC_DATABASE_URL": f"postgresql+psycopg://u:{URL_PASSWORD}@127.0.0.1:1/x",
    }
    with live_server(database_url, environ=environ) as server:
        assert server.app_settings.providers["akool"].api_key is not None  # keys were loaded
        for path in [*PAGES, "/api/status", "/api/models", "/api/versions", "/healthz"]:
            body = get(server, path).text
            for secret in (*KEYS.values(), URL_PASSWORD):
                assert secret not in body, path
