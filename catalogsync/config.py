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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from catalogsync.config_schema import HTTP_KEYS, PROVIDER_KEYS, SECTIONS, Context, check_document
from catalogsync.config_schema import url as url_problem
from catalogsync.errors import ConfigError, InvalidConfigError
from catalogsync.instances import api_key_env, base_url_env, resolve_instances
from catalogsync.notify.settings import NotifySettings, notify_settings
from catalogsync.payloads import Secret, mask_url, url_password

DEFAULT_DATABASE_URL = "sqlite:///catalogsync.db"
DEFAULT_SCHEDULE = "0 * * * *"
CONFIG_FILENAME = "catalogsync.toml"
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_RETRY_AFTER_SECONDS = 60.0
DEFAULT_DEADLINE_SECONDS = 120.0


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
    adapter_options: Mapping[str, frozenset[str]] | None = None,
) -> Settings:
    """Read ``path`` (if any), check it whole, apply environment overrides, and validate.

    ``default_base_urls`` names the installed adapters and their public hosts (empty
    for an adapter whose instances must each be given one); the providers are the
    instances ``catalogsync.instances.resolve_instances`` finds. ``adapter_options``
    names each adapter's own ``[providers.NAME]`` keys (``config_options``), so that a
    misspelt key is caught here, named with its file, section and key; every problem
    of the file is raised at once (``InvalidConfigError``, ``config_schema``).
    """
    data = _read_toml(path) if path else {}
    here = path.parent if path else Path.cwd()  # where relative key files are

    def extra_keys(_section: str, name: str, table: Mapping[str, Any]) -> frozenset[str] | None:
        adapter = table.get("adapter", name)
        return (adapter_options or {}).get(adapter) if isinstance(adapter, str) else None

    problems = check_document(data, shown_path(path), here, extra_keys)
    if problems:
        raise InvalidConfigError(problems)
    database, sync, http = (data.get(key, {}) for key in ("database", "sync", "http"))
    providers_data = data.get("providers", {})
    try:
        instances = resolve_instances(providers_data, default_base_urls, environ)
    except ConfigError as exc:  # about the file's [providers] sections: name the file
        raise ConfigError(f"{shown_path(path)}: {exc}" if path else str(exc)) from None
    providers = {
        name: _provider_settings(
            (name, adapter),
            {**http, **providers_data.get(name, {})},
            environ,
            default_base_urls,
            here,
        )
        for name, adapter in instances.items()
    }
    url = environ.get("CATALOGSYNC_DATABASE_URL") or database.get("url") or DEFAULT_DATABASE_URL
    daemon = data.get("daemon", {})
    return Settings(
        database_url=url,
        providers=providers,
        max_removal_fraction=float(sync.get("max_removal_fraction", 0.5)),
        config_path=path,
        daemon=DaemonSettings(**{k: daemon[k] for k in SECTIONS["daemon"].keys if k in daemon}),
        notify=notify_settings(data.get("notify", {}), environ, here, providers),
    )


def _provider_settings(
    instance: tuple[str, str],
    data: Mapping[str, Any],
    environ: Mapping[str, str],
    default_base_urls: Mapping[str, str],
    base_dir: Path,
) -> ProviderSettings:
    """One instance's settings from its section (over ``[http]``'s), already checked."""
    name, adapter = instance
    where = f"[providers.{name}]"
    known = {k: v for k, v in data.items() if k in PROVIDER_KEYS}
    options = {k: v for k, v in data.items() if k not in PROVIDER_KEYS}
    from_env = environ.get(base_url_env(name))
    base_url = from_env or known.get("base_url") or default_base_urls[adapter]
    if not base_url:
        raise ConfigError(
            f"{where}: adapter {adapter!r} has no default base URL; set base_url in "
            f"{where} or {base_url_env(name)}"
        )
    problem = url_problem(base_url, Context(base_dir)) if from_env else None
    if problem:
        shown = "" if "not shown" in problem else f", got {mask_url(base_url)!r}"
        raise ConfigError(f"{base_url_env(name)} {problem}{shown}")
    tuning: dict[str, Any] = {
        key: float(known[key]) if key.endswith("_seconds") else known[key]
        for key in HTTP_KEYS
        if key in known
    }
    return ProviderSettings(
        name=name,
        base_url=base_url.rstrip("/"),
        api_key=_api_key(name, known.get("api_key_file"), environ, base_dir),
        enabled=known.get("enabled", True),
        schedule=known.get("schedule", DEFAULT_SCHEDULE),
        jitter_seconds=float(known.get("jitter_seconds", 0.0)),
        options=options,
        adapter=adapter,
        **tuning,
    )


def _api_key(
    name: str, key_file: object, environ: Mapping[str, str], base_dir: Path
) -> Secret | None:
    value = environ.get(api_key_env(name), "").strip()
    if value:
        return _key(value, api_key_env(name))
    if not isinstance(key_file, str):
        return None
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
    if not (value.isascii() and value.isprintable()):
        raise ConfigError(
            f"{setting}: the API key holds a control character or non-ASCII text, "
            "which no HTTP header can carry (the key is not shown)"
        )
    return Secret(value)


def shown_path(path: Path | None) -> str:
    """The file as errors name it: relative to the working directory when inside it."""
    if path is None:
        return "(no file)"
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
