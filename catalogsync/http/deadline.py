"""The per-attempt deadline, enforced at every socket operation in httpcore's network layer.

``timeout_seconds`` bounds each socket operation; a server that trickles one byte at a
time stays within it forever. So each attempt also has a deadline (``deadline_after``),
and every connect, TLS handshake, read and write of the client's connections (direct or
through a proxy) has its timeout cut to what is left of it (``bounded_by_deadline``
installs the wrapping backend). The deadline is a context variable: it bounds only the
attempt that set it.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpcore
import httpx

_T = TypeVar("_T")


@dataclass
class Deadline:
    """When the current attempt must end (``time.monotonic()``), and whether it did."""

    at: float
    expired: bool = False

    def check(self) -> None:
        """Raise ``httpx.ReadTimeout`` if the deadline has passed."""
        if time.monotonic() >= self.at:
            self.expired = True
            raise httpx.ReadTimeout("the deadline has passed")


_DEADLINE: ContextVar[Deadline | None] = ContextVar("catalogsync_http_deadline", default=None)


@contextmanager
def deadline_after(seconds: float) -> Iterator[Deadline]:
    """A deadline ``seconds`` from now, binding every socket operation within the block."""
    deadline = Deadline(time.monotonic() + seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def bounded_by_deadline(transport: httpx.BaseTransport) -> httpx.BaseTransport:
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
