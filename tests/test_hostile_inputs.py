"""Hostile payloads and careless input, end to end through the command line (issue 14).

- Payloads: a key repeated in one object, NUL, lone surrogates and out-of-range numbers
  are refused with their JSON path and model, on every adapter and on both databases;
  long ids are stored alike on both.
- Provider text never reaches a terminal raw, never forges a log line, a CSV formula or a
  Markdown row.
- Reports stay exact with 30-digit amounts.
- Times, ids and limits are range-checked; an import dated in the future is refused; a
  newer schema is named as such; a closed stdout ends the command quietly.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalogsync.cli import main
from catalogsync.db.session import make_engine
from catalogsync.present.output import dumps_json
from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
)
from tests.helpers import rows, snapshot


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    return database_url


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def import_text(
    tmp_path: Path, provider: str, body: str | bytes, day: int = 1, *extra: str
) -> tuple[int, str]:
    path = tmp_path / f"{provider}-{day}.json"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    observed = f"2026-01-{day:02d}T00:00:00Z"
    return run("import", provider, str(path), "--observed-at", observed, "--format", "json", *extra)


def import_payload(tmp_path: Path, provider: str, payload: Any, day: int = 1) -> tuple[int, str]:
    return import_text(tmp_path, provider, dumps_json(payload), day)


GOOD = {
    "audioshake": audioshake_payload(audioshake_model("bass", price=1)),
    "akool": akool_payload(akool_model("m1", prices={"720p": 5})),
    "auriko": auriko_payload(auriko_model("m1", providers={"openai": (2, 8)})),
}

# Raw JSON text of each provider's payload with one hostile part: (provider, body, the JSON
# path and the model the error must name, words of the reason).
HOSTILE = [
    (
        "audioshake",
        '{"models": [{"id": "bass", "creditsPerMinute": 1, "creditsPerMinute": 99}]}',
        "models[0].creditsPerMinute",
        "bass",
        "duplicate key 'creditsPerMinute'",
    ),
    (
        "audioshake",
        '{"models": [{"id": "bass", "id": "drums", "creditsPerMinute": 1}]}',
        "models[0].id",
        "drums",
        "duplicate key 'id'",
    ),
    (
        "audioshake",
        '{"models": [{"id": "bass", "creditsPerMinute": 1}], "models": []}',
        "models",
        None,
        "duplicate key 'models'",
    ),
    (
        "akool",
        '{"code": 1000, "msg": "OK", "data": [{"type": 1501, "value": "m1", "label": "m1", '
        '"resolutionList": [{"value": "720p", "unit_credit": 5, "unit_credit": 99}]}]}',
        "data[0].resolutionList[0].unit_credit",
        "m1",
        "duplicate key 'unit_credit'",
    ),
    (
        "auriko",
        '{"object": "list", "data": [{"id": "m1", "providers": [{"name": "openai", '
        '"input_price": 2, "output_price": 8, "output_price": 80}]}]}',
        "data[0].providers[0].output_price",
        "m1",
        "duplicate key 'output_price'",
    ),
    (
        "audioshake",
        '{"models": [{"id": "bass", "name": "a\\u0000b", "creditsPerMinute": 1}]}',
        "models[0].name",
        "bass",
        "NUL",
    ),
    (
        "akool",
        '{"code": 1000, "msg": "OK", "data": [{"type": 1501, "value": "m1", '
        '"label": "x\\ud800y", "resolutionList": [{"value": "720p", "unit_credit": 5}]}]}',
        "data[0].label",
        "m1",
        "surrogate",
    ),
    (
        "auriko",
        '{"object": "list", "data": [{"id": "m1", "providers": [{"name": "openai", '
        '"input_price": 1e999999999, "output_price": 8}]}]}',
        "data[0].providers[0].input_price",
        "m1",
        "out of range",
    ),
]


@pytest.mark.parametrize(
    ("provider", "body", "path", "model", "reason"),
    HOSTILE,
    ids=[f"{p}-{r.split()[0]}-{i}" for i, (p, _, _, _, r) in enumerate(HOSTILE)],
)
def test_hostile_payloads_are_refused_with_their_path_and_nothing_is_lost(
    db, tmp_path, provider, body, path, model, reason
):
    code, _ = import_payload(tmp_path, provider, GOOD[provider], day=1)
    assert code == 0
    engine = make_engine(db)
    try:
        before = snapshot(engine)
        code, out = import_text(tmp_path, provider, body, day=2)
        assert code == 1
        [outcome] = json.loads(out)
        assert outcome["status"] == "failed"
        error = outcome["error"]
        assert f"{path}: " in error
        assert reason in error
        if model:
            assert f"(model {model!r})" in error
        assert snapshot(engine) == before
        [(stored_error,)] = rows(
            engine, "SELECT error FROM sync_runs WHERE status = 'failed' ORDER BY id"
        )
        assert stored_error == error
    finally:
        engine.dispose()


def test_the_audioshake_fast_path_refuses_a_repeated_key():
    """The fast path (msgspec, which keeps the last of a repeated key) takes this payload's
    shape; the count of its pairs sends it the full way, which names the path."""
    from catalogsync.config import ProviderSettings
    from catalogsync.errors import PayloadError
    from catalogsync.providers.audioshake import AudioShakeProvider

    provider = AudioShakeProvider(ProviderSettings(name="audioshake", base_url="http://x"))
    good = dumps_json(audioshake_payload(audioshake_model("bass", price=1))).encode()
    assert provider.parse_fast(good).models[0].prices[0].amount == 1
    repeated = good.replace(
        b'"creditsPerMinute": 1', b'"creditsPerMinute": 1, "creditsPerMinute": 99'
    )
    assert repeated != good
    with pytest.raises(PayloadError, match="duplicate key 'creditsPerMinute'"):
        provider.parse(repeated)
    nested = good.replace(b'"taskFields"', b'"required": false, "taskFields"')
    with pytest.raises(PayloadError, match="duplicate key 'required'"):
        provider.parse(nested)


def test_long_ids_and_names_are_stored_alike_on_both_databases(db, tmp_path):
    long_id = "m" * 300
    long_format = "f" * 100
    payload = audioshake_payload(
        audioshake_model(long_id, price=1, outputs=(long_format,), category="c" * 300)
    )
    code, out = import_payload(tmp_path, "audioshake", payload)
    assert code == 0, out
    code, out = run("models", "audioshake", "--format", "json")
    [model] = json.loads(out)
    assert model["model_id"] == long_id
    assert model["output_formats"] == [f"other/{long_format}"]


# Provider text that would act on a terminal, forge a log line or a table row.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07"
EVIL_ID = f"evil{ESCAPES}\nFORGED"


def _evil_history(tmp_path: Path) -> None:
    for day, price in ((1, 5), (2, 6)):
        payload = akool_payload(
            akool_model(EVIL_ID, prices={f"720p{ESCAPES}": price}, label=f"name{ESCAPES}")
        )
        assert import_payload(tmp_path, "akool", payload, day)[0] == 0
    payload = auriko_payload(auriko_model("m1"), version=f"v{ESCAPES}")
    assert import_payload(tmp_path, "auriko", payload, 1)[0] == 0
    refused = akool_payload(code=1101, msg=f"bad key\nINFO forged line{ESCAPES}")
    assert import_payload(tmp_path, "akool", refused, 3)[0] == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["models"],
        ["versions"],
        ["diff", "akool"],
        ["report", "prices"],
        ["report", "prices", "--format", "markdown"],
        ["runs", "list"],
        ["runs", "show", "3"],
    ],
    ids=" ".join,
)
def test_provider_text_never_reaches_a_terminal_raw(db, tmp_path, argv):
    _evil_history(tmp_path)
    code, out = run(*argv)
    assert code == 0
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\\x1b" in out or "\\u001b" in out  # escaped as text, or by JSON
    assert "\nFORGED" not in out


def test_a_newline_in_a_provider_message_cannot_forge_a_log_line(db, tmp_path, capsys):
    from catalogsync.logs import configure_logging

    configure_logging(0, stream=sys.stderr)
    try:
        _evil_history(tmp_path)
    finally:
        logging.getLogger("catalogsync").handlers.clear()
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\nINFO forged line" not in err
    assert "bad key\\nINFO forged line\\x1b[2J" in err


def test_csv_cells_that_look_like_formulas_are_neutralised(db, tmp_path):
    for day, price in ((1, 5), (2, 4)):
        payload = akool_payload(
            akool_model('=HYPERLINK("http://x")', prices={"+720p": price, "@1080p": 9})
        )
        assert import_payload(tmp_path, "akool", payload, day)[0] == 0
    code, out = run("report", "prices", "--format", "csv", "--include-first-version")
    assert code == 0
    lines = out.splitlines()
    assert all(line.startswith("akool,\"'=HYPERLINK") for line in lines[1:])
    assert "'+720p" in out
    assert "'@1080p" in out
    # Numbers are not text: a drop stays a plain negative number.
    assert lines[-1].split(",")[-2:] == ["-1", "-20"]


def test_markdown_cells_cannot_break_the_table_or_carry_html(db, tmp_path):
    for day, price in ((1, 5), (2, 6)):
        payload = akool_payload(
            akool_model("a|b\n<script>alert(1)</script>", prices={"720p": price})
        )
        assert import_payload(tmp_path, "akool", payload, day)[0] == 0
    code, out = run("report", "prices", "--format", "markdown", "--include-first-version")
    assert code == 0
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 2  # header, rule, the price added and the price changed
    assert "<script>" not in out
    assert "a\\|b\\n&lt;script&gt;" in out


HUGE = Decimal("123456789012345678901234567890.123456789")
HUGER = Decimal("123456789012345678901234567891.123456789")  # HUGE + 1
HUGEST = Decimal("370370367037037036703703703670.370370367")  # HUGE * 3


@pytest.mark.parametrize("format_name", ["json", "csv", "markdown", "table", "html"])
def test_reports_stay_exact_with_thirty_digit_amounts(db, tmp_path, format_name):
    for day, price in ((1, HUGE), (2, HUGER), (3, HUGEST)):
        payload = akool_payload(akool_model("m1", prices={"720p": price}))
        assert import_payload(tmp_path, "akool", payload, day)[0] == 0
    code, out = run("report", "prices", "--format", format_name, "--include-first-version")
    assert code == 0, out
    if format_name == "json":
        changes = json.loads(out, parse_float=Decimal)
        assert [c["absolute_change"] for c in changes] == [
            None,
            1,
            Decimal("246913578024691357802469135779.246913578"),  # HUGEST - HUGER, exactly
        ]
        assert changes[1]["percent_change"] == Decimal("0.00")
        assert changes[2]["percent_change"] == Decimal("200.00")
        assert changes[2]["new_amount"] == HUGEST


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["import", "akool", "FILE", "--observed-at", "@inf"], "not a timestamp"),
        (["import", "akool", "FILE", "--observed-at", "@1e300"], "not a timestamp"),
        (["models", "--as-of", "0001-01-01T00:00:00+05:00"], "not a timestamp"),
        (["models", "--as-of", "9999-12-31T23:00:00-05:00"], "not a timestamp"),
        (["report", "prices", "--until", "9999-12-31"], "not a timestamp"),
        (["report", "prices", "--since", "1969-12-31"], "not a timestamp"),
        (["runs", "show", "99999999999999999999"], "not a run id"),
        (["runs", "list", "--limit", "10000000000000000000000"], "not a number of rows"),
        (["runs", "list", "--limit", "0"], "not a number of rows"),
        (["status", "--max-age", "99999999999999999999d"], "too long"),
        (["diff", "akool", "--from", "99999999999999999999"], "not a version number"),
    ],
)
def test_out_of_range_options_are_usage_errors(db, capsys, argv, words):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_an_import_dated_in_the_future_is_refused_unless_allowed(db, tmp_path, capsys):
    path = tmp_path / "akool.json"
    path.write_text(dumps_json(GOOD["akool"]), encoding="utf-8")
    argv = ["import", "akool", str(path), "--observed-at", "2099-01-01"]
    assert run(*argv)[0] == 2
    assert "--allow-future" in capsys.readouterr().err
    assert run("versions", "akool", "--format", "json")[1].strip() == "[]"
    assert run(*argv, "--allow-future")[0] == 0
    assert len(json.loads(run("versions", "akool", "--format", "json")[1])) == 1


def test_a_newer_schema_is_named_as_such_by_every_command(db, capsys):
    engine = make_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    for argv in (["db", "upgrade"], ["versions"], ["models"], ["status"], ["sync", "akool"]):
        code, _ = run(*argv)
        assert code == 2, argv
        err = capsys.readouterr().err
        assert "newer than this catalogsync knows" in err
        assert "upgrade catalogsync" in err
        assert "Traceback" not in err


def test_a_closed_stdout_ends_the_command_quietly(db, tmp_path):
    payload = audioshake_payload(*(audioshake_model(f"model-{i:04d}") for i in range(200)))
    assert import_payload(tmp_path, "audioshake", payload)[0] == 0
    env = {**os.environ, "CATALOGSYNC_DATABASE_URL": db}
    process = subprocess.Popen(
        [sys.executable, "-m", "catalogsync", "models", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    # The reader goes away before the output is written, as `| head` does once it has
    # read enough (closing first makes the child's write fail whatever the pipe's size).
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert err == ""
