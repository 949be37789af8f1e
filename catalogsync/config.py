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

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogsync.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///catalogsync.db"
DEFAULT_SCHEDULE = "0 * * * *"
CONFIG_FILENAME = "catalogsync.toml"

_PROVIDER_KEYS = {
    "enabled",
    "base_url",
    "api_key_file",
    "schedule",
    "timeout_seconds",
    "max_attempts",
}
_TOP_KEYS = {"database", "sync", "http", "providers"}
_EVERY = re.compile(r"^@every\s+(\d+)\s*([smh])$")


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


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach and schedule one provider."""

    name: str
    base_url: str
    api_key: Secret | None = None
    enabled: bool = True
    schedule: str = DEFAULT_SCHEDULE
    timeout_seconds: float = 30.0
    max_attempts: int = 3
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def api_key_env(self) -> str:
        """The environment variable that holds this provider's key."""
        return api_key_env(self.name)


@dataclass(frozen=True)
class Settings:
    """Everything catalogsync needs to run."""

    database_url: str = DEFAULT_DATABASE_URL
    providers: Mapping[str, ProviderSettings] = field(default_factory=dict)
    max_removal_fraction: float = 0.5
    config_path: Path | None = None


def api_key_env(provider: str) -> str:
    """``akool`` -> ``AKOOL_API_KEY``."""
    return f"{provider.upper()}_API_KEY"


def base_url_env(provider: str) -> str:
    """``akool`` -> ``CATALOGSYNC_AKOOL_BASE_URL``."""
    return f"CATALOGSYNC_{provider.upper()}_BASE_URL"


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

    ``default_base_urls`` names the installed providers and their public hosts.
    """
    data = _read_toml(path) if path else {}
    _reject_unknown(data, _TOP_KEYS, "the top level")
    database = _table(data, "database")
    _reject_unknown(database, {"url"}, "[database]")
    sync = _table(data, "sync")
    _reject_unknown(sync, {"max_removal_fraction"}, "[sync]")
    http = _table(data, "http")
    _reject_unknown(http, {"timeout_seconds", "max_attempts"}, "[http]")
    providers_data = _table(data, "providers")
    unknown = sorted(set(providers_data) - set(default_base_urls))
    if unknown:
        raise ConfigError(
            f"unknown provider(s) in [providers]: {', '.join(unknown)}; "
            f"installed: {', '.join(sorted(default_base_urls))}"
        )
    base_dir = path.parent if path else Path.cwd()
    providers = {
        name: _provider_settings(
            name, _table(providers_data, name), http, environ, default_url, base_dir
        )
        for name, default_url in sorted(default_base_urls.items())
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
    )


def _provider_settings(
    name: str,
    data: Mapping[str, Any],
    http: Mapping[str, Any],
    environ: Mapping[str, str],
    default_url: str,
    base_dir: Path,
) -> ProviderSettings:
    where = f"[providers.{name}]"
    if "api_key" in data:
        raise ConfigError(
            f"{where}: api_key does not belong in the configuration file; set "
            f"{api_key_env(name)} or name a file with api_key_file"
        )
    known = {k: v for k, v in data.items() if k in _PROVIDER_KEYS}
    options = {k: v for k, v in data.items() if k not in _PROVIDER_KEYS}
    base_url = environ.get(base_url_env(name)) or known.get("base_url") or default_url
    if not isinstance(base_url, str) or not re.match(r"^https?://", base_url):
        raise ConfigError(f"{where}: base_url must be an http(s) URL, got {base_url!r}")
    schedule = known.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str):
        raise ConfigError(f"{where}: schedule must be a string")
    validate_schedule(schedule, where)
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
    return ProviderSettings(
        name=name,
        base_url=base_url.rstrip("/"),
        api_key=_api_key(name, known.get("api_key_file"), environ, base_dir),
        enabled=enabled,
        schedule=schedule,
        timeout_seconds=timeout,
        max_attempts=attempts,
        options=options,
    )


def _api_key(
    name: str, key_file: object, environ: Mapping[str, str], base_dir: Path
) -> Secret | None:
    value = environ.get(api_key_env(name), "").strip()
    if value:
        return Secret(value)
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
    return Secret(text) if text else None


def validate_schedule(schedule: str, where: str) -> None:
    """Accept five-field cron or ``@every <N>s|m|h``; raise ``ConfigError`` otherwise."""
    text = schedule.strip()
    every = _EVERY.match(text)
    if every:
        if int(every.group(1)) == 0:
            raise ConfigError(f"{where}: schedule {schedule!r} must be a positive interval")
        return
    if text.startswith("@") or len(text.split()) != 5:
        raise ConfigError(
            f"{where}: schedule {schedule!r} is neither a five-field cron expression "
            "nor '@every <N>s|m|h'"
        )


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
    return float(value)
