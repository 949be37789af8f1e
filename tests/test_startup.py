"""Start-up cost: what an import of a saved payload loads.

Every command pays for its imports, and a cron job runs one every few minutes; the heavy
modules a run does not need stay unloaded: the ORM (the tables are Core), the HTTP stack
(an import fetches nothing), pydantic (the payload takes the fast path) and the reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "providers" / "audioshake" / "docs_example.json"
NOT_NEEDED = (
    "sqlalchemy.orm",
    "httpx",
    "stamina",
    "pydantic",
    "catalogsync.reads.prices",
    "catalogsync.present.prices",
    "catalogsync.present.html",
)

SCRIPT = """
import json, sys
from catalogsync.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in {not_needed!r} if m in sys.modules)]))
"""


def test_an_import_loads_only_what_it_needs(tmp_path):
    url = f"sqlite:///{tmp_path / 'startup.db'}"
    cli = ["--database-url", url, "-q"]
    subprocess.run(
        [sys.executable, "-m", "catalogsync", "db", "upgrade", *cli],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT.format(not_needed=NOT_NEEDED),
            "import",
            "audioshake",
            str(FIXTURE),
            *cli,
            "--format",
            "json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    code, loaded = json.loads(done.stdout.splitlines()[-1])
    assert code == 0
    assert loaded == []
