"""The README's promises: its first two commands, and the demo they run."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from catalogsync.providers import provider_classes

ROOT = Path(__file__).resolve().parent.parent


def _code_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_readme_starts_with_the_demo_and_the_test_command():
    readme = (ROOT / "README.md").read_text()
    first, second = _code_blocks(readme)[:2]
    assert readme.index(first) < 600, "the install-and-run command opens the README"
    assert "python3 -m venv" in first
    assert "catalogsync demo" in first
    assert "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text()
    assert second in ci.splitlines(), ".ci/run calls exactly the README's test command"
    assert "CATALOGSYNC_TEST_POSTGRES_URL" in ci
    assert "alembic check" in ci


def test_demo_runs_as_a_process_and_leaves_a_populated_database(tmp_path):
    script = Path(sys.executable).parent / "catalogsync"

    def demo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), "demo"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    result = demo()
    assert result.returncode == 0, result.stderr
    demoed = set(provider_classes()) - {"openai_compatible"}  # no host to sample: left out
    for word in ("sync", "succeeded", "tables", "current models", *demoed):
        assert word in result.stdout
    database = tmp_path / "catalogsync-demo.db"
    with sqlite3.connect(database) as conn:
        providers = conn.execute(
            "SELECT provider, COUNT(*) FROM current_models GROUP BY provider"
        ).fetchall()
        prices = conn.execute("SELECT COUNT(*) FROM current_prices").fetchone()[0]
    assert {p for p, n in providers if n > 0} == demoed
    assert prices > 0
    # Running it again finds nothing new: the same samples make no new version.
    again = demo()
    assert again.returncode == 0
    assert "unchanged" in again.stdout
