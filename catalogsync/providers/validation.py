"""Validation helpers on pydantic, shared by the adapters' payload schemas.

Strict types (no coercion of ``"1"`` into ``1``), unknown fields kept, and errors turned
into a ``PayloadError`` that names the JSON path and the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from catalogsync.errors import PayloadError
from catalogsync.providers.paths import format_loc, join_path, model_id_at


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
            model_id=model_id_at(data, loc),
        ) from None


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
