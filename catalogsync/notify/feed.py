"""The Atom 1.0 feed of change events (``catalogsync feed``, ``api.feed``).

One entry per stored version with events, newest first: its id a ``urn:uuid:`` derived
from the provider and the version number (``events.version_uuid``: the same in every
rebuild of the feed), ``updated`` the version's observed time, a title summing up the
changes, and XHTML content listing them, one item each. A provider's first version (a
baseline of ``model_added`` events, the whole catalog) is left out, as channels leave it.

The document is built with ``xml.etree.ElementTree``, which escapes every text it is
given; provider text is also made printable (control characters escaped), so that no
model name can end the document early or break its XML.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select

from catalogsync import __version__
from catalogsync.database import Database, database_boundary
from catalogsync.db import models as t
from catalogsync.db.session import reading
from catalogsync.events import NAMESPACE, version_uuid
from catalogsync.events_store import version_events_rows
from catalogsync.notify.messages import Envelope, change_line, summary
from catalogsync.text import printable

ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_LIMIT = 50
_NOT_XML = re.compile("[\ufffe\uffff]")

EVENTS: Table = t.change_events


@database_boundary
def feed(
    db: Database,
    provider: str | None = None,
    since: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> str:
    """The Atom feed (an XML document) of the newest ``limit`` versions with changes, of
    ``provider`` (or of all) observed at or after ``since``."""
    with reading(db.engine) as conn:
        observed = func.max(EVENTS.c.observed_at).label("observed")
        query = (
            select(EVENTS.c.provider, EVENTS.c.version, EVENTS.c.catalog_version_id, observed)
            .where(EVENTS.c.version > 1)
            .group_by(EVENTS.c.provider, EVENTS.c.version, EVENTS.c.catalog_version_id)
            .order_by(observed.desc(), EVENTS.c.provider, EVENTS.c.version.desc())
            .limit(limit)
        )
        if provider is not None:
            query = query.where(EVENTS.c.provider == provider)
        if since is not None:
            query = query.where(EVENTS.c.observed_at >= since)
        versions = list(conn.execute(query))
        by_version: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for event in version_events_rows(conn, [v.catalog_version_id for v in versions]):
            by_version[event["catalog_version_id"]].append(event)
    return build_feed(
        [(v.provider, v.version, v.observed, by_version[v.catalog_version_id]) for v in versions],
        provider,
    )


def build_feed(
    versions: list[tuple[str, int, datetime, list[dict[str, Any]]]], provider: str | None
) -> str:
    """The feed document of ``versions`` (``(provider, version, observed, events)``, newest
    first)."""
    # Plain tags and literal xmlns attributes: Atom the default namespace of the document,
    # XHTML that of each entry's content (ElementTree would give one of them a prefix).
    root = ET.Element("feed", xmlns=ATOM)
    scope = f"provider {provider}" if provider else "all providers"
    _text(root, "id", f"urn:uuid:{_uuid(f'catalogsync feed {scope}')}")
    _text(root, "title", f"catalogsync: catalog changes ({scope})")
    _text(root, "updated", _time(versions[0][2] if versions else EPOCH))
    author = ET.SubElement(root, "author")
    _text(author, "name", "catalogsync")
    generator = _text(root, "generator", "catalogsync")
    generator.set("version", __version__)
    for name, number, observed, events in versions:
        entry = ET.SubElement(root, "entry")
        _text(entry, "id", f"urn:uuid:{version_uuid(name, number)}")
        envelope = Envelope("", name, name, number, observed)
        _text(entry, "title", _clean(summary(envelope, events)))
        _text(entry, "updated", _time(observed))
        ET.SubElement(entry, "category").set("term", _clean(name))
        content = ET.SubElement(entry, "content")
        content.set("type", "xhtml")
        div = ET.SubElement(content, "div", xmlns=XHTML)
        items = ET.SubElement(div, "ul")
        for event in events:
            ET.SubElement(items, "li").text = _clean(change_line(event, mrkdwn=False))
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _clean(text: str) -> str:
    """Provider text XML 1.0 can hold: control characters and non-characters escaped."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))
