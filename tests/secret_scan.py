"""Suite-wide proof that no API key a test used ever leaks: a pytest plugin.

Tests take their keys from ``tests.api_keys`` only. For every test, this plugin looks for
each of those keys (``known_keys()``: every registered provider's, and any other that
module handed out) in:

- what the test printed and logged: pytest's captured stdout, stderr and log, plus what
  the test itself consumed with ``capsys.readouterr()``, everything a CLI command wrote
  to its output stream (``catalogsync.cli.App.out``, often a ``StringIO``), and the text
  of every log record any handler handled;
- output files of processes the test started (``*.out``, ``*.err``, ``*.log`` under its
  ``tmp_path``, where ``tests.processes`` puts them);
- every value of every table of each database the test used, raw payloads decompressed:
  the database fixtures in ``conftest.py`` call ``assert_no_keys_in_database``, and any
  other SQLite database a test made in its ``tmp_path`` (``*.db``) is scanned too.

Notification channels' secrets count as keys: ``tests.api_keys`` hands out
``NOTIFY_SECRET`` (a signing secret) and ``NOTIFY_URL_TOKEN`` (the secret part of a
webhook URL, in the path of every URL ``notify_url`` gives), so a webhook URL or secret
that reaches output, a log or a stored row fails the test too.

A hit fails the test that produced it. Failure messages name the key by its label,
never by its value. ``tests/test_secret_scan.py`` proves each path catches a planted key.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import pytest
from sqlalchemy import inspect, text

from catalogsync.cli import App
from catalogsync.db.session import make_engine
from tests.api_keys import known_keys

SEEN = pytest.StashKey[list[tuple[str, str]]]()
"""Per test: ``(where, text)`` pairs seen outside pytest's own capture."""
FOUND = pytest.StashKey[list[str]]()
"""Per test: leaks already found (in databases), as ``place: label``."""
SCANNED = pytest.StashKey[set[str]]()
"""Per test: database URLs a fixture already scanned."""

OUTPUT_FILES = ("*.out", "*.err", "*.log")


def leaked_keys(value: str | bytes) -> list[str]:
    """Labels of the test keys (``tests.api_keys.known_keys``) that occur in ``value``."""
    data = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return [label for key, label in known_keys().items() if key in data]


class _Tee:
    """A text stream that remembers what was written to it."""

    def __init__(self, stream: Any, sink: list[tuple[str, str]]) -> None:
        self._stream = stream
        self._sink = sink

    def write(self, data: str) -> int:
        self._sink.append(("command output", data))
        return int(self._stream.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _record_text(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is not ours to judge
        message = str(record.msg)
    if record.exc_info:
        message += "\n" + logging.Formatter().formatException(record.exc_info)
    return message


@pytest.fixture(autouse=True)
def _watch_for_api_keys(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Record what this test prints outside pytest's capture; scan its process output files."""
    sink: list[tuple[str, str]] = []
    request.node.stash[SEEN] = sink
    found: list[str] = []
    request.node.stash[FOUND] = found
    scanned: set[str] = set()
    request.node.stash[SCANNED] = scanned

    app_init = App.__init__

    def init(self: App, args: Any, out: Any) -> None:
        # A _Tee is an IO[str] by duck typing: it writes, and forwards everything else.
        app_init(self, args, cast("IO[str]", _Tee(out, sink)))

    monkeypatch.setattr(App, "__init__", init)

    handle = logging.Handler.handle

    def handle_and_remember(self: logging.Handler, record: logging.LogRecord) -> Any:
        sink.append(("a log record", _record_text(record)))
        return handle(self, record)

    monkeypatch.setattr(logging.Handler, "handle", handle_and_remember)

    readouterr = pytest.CaptureFixture.readouterr

    def readouterr_and_remember(self: pytest.CaptureFixture[Any]) -> Any:
        result = readouterr(self)
        sink.append(("output read with readouterr()", f"{result.out!s}\n{result.err!s}"))
        return result

    monkeypatch.setattr(pytest.CaptureFixture, "readouterr", readouterr_and_remember)
    yield
    for pattern in OUTPUT_FILES:
        for path in sorted(tmp_path.rglob(pattern)):
            sink.append((f"file {path.name}", path.read_text(errors="replace")))
    for path in sorted(tmp_path.rglob("*.db")):
        if f"sqlite:///{path}" in scanned:
            continue
        found.extend(
            f"database {path.name}: {place}" for place in database_leaks(f"sqlite:///{path}")
        )


def forget_seen(item: pytest.Item) -> None:
    """Drop what the watcher saw so far (for the test that plants keys on purpose)."""
    item.stash[SEEN].clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Fail the phase of a test in whose output a test key appears."""
    report = yield
    texts = [(title, body) for title, body in report.sections if title.endswith(report.when)]
    seen = item.stash.get(SEEN, None)
    if seen:
        texts += seen
        seen.clear()
    found = sorted({f"{label} in {where}" for where, body in texts for label in leaked_keys(body)})
    already = item.stash.get(FOUND, None)
    if already:
        found += already
        already.clear()
    if found:
        message = "API key(s) leaked: " + "; ".join(found)
        if report.passed:
            report.outcome = "failed"
            report.longrepr = message
        else:
            report.sections.append(("API keys", message))
    return report


def database_leaks(url: str) -> list[str]:
    """``table.column (row N): label`` for every test key found in the database at ``url``."""
    backend_is_sqlite = url.startswith("sqlite")
    if backend_is_sqlite and not Path(url.split("///", 1)[1]).exists():
        return []
    engine = make_engine(url)
    found: list[str] = []
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                result = conn.execute(text(f'SELECT * FROM "{table}"'))
                columns = list(result.keys())
                for number, row in enumerate(result, 1):
                    values = [_as_text(value) for value in row]
                    if not leaked_keys("\x00".join(values)):  # the common case, quickly
                        continue
                    for column, value in zip(columns, values, strict=True):
                        for label in leaked_keys(value):
                            found.append(f"{table}.{column} (row {number}): {label}")
    finally:
        engine.dispose()
    return found


def _as_text(value: object) -> str:
    """A column value as text; compressed payloads decompressed."""
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        with contextlib.suppress(zlib.error):  # not compressed: scan it as it is
            value = zlib.decompress(value)
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def assert_no_keys_in_database(url: str, item: pytest.Item | None = None) -> None:
    """Fail the current test if any test key is stored anywhere in the database."""
    if item is not None:
        item.stash.get(SCANNED, set()).add(url)
    found = database_leaks(url)
    if found:
        pytest.fail("API key(s) stored in the database: " + "; ".join(found), pytrace=False)
