"""Settings: a TOML file overridden by environment variables, as frozen value objects.

Lookup order for the file: ``--config PATH``, then ``CATALOGSYNC_CONFIG``, then
``catalogsync.toml`` in the working directory; with no file at all, defaults apply.
Settings are passed down explicitly, never read from a global.

API keys come only from the environment (``AKOOL_API_KEY``...) or from a file the
configuration names (``api_key_file``): never from the TOML itself, so that a config
file can be committed and shared. They are wrapped in ``Secret``, whose ``repr`` and
``str`` are masked.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from catalogsync.errors import ConfigError
from catalogsync.instances import api_key_env, base_url_env, resolve_instances
from catalogsync.notify.settings import NotifySettings, notify_settings
from catalogsync.payloads import Secret, mask_url, url_password
from catalogsync.schedules import interval_seconds, validate_schedule

DEFAULT_DATABASE_URL = "sqlite:///catalogsync.db"
DEFAULT_SCHEDULE = "0 * * * *"
CONFIG_FILENAME = "catalogsync.toml"
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_RETRY_AFTER_SECONDS = 60.0
DEFAULT_DEADLINE_SECONDS = 120.0

_PROVIDER_KEYS = {
    "adapter",
    "enabled",
    "base_url",
    "api_key_file",
    "schedule",
    "timeout_seconds",
    "max_attempts",
    "max_response_bytes",
    "max_retry_after_seconds",
    "deadline_seconds",
    "jitter_seconds",
}
_HTTP_KEYS = {
    "timeout_seconds",
    "deadline_seconds",
    "max_attempts",
    "max_response_bytes",
    "max_retry_after_seconds",
}
_DAEMON_KEYS = {
    "run_at_start",
    "metrics_port",
    "metrics_host",
    "stop_timeout_seconds",
    "timezone",
}
_TOP_KEYS = {"database", "sync", "http", "daemon", "providers", "notify"}


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach and schedule one provider: ``name`` is the instance's (the name
    everything is stored and reported under), ``adapter`` the adapter serving it
    (``catalogsync.instances``; by default the adapter of the same name)."""

    name: str
    base_url: str
    api_key: Secret | None = None
    enabled: bool = True
    schedule: str = DEFAULT_SCHEDULE
    timeout_seconds: float = 30.0
    max_attempts: int = 3
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_retry_after_seconds: float = DEFAULT_MAX_RETRY_AFTER_SECONDS
    jitter_seconds: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS  # per attempt: connect, headers, body
    adapter: str = ""

    def __post_init__(self) -> None:
        if not self.adapter:
            object.__setattr__(self, "adapter", self.name)

    @property
    def api_key_env(self) -> str:
        """The environment variable that holds this provider's key."""
        return api_key_env(self.name)


