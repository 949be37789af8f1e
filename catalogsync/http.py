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
  socket operation; the deadline cuts every one of them to what is left of it
  (``_DeadlineBackend``), so a server that trickles one byte at a time is cut off too.
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
"""

from __future__ import annotations

import logging
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any, TypeVar

import httpcore
import httpx
import stamina

from catalogsync import __version__
from catalogsync.config import (
    DEFAULT_DEADLINE_SECONDS,
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
DEADLINE_SECONDS = DEFAULT_DEADLINE_SECONDS
ERROR_BODY_BYTES = 64 * 1024  # of an HTTP error response, kept with the failed run
MAX_REDIRECTS = 5  # within one origin; a provider's API needs one or two at most
MAX_ENCODINGS = 3  # Content-Encoding layers undone; real servers use one
DECODE_STEP = 64 * 1024  # the most one decoding layer produces at a time
WAIT_INITIAL, WAIT_MAX, WAIT_JITTER = 0.5, 30.0, 1.0  # backoff between attempts (seconds)
ACCEPT_ENCODING = "gzip, deflate"  # what _Inflater undoes, and so all we ask for

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_GZIP = zlib.MAX_WBITS | 16

QueryParams = Sequence[tuple[str, str | int | float | bool | None]]
_ParamList = list[tuple[str, str | int | float | bool | None]]
_T = TypeVar("_T")


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
        return _bounded_by_deadline(super()._init_transport(*args, **kwargs))

    def _init_proxy_transport(self, *args: Any, **kwargs: Any) -> httpx.BaseTransport:
        return _bounded_by_deadline(super()._init_proxy_transport(*args, **kwargs))


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
    request = _Fetch(client, provider, url, dict(headers or {}), list(params), max_bytes)
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
                    _safe_url(url),
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


# --- one attempt: redirects within the origin, status, body -------------------------------


@dataclass(frozen=True)
class _Fetch:
    """One ``get_bytes`` request, attempted as often as the retry policy says."""

    client: httpx.Client
    provider: str
    url: str
    headers: dict[str, str]
    params: _ParamList
    max_bytes: int

    def attempt(self, seconds: float) -> bytes:
        """One attempt, ended within ``seconds``; every failure a ``ProviderError``."""
        deadline = _Deadline(time.monotonic() + seconds)
        token = _DEADLINE.set(deadline)
        where = _safe_url(self.url)
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
        finally:
            _DEADLINE.reset(token)

    def _follow(self, deadline: _Deadline) -> bytes:
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
            f"more than {MAX_REDIRECTS} redirects from {_safe_url(self.url)} (a redirect loop?)",
        )

    def _request(self, url: str, params: _ParamList | None) -> httpx.Request:
        try:
            return self.client.build_request("GET", url, headers=self.headers, params=params)
        except UnicodeEncodeError:
            raise PermanentProviderError(
                self.provider,
                f"cannot send the request to {_safe_url(url)}: a header value is not ASCII "
                "(values are never shown)",
            ) from None
        except httpx.InvalidURL:
            raise PermanentProviderError(
                self.provider, f"{_safe_url(url)} is not a valid URL"
            ) from None

    def _describe(self, exc: Exception) -> str:
        """The error's text, printable and short, with any header value we sent masked.

        A server may echo what it received into a malformed reply that the HTTP parser
        then quotes in its error.
        """
        text = str(exc)
        for secret in _header_secrets(self.headers.values()):
            text = text.replace(secret, "********")
        return _printable(text)[:200]


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
    status, where = response.status_code, _safe_url(str(response.url))
    try:
        target = response.url.join(location.strip())
    except httpx.InvalidURL:  # httpx has vetted the Location already: defensive
        raise PermanentProviderError(
            provider, f"HTTP {status} from {where} redirects to a Location that is not a URL"
        ) from None
    if _origin(target) != origin:
        scheme, host, port = _origin(target)
        elsewhere = _printable(f"{scheme}://{host}:{port}" if host else f"{scheme}:")[:100]
        raise PermanentProviderError(
            provider,
            f"HTTP {status} from {where} redirects to another origin ({elsewhere}); not "
            "followed, so that no key or header is sent there. If the provider has moved, "
            "set its base_url to the new address",
        )
    return target.copy_with(username=None, password=None, fragment=None)


def _check_status(provider: str, response: httpx.Response, deadline: _Deadline) -> None:
    """Return if the response is a 2xx; raise the error its status means otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return
    where = _safe_url(str(response.request.url))
    body = _error_body(provider, response, deadline)
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


