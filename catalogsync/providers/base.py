"""The provider protocol and the validation helpers every adapter shares.

An adapter is a class constructed with its ``ProviderSettings`` that can ``fetch`` the raw
catalog bytes (all requests it needs, e.g. several pages or lists, combined into one
document) and ``parse`` such bytes into a canonical ``Catalog``. ``parse`` must also accept
a provider's plain API response saved to a file (``catalogsync import``).

Two class attributes beside ``name`` are optional:

- ``requires_key`` (default ``True``): ``False`` for a public catalog (models.dev): a
  sync runs it without an API key instead of skipping it (``key_required``); a key, if
  configured, is still sent where the adapter uses one. An adapter may also set it per
  instance from an option (``openai_compatible``'s ``requires_key = false``).
- ``default_base_url`` may be ``""`` for an adapter without a public host
  (``openai_compatible``): such a provider is off until its configuration names a base
  URL, and its ``fetch`` raises ``ConfigError`` without one.

The pydantic helpers are in ``catalogsync.providers.validation``: a sync whose payload
takes a fast path never imports pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from catalogsync.catalog import Catalog
from catalogsync.codec import JSONDataError, loads_payload
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.paths import format_loc, model_id_at

if TYPE_CHECKING:
    import httpx

    from catalogsync.config import ProviderSettings


class Provider(Protocol):
    """What the sync engine needs from a provider adapter."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch the whole catalog and return it as one JSON document (the raw payload)."""
        ...

    def parse(self, raw: bytes) -> Catalog:
        """Validate a raw payload into a canonical catalog; raise ``PayloadError`` if invalid."""
        ...


class ProviderClass(Protocol):
    """An adapter class, as registered under the ``catalogsync.providers`` entry points."""

    name: str
    default_base_url: str

    def __call__(self, settings: ProviderSettings) -> Provider: ...


def key_required(adapter: object) -> bool:
    """Whether a sync must skip ``adapter`` when it has no API key (``requires_key``)."""
    return bool(getattr(adapter, "requires_key", True))


def load_json(provider: str, raw: bytes) -> object:
    """Parse what ``provider`` sent as JSON with exact numbers (``codec.loads_payload``);
    raise ``PayloadError`` naming the path and model when it is not JSON or holds what
    catalogsync refuses (repeated keys, NUL, lone surrogates, numbers out of range)."""
    try:
        return loads_payload(raw)
    except RecursionError:
        raise PayloadError(provider, "", "not JSON: nested too deeply") from None
    except JSONDataError as exc:
        raise PayloadError(
            provider, format_loc(exc.loc), exc.reason, model_id=model_id_at(exc.data, exc.loc)
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        head = raw[:60].decode("utf-8", "replace").strip()
        raise PayloadError(
            provider, "", f"not JSON ({type(exc).__name__}: {exc}); body starts {head!r}"
        ) from None


def option_list(
    provider: str, options: Mapping[str, Any], key: str, default: Sequence[object]
) -> list[object]:
    """Read a list option of ``[providers.NAME]``, with a clear error when it is not a list."""
    value = options.get(key, list(default))
    if not isinstance(value, list) or not value:
        raise ConfigError(f"[providers.{provider}] {key} must be a non-empty list")
    return value


def reject_unknown_options(provider: str, options: Mapping[str, Any], known: set[str]) -> None:
    """Raise ``ConfigError`` for settings of ``[providers.NAME]`` the adapter does not know."""
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [providers.{provider}]: {', '.join(unknown)}")


def require_unique(
    provider: str,
    ids: Sequence[str],
    list_path: str,
    *,
    field: str,
    what: str = "id",
    model_id: str | None = None,
) -> None:
    """Raise ``PayloadError`` at ``list_path[i].field`` for the first id seen twice.

    ``model_id`` names the model the list belongs to; for a list of models, leave it
    out and the repeated id itself is named.
    """
    seen: dict[str, int] = {}
    for index, ident in enumerate(ids):
        if ident in seen:
            raise PayloadError(
                provider,
                f"{list_path}[{index}].{field}",
                f"duplicate {what} {ident!r} (first at {list_path}[{seen[ident]}])",
                model_id=model_id or ident,
            )
        seen[ident] = index