@dataclass(frozen=True)
class DaemonSettings:
    """How ``catalogsync daemon`` runs: the ``[daemon]`` table."""

    run_at_start: bool = True
    metrics_port: int | None = None
    metrics_host: str = "0.0.0.0"  # noqa: S104 - Prometheus scrapes from another host or pod
    stop_timeout_seconds: float = 20.0
    timezone: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        """The time zone cron schedules are read in."""
        return UTC if self.timezone == "UTC" else ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Settings:
    """Everything catalogsync needs to run."""

    database_url: str = DEFAULT_DATABASE_URL
    providers: Mapping[str, ProviderSettings] = field(default_factory=dict)
    max_removal_fraction: float = 0.5
    config_path: Path | None = None
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)  # catalogsync.notify

    def provider(self, name: str) -> ProviderSettings:
        """The settings of provider ``name``; ``ConfigError`` when none is installed so."""
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(self.providers) or "none"
            raise ConfigError(f"unknown provider {name!r}; providers: {known}") from None

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret configured: API keys and the passwords of URLs, to be masked
        wherever a payload, an error or a log line repeats one."""
        found = [p.api_key for p in self.providers.values() if p.api_key is not None]
        for url in (self.database_url, *(p.base_url for p in self.providers.values())):
            password = url_password(url)
            if password:
                found.append(Secret(password))
        return tuple(dict.fromkeys([*found, *self.notify.secrets()]))


def find_config_file(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """Return the configuration file to read, or ``None`` for defaults only."""
    named = explicit or environ.get("CATALOGSYNC_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"configuration file not found: {path}")
        return path
    default = cwd / CONFIG_FILENAME
    return default if default.is_file() else None


def load_settings(
    path: Path | None,
    environ: Mapping[str, str],
    default_base_urls: Mapping[str, str],
) -> Settings:
    """Read ``path`` (if any), apply environment overrides, and validate everything.

    ``default_base_urls`` names the installed adapters and their public hosts (empty
    for an adapter whose instances must each be given one); the providers are the
    instances ``catalogsync.instances.resolve_instances`` finds.
    """
    data = _read_toml(path) if path else {}
    _reject_unknown(data, _TOP_KEYS, "the top level")
    database = _table(data, "database")
    _reject_unknown(database, {"url"}, "[database]")
    sync = _table(data, "sync")
    _reject_unknown(sync, {"max_removal_fraction"}, "[sync]")
    http = _table(data, "http")
    _reject_unknown(http, _HTTP_KEYS, "[http]")
    providers_data = _table(data, "providers")
    instances = resolve_instances(providers_data, default_base_urls, environ)
    here = path.parent if path else Path.cwd()  # where relative key files are
    providers = {
        name: _provider_settings(
            (name, adapter), providers_data.get(name, {}), http, environ, default_base_urls, here
        )
        for name, adapter in instances.items()
    }
    fraction = _number(sync.get("max_removal_fraction", 0.5), "[sync] max_removal_fraction")
    if not 0 <= fraction <= 1:
        raise ConfigError("[sync] max_removal_fraction must be between 0 and 1")
    url = environ.get("CATALOGSYNC_DATABASE_URL") or database.get("url") or DEFAULT_DATABASE_URL
    if not isinstance(url, str):
        raise ConfigError("[database] url must be a string")
    return Settings(
        database_url=url,
        providers=providers,
        max_removal_fraction=fraction,
        config_path=path,
        daemon=_daemon_settings(_table(data, "daemon")),
        notify=notify_settings(_table(data, "notify"), environ, here, providers),
    )


def _daemon_settings(data: Mapping[str, Any]) -> DaemonSettings:
    _reject_unknown(data, _DAEMON_KEYS, "[daemon]")
    defaults = DaemonSettings()
    run_at_start = data.get("run_at_start", defaults.run_at_start)
    if not isinstance(run_at_start, bool):
        raise ConfigError("[daemon] run_at_start must be true or false")
    port = data.get("metrics_port")
    if port is not None and (
        not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535
    ):
        raise ConfigError("[daemon] metrics_port must be a port number (0-65535)")
    host = data.get("metrics_host", defaults.metrics_host)
    if not isinstance(host, str) or not host:
        raise ConfigError("[daemon] metrics_host must be a host name or address")
    stop_timeout = _number(
        data.get("stop_timeout_seconds", defaults.stop_timeout_seconds),
        "[daemon] stop_timeout_seconds",
    )
    if stop_timeout <= 0:
        raise ConfigError("[daemon] stop_timeout_seconds must be positive")
    zone = data.get("timezone", defaults.timezone)
    try:
        if not isinstance(zone, str):
            raise ValueError(zone)
        if zone != "UTC":  # UTC needs no time zone database (slim images may lack one)
            ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(
            f"[daemon] timezone {zone!r} is not a time zone name (e.g. 'UTC', 'Europe/Berlin')"
        ) from None
    return DaemonSettings(run_at_start, port, host, stop_timeout, zone)


def _provider_settings(
    instance: tuple[str, str],
    data: Mapping[str, Any],
    http: Mapping[str, Any],
    environ: Mapping[str, str],
    default_base_urls: Mapping[str, str],
    base_dir: Path,
) -> ProviderSettings:
    name, adapter = instance
    where = f"[providers.{name}]"
    if "api_key" in data:
        raise ConfigError(
            f"{where}: api_key does not belong in the configuration file; set "
            f"{api_key_env(name)} or name a file with api_key_file"
        )
    known = {k: v for k, v in data.items() if k in _PROVIDER_KEYS}
    options = {k: v for k, v in data.items() if k not in _PROVIDER_KEYS}
    from_env = environ.get(base_url_env(name))
    base_url = from_env or known.get("base_url") or default_base_urls[adapter]
    if not base_url:
        raise ConfigError(
            f"{where}: adapter {adapter!r} has no default base URL; set base_url in "
            f"{where} or {base_url_env(name)}"
        )
    setting = base_url_env(name) if from_env else f"{where} base_url"
    if not isinstance(base_url, str) or not re.match(r"^https?://[^/?#]", base_url):
        shown = mask_url(base_url) if isinstance(base_url, str) else repr(base_url)
        raise ConfigError(f"{setting} must be an http(s) URL, got {shown!r}")
    if not _plain_text(base_url) or re.search(r"\s", base_url):
        raise ConfigError(
            f"{setting} holds white space, a control character or non-ASCII text "
            "(percent-encode it); the URL is not shown"
        )
    schedule = known.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str):
        raise ConfigError(f"{where}: schedule must be a string")
    validate_schedule(schedule, where)
    jitter = _number(known.get("jitter_seconds", 0.0), f"{where} jitter_seconds")
    period = interval_seconds(schedule)
    if jitter < 0 or (period is not None and jitter >= period):
        raise ConfigError(
            f"{where}: jitter_seconds must be at least 0 and shorter than the schedule's interval"
        )
    enabled = known.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: enabled must be true or false")
    timeout = _number(
        known.get("timeout_seconds", http.get("timeout_seconds", 30.0)), f"{where} timeout_seconds"
    )
    attempts = known.get("max_attempts", http.get("max_attempts", 3))
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ConfigError(f"{where}: max_attempts must be a whole number >= 1")
    if timeout <= 0:
        raise ConfigError(f"{where}: timeout_seconds must be positive")
    max_bytes = known.get(
        "max_response_bytes", http.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)
    )
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise ConfigError(f"{where}: max_response_bytes must be a whole number >= 1")
    retry_after_cap = _number(
        known.get(
            "max_retry_after_seconds",
            http.get("max_retry_after_seconds", DEFAULT_MAX_RETRY_AFTER_SECONDS),
        ),
        f"{where} max_retry_after_seconds",
    )
    if retry_after_cap < 0:
        raise ConfigError(f"{where}: max_retry_after_seconds must be at least 0")
    deadline = _number(
        known.get("deadline_seconds", http.get("deadline_seconds", DEFAULT_DEADLINE_SECONDS)),
        f"{where} deadline_seconds",
    )
    if deadline <= 0:
        raise ConfigError(f"{where}: deadline_seconds must be above 0")
    return ProviderSettings(
        name=name,
        base_url=base_url.rstrip("/"),
        api_key=_api_key(name, known.get("api_key_file"), environ, base_dir),
        enabled=enabled,
        schedule=schedule,
        timeout_seconds=timeout,
        max_attempts=attempts,
        max_response_bytes=max_bytes,
        max_retry_after_seconds=retry_after_cap,
        jitter_seconds=jitter,
        options=options,
        deadline_seconds=deadline,
        adapter=adapter,
    )


def _api_key(
    name: str, key_file: object, environ: Mapping[str, str], base_dir: Path
) -> Secret | None:
    value = environ.get(api_key_env(name), "").strip()
    if value:
        return _key(value, api_key_env(name))
    if key_file is None:
        return None
    if not isinstance(key_file, str):
        raise ConfigError(f"[providers.{name}] api_key_file must be a path")
    path = base_dir / Path(key_file).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"[providers.{name}] api_key_file {path} cannot be read: {exc.strerror}"
        ) from None
    return _key(text, f"[providers.{name}] api_key_file {path}") if text else None


def _key(value: str, setting: str) -> Secret:
    """An API key, refused when it could not be sent as a header value as it is."""
    if not _plain_text(value):
        raise ConfigError(
            f"{setting}: the API key holds a control character or non-ASCII text, "
            "which no HTTP header can carry (the key is not shown)"
        )
    return Secret(value)


def _plain_text(value: str) -> bool:
    """Printable ASCII only: no control characters (newlines included), nothing beyond."""
    return value.isascii() and value.isprintable()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{key}] must be a table")
    return value


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"unknown setting(s) in {where}: {', '.join(unknown)}")


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{what} must be a number")
    if not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number")
    return float(value)
