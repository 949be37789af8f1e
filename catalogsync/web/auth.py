"""Optional authentication for exposing the web page: a bearer token, or a user and password.

Secrets come from the environment or from a file, never from the TOML (which is often
checked in): ``CATALOGSYNC_WEB_TOKEN`` or ``CATALOGSYNC_WEB_TOKEN_FILE`` for a bearer
token; ``CATALOGSYNC_WEB_USER`` with ``CATALOGSYNC_WEB_PASSWORD`` or
``CATALOGSYNC_WEB_PASSWORD_FILE`` for HTTP basic authentication. Credentials are
compared in constant time; a request without them gets 401 with ``WWW-Authenticate``.
``/healthz`` stays open, for probes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from catalogsync.errors import ConfigError

REALM = "catalogsync"
OPEN_PATHS = frozenset({"/healthz"})


@dataclass(frozen=True)
class Auth:
    """What a request must carry: a bearer ``token``, or basic ``user`` and ``password``."""

    token: bytes | None = None
    user: bytes | None = None
    password: bytes | None = None

    @property
    def scheme(self) -> str:
        """``Bearer`` or ``Basic``: the challenge a refused request gets."""
        return "Bearer" if self.token is not None else "Basic"

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` header of a 401."""
        return f'{self.scheme} realm="{REALM}"'

    def allows(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries the credentials."""
        if not authorization or " " not in authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if self.token is not None:
            return scheme.lower() == "bearer" and hmac.compare_digest(
                value.encode("utf-8", "surrogateescape"), self.token
            )
        if scheme.lower() != "basic" or self.user is None or self.password is None:
            return False
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
        user, colon, password = decoded.partition(b":")
        # Both compared every time, so the time taken tells nothing about which was wrong.
        user_ok = hmac.compare_digest(user, self.user)
        password_ok = hmac.compare_digest(password, self.password)
        return bool(colon) and user_ok and password_ok


def _secret(environ: Mapping[str, str], name: str) -> bytes | None:
    """``$NAME``, else the first line of the file ``$NAME_FILE`` (``None``: neither set)."""
    value = environ.get(name)
    path = environ.get(f"{name}_FILE")
    if value and path:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read {name}_FILE {path}: {exc.strerror}") from None
        if not value:
            raise ConfigError(f"{name}_FILE {path} is empty")
    return value.encode() if value else None


def auth_from_environ(environ: Mapping[str, str]) -> Auth | None:
    """The authentication the environment asks for (``None``: the page is open)."""
    token = _secret(environ, "CATALOGSYNC_WEB_TOKEN")
    user = environ.get("CATALOGSYNC_WEB_USER")
    password = _secret(environ, "CATALOGSYNC_WEB_PASSWORD")
    if token is not None and (user or password is not None):
        raise ConfigError("use either a web token or a web user and password, not both")
    if token is not None:
        return Auth(token=token)
    if bool(user) != (password is not None):
        raise ConfigError(
            "basic authentication needs both CATALOGSYNC_WEB_USER and "
            "CATALOGSYNC_WEB_PASSWORD (or CATALOGSYNC_WEB_PASSWORD_FILE)"
        )
    if user and password is not None:
        if ":" in user:
            raise ConfigError("CATALOGSYNC_WEB_USER may not contain ':'")
        return Auth(user=user.encode(), password=password)
    return None
