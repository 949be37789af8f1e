"""``[notify]`` and ``[notify.NAME]``: the notification channels and how deliveries retry.

A channel is a table under ``[notify]``::

    [notify]
    max_attempts = 8            # then a delivery is marked failed (per channel too)
    backoff_seconds = 30        # first wait after a failed attempt, doubling each time
    max_backoff_seconds = 3600  # the longest wait (and the cap on a Retry-After)
    interval_seconds = 60       # how often the daemon sends what is due
    first_version = false       # deliver a provider's first version (a baseline) too

    [notify.pricing-alerts]
    kind = "slack"              # or "webhook"
    providers = ["openrouter"]  # filters: all optional
    events = ["price_changed", "model_retiring"]
    min_pct = 5                 # price moves smaller than 5 % (either way) are left out
    models = ["openai/*"]       # glob patterns on the model id

A channel's URL and secret never come from the TOML file (a ``url`` or ``secret`` key is a
configuration error saying where they go): from ``CATALOGSYNC_NOTIFY_<NAME>_URL`` and
``_SECRET`` (NAME upper case, dashes as underscores), or from the files ``url_file`` and
``secret_file`` name. Both are ``Secret``s: a Slack webhook URL is itself a credential.
A webhook channel signs with its secret; one without a secret sends nothing (its
deliveries wait, with a warning), and so does a channel without a URL.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogsync.errors import ConfigError
from catalogsync.events import EVENT_TYPES, PRICE_EVENTS
from catalogsync.payloads import Secret

KINDS = ("webhook", "slack")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_GLOBAL_KEYS = {
    "max_attempts",
    "backoff_seconds",
    "max_backoff_seconds",
    "interval_seconds",
    "first_version",
    "timeout_seconds",
}
_CHANNEL_KEYS = {
    "kind",
    "providers",
    "events",
    "min_pct",
    "models",
    "url_file",
    "secret_file",
    "max_attempts",
    "first_version",
    "timeout_seconds",
}


def channel_env(name: str, what: str) -> str:
    """``CATALOGSYNC_NOTIFY_<NAME>_<WHAT>``: the variable of a channel's URL or secret."""
    return f"CATALOGSYNC_NOTIFY_{name.upper().replace('-', '_')}_{what}"


@dataclass(frozen=True)
class Channel:
    """One notification channel: where deliveries go and which events they carry."""

    name: str
    kind: str
    url: Secret | None = None
    secret: Secret | None = None
    providers: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    min_pct: float | None = None
    models: tuple[str, ...] = ()
    max_attempts: int = 8
    first_version: bool = False
    timeout_seconds: float = 10.0

    @property
    def url_env(self) -> str:
        return channel_env(self.name, "URL")

    @property
    def secret_env(self) -> str:
        return channel_env(self.name, "SECRET")

    def wants(self, provider: str, event_type: str, model_id: str, pct: float | None) -> bool:
        """Whether an event passes this channel's filters."""
        if self.providers and provider not in self.providers:
            return False
        if self.events and event_type not in self.events:
            return False
        if self.models and not any(fnmatch.fnmatchcase(model_id, p) for p in self.models):
            return False
        return not (
            self.min_pct is not None
            and event_type == "price_changed"
            and pct is not None
            and abs(pct) < self.min_pct
        )

    def missing(self) -> str | None:
        """Why this channel cannot send (no URL, a webhook without a secret), or ``None``."""
        if self.url is None:
            return f"no URL: set {self.url_env} or url_file in [notify.{self.name}]"
        if self.kind == "webhook" and self.secret is None:
            return (
                f"no signing secret: set {self.secret_env} or secret_file in [notify.{self.name}]"
            )
        return None


@dataclass(frozen=True)
class NotifySettings:
    """The ``[notify]`` table: the channels and the delivery policy."""

    channels: Mapping[str, Channel] = field(default_factory=dict)
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0
    interval_seconds: float = 60.0
    first_version: bool = False
    timeout_seconds: float = 10.0

    def secrets(self) -> list[Secret]:
        """Every channel's URL and secret, to be masked wherever they could be repeated."""
        return [s for c in self.channels.values() for s in (c.url, c.secret) if s is not None]


