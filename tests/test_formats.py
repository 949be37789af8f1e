"""The registry of output formats: every command's choices, and formats from file names."""

from __future__ import annotations

import argparse
import io

import pytest

from catalogsync.cli import build_parser
from catalogsync.present.registry import (
    DEFAULT,
    RENDERERS,
    choose_format,
    format_for_file,
    format_names,
    render,
)
from catalogsync.results import PriceReport, SchemaUpgrade, SyncReport, VersionList


def _format_choices() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each leaf command's ``--format`` choices, by command path."""
    found = {}
    stack: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = [((), build_parser())]
    while stack:
        prefix, parser = stack.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(((*prefix, name), sub) for name, sub in action.choices.items())
            elif "--format" in action.option_strings:
                found[prefix] = tuple(action.choices or ())
    return found


def test_every_format_option_offers_the_registrys_formats():
    choices = _format_choices()
    assert choices[("report", "prices")] == ("table", "json", "csv", "jsonl", "markdown", "html")
    for command in (("versions",), ("models",), ("diff",), ("status",), ("runs", "list")):
        assert choices[command] == ("table", "json", "csv", "jsonl"), command
    for command in (("sync",), ("import",), ("runs", "show")):
        assert choices[command] == ("table", "json"), command
    assert all(names[0] == DEFAULT for names in map(format_names, RENDERERS))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("report.html", "html"),
        ("out/report.json", "json"),
        ("report.csv", "csv"),
        ("report.md", "markdown"),
        ("REPORT.HTML", "html"),
        ("report.txt", "table"),
        ("report", "table"),
        ("report.html.bak", "table"),
    ],
)
def test_a_file_name_picks_the_format(path, expected):
    assert format_for_file(PriceReport, path) == expected


def test_a_format_the_document_does_not_offer_falls_back_to_the_default():
    assert format_for_file(SyncReport, "sync.csv") == DEFAULT
    assert format_for_file(SyncReport, "sync.json") == "json"
    assert format_for_file(VersionList, "versions.jsonl") == "jsonl"


def test_choosing_a_format():
    assert choose_format(PriceReport, None) == DEFAULT
    assert choose_format(PriceReport, None, "p.md") == "markdown"
    assert choose_format(PriceReport, "csv", "p.md") == "csv"


def test_every_renderer_takes_a_document_and_a_stream():
    out = io.StringIO()
    render(SchemaUpgrade("sqlite:///x.db", None, "0006"), "table", out)
    assert out.getvalue() == "database sqlite:///x.db upgraded from empty to 0006\n"
    with pytest.raises(ValueError, match="no 'html' renderer for SchemaUpgrade"):
        render(SchemaUpgrade("sqlite:///x.db", None, "0006"), "html", out)
