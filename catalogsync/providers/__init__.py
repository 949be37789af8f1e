"""The provider registry: adapter classes found under the ``catalogsync.providers`` entry points.

A third party adds a provider by installing a package that declares, in its own
``pyproject.toml``::

    [project.entry-points."catalogsync.providers"]
    myvendor = "myvendor_catalogsync:MyVendorProvider"

The entry point names the *adapter*; the providers synced are its instances
(``catalogsync.instances``), each built by ``build_provider`` from its settings.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from catalogsync.errors import ConfigError
from catalogsync.providers.base import Provider, ProviderClass, needs_key

if TYPE_CHECKING:
    from catalogsync.config import ProviderSettings, Settings

ENTRY_POINT_GROUP = "catalogsync.providers"


@cache
def provider_classes() -> dict[str, ProviderClass]:
    """Return every installed adapter class by provider name."""
    classes: dict[str, ProviderClass] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = entry.load()
        if getattr(cls, "name", None) != entry.name:
            raise ConfigError(
                f"provider entry point {entry.name!r} loads {entry.value}, whose name is "
                f"{getattr(cls, 'name', None)!r}; they must match"
            )
        classes[entry.name] = cls
    return dict(sorted(classes.items()))


def default_base_urls() -> dict[str, str]:
    """Every installed adapter's public base URL, for ``config.load_settings``: empty for
    one that declares ``requires_base_url = True`` (each instance must name its host)."""
    return {
        name: "" if getattr(cls, "requires_base_url", False) else cls.default_base_url
        for name, cls in provider_classes().items()
    }


def adapter_options() -> dict[str, frozenset[str]]:
    """Each installed adapter's own ``[providers.NAME]`` keys, where it declares them
    (``config_options``), for ``config.load_settings``'s check of the file."""
    return {
        name: frozenset(options)
        for name, cls in provider_classes().items()
        if (options := getattr(cls, "config_options", None)) is not None
    }


def get_provider_class(name: str) -> ProviderClass:
    """Return the adapter class for ``name`` or raise ``ConfigError`` listing the known ones."""
    classes = provider_classes()
    try:
        return classes[name]
    except KeyError:
        raise ConfigError(
            f"unknown provider {name!r}; installed: {', '.join(classes) or 'none'}"
        ) from None


def import_settings(settings: Settings, name: str) -> ProviderSettings:
    """The settings an import of ``name`` uses: the configured provider's, or, for an
    installed adapter that is no provider here (one without a default host, never given
    one, such as ``openai_compatible``), the adapter's own with no base URL: an import
    fetches nothing, so a saved response can be backfilled under the adapter's name."""
    from catalogsync.config import ProviderSettings

    if name not in settings.providers and name in provider_classes():
        return ProviderSettings(name=name, base_url="")
    return settings.provider(name)


def build_provider(settings: ProviderSettings) -> Provider:
    """The adapter object of one provider instance: ``settings.adapter``'s class, built
    with the instance's settings and named after the instance.

    Adapters label catalogs and errors with ``self.name``. When the instance's name is
    not the adapter's, it is set on the object, where it shadows the class attribute:
    an adapter written for a single provider serves several instances unchanged.
    """
    adapter = get_provider_class(settings.adapter)(settings)
    if adapter.name != settings.name:
        try:
            # The protocol declares ``name`` on the class; here the object gets its own.
            setattr(adapter, "name", settings.name)  # noqa: B010
        except (AttributeError, TypeError):
            raise ConfigError(
                f"[providers.{settings.name}]: adapter {settings.adapter!r} cannot serve an "
                "instance of another name (its objects take no name of their own)"
            ) from None
    return adapter


__all__ = [
    "Provider",
    "ProviderClass",
    "adapter_options",
    "build_provider",
    "default_base_urls",
    "get_provider_class",
    "import_settings",
    "needs_key",
    "provider_classes",
]
