"""The provider protocol and the validation helpers every adapter shares.

An adapter is a class constructed with its ``ProviderSettings`` that can ``fetch`` the raw
catalog bytes (all requests it needs, e.g. several pages or lists, combined into one
document) and ``parse`` such bytes into a canonical ``Catalog``. ``parse`` must also accept
a provider's plain API response saved to a file (``catalogsync import``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from catalogsync.catalog import Catalog, loads_exact
from catalogsync.config import ProviderSettings
from catalogsync.errors import ConfigError, PayloadError


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


def _amount(value: object) -> object:
    # Prices must be JSON numbers: bools are ints in Python and strings would pass
    # Decimal's own parsing, so both are refused here, before pydantic sees them.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a number")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number < 0:
        raise ValueError("must be >= 0")
    return number


Amount = Annotated[Decimal, BeforeValidator(_amount)]
"""A finite, non-negative JSON number kept exact: prices, but also durations and ages."""

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A non-empty identifier."""


class Payload(BaseModel):
    """Base of the adapters' payload schemas: strict types, unknown fields kept."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    def extras(self) -> dict[str, Any]:
        """Fields the schema does not know, kept as per-model attributes."""
        return dict(self.model_extra or {})


SchemaT = TypeVar("SchemaT", bound=BaseModel)
T = TypeVar("T")

SCHEMA_CONFIG = ConfigDict(extra="allow", strict=True)
"""For ``TypedDict`` schemas (``__pydantic_config__``): validated in place, several times
faster than model instances on large catalogs; unknown keys stay in the dict."""


def load_json(provider: str, raw: bytes) -> object:
    """Parse ``raw`` as JSON with exact numbers; raise ``PayloadError`` if it is not JSON."""
    try:
        return loads_exact(raw)
    except RecursionError:
        raise PayloadError(provider, "", "not JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        head = raw[:60].decode("utf-8", "replace").strip()
        raise PayloadError(
            provider, "", f"not JSON ({type(exc).__name__}: {exc}); body starts {head!r}"
        ) from None


def validate(provider: str, schema: type[SchemaT], data: object, *, prefix: str = "") -> SchemaT:
    """Validate ``data`` against ``schema``; on failure name the JSON path and the model."""
    return validate_with(provider, schema.model_validate, data, prefix=prefix)


def validate_with(
    provider: str, validator: Callable[[object], T], data: object, *, prefix: str = ""
) -> T:
    """Run a pydantic ``validator`` (``TypeAdapter(...).validate_python`` or a model's
    ``model_validate``) on ``data``; on failure name the JSON path and the model."""
    try:
        return validator(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = tuple(first["loc"])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise PayloadError(
            provider,
            join_path(prefix, format_loc(loc)),
            _message(first) + more,
            model_id=_model_id_at(data, loc),
        ) from None


def format_loc(loc: Sequence[int | str]) -> str:
    """``("models", 3, "creditsPerMinute")`` -> ``models[3].creditsPerMinute``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def join_path(prefix: str, path: str) -> str:
    """Join two JSON paths (either may be empty)."""
    if not prefix:
        return path
    if not path or path.startswith("["):
        return prefix + path
    return f"{prefix}.{path}"


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in {"string_too_short", "too_short"}:
        return "must not be empty"
    for suffix, word in (("_type", "must be"), ("_parsing", "must be")):
        if kind.endswith(suffix):
            return f"{word} {_TYPE_WORDS.get(kind[: -len(suffix)], kind[: -len(suffix)])}"
    msg = str(error["msg"])
    return msg[:1].lower() + msg[1:]


_TYPE_WORDS = {
    "string": "a string",
    "int": "a whole number",
    "bool": "true or false",
    "list": "a list",
    "dict": "an object",
    "model": "an object",
    "model_attributes": "an object",
    "decimal": "a number",
    "float": "a number",
}


def _model_id_at(data: object, loc: Sequence[int | str]) -> str | None:
    """The ``id``/``value`` of the list item that ``loc`` points into, if there is one."""
    node = data
    found: str | None = None
    for part in loc:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, Mapping):
            ident = node.get("id", node.get("value"))
            if isinstance(ident, str) and ident.strip():
                found = ident
                break
    return found


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
