"""The package's shape: front ends over one library, each kept to its side by its imports.

Read from the source (AST), never by importing it: the command line (``cli/``) holds no
SQL and imports no SQLAlchemy or storage; presentation (``present/``) runs no query; the
library (everything else) prints no tables and parses no command lines; and no module
grows past ``MAX_LINES``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import catalogsync

PACKAGE = Path(catalogsync.__file__).parent
MAX_LINES = 400
FRONT_ENDS = ("cli", "present", "web")

SQL = re.compile(
    r"\bSELECT\s.+\sFROM\s+\w"
    r"|\bINSERT\s+INTO\s+\w"
    r"|\bUPDATE\s+\w+\s+SET\s"
    r"|\bDELETE\s+FROM\s+\w"
    r"|\b(CREATE|DROP|ALTER)\s+(TABLE|VIEW|INDEX|UNIQUE\s+INDEX)\b",
    re.IGNORECASE | re.DOTALL,
)
"""A string that reads like an SQL statement."""

CLI_MAY_NOT_IMPORT = ("sqlalchemy", "catalogsync.db", "catalogsync.reads", "catalogsync.store")
PRESENT_MAY_NOT_IMPORT = (
    "sqlalchemy",
    "catalogsync.db",
    "catalogsync.api",
    "catalogsync.sync",
    "catalogsync.store",
)
LIBRARY_MAY_NOT_IMPORT = ("argparse", "rich")
WEB_MAY_NOT_IMPORT = CLI_MAY_NOT_IMPORT
WEB_DATABASE = PACKAGE / "web" / "database.py"
"""The web front end's one module that may touch SQLAlchemy: it opens the database read-only."""


def modules(under: str = "") -> list[Path]:
    """The package's modules (of one subpackage when ``under`` is given)."""
    return sorted((PACKAGE / under).rglob("*.py"))


def library_modules() -> list[Path]:
    """Every module outside the front ends."""
    return [path for path in modules() if path.relative_to(PACKAGE).parts[0] not in FRONT_ENDS]


def imported_names(source: str) -> set[str]:
    """Every module an ``import`` statement in ``source`` names (type-checking ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden_imports(source: str, forbidden: tuple[str, ...]) -> list[str]:
    """The imports of ``source`` that are, or are inside, a package in ``forbidden``."""
    return sorted(
        name
        for name in imported_names(source)
        if any(name == f or name.startswith(f"{f}.") for f in forbidden)
    )


def sql_strings(source: str) -> list[str]:
    """The string constants of ``source`` that look like SQL statements."""
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", modules("cli"), ids=_name)
def test_the_command_line_has_no_sql_and_no_storage_imports(path):
    source = path.read_text()
    assert forbidden_imports(source, CLI_MAY_NOT_IMPORT) == []
    assert sql_strings(source) == []


@pytest.mark.parametrize("path", modules("web"), ids=_name)
def test_the_web_front_end_has_no_sql_and_no_storage_imports(path):
    source = path.read_text()
    assert sql_strings(source) == []
    if path != WEB_DATABASE:
        assert forbidden_imports(source, WEB_MAY_NOT_IMPORT) == []


def test_the_web_database_module_imports_no_queries():
    assert (
        forbidden_imports(WEB_DATABASE.read_text(), ("catalogsync.reads", "catalogsync.store"))
        == []
    )


@pytest.mark.parametrize("path", modules("present"), ids=_name)
def test_presentation_runs_no_query(path):
    assert forbidden_imports(path.read_text(), PRESENT_MAY_NOT_IMPORT) == []


@pytest.mark.parametrize("path", library_modules(), ids=_name)
def test_the_library_neither_parses_command_lines_nor_draws_tables(path):
    assert forbidden_imports(path.read_text(), LIBRARY_MAY_NOT_IMPORT) == []


@pytest.mark.parametrize("path", modules(), ids=_name)
def test_no_module_is_longer_than_the_limit(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize(
    ("source", "forbidden", "found"),
    [
        ("from sqlalchemy import select", CLI_MAY_NOT_IMPORT, ["sqlalchemy", "sqlalchemy.select"]),
        ("import sqlalchemy.exc", CLI_MAY_NOT_IMPORT, ["sqlalchemy.exc"]),
        (
            "if TYPE_CHECKING:\n    from sqlalchemy import Engine",
            CLI_MAY_NOT_IMPORT,
            ["sqlalchemy", "sqlalchemy.Engine"],
        ),
        (
            "from catalogsync.db import models",
            CLI_MAY_NOT_IMPORT,
            ["catalogsync.db", "catalogsync.db.models"],
        ),
        ("from catalogsync import api", CLI_MAY_NOT_IMPORT, []),
        (
            "from rich.table import Table",
            LIBRARY_MAY_NOT_IMPORT,
            ["rich.table", "rich.table.Table"],
        ),
        ("def f():\n    import argparse", LIBRARY_MAY_NOT_IMPORT, ["argparse"]),
        ("import richer", LIBRARY_MAY_NOT_IMPORT, []),
    ],
)
def test_the_import_check_finds_what_it_should(source, forbidden, found):
    assert forbidden_imports(source, forbidden) == found


@pytest.mark.parametrize(
    ("text", "is_sql"),
    [
        ("SELECT amount FROM prices WHERE model_id = :m", True),
        ("select *\n  from current_prices", True),
        ("INSERT INTO sync_runs (status) VALUES ('running')", True),
        ("UPDATE sync_runs SET status = 'failed'", True),
        ("DELETE FROM prices", True),
        ("create table t (v int)", True),
        ("create or migrate the database to the newest schema", False),
        ("every price change in a period, with old and new amounts", False),
        ("select the providers to sync", False),
    ],
)
def test_the_sql_check_finds_what_it_should(text, is_sql):
    assert bool(sql_strings(repr(text))) is is_sql


ARCHITECTURE = Path(__file__).parent.parent / "docs" / "architecture.md"


def _named_paths() -> set[str]:
    """Module and package names in backticks or bold in docs/architecture.md."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return set(re.findall(r"[`*]{1,2}([\w/]+(?:\.py|/))[`*]{1,2}", text))


def test_the_architecture_document_names_only_modules_that_exist():
    root = PACKAGE.parent
    missing = []
    for name in _named_paths():
        if "NAME" in name:  # a placeholder: tests/fixtures/providers/NAME/
            continue
        candidates = [PACKAGE / name, root / name, *PACKAGE.glob(f"*/{name}")]
        if not any(path.exists() for path in candidates):
            missing.append(name)
    assert missing == []


def test_the_architecture_document_names_every_module():
    named = {name.rstrip("/").split("/")[-1] for name in _named_paths()}
    unnamed = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if path.name != "__init__.py"
        and path.name != "__main__.py"
        and path.name not in named
        and not path.name.endswith("_schema.py")  # each adapter's schema, named as a group
        and path.parent.name != "providers"  # the adapters, named as a group
    ]
    assert unnamed == []
