"""What a delivery sends: a JSON document of events (webhook) or a Slack message. Pure.

Both are built from the version's ``change_events`` rows that the channel's filters
leave, so a retry sends the same events under the same delivery id.

- **webhook**: ``{"delivery_id", "channel", "provider", "version", "observed_at",
  "event_count", "events": [...]}``, each event with its ``event_id``, ``type``,
  ``model_id``, ``price`` (the ``keys.PRICE`` key, or null), ``old_amount`` and
  ``new_amount`` (exact decimal strings, or null), ``currency``, ``pct_change``,
  ``fields`` and ``retires_on``. Signed by ``sign``: ``X-Catalogsync-Signature:
  sha256=<hex HMAC-SHA256 of the body bytes with the channel's secret>``.
- **slack**: an incoming-webhook message, ``{"text": ..., "blocks": [...]}``: a summary
  line, then a line per model (what changed, prices with how much they moved), at most
  ``SLACK_LINES`` of them and a count of the rest. Provider text is escaped for Slack
  mrkdwn (``&``, ``<``, ``>``), so a model named ``<!channel>`` pings nobody.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from catalogsync import keys
from catalogsync.codec import canonical_decimal

SLACK_LINES = 20
"""Models listed one per line in a Slack message; the rest are counted."""
SLACK_LINE_CHARS = 300
SIGNATURE_HEADER = "X-Catalogsync-Signature"
DELIVERY_HEADER = "X-Catalogsync-Delivery"


@dataclass(frozen=True)
class Envelope:
    """What a delivery is about."""

    delivery_id: str
    channel: str
    provider: str
    version: int
    observed_at: datetime | None


def event_document(c: Mapping[str, Any]) -> dict[str, Any]:
    """One ``change_events`` row as JSON data (the webhook's and the feed's form)."""
    key = {name: c[name] for name in keys.PRICE.fields}
    return {
        "event_id": c["event_id"],
        "type": c["event_type"],
        "model_id": c["model_id"],
        "price": key if c["price_type"] is not None else None,
        "old_amount": _amount(c["old_amount"]),
        "new_amount": _amount(c["new_amount"]),
        "currency": c["currency"],
        "pct_change": c["pct_change"],
        "fields": json.loads(c["fields"]) if c["fields"] else [],
        "retires_on": c["retires_on"],
    }


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else canonical_decimal(Decimal(value))


def webhook_body(envelope: Envelope, events: Sequence[Mapping[str, Any]]) -> bytes:
    """The webhook's JSON body (UTF-8, keys sorted: the same bytes every retry)."""
    document = {
        "delivery_id": envelope.delivery_id,
        "channel": envelope.channel,
        "provider": envelope.provider,
        "version": envelope.version,
        "observed_at": envelope.observed_at.isoformat() if envelope.observed_at else None,
        "event_count": len(events),
        "events": [event_document(e) for e in events],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def slack_escape(text: str) -> str:
    """``text`` safe in Slack mrkdwn: ``&``, ``<`` and ``>`` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def change_line(event: Mapping[str, Any], *, mrkdwn: bool = True) -> str:
    """One change for people: ``model input_tokens: 2.5 → 3 USD/1M tokens (+20.00%)``;
    in Slack mrkdwn (escaped, the model as code), or plain text (``mrkdwn=False``)."""
    escape = slack_escape if mrkdwn else str
    model = f"`{escape(event['model_id'])}`" if mrkdwn else event["model_id"]
    return f"{model} {change_text(event, escape)}"


def change_text(event: Mapping[str, Any], escape: Callable[[str], str] = slack_escape) -> str:
    """What one event says of its model: ``input_tokens: 2.5 → 3 USD/1M tokens (+20.00%)``."""
    d = event_document(event)
    kind = d["type"]
    if d["price"] is None:
        if kind == "model_changed":
            return f"changed: {escape(', '.join(d['fields']))}"
        if kind == "model_retiring":
            return "retiring" + (f" on {escape(d['retires_on'])}" if d["retires_on"] else "")
        return "new model" if kind == "model_added" else "removed"
    key = tuple(d["price"][name] for name in keys.PRICE.fields)
    label = escape(" ".join(keys.price_words(key)))
    unit = escape(keys.price_unit(key))
    old, new = d["old_amount"] or "variable", d["new_amount"] or "variable"
    if kind == "price_added":
        return f"{label}: new price {new} {unit}"
    if kind == "price_removed":
        return f"{label}: price removed (was {old} {unit})"
    pct = d["pct_change"]
    move = f" ({pct:+.2f}%)" if pct is not None else ""
    return f"{label}: {old} → {new} {unit}{move}"


def model_lines(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """A Slack line per model: the model as code, then each of its changes."""
    by_model: dict[str, list[str]] = {}
    for event in events:
        by_model.setdefault(event["model_id"], []).append(change_text(event))
    return [
        _cut(f"`{slack_escape(model)}` {'; '.join(parts)}") for model, parts in by_model.items()
    ]


def summary(envelope: Envelope, events: Sequence[Mapping[str, Any]]) -> str:
    """``openrouter version 5: 1 model added, 3 price changed``."""
    counts = Counter(e["event_type"] for e in events)
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    return f"{envelope.provider} version {envelope.version}: {parts}"


def slack_message(envelope: Envelope, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A Slack incoming-webhook message listing the changes."""
    title = slack_escape(summary(envelope, events))
    every = model_lines(events)
    lines = [f"• {line}" for line in every[:SLACK_LINES]]
    rest = len(every) - len(lines)
    if rest > 0:
        lines.append(f"…and {rest} more model{'s' if rest != 1 else ''}")  # counted, not listed
    observed = f"{envelope.observed_at:%Y-%m-%d %H:%M} UTC" if envelope.observed_at else ""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
    ]
    # A section holds at most 3,000 characters: the lines go in sections of a few.
    for start in range(0, len(lines), 8):
        chunk = "\n".join(lines[start : start + 8])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"catalogsync · observed {observed} · delivery {envelope.delivery_id}",
                }
            ],
        }
    )
    return {"text": title, "blocks": blocks}


def slack_body(envelope: Envelope, events: Sequence[Mapping[str, Any]]) -> bytes:
    """The Slack message as the bytes posted."""
    return json.dumps(slack_message(envelope, events), sort_keys=True, ensure_ascii=False).encode(
        "utf-8"
    )


def _cut(line: str) -> str:
    return line if len(line) <= SLACK_LINE_CHARS else line[: SLACK_LINE_CHARS - 1] + "…"
