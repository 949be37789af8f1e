"""HTTP: one configured ``httpx.Client`` per provider and the single place requests are sent.

``get_bytes`` turns every transport failure and status code into the error tree of
``errors.py``, caps the response size, and never lets a header, and so never an API key,
into a message. Transient failures (timeouts, connection errors, 429, 5xx) are retried
with exponential backoff and jitter by stamina, honouring ``Retry-After`` up to a cap;
other failures are not retried. The retry policy travels with the client
(``ProviderClient``), so adapters only say what to fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import stamina

from catalogsync import __version__
from catalogsync.config import ProviderSettings
from catalogsync.errors import (
    AuthenticationError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)

log = logging.getLogger(__name__)

USER_AGENT = f"catalogsync/{__version__} (+https://github.com/catalogsync/catalogsync)"
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_RETRY_AFTER_SECONDS = 60.0

QueryParams = Sequence[tuple[str, str | int | float | bool | None]]


class ProviderClient(httpx.Client):
    """An ``httpx.Client`` that also carries its provider's retry policy."""

    def __init__(self, *, max_attempts: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_attempts = max_attempts


def build_client(
    settings: ProviderSettings, transport: httpx.BaseTransport | None = None
) -> ProviderClient:
    """Return a client with this provider's timeouts, retry policy and our user agent.

    ``transport`` replaces the network, e.g. with ``httpx.MockTransport`` in tests or
    the bundled sample payloads in the offline demo.
    """
    timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
    return ProviderClient(
        max_attempts=settings.max_attempts,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=True,
    )


def get_bytes(
    client: httpx.Client,
    provider: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParams = (),
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> bytes:
    """GET ``url`` and return the body; raise a ``ProviderError`` subclass on any failure.

    Transient failures are retried as many times as the client's ``max_attempts`` allows.
    """
    attempts = client.max_attempts if isinstance(client, ProviderClient) else 1
    timeout = client.timeout.read or 30.0
    for attempt in stamina.retry_context(
        on=_backoff,
        attempts=attempts,
        timeout=attempts * (timeout + MAX_RETRY_AFTER_SECONDS),
        wait_initial=0.5,
        wait_max=30.0,
        wait_jitter=1.0,
    ):
        with attempt:
            if attempt.num > 1:
                log.warning(
                    "retrying %s (attempt %d of %d)",
                    _safe_url(url),
                    attempt.num,
                    attempts,
                    extra={"provider": provider},
                )
            return _get_once(client, provider, url, headers, params, max_bytes)
    raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover


def _backoff(exc: Exception) -> bool | float:
    """Retry transient failures only; wait what ``Retry-After`` asks, within a cap."""
    if not isinstance(exc, TransientProviderError):
        return False
    if exc.retry_after is not None:
        return min(max(exc.retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
    return True


def _get_once(
    client: httpx.Client,
    provider: str,
    url: str,
    headers: Mapping[str, str] | None,
    params: QueryParams,
    max_bytes: int,
) -> bytes:
    try:
        with client.stream("GET", url, headers=headers, params=list(params)) as response:
            _check_status(provider, response)
            return _read_capped(provider, response, max_bytes)
    except httpx.TimeoutException as exc:
        raise TransientProviderError(
            provider, f"timed out ({type(exc).__name__}) fetching {_safe_url(url)}"
        ) from None
    except httpx.TransportError as exc:
        raise TransientProviderError(
            provider, f"cannot reach {_safe_url(url)}: {type(exc).__name__}: {exc}"
        ) from None


def _check_status(provider: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    where = _safe_url(str(response.request.url))
    if status in (401, 403):
        raise AuthenticationError(provider, status)
    if status == 429 or status >= 500:
        raise TransientProviderError(
            provider,
            f"HTTP {status} from {where}",
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    raise PermanentProviderError(provider, f"HTTP {status} from {where}")


def _read_capped(provider: str, response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PermanentProviderError(
            provider, f"response of {int(declared)} bytes exceeds the {max_bytes}-byte cap"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise PermanentProviderError(provider, f"response exceeds the {max_bytes}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _safe_url(url: str) -> str:
    """The URL without its query string, which some APIs use for credentials."""
    return url.split("?", 1)[0]


__all__ = ["ProviderError", "build_client", "get_bytes"]
