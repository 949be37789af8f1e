"""The configuration as every front end loads it: found, read, checked whole, summarised.

``load_configuration`` is the one way a command reads its settings (``cli.App`` and
``catalogsync config check`` alike): the file is checked against ``config_schema`` with
the installed adapters' own keys, the environment applied, then each provider's adapter
is built once, so an option of the wrong type (Akool's ``types = "video"``) fails every
command at start, not only the sync that would use it. ``summarize_configuration`` says what the
result configures, without a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from catalogsync.config import Settings, find_config_file, load_settings, shown_path
from catalogsync.errors import ConfigError, InvalidConfigError
from catalogsync.instances import api_key_env
from catalogsync.payloads import mask_url
from catalogsync.providers import (
    adapter_options,
    build_provider,
    default_base_urls,
    get_provider_class,
    needs_key,
)
from catalogsync.results import ConfigSummary, ConfiguredProvider


def load_configuration(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Settings:
    """The settings of ``--config PATH`` (else ``CATALOGSYNC_CONFIG``, else
    ``catalogsync.toml`` in ``cwd``, else defaults), every problem raised at once."""
    path = find_config_file(explicit, environ, cwd)
    settings = load_settings(path, environ, default_base_urls(), adapter_options())
    problems = []
    for provider in settings.providers.values():
        try:
            build_provider(provider)
        except ConfigError as exc:
            problems.append(f"{shown_path(path)}: {exc}" if path else str(exc))
    if problems:
        raise InvalidConfigError(problems)
    return settings


def summarize_configuration(settings: Settings, environ: Mapping[str, str]) -> ConfigSummary:
    """What ``settings`` configures: each provider enabled, disabled or skipped, and why."""
    return ConfigSummary(
        path=shown_path(settings.config_path) if settings.config_path else None,
        database_url=mask_url(settings.database_url),
        providers=[_provider(settings, name, environ) for name in sorted(settings.providers)],
    )


def _provider(settings: Settings, name: str, environ: Mapping[str, str]) -> ConfiguredProvider:
    provider = settings.providers[name]
    variable = api_key_env(name)
    if provider.api_key is None:
        key_from = None
    elif environ.get(variable, "").strip():
        key_from = variable
    else:
        key_from = "api_key_file"
    keyless = not needs_key(get_provider_class(provider.adapter))
    if not provider.enabled:
        state, reason = "disabled", f"enabled = false in [providers.{name}]"
    elif key_from is None and not keyless:
        state, reason = "skipped", f"no API key: set {variable} or api_key_file"
    else:
        state = "enabled"
        reason = "public catalog, no key needed" if key_from is None else f"key from {key_from}"
    return ConfiguredProvider(
        provider=name,
        adapter=provider.adapter,
        state=state,
        reason=reason,
        schedule=provider.schedule,
        base_url=mask_url(provider.base_url),
        key_from=key_from,
    )
