"""HTTP: one configured ``httpx.Client`` per provider and the single place requests are sent.

``get_bytes`` turns every transport failure and status code into the error tree of
``errors.py``, caps the response size, and never lets a header, and so never an API key,
into a message. Transient failures (timeouts, connection errors, 429, 5xx) are retried
with exponential backoff and jitter by stamina, honouring ``Retry-After`` up to a cap;
other failures are not retried. The retry policy, the size cap and the deadline travel
with the client (``ProviderClient``), so adapters only say what to fetch.

What a hostile or broken server can do is bounded here, for every adapter alike:

- **Redirects** are followed by hand, at most ``MAX_REDIRECTS`` of them, and only within
  the origin (scheme, host and port) of the URL asked for. A redirect to another origin
  is refused, not followed with some headers stripped: whatever header an adapter put
  its key in (``x-api-key``, ``Authorization``...), it then never leaves for another
  host, and the operator learns that the provider moved instead of seeing a 401 from
  somewhere else.
- **Time**: each attempt has a deadline (``deadline_seconds``) covering connecting, TLS,
  sending, the headers and the body, redirects included. ``timeout_seconds`` bounds each
  socket operation; the deadline cuts every one of them to what is left of it (in
  httpcore's network layer), so a server that trickles one byte at a time is cut off too.
- **Memory**: bodies are decoded here, not by httpx, a bounded step at a time through
  every ``Content-Encoding`` layer (gzip or deflate, at most ``MAX_ENCODINGS``), and
  the decoded bytes count against ``max_response_bytes`` as they come: a compression
  bomb fails at the cap, with memory near the cap.
- **Only a 2xx body is returned**; any other status, a redirect without a Location
  included, is an error, and so is every transport or decoding failure: always a
  ``ProviderError``, never an exception from httpx.

An HTTP error response's body (its first ``ERROR_BODY_BYTES``, decoded the same bounded
way) rides on the error as ``ProviderError.body``, never in its message, so that a
failed run can keep it.

The modules, one concern each: ``client`` (the client, ``get_bytes`` and its retries),
``fetch`` (one attempt: redirects, status, body), ``decoding`` (Content-Encoding layers
in bounded steps) and ``deadline`` (the per-attempt deadline at every socket operation).
"""

from __future__ import annotations

from catalogsync.errors import ProviderError
from catalogsync.http.client import (
    DEADLINE_SECONDS,
    MAX_RESPONSE_BYTES,
    MAX_RETRY_AFTER_SECONDS,
    USER_AGENT,
    WAIT_INITIAL,
    WAIT_JITTER,
    WAIT_MAX,
    ProviderClient,
    QueryParams,
    build_client,
    get_bytes,
    longest_call_seconds,
)
from catalogsync.http.decoding import ACCEPT_ENCODING, DECODE_STEP, MAX_ENCODINGS
from catalogsync.http.fetch import ERROR_BODY_BYTES, MAX_REDIRECTS

__all__ = [
    "ACCEPT_ENCODING",
    "DEADLINE_SECONDS",
    "DECODE_STEP",
    "ERROR_BODY_BYTES",
    "MAX_ENCODINGS",
    "MAX_REDIRECTS",
    "MAX_RESPONSE_BYTES",
    "MAX_RETRY_AFTER_SECONDS",
    "USER_AGENT",
    "WAIT_INITIAL",
    "WAIT_JITTER",
    "WAIT_MAX",
    "ProviderClient",
    "ProviderError",
    "QueryParams",
    "build_client",
    "get_bytes",
    "longest_call_seconds",
]
