"""Golden output of every command on a fixed history, on SQLite and PostgreSQL.

The history is built by ``catalogsync import`` at fixed observed times; every command's
``--format json`` output (and the table, CSV and Markdown outputs of ``models``, ``diff``
and ``report prices``) is compared with the files in ``tests/golden/``. Both databases
must give exactly the same text. Values that depend on the wall clock or the machine
(run times, durations, ages, host and process) are replaced by placeholders first.

Regenerate the files after an intended change of output with
``CATALOGSYNC_UPDATE_GOLDEN=1 pytest tests/test_golden.py -k sqlite``, and review the diff.
"""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalogsync.cli import main
from catalogsync.present.output import dumps_json
from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CATALOGSYNC_UPDATE_GOLDEN") == "1"

# Keys whose values depend on when and where the test runs, not on the history.
VOLATILE = {
    "seconds",
    "started_at",
    "finished_at",
    "hostname",
    "pid",
    "last_success_at",
    "last_success_age_seconds",
    "last_failure_at",
    "running_since",
    "data_age_seconds",
}


def _audioshake_history() -> list[dict[str, Any]]:
    bass = audioshake_model("bass", price=1)
    drums = audioshake_model("drums", price=2)
    vocals = audioshake_model("vocals", price=Decimal("1.5"), outputs=("wav", "flac"))
    gated = audioshake_model("music_detection", price=None, access="request_access")
    return [
        audioshake_payload(bass, drums, gated),
        audioshake_payload(audioshake_model("bass", price=Decimal("1.25")), drums, gated, vocals),
        audioshake_payload(
            audioshake_model("bass", price=Decimal("1.25"), audio=("wav", "aiff")),
            audioshake_model("drums", price=2, supportedLanguages=["en", "de"]),
            vocals,
        ),
        audioshake_payload(
            audioshake_model(
                "bass", price=Decimal("0.00000100000000000000015"), audio=("wav", "aiff")
            ),
            audioshake_model("drums", price=3, supportedLanguages=["en", "de"]),
            vocals,
            gated,
        ),
    ]


def _akool_history() -> list[dict[str, Any]]:
    fast = "AkoolImage2VideoFastV1"
    seed = "seedance-1-0-lite-i2v-250428"
    return [
        akool_payload(akool_model(fast), akool_model(seed, prices={"480p": 3, "720p": 5})),
        akool_payload(
            akool_model(fast, prices={"720p": 6, "1080p": 10, "4k": 40}),
            akool_model(seed, prices={"480p": 3, "720p": 5}),
        ),
        akool_payload(
            akool_model(fast, prices={"720p": 6, "1080p": 12}, isPro=True),
            akool_model(seed, prices={"480p": 3}),
        ),
    ]


def _auriko_history() -> list[dict[str, Any]]:
    gpt = "gpt-4o-2024-08-06"
    claude = "claude-sonnet-4"
    return [
        auriko_payload(auriko_model(gpt, providers={"openai": (2.5, 10), "azure": (2.75, 11)})),
        auriko_payload(
            auriko_model(gpt, providers={"openai": (2.5, 10), "azure": (Decimal("2.5"), 10)}),
            auriko_model(claude, providers={"anthropic": (3, 15)}, context_window=200000),
            version="a1",
        ),
        auriko_payload(
            auriko_model(claude, providers={"anthropic": (3, 15), "bedrock": (3, 15)}),
            version="a2",
        ),
    ]


HISTORY = {
    "audioshake": _audioshake_history(),
    "akool": _akool_history(),
    "auriko": _auriko_history(),
}

