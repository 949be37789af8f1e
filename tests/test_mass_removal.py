"""The mass-removal guard from the command line, against the local provider server. Both databases.

A catalog that would remove more than ``[sync] max_removal_fraction`` (default: half) of a
provider's current models, an empty one included, fails with exit 1 and a clear message
and changes nothing, unless ``sync --allow-mass-removal`` is given.
"""

from __future__ import annotations

import json

import pytest

from catalogsync.db.session import make_engine
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import cli, count, rows, snapshot, use_local_server

FOUR = [audioshake_model(name) for name in ("bass", "drums", "vocals", "guitar")]


@pytest.fixture
def engine(provider_server, database_url, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    provider_server.set_json("audioshake", audioshake_payload(*FOUR))
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def sync(*argv: str) -> tuple[int, dict]:
    code, out = cli("sync", "audioshake", "--format", "json", *argv)
    [outcome] = json.loads(out)
    return code, outcome


def refused(engine, server, models: list[dict], removed: int, current: int) -> None:
    """Serve ``models``: the sync fails, says why, changes nothing and keeps the payload."""
    before = snapshot(engine)
    server.set_json("audioshake", audioshake_payload(*models))
    code, outcome = sync()
    assert code == 1
    assert outcome["status"] == "failed"
    assert outcome["error"] == (
        f"audioshake: refusing a catalog that removes {removed} of {current} current models "
        "(more than 50%); pass --allow-mass-removal if this is intended"
    )
    assert snapshot(engine) == before
    assert rows(engine, "SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1") == [("failed",)]
    code, raw = cli("runs", "show", str(outcome["run_id"]), "--raw")
    assert (code, json.loads(raw)) == (0, audioshake_payload(*models))


def test_a_75_percent_drop_and_an_empty_list_are_refused_unless_allowed(engine, provider_server):
    code, outcome = sync()
    assert (code, outcome["status"], outcome["model_count"]) == (0, "succeeded", 4)

    refused(engine, provider_server, FOUR[:1], removed=3, current=4)  # a 75 % drop
    refused(engine, provider_server, [], removed=4, current=4)  # an empty list

    provider_server.set_json("audioshake", audioshake_payload(*FOUR[:1]))
    code, outcome = sync("--allow-mass-removal")
    assert code == 0
    assert (outcome["status"], outcome["version"], outcome["removed"]) == ("succeeded", 2, 3)

    refused(engine, provider_server, [], removed=1, current=1)
    provider_server.set_json("audioshake", audioshake_payload())
    code, outcome = sync("--allow-mass-removal")
    assert code == 0
    assert (outcome["status"], outcome["version"], outcome["model_count"]) == ("succeeded", 3, 0)
    assert count(engine, "current_models") == 0
    assert count(engine, "models") == 4  # closed, never deleted


@pytest.mark.parametrize(
    ("fraction", "kept", "allowed"),
    [
        (None, 2, True),  # the default: removing exactly half is not more than half
        (0.2, 2, False),
        (0.8, 1, True),  # 75 % is within 80 %
        (0.7, 1, False),
        (1.0, 0, True),  # even an empty catalog
        (0.0, 3, False),  # any removal at all
    ],
)
def test_the_configured_fraction_sets_the_threshold(
    engine, provider_server, tmp_path, fraction, kept, allowed
):
    config = tmp_path / "catalogsync.toml"
    config.write_text("" if fraction is None else f"[sync]\nmax_removal_fraction = {fraction}\n")
    assert sync()[0] == 0
    provider_server.set_json("audioshake", audioshake_payload(*FOUR[:kept]))
    code, outcome = sync("--config", str(config))
    assert (code == 0) is allowed
    if allowed:
        assert outcome["removed"] == 4 - kept
    else:
        assert (
            f"removes {4 - kept} of 4 current models (more than {fraction:.0%})"
            in (outcome["error"])
        )
