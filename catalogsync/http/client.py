"""The client and the call: ``ProviderClient``, ``build_client`` and ``get_bytes`` with its retries.

The retry policy, the size cap and the deadline travel with the client, so adapters only
say what to fetch. ``get_bytes`` retries transient failures (timeouts, connection errors,
429, 5xx) with exponential backoff and jitter by stamina, honouring ``Retry-After`` up to
a cap, and leaves each attempt to ``fetch.Fetch``.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import httpx
import stamina

from catalogsync import __version__
from catalogsync.config import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRY_AFTER_SECONDS,
    ProviderSettings,
)
from catalogsync.errors import TransientProviderError
from catalogsync.http.deadline import bounded_by_deadline
from catalogsync.http.decoding import ACCEPT_ENCODING
from catalogsync.http.fetch import Fetch, safe_url

# The package's name, not this module's: the logger is part of what the log lines say.
log = logging.getLogger("catalogsync.http")

USER_AGENT = f"catalogsync/{__version__} (+https://github.com/catalogsync/catalogsync)"
MAX_RESPONSE_BYTES = DEFAULT_MAX_RESPONSE_BYTES
MAX_RETRY_AFTER_SECONDS = DEFAULT_MAX_RETRY_AFTER_SECONDS
DEADLINE_SECONDS = DEFAULT_DEADLINE_SECONDS
WAIT_INITIAL, WAIT_MAX, WAIT_JITTER = 0.5, 30.0, 1.0  # backoff between attempts (seconds)

QueryParams = Sequence[tuple[str, str | int | float | bool | None]]


class ProviderClient(httpx.Client):
    """An ``httpx.Client`` that also carries its provider's retry policy, size cap and deadline.

    Its network connections (direct or through a proxy from the environment) honour the
    deadline that ``get_bytes`` sets for each attempt.
    """

    def __init__(
        self,
        *,
        max_attempts: int = 1,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_retry_after_seconds: float = MAX_RETRY_AFTER_SECONDS,
        deadline_seconds: float = DEADLINE_SECONDS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_attempts = max_attempts
        self.max_response_bytes = max_response_bytes
        self.max_retry_after_seconds = max_retry_after_seconds
        self.deadline_seconds = deadline_seconds

    def _init_transport(self, *args: Any, **kwargs: Any) -> httpx.BaseTransport:
        return bounded_by_deadline(super()._init_transport(*args, **kwargs))

    def _init_proxy_transport(self, *args: Any, **kwargs: Any) -> httpx.BaseTransport:
        return bounded_by_deadline(super()._init_proxy_transport(*args, **kwargs))


def build_client(
    settings: ProviderSettings, transport: httpx.BaseTransport | None = None
) -> ProviderClient:
    """Return a client with this provider's timeouts, retry policy and our user agent.

    ``transport`` replaces the network, e.g. with ``httpx.MockTransport`` in tests or
    the bundled sample payloads in the offline demo.
    """
    timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
    return ProviderClient(
        verify=_ssl_context(),
        max_attempts=settings.max_attempts,
        max_response_bytes=settings.max_response_bytes,
        max_retry_after_seconds=settings.max_retry_after_seconds,
        deadline_seconds=settings.deadline_seconds,
        timeout=timeout,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        transport=transport,
        follow_redirects=False,  # get_bytes follows them itself, within one origin
    )


@cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle for every client is slow."""
    return httpx.create_ssl_context()


def get_bytes(
    client: httpx.Client,
    provider: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParams = (),
    max_bytes: int | None = None,
) -> bytes:
    """GET ``url`` and return the body of its 2xx answer; raise a ``ProviderError`` otherwise.

    Transient failures are retried as many times as the client's ``max_attempts`` allows;
    each attempt must end within the client's ``deadline_seconds``, and the decoded body
    may be at most ``max_bytes`` (default: the client's ``max_response_bytes``). All
    told, a call takes at most ``longest_call_seconds`` of the client's settings.
    """
    ours = client if isinstance(client, ProviderClient) else None
    attempts = ours.max_attempts if ours else 1
    cap = ours.max_retry_after_seconds if ours else MAX_RETRY_AFTER_SECONDS
    deadline = ours.deadline_seconds if ours else DEADLINE_SECONDS
    if max_bytes is None:
        max_bytes = ours.max_response_bytes if ours else MAX_RESPONSE_BYTES
    request = Fetch(client, provider, url, dict(headers or {}), list(params), max_bytes)
    for attempt in stamina.retry_context(
        on=lambda exc: _backoff(exc, cap),
        attempts=attempts,
        # Never the binding limit (attempts are), only a guard should a bound slip.
        timeout=longest_call_seconds(attempts, deadline, cap),
        wait_initial=WAIT_INITIAL,
        wait_max=WAIT_MAX,
        wait_jitter=WAIT_JITTER,
    ):
        with attempt:
            if attempt.num > 1:
                log.warning(
                    "retrying %s (attempt %d of %d)",
                    safe_url(url),
                    attempt.num,
                    attempts,
                    extra={"provider": provider},
                )
            return request.attempt(deadline)
    raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover


def longest_call_seconds(attempts: int, deadline: float, max_retry_after: float) -> float:
    """The longest one ``get_bytes`` call can take: every attempt and every wait between.

    Each attempt ends within ``deadline``; each wait is the exponential backoff (at most
    ``WAIT_MAX``) or what a ``Retry-After`` asks, cut to ``max_retry_after``. (Name
    resolution is the system resolver's, outside the deadline.)
    """
    return attempts * deadline + (attempts - 1) * max(WAIT_MAX, max_retry_after)


def _backoff(exc: Exception, cap: float = MAX_RETRY_AFTER_SECONDS) -> bool | float:
    """Retry transient failures only; wait what ``Retry-After`` asks, up to ``cap`` seconds."""
    if not isinstance(exc, TransientProviderError):
        return False
    if exc.retry_after is not None:
        return min(max(exc.retry_after, 0.0), cap)
    return True
