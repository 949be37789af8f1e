"""JSON paths in payload errors: ``models[3].creditsPerMinute``, and the model they are in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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


def model_id_at(data: object, loc: Sequence[int | str]) -> str | None:
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
