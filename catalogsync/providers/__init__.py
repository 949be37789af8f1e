"""The provider registry: adapter classes found under the ``catalogsync.providers`` entry points.

A third party adds a provider by installing a package that declares, in its own
``pyproject.toml``::

    [project.entry-points."catalogsync.providers"]
    myvendor = "myvendor_catalogsync:MyVendorProvider"
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from catalogsync.errors import ConfigError
from catalogsync.providers.base import Provider, ProviderClass, key_required

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
    """Every installed provider's public base URL, for ``config.load_settings``."""
    return {name: cls.default_base_url for name, cls in provider_classes().items()}


def get_provider_class(name: str) -> ProviderClass:
    """Return the adapter class for ``name`` or raise ``ConfigError`` listing the known ones."""
    classes = provider_classes()
    try:
        return classes[name]
    except KeyError:
        raise ConfigError(
            f"unknown provider {name!r}; installed: {', '.join(classes) or 'none'}"
        ) from None


__all__ = [
    "Provider",
    "ProviderClass",
    "default_base_urls",
    "get_provider_class",
    "key_required",
    "provider_classes",
]
