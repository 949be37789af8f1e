"""One attempt at a GET: redirects within the origin, the status, the body, each failure named.

``Fetch.attempt`` sends the request under the attempt's deadline, follows at most
``MAX_REDIRECTS`` redirects and only within the origin (scheme, host and port) of the URL
asked for, returns the decoded body of a 2xx answer within its cap, and turns every other
outcome (status, transport or decoding failure) into a ``ProviderError`` whose message
holds no header value. An HTTP error response's body (its first ``ERROR_BODY_BYTES``)
rides on the error as ``ProviderError.body``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from catalogsync.errors import (
    AuthenticationError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)
from catalogsync.http.deadline import Deadline, deadline_after
from catalogsync.http.decoding import decoded, encodings
from catalogsync.payloads import mask_url
from catalogsync.text import printable

ERROR_BODY_BYTES = 64 * 1024  # of an HTTP error response, kept with the failed run
MAX_REDIRECTS = 5  # within one origin; a provider's API needs one or two at most

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

ParamList = list[tuple[str, str | int | float | bool | None]]


@dataclass(frozen=True)
class Fetch:
    """One ``get_bytes`` request, attempted as often as the retry policy says."""

    client: httpx.Client
    provider: str
    url: str
    headers: dict[str, str]
    params: ParamList
    max_bytes: int

    def attempt(self, seconds: float) -> bytes:
        """One attempt, ended within ``seconds``; every failure a ``ProviderError``."""
        with deadline_after(seconds) as deadline:
            where = safe_url(self.url)
            try:
                return self._follow(deadline)
            except httpx.TimeoutException as exc:
                if deadline.expired:
                    raise TransientProviderError(
                        self.provider,
                        f"no complete response from {where} within the {seconds:g}-second "
                        "deadline (deadline_seconds)",
                    ) from None
                raise TransientProviderError(
                    self.provider, f"timed out ({type(exc).__name__}) fetching {where}"
                ) from None
            except httpx.LocalProtocolError:
                # h11 quotes the offending header value, which may be a key: never shown.
                raise PermanentProviderError(
                    self.provider,
                    f"cannot send the request to {where}: a header value is not valid in HTTP "
                    "(values are never shown)",
                ) from None
            except httpx.TransportError as exc:
                raise TransientProviderError(
                    self.provider,
                    f"cannot reach {where}: {type(exc).__name__}: {self._describe(exc)}",
                ) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # not expected: no httpx redirects
                raise PermanentProviderError(
                    self.provider, f"request to {where} failed: {type(exc).__name__}"
                ) from None

    def _follow(self, deadline: Deadline) -> bytes:
        request = self._request(self.url, self.params)
        origin = _origin(request.url)
        for _ in range(MAX_REDIRECTS + 1):
            response = self.client.send(request, stream=True, follow_redirects=False)
            try:
                target = _redirect_target(self.provider, response, origin)
                if target is None:
                    _check_status(self.provider, response, deadline)
                    return _read_body(self.provider, response, self.max_bytes, deadline)
            finally:
                response.close()
            request = self._request(str(target), None)
        raise PermanentProviderError(
            self.provider,
            f"more than {MAX_REDIRECTS} redirects from {safe_url(self.url)} (a redirect loop?)",
        )

    def _request(self, url: str, params: ParamList | None) -> httpx.Request:
        try:
            return self.client.build_request("GET", url, headers=self.headers, params=params)
        except UnicodeEncodeError:
            raise PermanentProviderError(
                self.provider,
                f"cannot send the request to {safe_url(url)}: a header value is not ASCII "
                "(values are never shown)",
            ) from None
        except httpx.InvalidURL:
            raise PermanentProviderError(
                self.provider, f"{safe_url(url)} is not a valid URL"
            ) from None

    def _describe(self, exc: Exception) -> str:
        """The error's text, printable and short, with any header value we sent masked.

        A server may echo what it received into a malformed reply that the HTTP parser
        then quotes in its error.
        """
        text = str(exc)
        for secret in _header_secrets(self.headers.values()):
            text = text.replace(secret, "********")
        return printable(text, ascii_only=True)[:200]


def safe_url(url: str) -> str:
    """The URL without its query string, which some APIs use for credentials, and with
    the password of its user information masked."""
    return mask_url(url.split("?", 1)[0])


def _header_secrets(values: Iterable[str]) -> list[str]:
    """Each header value and its words (``Bearer KEY`` -> ``KEY``), longest first."""
    words = {w for v in values for w in (v, *v.split()) if len(w) >= 4}
    return sorted(words, key=len, reverse=True)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _redirect_target(
    provider: str, response: httpx.Response, origin: tuple[str, str, int | None]
) -> httpx.URL | None:
    """Where a redirect leads, within ``origin``; ``None`` if ``response`` is no redirect."""
    location = response.headers.get("Location")
    if response.status_code not in _REDIRECT_STATUSES or not location:
        return None
    status, where = response.status_code, safe_url(str(response.url))
    try:
        target = response.url.join(location.strip())
    except httpx.InvalidURL:  # httpx has vetted the Location already: defensive
        raise PermanentProviderError(
            provider, f"HTTP {status} from {where} redirects to a Location that is not a URL"
        ) from None
    if _origin(target) != origin:
        scheme, host, port = _origin(target)
        elsewhere = printable(
            f"{scheme}://{host}:{port}" if host else f"{scheme}:", ascii_only=True
        )
        raise PermanentProviderError(
            provider,
            f"HTTP {status} from {where} redirects to another origin ({elsewhere[:100]}); not "
            "followed, so that no key or header is sent there. If the provider has moved, "
            "set its base_url to the new address",
        )
    return target.copy_with(username=None, password=None, fragment=None)


def _check_status(provider: str, response: httpx.Response, deadline: Deadline) -> None:
    """Return if the response is a 2xx; raise the error its status means otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return
    where = safe_url(str(response.request.url))
    body = _error_body(provider, where, response, deadline)
    if status in (401, 403):
        raise AuthenticationError(provider, status, body=body)
    if status == 429 or status >= 500:
        raise TransientProviderError(
            provider,
            f"HTTP {status} from {where}",
            retry_after=_retry_after(response.headers.get("Retry-After")),
            body=body,
        )
    if status in _REDIRECT_STATUSES:
        message = f"HTTP {status} from {where} is a redirect without a Location, not a catalog"
    elif status < 400:
        message = f"HTTP {status} from {where} is not a catalog"
    else:
        message = f"HTTP {status} from {where}"
    raise PermanentProviderError(provider, message, body=body)


def _error_body(
    provider: str, where: str, response: httpx.Response, deadline: Deadline
) -> bytes | None:
    """The start of an error response's body, for the failed run's record; ``None`` if empty."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in decoded(provider, where, response, deadline):
            chunks.append(chunk[: ERROR_BODY_BYTES - size])
            size += len(chunks[-1])
            if size >= ERROR_BODY_BYTES:
                break
    except (httpx.HTTPError, ProviderError):
        pass  # the status says what went wrong; the body is only a bonus
    return b"".join(chunks) or None


def _read_body(
    provider: str, response: httpx.Response, max_bytes: int, deadline: Deadline
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise PermanentProviderError(
            provider, f"response of {int(declared)} bytes exceeds the {max_bytes}-byte cap"
        )
    where = safe_url(str(response.request.url))
    chunks: list[bytes] = []
    size = 0
    for chunk in decoded(provider, where, response, deadline, raw_limit=max_bytes):
        size += len(chunk)
        if size > max_bytes:
            layers = encodings(response.headers)
            once = f" once decoded ({', '.join(layers)})" if layers else ""
            raise PermanentProviderError(
                provider, f"response exceeds the {max_bytes}-byte cap{once}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
