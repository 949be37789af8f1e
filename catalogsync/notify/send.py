"""Posting one delivery: the request, the receiver's answer, and what it means.

The client follows ``catalogsync.http``'s conventions: timeouts on every socket operation
and a deadline on the whole attempt (``ProviderClient``), our user agent, and no
redirects at all (a webhook that moved is a failure to fix, not a hop to another host
with the signed body). The answer is one of:

- ``delivered``: a 2xx;
- ``transient``: a timeout, a connection error, 429 or a 5xx (with ``Retry-After``,
  in seconds or as an HTTP date, when the receiver sent one): tried again later;
- ``permanent``: any other status (a 3xx or 4xx), or a request that cannot be sent.

Messages name the channel and never its URL or secret (a Slack URL is a credential), and
whatever the receiver echoed is masked of both.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx

from catalogsync.http.client import USER_AGENT, ProviderClient
from catalogsync.http.deadline import deadline_after
from catalogsync.notify.messages import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from catalogsync.notify.settings import Channel
from catalogsync.payloads import Secret, redact
from catalogsync.text import printable

ANSWER_BYTES = 2048
"""Of a receiver's body: enough to show what it said, never more."""


@dataclass(frozen=True)
class Answer:
    """What one attempt at a delivery came to."""

    outcome: Literal["delivered", "transient", "permanent"]
    status_code: int | None
    message: str
    retry_after: float | None = None
    body: str = ""


def build_sender(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The client deliveries are posted with (``transport`` replaces the network in tests)."""
    return ProviderClient(
        timeout=httpx.Timeout(30.0, connect=10.0),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
        follow_redirects=False,
    )


def post(client: httpx.Client, channel: Channel, delivery_id: str, body: bytes) -> Answer:
    """POST ``body`` to ``channel`` as delivery ``delivery_id``; the answer, never an exception."""
    assert channel.url is not None
    headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id}
    if channel.secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, channel.secret.reveal())
    # A receiver may echo the URL's path (a Slack webhook's path is its credential).
    path = urlsplit(channel.url.reveal())
    secrets = (
        channel.url,
        channel.secret,
        Secret(path.path + (f"?{path.query}" if path.query else "")),
    )
    timeout = channel.timeout_seconds
    try:
        with deadline_after(timeout * 2):
            response = client.send(
                client.build_request(
                    "POST",
                    channel.url.reveal(),
                    content=body,
                    headers=headers,
                    timeout=httpx.Timeout(timeout),
                ),
                stream=True,
            )
            try:
                start = _start_of(response)
            finally:
                response.close()
    except httpx.TimeoutException:
        return Answer("transient", None, f"no answer within {timeout:g} s (timeout_seconds)")
    except httpx.TransportError as exc:
        reason = redact(printable(str(exc))[:200], secrets) or type(exc).__name__
        return Answer("transient", None, f"cannot reach the receiver: {reason}")
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeEncodeError) as exc:
        return Answer("permanent", None, f"cannot send the request: {type(exc).__name__}")
    code = response.status_code
    said = redact(start, secrets)
    tail = f": {said[:200]}" if said else ""
    if 200 <= code < 300:
        return Answer("delivered", code, f"HTTP {code}", body=said)
    if code == 429 or code >= 500:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        return Answer("transient", code, f"HTTP {code}{tail}", retry_after, said)
    if 300 <= code < 400:
        return Answer(
            "permanent", code, f"HTTP {code}: redirected; webhooks are not followed", body=said
        )
    return Answer("permanent", code, f"HTTP {code}{tail}", body=said)


def _start_of(response: httpx.Response) -> str:
    """The first ``ANSWER_BYTES`` of the body, as printable text."""
    data = b""
    for chunk in response.iter_raw():
        data += chunk
        if len(data) >= ANSWER_BYTES:
            break
    return printable(data[:ANSWER_BYTES].decode("utf-8", "replace")).strip()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
