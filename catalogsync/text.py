"""Provider text made safe to show: data, never markup or terminal control.

Ids, names, variants and error messages come from providers and may hold anything. Every
place that shows text to a person passes it through one of these:

- ``printable`` for terminals and text logs: control characters (escape sequences, a
  newline that would forge a log line or a table row, bidirectional overrides) are shown
  escaped (``\\x1b``, ``\\n``, ``\\u202e``), never sent raw; with ``ascii_only``
  (server text in HTTP error messages), everything but printable ASCII is;
- ``csv_cell`` for CSV: a text cell that a spreadsheet would run as a formula (starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``
  (OWASP's rule); numbers are written as they are;
- ``markdown_cell`` for Markdown tables: HTML escaped, pipes escaped, control characters
  (newlines included) shown as in ``printable``.

HTML pages escape with ``html.escape`` (autoescaping, in templates); JSON escapes by itself.
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]")
_NOT_PRINTABLE_ASCII = re.compile("[^ -~]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, *, lines: bool = False, ascii_only: bool = False) -> str:
    """``text`` with every control character shown escaped (``\\x1b``, ``\\n``...);
    with ``lines``, newlines and tabs are kept (a document shown as it is laid out);
    with ``ascii_only``, every character but printable ASCII is escaped (``\\xe9``...)."""
    pattern = _NOT_PRINTABLE_ASCII if ascii_only else _CONTROL
    if not pattern.search(text):
        return text
    if lines:
        return "\n".join(
            "\t".join(pattern.sub(_escaped, part) for part in line.split("\t"))
            for line in text.split("\n")
        )
    return pattern.sub(_escaped, text)


def csv_cell(value: object) -> object:
    """A CSV cell: text that would start a spreadsheet formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def markdown_cell(text: str) -> str:
    """Text for a Markdown table cell: no HTML, no column break, no line break."""
    return html.escape(printable(text), quote=False).replace("|", "\\|")