def _error_body(provider: str, response: httpx.Response, deadline: _Deadline) -> bytes | None:
    """The start of an error response's body, for the failed run's record; ``None`` if empty."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in _decoded(provider, response, deadline):
            chunks.append(chunk[: ERROR_BODY_BYTES - size])
            size += len(chunks[-1])
            if size >= ERROR_BODY_BYTES:
                break
    except (httpx.HTTPError, ProviderError):
        pass  # the status says what went wrong; the body is only a bonus
    return b"".join(chunks) or None


def _read_body(
    provider: str, response: httpx.Response, max_bytes: int, deadline: _Deadline
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise PermanentProviderError(
            provider, f"response of {int(declared)} bytes exceeds the {max_bytes}-byte cap"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in _decoded(provider, response, deadline, raw_limit=max_bytes):
        size += len(chunk)
        if size > max_bytes:
            encodings = _encodings(response.headers)
            decoded = f" once decoded ({', '.join(encodings)})" if encodings else ""
            raise PermanentProviderError(
                provider, f"response exceeds the {max_bytes}-byte cap{decoded}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


# --- bounded decoding ---------------------------------------------------------------------


class _EncodingError(Exception):
    """A body's Content-Encoding is unsupported, or its bytes do not decode."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def _encodings(headers: httpx.Headers) -> list[str]:
    """The Content-Encoding layers in the order applied, ``identity`` left out."""
    names = (n.strip().lower() for n in headers.get_list("Content-Encoding", split_commas=True))
    return [n for n in names if n and n != "identity"]


def _decoded(
    provider: str,
    response: httpx.Response,
    deadline: _Deadline,
    raw_limit: int | None = None,
) -> Iterator[bytes]:
    """The body, decoded in pieces of at most ``DECODE_STEP`` bytes (raw chunks if unencoded).

    Raises ``httpx.ReadTimeout`` once the deadline has passed, and the ``ProviderError``
    a bad encoding means.
    """
    where = _safe_url(str(response.request.url))
    try:
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): httpx decoded it
            layers, chunks = [], iter([response.content])
        else:
            layers, chunks = _inflaters(_encodings(response.headers)), response.iter_raw()
        raw = 0
        for chunk in chunks:
            raw += len(chunk)
            if raw_limit is not None and raw > raw_limit:
                raise PermanentProviderError(provider, f"response exceeds the {raw_limit}-byte cap")
            for piece in _through(layers, chunk):
                deadline.check()
                yield piece
            deadline.check()
        for layer in layers:
            layer.finish()
    except _EncodingError as exc:
        error = TransientProviderError if exc.transient else PermanentProviderError
        raise error(provider, f"the body from {where} {exc}") from None


def _inflaters(encodings: list[str]) -> list[_Inflater]:
    """One decoder per layer, outermost (last applied) first."""
    if len(encodings) > MAX_ENCODINGS:
        raise _EncodingError(
            f"has {len(encodings)} Content-Encoding layers (at most {MAX_ENCODINGS} are undone)"
        )
    for name in encodings:
        if name not in ("gzip", "x-gzip", "deflate"):
            raise _EncodingError(
                f"has an unsupported Content-Encoding, '{_printable(name)[:40]}' "
                f"(catalogsync asks for {ACCEPT_ENCODING})"
            )
    return [_Inflater(name) for name in reversed(encodings)]


def _through(layers: Sequence[_Inflater], data: bytes) -> Iterator[bytes]:
    """``data`` decoded through every layer, one bounded piece at a time."""
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _through(layers[1:], piece)


