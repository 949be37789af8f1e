"""Bodies decoded here, not by httpx: every ``Content-Encoding`` layer, in bounded steps.

A layer (gzip or deflate, at most ``MAX_ENCODINGS`` of them) never produces more than
``DECODE_STEP`` bytes at a time, whatever its input, so the caller can count decoded
bytes against its cap as they come: a compression bomb fails at the cap, with memory
near the cap. An unsupported, malformed or truncated encoding is a ``ProviderError``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from catalogsync.errors import PermanentProviderError, TransientProviderError
from catalogsync.http.deadline import Deadline
from catalogsync.text import printable

MAX_ENCODINGS = 3  # Content-Encoding layers undone; real servers use one
DECODE_STEP = 64 * 1024  # the most one decoding layer produces at a time
ACCEPT_ENCODING = "gzip, deflate"  # what _Inflater undoes, and so all we ask for

_GZIP = zlib.MAX_WBITS | 16


class _EncodingError(Exception):
    """A body's Content-Encoding is unsupported, or its bytes do not decode."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def encodings(headers: httpx.Headers) -> list[str]:
    """The Content-Encoding layers in the order applied, ``identity`` left out."""
    names = (n.strip().lower() for n in headers.get_list("Content-Encoding", split_commas=True))
    return [n for n in names if n and n != "identity"]


def decoded(
    provider: str,
    where: str,
    response: httpx.Response,
    deadline: Deadline,
    raw_limit: int | None = None,
) -> Iterator[bytes]:
    """The body, decoded in pieces of at most ``DECODE_STEP`` bytes (raw chunks if unencoded).

    ``where`` names the response's URL (safe to show) in errors. Raises
    ``httpx.ReadTimeout`` once the deadline has passed, and the ``ProviderError`` a bad
    encoding means.
    """
    try:
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): httpx decoded it
            layers, chunks = [], iter([response.content])
        else:
            layers, chunks = _inflaters(encodings(response.headers)), response.iter_raw()
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


def _inflaters(names: list[str]) -> list[_Inflater]:
    """One decoder per layer, outermost (last applied) first."""
    if len(names) > MAX_ENCODINGS:
        raise _EncodingError(
            f"has {len(names)} Content-Encoding layers (at most {MAX_ENCODINGS} are undone)"
        )
    for name in names:
        if name not in ("gzip", "x-gzip", "deflate"):
            raise _EncodingError(
                f"has an unsupported Content-Encoding, '{printable(name, ascii_only=True)[:40]}' "
                f"(catalogsync asks for {ACCEPT_ENCODING})"
            )
    return [_Inflater(name) for name in reversed(names)]


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
