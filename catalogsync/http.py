"""HTTP: one configured ``httpx.Client`` per provider and the single place requests are sent.

``get_bytes`` turns every transport failure and status code into the error tree of
``errors.py``, caps the response size, and never lets a header, and so never an API key,
into a message. Transient failures (timeouts, connection errors, 429, 5xx) are retried
with exponential backoff and jitter by stamina, honouring ``Retry-After`` up to a cap;
other failures are not retried. The retry policy and the size cap travel with the client
(``ProviderClient``), so adapters only say what to fetch.

An HTTP error response's body (its first ``ERROR_BODY_BYTES``) rides on the error as
``ProviderError.body``, never in its message, so that a failed run can keep it.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx
import stamina

from catalogsync import __version__
from catalogsync.config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRY_AFTER_SECONDS,
    ProviderSettings,
)
from catalogsync.errors import (
    AuthenticationError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)
from catalogsync.payloads import mask_url

log = logging.getLogger(__name__)

USER_AGENT = f"catalogsync/{__version__} (+https://github.com/catalogsync/catalogsync)"
MAX_RESPONSE_BYTES = DEFAULT_MAX_RESPONSE_BYTES
MAX_RETRY_AFTER_SECONDS = DEFAULT_MAX_RETRY_AFTER_SECONDS
ERROR_BODY_BYTES = 64 * 1024  # of an HTTP error response, kept with the failed run

QueryParams = Sequence[tuple[str, str | int | float | bool | None]]


class ProviderClient(httpx.Client):
    """An ``httpx.Client`` that also carries its provider's retry policy and size cap."""

    def __init__(
        self,
        *,
        max_attempts: int = 1,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_retry_after_seconds: float = MAX_RETRY_AFTER_SECONDS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_attempts = max_attempts
        self.max_response_bytes = max_response_bytes
        self.max_retry_after_seconds = max_retry_after_seconds


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
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=True,
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
    """GET ``url`` and return the body; raise a ``ProviderError`` subclass on any failure.

    Transient failures are retried as many times as the client's ``max_attempts`` allows;
    the body may be at most ``max_bytes`` (default: the client's ``max_response_bytes``).
    """
    ours = client if isinstance(client, ProviderClient) else None
    attempts = ours.max_attempts if ours else 1
    cap = ours.max_retry_after_seconds if ours else MAX_RETRY_AFTER_SECONDS
    if max_bytes is None:
        max_bytes = ours.max_response_bytes if ours else MAX_RESPONSE_BYTES
    timeout = client.timeout.read or 30.0
    for attempt in stamina.retry_context(
        on=lambda exc: _backoff(exc, cap),
        attempts=attempts,
        timeout=attempts * (timeout + cap),
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


def _backoff(exc: Exception, cap: float = MAX_RETRY_AFTER_SECONDS) -> bool | float:
    """Retry transient failures only; wait what ``Retry-After`` asks, up to ``cap`` seconds."""
    if not isinstance(exc, TransientProviderError):
        return False
    if exc.retry_after is not None:
        return min(max(exc.retry_after, 0.0), cap)
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
    body = _error_body(response)
    if status in (401, 403):
        raise AuthenticationError(provider, status, body=body)
    if status == 429 or status >= 500:
        raise TransientProviderError(
            provider,
            f"HTTP {status} from {where}",
            retry_after=_retry_after(response.headers.get("Retry-After")),
            body=body,
        )
    raise PermanentProviderError(provider, f"HTTP {status} from {where}", body=body)


def _error_body(response: httpx.Response) -> bytes | None:
    """The start of an error response's body, for the failed run's record; ``None`` if empty."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk[: ERROR_BODY_BYTES - size])
            size += len(chunks[-1])
            if size >= ERROR_BODY_BYTES:
                break
    except httpx.HTTPError:
        pass  # the status says what went wrong; the body is only a bonus
    return b"".join(chunks) or None


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
    """The URL without its query string, which some APIs use for credentials, and with
    the password of its user information masked."""
    return mask_url(url.split("?", 1)[0])


__all__ = ["ProviderError", "build_client", "get_bytes"]
