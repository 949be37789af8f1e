"""The provider protocol and the validation helpers every adapter shares.

An adapter is a class constructed with its ``ProviderSettings`` that can ``fetch`` the raw
catalog bytes (all requests it needs, e.g. several pages or lists, combined into one
document) and ``parse`` such bytes into a canonical ``Catalog``. ``parse`` must also accept
a provider's plain API response saved to a file (``catalogsync import``).

An adapter whose source is public sets the class attribute ``requires_key = False``: it is
synced (and scheduled) without a key, and sends one only when one is configured. Without
the attribute, an adapter needs a key and is skipped, with a message, when it has none
(``needs_key``).

The pydantic helpers are in ``catalogsync.providers.validation``: a sync whose payload
takes a fast path never imports pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from catalogsync.catalog import Catalog
from catalogsync.codec import JSONDataError, loads_payload
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.paths import format_loc, model_id_at

if TYPE_CHECKING:
    import httpx

    from catalogsync.config import ProviderSettings


class Provider(Protocol):
    """What the sync engine needs from a provider adapter.

    One adapter may serve several provider instances (``catalogsync.instances``), each
    an object built by ``providers.build_provider`` with the instance's settings. On the
    class, ``name`` is the adapter's (its entry point's); on such an object, it is the
    instance's (``settings.name``, set on the object when the two differ). So label
    catalogs, payload errors and HTTP errors with ``self.name`` in ``fetch`` and
    ``parse``, and configuration errors with ``settings.name`` in ``__init__``, which
    runs before the object has its name: everything then names the instance.

    ``default_base_url`` is the host an instance uses unless configured otherwise. An
    adapter with no sensible default (any OpenAI-compatible API) declares
    ``requires_base_url: ClassVar[bool] = True`` (or an empty ``default_base_url``): it
    is then a provider only where a base URL is configured, and an instance without one
    is a configuration error.

    An adapter of a public catalog that needs no key (litellm's price file) also declares
    the class attribute ``requires_key = False``: a sync then runs it without a key
    instead of skipping it. Without the attribute, a key is required (``needs_key``).

    ``config_options`` names the adapter's own keys of ``[providers.NAME]`` (Akool's
    ``types``), beside the ones every provider has (``config_schema.PROVIDER_KEYS``):
    the configuration is checked against them when it loads, so a misspelt key is
    caught by every command. An adapter without it checks its options when it is built.
    """

    name: ClassVar[str]
    default_base_url: ClassVar[str]

    def fetch(self, client: httpx.Client) -> bytes:
        """Fetch the whole catalog and return it as one JSON document (the raw payload)."""
        ...

    def parse(self, raw: bytes) -> Catalog:
        """Validate a raw payload into a canonical catalog; raise ``PayloadError`` if invalid."""
        ...


def needs_key(adapter: object) -> bool:
    """Whether ``adapter`` (a class or an instance) is skipped without an API key: unless it
    declares ``requires_key = False``, an adapter needs one."""
    return getattr(adapter, "requires_key", True) is not False


class ProviderClass(Protocol):
    """An adapter class, as registered under the ``catalogsync.providers`` entry points."""

    name: str
    default_base_url: str

    def __call__(self, settings: ProviderSettings) -> Provider: ...


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


def reject_unknown_options(
    provider: str, options: Mapping[str, Any], known: Set[str] | Sequence[str]
) -> None:
    """Raise ``ConfigError`` for settings of ``[providers.NAME]`` the adapter does not know,
    as ``config_schema`` words it (with the closest known key)."""
    from catalogsync.config_schema import PROVIDER_KEYS, suggestion

    unknown = sorted(set(options) - set(known))
    if unknown:
        hint = suggestion(unknown[0], {*known, *PROVIDER_KEYS})
        raise ConfigError(f"[providers.{provider}] {unknown[0]}: unknown key{hint}")


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
