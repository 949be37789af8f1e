"""The Atom feed of change events: valid Atom 1.0 (read by feedparser, and checked element
by element), one entry per version with changes, newest first, equal to the stored events.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser

from catalogsync import api
from catalogsync.events import version_uuid
from catalogsync.notify.feed import build_feed
from tests.factories import openrouter_model, openrouter_payload
from tests.helpers import cli, rows, store
from tests.test_change_events import V1, V2

ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"

V3 = openrouter_payload(
    openrouter_model("acme/gpt", prompt="0.0000035", completion="0.00001"),
    openrouter_model(
        "acme/small",
        prompt="0.0000001",
        completion="0.0000002",
        description="now smaller",
        expiration_date="2027-01-31",
    ),
    openrouter_model("acme/new", prompt="0.000004", completion="0.000008"),
)


def feed_of(database_url, **kw):
    db = api.open_database(database_url)
    try:
        return api.feed(db, **kw)
    finally:
        db.close()


def check_atom(document: str) -> ET.Element:
    """The elements RFC 4287 requires, where it requires them."""
    root = ET.fromstring(document)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "content"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        content = entry.find(f"{ATOM}content")
        assert content is not None
        assert content.get("type") == "xhtml"
        [div] = list(content)
        assert div.tag == f"{XHTML}div"
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated", ""))
    return root


def test_the_feed_is_atom_and_its_entries_are_the_events(engine, database_url):
    store(engine, "openrouter", V1)
    store(engine, "openrouter", V2, day=1)
    store(engine, "openrouter", V3, day=2)
    document = feed_of(database_url)
    root = check_atom(document)
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    # One entry per version with changes, newest first; the first version is a baseline.
    assert [e.id for e in parsed.entries] == [
        f"urn:uuid:{version_uuid('openrouter', 3)}",
        f"urn:uuid:{version_uuid('openrouter', 2)}",
    ]
    assert parsed.entries[0].updated == "2026-01-03T00:00:00Z"
    assert parsed.entries[0].title == "openrouter version 3: 1 price changed"
    for entry, version in zip(root.findall(f"{ATOM}entry"), (3, 2), strict=True):
        items = [li.text for li in entry.iter(f"{XHTML}li")]
        stored = rows(
            engine,
            "SELECT event_type, model_id FROM change_events WHERE version = :v ORDER BY id",
            v=version,
        )
        assert len(items) == len(stored)
        for text, (_kind, model) in zip(items, stored, strict=True):
            assert text is not None
            assert text.startswith(model)
    assert "acme/gpt input_tokens: 3 → 3.5 USD/1M tokens (+16.67%)" in document
    # The same history gives the same feed, ids included.
    assert feed_of(database_url) == document


def test_the_feed_filters_by_provider_and_time(engine, database_url):
    store(engine, "openrouter", V1)
    store(engine, "openrouter", V2, day=1)
    store(engine, "openrouter", V3, day=2)
    since = datetime(2026, 1, 3, tzinfo=UTC)
    assert len(feedparser.parse(feed_of(database_url, since=since)).entries) == 1
    assert len(feedparser.parse(feed_of(database_url, provider="litellm")).entries) == 0
    assert len(feedparser.parse(feed_of(database_url, limit=1)).entries) == 1
    empty = feed_of(database_url, provider="litellm")
    check_atom(empty)
    assert not feedparser.parse(empty).bozo


def test_provider_text_cannot_break_the_document():
    hostile = "</li></ul></div>]]><script>alert(1)</script>\x00\x1b[31m\ufffe"
    event = {
        "event_id": "e",
        "event_type": "model_added",
        "model_id": hostile,
        "price_type": None,
        "variant": None,
        "tier": None,
        "service_tier": None,
        "region": None,
        "unit": None,
        "currency": None,
        "old_amount": None,
        "new_amount": None,
        "pct_change": None,
        "fields": None,
        "retires_on": None,
    }
    when = datetime(2026, 1, 2, tzinfo=UTC)
    document = build_feed([(hostile, 2, when, [event])], None)
    root = check_atom(document)
    parsed = feedparser.parse(document)
    assert not parsed.bozo
    [li] = root.iter(f"{XHTML}li")
    assert li.text is not None
    assert li.text.startswith("</li></ul></div>]]><script>")  # text, not markup
    assert "<script>" not in document


def test_feed_command_writes_stdout_or_a_file(engine, database_url, tmp_path, capsys):
    store(engine, "openrouter", V1)
    store(engine, "openrouter", V2, day=1)
    code, out = cli("feed", "--database-url", database_url)
    assert code == 0
    assert len(feedparser.parse(out).entries) == 1
    target = tmp_path / "changes.atom"
    capsys.readouterr()  # what came before
    code, _ = cli(
        "feed", "--database-url", database_url, "--output", str(target), "--log-format", "json"
    )
    assert code == 0
    assert target.read_text(encoding="utf-8") == out
    said = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in said] == [f"wrote the feed to {target}"]
    code, _ = cli("feed", "--database-url", database_url, "--provider", "nobody")
    assert code == 2
