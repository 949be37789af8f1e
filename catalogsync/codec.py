"""The canonical JSON codec: exact decimals, deterministic text, no floats.

Catalog content is hashed in a canonical form, so that two payloads with the same meaning
hash the same whatever order or number spelling the provider used: objects by key, lists
treated as sets, amounts as exact ``Decimal``s with ``1`` and ``1.0`` the same. This module
writes and reads that form; ``catalog.py`` builds on it, and so do the stored JSON columns
and every JSON document catalogsync prints.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import msgspec

JSONValue: TypeAlias = (
    bool | int | Decimal | str | list["JSONValue"] | dict[str, "JSONValue"] | None
)

MAX_EXPONENT = 1000


def canonical_decimal(value: Decimal) -> str:
    """Return the shortest plain-notation spelling of ``value`` (``1.0`` -> ``1``, never ``1E+2``).

    Works digit by digit, without a decimal context, so no precision is ever lost.
    Exponents beyond ``MAX_EXPONENT`` are refused: no catalog has such numbers, and
    writing out ``1e999999999`` would take forever.
    """
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"number {value:.3e} is out of range")
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f")
    return text.rstrip("0")


def normalize_json(value: object) -> JSONValue:
    """Return ``value`` as canonical JSON data: sorted objects, set-like lists, exact numbers."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else value
        text = canonical_decimal(number)
        return int(text) if "." not in text else Decimal(text)
    if isinstance(value, Mapping):
        return {
            str(k): normalize_json(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [normalize_json(v) for v in value]
        return sorted(items, key=_json_sort_key)
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _json_sort_key(value: JSONValue) -> tuple[int, Decimal, str]:
    if isinstance(value, bool) or value is None:
        return (0, Decimal(int(bool(value))), "")
    if isinstance(value, int | Decimal):
        return (1, Decimal(value), "")
    if isinstance(value, str):
        return (2, Decimal(0), value)
    return (3, Decimal(0), dumps_canonical(value))


# JSON is written by the standard library's C encoder. Decimals, which it cannot write,
# become a marked string first and are unquoted afterwards: exact digits at the encoder's
# speed. The marker holds a NUL and a per-process random token, which no provider's text
# can reproduce.
_MARK = f"\x00{uuid.uuid4().hex}:"
_MARKED = re.compile('"' + re.escape(json.dumps(_MARK)[1:-1]) + r'(-?[0-9.]+)"')


def dumps_exact(
    value: object,
    *,
    sort_keys: bool = False,
    indent: int | None = None,
    default: Callable[[object], object] | None = None,
) -> str:
    """Serialise JSON data with exact decimals; ``default`` handles other non-JSON values."""

    def encode(item: object) -> object:
        if isinstance(item, Decimal):
            return _MARK + canonical_decimal(item)
        if default is not None:
            return default(item)
        raise TypeError(f"{type(item).__name__} is not JSON data")

    text = json.dumps(
        value,
        sort_keys=sort_keys,
        indent=indent,
        separators=(",", ":") if indent is None else (",", ": "),
        ensure_ascii=False,
        default=encode,
    )
    return _MARKED.sub(r"\1", text) if _MARK[1:] in text else text


def dumps_canonical(value: JSONValue) -> str:
    """Serialise normalised JSON data deterministically (sorted keys, no spaces, exact decimals).

    Written by msgspec, decimals spelled beforehand: the text of
    ``dumps_exact(value, sort_keys=True)`` (a test compares them on random data), several
    times faster. Values msgspec cannot write, such as integers beyond 64 bits, go that way.
    """
    try:
        return ENCODER.encode(spelled(value)).decode()
    except (OverflowError, TypeError, msgspec.EncodeError):
        return dumps_exact(value, sort_keys=True)


class JSONDataError(ValueError):
    """JSON text that parses, but holds what catalogsync refuses to read as data.

    ``loc`` is where (keys and list indexes from the top), ``data`` what was parsed.
    """

    def __init__(self, message: str, loc: tuple[int | str, ...], data: object) -> None:
        super().__init__(message)
        self.reason = message
        self.loc = loc
        self.data = data


class _Duplicated(dict[str, Any]):
    """An object in which ``key`` appeared more than once (the last value kept)."""

    key: str


class _OutOfRange:
    """A number too large or too precise to be a price or a count, as written."""

    def __init__(self, text: str) -> None:
        self.text = text


# Escapes of NUL and of UTF-16 surrogates: rare, so the whole text is scanned for them at
# once, and the parsed data walked only when one is there.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_SUSPECT_ESCAPE_BYTES = re.compile(_SUSPECT_ESCAPE.pattern.encode())
_REFUSED_CHAR = re.compile("[\x00\ud800-\udfff]")
MAX_NUMBER_LENGTH = 1000
"""Digits of a JSON number beyond which it is refused (no catalog has such numbers)."""


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a valid JSON number")


def loads_exact(text: str | bytes) -> object:
    """Parse JSON keeping every number exact (floats become ``Decimal``).

    NaN and Infinity are refused. For data catalogsync wrote itself; what a provider
    sent goes through ``loads_payload``.
    """
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def loads_payload(text: str | bytes) -> object:
    """``loads_exact`` for what a provider sent, which may be anything.

    Refuses, with ``JSONDataError`` naming where, what would be read wrongly or could not
    be stored: a key repeated within one object (JSON parsers silently keep the last), a
    NUL character or a lone UTF-16 surrogate in a string, and a number beyond
    ``MAX_EXPONENT`` or longer than ``MAX_NUMBER_LENGTH`` digits. Text that is not JSON
    is a ``ValueError``.
    """
    problems: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(items)
        if len(found) == len(items):
            return found
        duplicated = _Duplicated(found)
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                duplicated.key = key
                break
            seen.add(key)
        problems.append("duplicate")
        return duplicated

    def number(literal: str) -> object:
        try:
            value = Decimal(literal)
        except ArithmeticError:
            value = None
        if (
            value is None
            or len(literal) > MAX_NUMBER_LENGTH
            or (value and abs(value.adjusted()) > MAX_EXPONENT)
        ):
            problems.append("number")
            return _OutOfRange(literal)
        return value

    data = json.loads(
        text, parse_float=number, parse_constant=_refuse_constant, object_pairs_hook=pairs
    )
    suspect = (
        _SUSPECT_ESCAPE_BYTES.search(text)
        if isinstance(text, bytes)
        else _SUSPECT_ESCAPE.search(text)
    )
    if problems or suspect:
        _refuse_first(data)
    return data


def _refuse_first(data: object) -> None:
    """Raise ``JSONDataError`` for the first refused value in ``data``, in document order."""
    stack: list[tuple[tuple[int | str, ...], object]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, _Duplicated):
            raise JSONDataError(f"duplicate key {node.key!r}", (*loc, node.key), data)
        if isinstance(node, _OutOfRange):
            shown = node.text if len(node.text) <= 24 else node.text[:20] + "..."
            raise JSONDataError(f"number {shown} is out of range", loc, data)
        if isinstance(node, str) and _REFUSED_CHAR.search(node):
            raise JSONDataError(_char_problem(node), loc, data)
        if isinstance(node, dict):
            for key in node:
                if _REFUSED_CHAR.search(key):
                    raise JSONDataError(f"key: {_char_problem(key)}", (*loc, key), data)
            stack.extend(((*loc, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(node))))


def _char_problem(text: str) -> str:
    if "\x00" in text:
        return "a NUL character (\\u0000) is not allowed in text"
    return "a lone UTF-16 surrogate escape is not allowed in text (not a character)"


ENCODER = msgspec.json.Encoder(order="sorted")


_PLAIN = frozenset({str, int, bool, type(None)})  # written by msgspec as they are


def spelled(value: Any) -> Any:
    """``value`` with every decimal replaced by its canonical spelling, for msgspec.

    Floats, which msgspec spells its own way, are refused (``TypeError``): JSON data holds
    decimals instead. Plain values inside lists and objects are passed over in place.
    """
    if type(value) in _PLAIN:
        return value
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN else spelled(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _PLAIN else spelled(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return msgspec.Raw(canonical_decimal(value).encode())
    if isinstance(value, float):
        raise TypeError("floats are not canonical JSON data")
    return value
