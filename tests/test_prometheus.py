"""The Prometheus side of operations: the alert rules in ``ops/prometheus/`` pass
``promtool check rules`` and their unit tests, ``docs/operations.md`` shows them as they
are, and the metrics the daemon exposes pass ``promtool check metrics`` (the daemon's own
``/metrics`` is checked in ``tests/test_daemon_metrics.py``).

promtool comes with Debian's ``prometheus`` package, which ``.ci/run`` installs: in CI these
tests run, they never skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from catalogsync.metrics import SyncMetrics
from catalogsync.results import SyncOutcome

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "ops" / "prometheus" / "catalogsync-rules.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "catalogsync-rules.test.yml"
DOCS = ROOT / "docs" / "operations.md"


def promtool() -> str:
    """promtool's path; skips where it is missing, except in CI, where that fails."""
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus package")
        pytest.skip("promtool is not installed (apt-get install prometheus; CI never skips)")
    return found


def run_promtool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def check_metrics(exposition: bytes) -> None:
    """``promtool check metrics`` accepts ``exposition``, lint problems included."""
    result = run_promtool("check", "metrics", stdin=exposition)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == result.stderr.strip() == "", result.stdout + result.stderr


def test_the_alert_rules_are_valid():
    result = run_promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 5 rules found" in result.stdout


def test_the_alert_rules_pass_their_unit_tests():
    result = run_promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_fails_its_unit_test(tmp_path):
    """The unit tests can fail: a threshold moved from 3 to 30 hours breaks them."""
    (tmp_path / "catalogsync-rules.yml").write_text(
        RULES.read_text().replace("> 3 * 3600", "> 30 * 3600")
    )
    (tmp_path / "tests.yml").write_text(RULE_TESTS.read_text())
    result = run_promtool("test", "rules", str(tmp_path / "tests.yml"))
    assert result.returncode == 1
    assert "CatalogsyncStale" in result.stdout + result.stderr


def test_the_operations_guide_shows_the_rules_file_as_it_is():
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert RULES.read_text() in blocks


def test_the_metrics_pass_promtools_lint_after_syncs():
    metrics = SyncMetrics(["akool", "litellm"])
    metrics.observe(SyncOutcome(provider="akool", status="succeeded", seconds=0.8))
    metrics.observe(SyncOutcome(provider="akool", status="failed", seconds=31.0))
    metrics.job_failed("litellm")
    exposition = generate_latest(metrics.registry)
    check_metrics(exposition)
    text = exposition.decode()
    assert 'catalogsync_sync_duration_seconds_bucket{le="1.0",provider="akool"} 1.0' in text
    assert 'catalogsync_sync_duration_seconds_bucket{le="60.0",provider="akool"} 2.0' in text
    assert 'catalogsync_sync_duration_seconds_count{provider="litellm"} 0.0' in text


def test_promtool_catches_a_badly_named_counter():
    """The lint can fail: a counter without `_total` is reported."""
    result = run_promtool(
        "check",
        "metrics",
        stdin=b"# HELP syncs Syncs.\n# TYPE syncs counter\nsyncs 1\n",
    )
    assert result.returncode != 0
    assert "_total" in result.stdout + result.stderr