def notify_settings(
    data: Mapping[str, Any],
    environ: Mapping[str, str],
    base_dir: Path,
    providers: Iterable[str] = (),
) -> NotifySettings:
    """Read ``[notify]`` (``data``); ``ConfigError`` naming the table and key at fault."""
    if not isinstance(data, Mapping):
        raise ConfigError("[notify] must be a table")
    options = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    unknown = sorted(set(options) - _GLOBAL_KEYS)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [notify]: {', '.join(unknown)}")
    defaults = NotifySettings()
    where = "[notify]"
    policy = NotifySettings(
        max_attempts=_attempts(options.get("max_attempts", defaults.max_attempts), where),
        backoff_seconds=_seconds(options, "backoff_seconds", defaults.backoff_seconds, where, 0),
        max_backoff_seconds=_seconds(
            options, "max_backoff_seconds", defaults.max_backoff_seconds, where, 0
        ),
        interval_seconds=_seconds(options, "interval_seconds", defaults.interval_seconds, where),
        first_version=_flag(options.get("first_version", False), f"{where} first_version"),
        timeout_seconds=_seconds(options, "timeout_seconds", defaults.timeout_seconds, where),
    )
    known = set(providers)
    channels = {
        name: _channel(name, value, policy, environ, base_dir, known)
        for name, value in data.items()
        if isinstance(value, Mapping)
    }
    return NotifySettings(
        channels,
        policy.max_attempts,
        policy.backoff_seconds,
        policy.max_backoff_seconds,
        policy.interval_seconds,
        policy.first_version,
        policy.timeout_seconds,
    )


def _channel(
    name: str,
    data: Mapping[str, Any],
    policy: NotifySettings,
    environ: Mapping[str, str],
    base_dir: Path,
    known_providers: set[str],
) -> Channel:
    where = f"[notify.{name}]"
    if not _NAME.match(name):
        raise ConfigError(
            f"{where}: a channel's name is lower-case letters, digits, '-' and '_' "
            "(it names environment variables)"
        )
    for key, what in (("url", "URL"), ("secret", "SECRET")):
        if key in data:
            raise ConfigError(
                f"{where}: {key} does not belong in the configuration file; set "
                f"{channel_env(name, what)} or name a file with {key}_file"
            )
    unknown = sorted(set(data) - _CHANNEL_KEYS)
    if unknown:
        raise ConfigError(f"unknown setting(s) in {where}: {', '.join(unknown)}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(map(repr, KINDS))}")
    providers = _strings(data.get("providers", []), f"{where} providers")
    strangers = sorted(set(providers) - known_providers) if known_providers else []
    if strangers:
        raise ConfigError(f"{where} providers: unknown provider(s) {', '.join(strangers)}")
    events = _strings(data.get("events", []), f"{where} events")
    wrong = sorted(set(events) - set(EVENT_TYPES))
    if wrong:
        raise ConfigError(
            f"{where} events: unknown event type(s) {', '.join(wrong)}; "
            f"known: {', '.join(EVENT_TYPES)}"
        )
    min_pct = data.get("min_pct")
    if min_pct is not None:
        min_pct = _number(min_pct, f"{where} min_pct")
        if min_pct < 0:
            raise ConfigError(f"{where}: min_pct must be at least 0")
        if events and not set(events) & PRICE_EVENTS:
            raise ConfigError(f"{where}: min_pct filters price_changed events, not listed")
    url = _secret(name, "URL", data.get("url_file"), environ, base_dir)
    if url is not None and not re.match(r"^https?://[^/?#\s]+\S*$", url.reveal()):
        raise ConfigError(f"{where}: the URL must be an http(s) URL (it is not shown)")
    return Channel(
        name=name,
        kind=kind,
        url=url,
        secret=_secret(name, "SECRET", data.get("secret_file"), environ, base_dir),
        providers=providers,
        events=events,
        min_pct=min_pct,
        models=_strings(data.get("models", []), f"{where} models"),
        max_attempts=_attempts(data.get("max_attempts", policy.max_attempts), where),
        first_version=_flag(
            data.get("first_version", policy.first_version), f"{where} first_version"
        ),
        timeout_seconds=_seconds(data, "timeout_seconds", policy.timeout_seconds, where),
    )


def _secret(
    name: str, what: str, path: object, environ: Mapping[str, str], base_dir: Path
) -> Secret | None:
    """A channel's URL or secret: the environment first, then the file named."""
    variable = channel_env(name, what)
    value = environ.get(variable, "").strip()
    setting = variable
    if not value and path is not None:
        key = f"{what.lower()}_file"
        if not isinstance(path, str):
            raise ConfigError(f"[notify.{name}] {key} must be a path")
        file = base_dir / Path(path).expanduser()
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"[notify.{name}] {key} {file} cannot be read: {exc.strerror}"
            ) from None
        setting = f"[notify.{name}] {key} {file}"
    if not value:
        return None
    if not (value.isascii() and value.isprintable()):
        raise ConfigError(
            f"{setting}: holds a control character or non-ASCII text (the value is not shown)"
        )
    return Secret(value)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{what} must be a list of strings")
    return tuple(value)


def _attempts(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: max_attempts must be a whole number >= 1")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be true or false")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a number")
    return float(value)


def _seconds(
    data: Mapping[str, Any], key: str, default: float, where: str, minimum: float = 1e-9
) -> float:
    value = _number(data.get(key, default), f"{where} {key}")
    if value < minimum:
        raise ConfigError(f"{where}: {key} must be {'at least 0' if minimum == 0 else 'above 0'}")
    return value