COMMANDS: dict[str, list[str]] = {
    "versions.json": ["versions", "--format", "json"],
    "versions_akool.json": ["versions", "akool", "--format", "json"],
    "versions.table": ["versions"],
    "models.json": ["models", "--format", "json"],
    "models_auriko.json": ["models", "auriko", "--format", "json"],
    "models_as_of.json": ["models", "--as-of", "2026-01-03T12:00:00Z", "--format", "json"],
    "models.table": ["models"],
    "models_as_of_audioshake.table": ["models", "audioshake", "--as-of", "2026-01-02"],
    "diff_audioshake.json": ["diff", "audioshake", "--format", "json"],
    "diff_audioshake_1_3.json": [
        "diff",
        "audioshake",
        "--from",
        "1",
        "--to",
        "3",
        "--format",
        "json",
    ],
    "diff_akool_first.json": ["diff", "akool", "--to", "1", "--format", "json"],
    "diff_auriko.json": ["diff", "auriko", "--format", "json"],
    "diff_audioshake.table": ["diff", "audioshake"],
    "diff_akool_1_3.table": ["diff", "akool", "--from", "1", "--to", "3"],
    "diff_auriko.table": ["diff", "auriko"],
    "report.json": ["report", "prices", "--format", "json"],
    "report_period.json": [
        "report",
        "prices",
        "--since",
        "2026-01-02",
        "--until",
        "2026-01-03",
        "--format",
        "json",
    ],
    "report_akool.json": ["report", "prices", "--provider", "akool", "--format", "json"],
    "report_model.json": [
        "report",
        "prices",
        "--model",
        "gpt-4o-2024-08-06",
        "--format",
        "json",
    ],
    "report.csv": ["report", "prices", "--format", "csv"],
    "report.markdown": ["report", "prices", "--format", "markdown"],
    "report.table": ["report", "prices"],
    "report_auriko.table": ["report", "prices", "--provider", "auriko", "--since", "2026-01-02"],
    "report_first.json": ["report", "prices", "--include-first-version", "--format", "json"],
    "report.jsonl": ["report", "prices", "--format", "jsonl"],
    "report_moves.table": [
        "report",
        "prices",
        "--change",
        "changed,removed",
        "--sort",
        "percent",
        "--min-pct",
        "10",
    ],
    "report_summary.table": ["report", "prices", "--summary"],
    "report_summary.json": ["report", "prices", "--summary", "--format", "json"],
    "report_summary.csv": ["report", "prices", "--summary", "--format", "csv"],
    "report_summary.markdown": ["report", "prices", "--summary", "--format", "markdown"],
    "versions.csv": ["versions", "--format", "csv"],
    "models_auriko.csv": ["models", "auriko", "--format", "csv"],
    "diff_audioshake.csv": ["diff", "audioshake", "--format", "csv"],
    "diff_audioshake.jsonl": ["diff", "audioshake", "--format", "jsonl"],
    "status.json": ["status", "--format", "json"],
    "runs.json": ["runs", "list", "--format", "json", "--limit", "100"],
    "runs_akool.json": ["runs", "list", "akool", "--format", "json", "--limit", "2"],
    "runs_show.json": ["runs", "show", "2", "--format", "json"],
}


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("<volatile>" if k in VOLATILE and v is not None else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _normalise(name: str, text: str) -> str:
    if name.endswith(".json"):
        return json.dumps(_scrub(json.loads(text)), indent=2, ensure_ascii=False) + "\n"
    return text


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with CATALOGSYNC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output of {name} changed"


@pytest.fixture
def history(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    imports = []
    for provider, payloads in HISTORY.items():
        for day, payload in enumerate(payloads):
            path = tmp_path / f"{provider}-{day}.json"
            path.write_text(dumps_json(payload), encoding="utf-8")
            observed = f"2026-01-0{day + 1}T0{day}:30:00Z"
            code, out = _run(
                "import", provider, str(path), "--observed-at", observed, "--format", "json"
            )
            assert code == 0, out
            imports.append(_normalise("import.json", out))
    # A failed import is part of the history too: it shows in runs and status.
    bad = tmp_path / "bad.json"
    bad.write_text('{"models": [{"id": "bass", "creditsPerMinute": -1}]}', encoding="utf-8")
    code, out = _run(
        "import",
        "audioshake",
        str(bad),
        "--observed-at",
        "2026-01-09T00:00:00Z",
        "--format",
        "json",
    )
    assert code == 1
    imports.append(_normalise("import.json", out))
    _check("imports.json", "".join(imports))


@pytest.mark.usefixtures("history")
def test_every_command_output_is_unchanged() -> None:
    changed = []
    for name, argv in COMMANDS.items():
        code, out = _run(*argv)
        assert code == 0, (name, out)
        try:
            _check(name, _normalise(name, out))
        except AssertionError:
            changed.append(name)
    assert not changed, f"outputs changed: {changed}"


def test_golden_files_are_all_used() -> None:
    names = {p.name for p in GOLDEN.iterdir()} if GOLDEN.exists() else set()
    assert names <= {*COMMANDS, "imports.json"}, names - {*COMMANDS, "imports.json"}
    if not UPDATE:
        assert names == {*COMMANDS, "imports.json"}
