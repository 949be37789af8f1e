"""Provider instances: which providers the configuration holds, and the adapter serving each.

An adapter is a class registered under the ``catalogsync.providers`` entry points; a
provider (an *instance*) is what gets synced, stored and reported under its own name.
``[providers.NAME] adapter = "ADAPTER"`` makes NAME an instance of ADAPTER, so one adapter
serves several providers (``groq`` and ``together``, both ``openai_compatible``), each
with its own base URL, key, schedule and options. A section without ``adapter`` is the
instance of the adapter of the same name, as before instances existed.

Every installed adapter with a default base URL is also, implicitly, the provider of its
own name: the shipped adapters work with no configuration at all. An adapter without
one (it declares ``requires_base_url = True``, or an empty ``default_base_url``) is a
provider only where a section or ``CATALOGSYNC_<NAME>_BASE_URL`` gives it a base URL.

Instance names are lower case letters, digits, dashes and underscores, starting with a
letter. A provider's environment variables derive from its name, upper case with dashes
as underscores: ``groq-eu`` reads ``GROQ_EU_API_KEY`` and ``CATALOGSYNC_GROQ_EU_BASE_URL``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from catalogsync.errors import ConfigError

INSTANCE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
"""A provider instance's name: at most 64 characters, the length of ``providers.slug``."""


def env_stem(provider: str) -> str:
    """``groq-eu`` -> ``GROQ_EU``: the part of a provider's environment variables it names."""
    return provider.upper().replace("-", "_")


def api_key_env(provider: str) -> str:
    """``akool`` -> ``AKOOL_API_KEY``; ``groq-eu`` -> ``GROQ_EU_API_KEY``."""
    return f"{env_stem(provider)}_API_KEY"


def base_url_env(provider: str) -> str:
    """``akool`` -> ``CATALOGSYNC_AKOOL_BASE_URL``; dashes become underscores."""
    return f"CATALOGSYNC_{env_stem(provider)}_BASE_URL"


def resolve_instances(
    sections: Mapping[str, Any], adapters: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Every provider instance, by name (sorted), with the name of the adapter serving it.

    ``sections`` is the ``[providers]`` table; ``adapters`` maps each installed adapter to
    its default base URL (empty when it has none); ``environ`` may name a base URL for an
    adapter that has no default. A section naming no installed adapter, an invalid name,
    or two names that would share environment variables is a ``ConfigError``.
    """
    installed = ", ".join(sorted(adapters)) or "none"
    found = {name: name for name, url in adapters.items() if url or environ.get(base_url_env(name))}
    unknown = []
    for name, section in sections.items():
        where = f"[providers.{name}]"
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where} must be a table")
        if "adapter" not in section and name not in adapters:
            unknown.append(name)
            continue
        if name not in adapters and not INSTANCE_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: a provider name is lower case letters, digits, dashes and "
                "underscores, starting with a letter (at most 64 characters)"
            )
        adapter = section.get("adapter", name)
        if not isinstance(adapter, str) or adapter not in adapters:
            raise ConfigError(
                f"{where} adapter {adapter!r} is not an installed adapter; installed: {installed}"
            )
        found[name] = adapter
    if unknown:
        close = get_close_matches(min(unknown), sorted(adapters), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise ConfigError(
            f"unknown provider(s) in [providers]: {', '.join(sorted(unknown))}{hint}; installed: "
            f'{installed} (for an instance of one, set adapter = "ADAPTER" in its section)'
        )
    _require_distinct_environment(found)
    return dict(sorted(found.items()))


def _require_distinct_environment(instances: Mapping[str, str]) -> None:
    """Refuse two providers whose keys would come from the same variable (``a-b``, ``a_b``)."""
    seen: dict[str, str] = {}
    for name in sorted(instances):
        other = seen.setdefault(env_stem(name), name)
        if other != name:
            raise ConfigError(
                f"[providers.{other}] and [providers.{name}] would both read "
                f"{api_key_env(name)} and {base_url_env(name)}: rename one"
            )
