"""Secrets, and what catalogsync does to the bytes a provider sent before they are parsed or kept.

- **Secrets**: API keys and URL passwords are ``Secret``s, whose ``repr`` is masked;
  ``mask_url`` shows a URL with its password masked.
- **Redaction**: a provider that echoes the key it was sent (some APIs repeat a refused
  key in their error) must not get it stored, logged or printed, so every payload, error
  body and failure message has each configured secret replaced by ``********`` as it
  arrives.
- **Hashing**: ``payload_hash`` recognises the very same bytes read by the same code, so
  an identical payload is found unchanged without being parsed again.
- **Compression**: payloads are kept zlib-compressed (``raw_encoding = 'zlib'``) with
  their catalog version, or with the failed run that received them.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from catalogsync import __version__
from catalogsync.errors import DatabaseError

ENCODING = "zlib"
"""How stored payloads are encoded (``raw_encoding``)."""
LEVEL = 6


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


MASK = "********"
MIN_REDACTED_LENGTH = 8
"""Shorter secrets are not searched for: masking them would mangle ordinary text."""


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` with every occurrence of each secret replaced by ``********``."""
    for secret in secrets:
        if secret is not None and len(secret.reveal()) >= MIN_REDACTED_LENGTH:
            text = text.replace(secret.reveal(), MASK)
    return text


def redact_bytes(data: bytes, secrets: Iterable[Secret | None]) -> bytes:
    """``data`` with every occurrence of each secret (UTF-8) replaced by ``********``."""
    for secret in secrets:
        if secret is not None and len(secret.reveal()) >= MIN_REDACTED_LENGTH:
            data = data.replace(secret.reveal().encode(), MASK.encode())
    return data


def payload_hash(parser: object, raw: bytes) -> str:
    """SHA-256 of ``raw`` salted with the parser that reads it and catalogsync's version.

    Equal hashes mean the same bytes read by the same code, hence the same catalog; a new
    release or another adapter parses the bytes again.
    """
    kind = type(parser)
    salt = f"catalogsync {__version__} {kind.__module__}.{kind.__qualname__}\n".encode()
    return hashlib.sha256(salt + raw).hexdigest()


def compress(raw: bytes) -> bytes:
    """``raw`` as it is stored."""
    return zlib.compress(raw, LEVEL)


def decompress(encoding: str, stored: bytes) -> bytes:
    """A stored payload's bytes as received."""
    if encoding == ENCODING:
        return zlib.decompress(stored)
    raise DatabaseError(f"stored payload has an unknown encoding {encoding!r}")


def compressing(raw: bytes) -> Callable[[], bytes]:
    """Start compressing ``raw`` on a thread; the function returned waits for the result.

    zlib lets go of the GIL while it works, so the compression overlaps with work in
    Python. The thread is a daemon: if the caller fails first, nothing waits.
    """
    result: list[bytes] = []

    def work() -> None:
        try:
            result.append(compress(raw))
        except Exception:  # compressed again, and any error raised, by wait()
            return

    thread = threading.Thread(target=work, name="compress", daemon=True)
    thread.start()

    def wait() -> bytes:
        thread.join()
        return result[0] if result else compress(raw)

    return wait


def url_password(url: str) -> str | None:
    """The password in ``url``'s user information, if any."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def mask_url(url: str) -> str:
    """``url`` with the password of its user information, if any, shown as ``********``."""
    password = url_password(url)
    if not password:
        return url
    head, sep, rest = url.partition("://")
    userinfo, at, host = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{head}{sep}{user}:********{at}{host}" if at else url