class _Inflater:
    """Undoes one gzip or deflate layer, never more than ``DECODE_STEP`` bytes at a time.

    zlib is told the most it may produce per call (``max_length``): whatever the input, a
    layer holds one step of output and the input not yet consumed. Concatenated gzip
    members are decoded, and anything else after the last is ignored, as httpx does.
    ``deflate`` is zlib-wrapped by the standard and raw in some servers (the first two
    bytes tell which); raw deflate has no checksum, so bytes after its end are an error.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._deflate = encoding == "deflate"
        self._zlib: Any = None if self._deflate else zlib.decompressobj(_GZIP)
        self._head = b""  # deflate only: bytes kept until there are two
        self._fed = False
        self._ignoring = False  # past the end of the stream

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode ``data``, yielding bounded pieces."""
        if self._ignoring or not data:
            return
        self._fed = True
        if self._zlib is None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            zlib_wrapped = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        pending = data
        while True:
            try:
                out = self._zlib.decompress(pending, DECODE_STEP)
            except zlib.error:
                raise _EncodingError(f"is not valid {self.encoding} data") from None
            if out:
                yield out
            if self._zlib.eof:
                pending = self._zlib.unused_data
                if not pending:
                    return
                if self._deflate:
                    raise _EncodingError("is not valid deflate data (bytes after its end)")
                if pending[0] != 0x1F:  # not another gzip member: padding, as httpx ignores
                    self._ignoring = True
                    return
                self._zlib = zlib.decompressobj(_GZIP)
                continue
            pending = self._zlib.unconsumed_tail
            if not pending and len(out) < DECODE_STEP:  # a full step may have more buffered
                return

    def finish(self) -> None:
        """Check, at the end of the body, that the compressed stream ended too."""
        if self._fed and not self._ignoring and (self._zlib is None or not self._zlib.eof):
            raise _EncodingError(f"ends in the middle of its {self.encoding} data", transient=True)


# --- the deadline, enforced at every socket operation -------------------------------------


@dataclass
class _Deadline:
    """When the current attempt must end (``time.monotonic()``), and whether it did."""

    at: float
    expired: bool = False

    def check(self) -> None:
        """Raise ``httpx.ReadTimeout`` if the deadline has passed."""
        if time.monotonic() >= self.at:
            self.expired = True
            raise httpx.ReadTimeout("the deadline has passed")


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("catalogsync_http_deadline", default=None)


def _bounded_by_deadline(transport: httpx.BaseTransport) -> httpx.BaseTransport:
    """Make an ``httpx.HTTPTransport``'s connections honour the deadline of the attempt."""
    if not isinstance(transport, httpx.HTTPTransport):
        return transport  # a mock: the deadline is still checked between body chunks
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if not isinstance(backend, httpcore.NetworkBackend):  # pragma: no cover - httpcore changed
        raise RuntimeError(
            "this httpx/httpcore version hides its network backend; catalogsync cannot "
            "enforce deadline_seconds with it"
        )
    setattr(pool, "_network_backend", _DeadlineBackend(backend))  # noqa: B010 - private
    return transport


def _within_deadline(
    timeout: float | None,
    timeout_error: type[httpcore.TimeoutException],
    operation: Callable[[float | None], _T],
) -> _T:
    """Run a socket operation with its timeout cut to what is left of the deadline, if any."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return operation(timeout)
    left = deadline.at - time.monotonic()
    if left <= 0:
        deadline.expired = True
        raise timeout_error("the deadline has passed")
    if timeout is not None and timeout <= left:
        return operation(timeout)
    try:
        return operation(left)
    except httpcore.TimeoutException:
        deadline.expired = True
        raise


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end by the deadline (CPython's TLS reads too:
    an ``SSLSocket`` timeout bounds the whole call, however many records it takes)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _within_deadline(
            timeout, httpcore.ReadTimeout, lambda t: self._stream.read(max_bytes, t)
        )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _within_deadline(timeout, httpcore.WriteTimeout, lambda t: self._stream.write(buffer, t))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            _within_deadline(
                timeout,
                httpcore.ConnectTimeout,
                lambda t: self._stream.start_tls(ssl_context, server_hostname, t),
            )
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with connections that end by the deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            _within_deadline(
                timeout,
                httpcore.ConnectTimeout,
                lambda t: self._backend.connect_tcp(host, port, t, local_address, socket_options),
            )
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            _within_deadline(
                timeout,
                httpcore.ConnectTimeout,
                lambda t: self._backend.connect_unix_socket(path, t, socket_options),
            )
        )

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


# --- small helpers ------------------------------------------------------------------------


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


def _safe_url(url: str) -> str:
    """The URL without its query string, which some APIs use for credentials, and with
    the password of its user information masked."""
    return mask_url(url.split("?", 1)[0])


def _printable(text: str) -> str:
    """``text`` with everything but printable ASCII escaped (server text in our messages)."""
    return "".join(
        c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii") for c in text
    )


__all__ = ["ProviderError", "build_client", "get_bytes", "longest_call_seconds"]
