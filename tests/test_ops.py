"""The deployment files in ``ops/`` and ``docs/operations.md``: every catalogsync command line in
them parses, the example configurations load, and the example documents every setting.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path

import pytest

from catalogsync.cli import build_parser
from catalogsync.config import load_settings
from catalogsync.config_schema import SECTIONS
from catalogsync.providers import build_provider, default_base_urls

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "ops"
DOCS = ROOT / "docs" / "operations.md"
OPERATORS = set("();<>|&")
SKIP_SUFFIXES = {".py"}  # ops/record_fixtures.py is a script, not a deployment file


def ops_files() -> list[Path]:
    files = sorted(p for p in OPS.rglob("*") if p.is_file() and p.suffix not in SKIP_SUFFIXES)
    return [*files, DOCS]


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _segments(tokens: list[str]) -> list[list[str]]:
    """Split a shell line at its operators (``&&``, ``|``, ``>>``...) into simple commands."""
    segments: list[list[str]] = []
    current: list[str] = []
    for token in tokens:
        if set(token) <= OPERATORS:
            segments.append(current)
            current = []
        else:
            current.append(token)
    segments.append(current)
    # `2>&1` leaves a lone "2" (the redirected descriptor) at the end of a segment.
    return [s[:-1] if s and s[-1].isdigit() else s for s in segments if s]


def _catalogsync_args(segment: list[str]) -> list[str] | None:
    """The arguments when ``segment`` runs catalogsync (directly or as ``docker run IMAGE``)."""
    if not segment:
        return None
    if Path(segment[0]).name == "catalogsync":
        return segment[1:]
    if segment[:2] == ["docker", "run"] and "catalogsync" in segment:
        # `docker run [options] catalogsync catalogsync ARGS`: the image, then the command.
        after = segment[len(segment) - segment[::-1].index("catalogsync") :]
        return after or None
    return None


def shell_commands(line: str) -> list[list[str]]:
    return [
        args
        for segment in _segments(_tokens(line))
        if (args := _catalogsync_args(segment)) is not None
    ]


def commands_in(path: Path) -> list[list[str]]:
    """Every catalogsync invocation in ``path``, as the arguments after ``catalogsync``."""
    text = path.read_text()
    found: list[list[str]] = []
    if path.suffix == ".md":
        for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
            for line in block.replace("\\\n", " ").splitlines():
                found += shell_commands(line)
        return found
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # Exec form: CMD ["catalogsync", ...] (Dockerfile), command: [...] (Kubernetes).
        for array in re.findall(r"(?:^CMD|^ENTRYPOINT|command:|args:)\s*(\[.*\])", line):
            words = json.loads(array)
            if words and Path(words[0]).name == "catalogsync":
                found.append(words[1:])
        if path.suffix in (".service", ".timer"):
            key, _, value = line.partition("=")
            if key.startswith("Exec"):
                found += shell_commands(value.lstrip("-@:+!"))
        elif path.suffix == ".crontab" and "=" not in line.split()[0]:
            found += shell_commands(" ".join(line.split()[5:]))
    return found


ALL_COMMANDS = [(path, args) for path in ops_files() for args in commands_in(path)]


@pytest.mark.parametrize(
    ("path", "args"),
    ALL_COMMANDS,
    ids=[f"{p.relative_to(ROOT)}: {' '.join(a)}" for p, a in ALL_COMMANDS],
)
def test_every_command_line_is_a_valid_invocation(path, args):
    parsed = build_parser().parse_args(args)
    assert callable(parsed.handler)


def test_the_files_hold_the_commands_each_deployment_needs():
    by_file: dict[str, set[str]] = {}
    for path, args in ALL_COMMANDS:
        name = str(path.relative_to(ROOT))
        by_file.setdefault(name, set()).add(" ".join(a for a in args[:2] if not a.startswith("-")))
    assert {"daemon", "db upgrade"} <= by_file["ops/systemd/catalogsync-daemon.service"]
    assert {"sync", "db upgrade"} <= by_file["ops/systemd/catalogsync-sync.service"]
    assert {"sync", "status"} <= by_file["ops/cron/catalogsync.crontab"]
    assert by_file["ops/docker/Dockerfile"] == {"daemon"}
    assert by_file["ops/kubernetes/deployment.yaml"] == {"daemon"}
    assert by_file["ops/kubernetes/cronjob.yaml"] == {"sync"}
    assert by_file["ops/kubernetes/migrate-job.yaml"] == {"db upgrade"}
    assert {"daemon", "sync", "status", "db upgrade"} <= by_file["docs/operations.md"]
    assert any("--max-age" in args for _, args in ALL_COMMANDS)
    assert any("--metrics-port" in args for _, args in ALL_COMMANDS)


def test_the_extraction_reads_shell_lines_as_a_shell_would():
    assert shell_commands("catalogsync sync -q >> /var/log/x.log 2>&1 || echo failed") == [
        ["sync", "-q"]
    ]
    assert shell_commands("/opt/catalogsync/bin/catalogsync status --max-age 3h > /dev/null") == [
        ["status", "--max-age", "3h"]
    ]
    assert shell_commands("docker run --rm -e A=1 catalogsync catalogsync db upgrade") == [
        ["db", "upgrade"]
    ]
    assert shell_commands("docker run -d --name catalogsync catalogsync") == []
    assert shell_commands("systemctl enable --now catalogsync-daemon") == []
    assert shell_commands("catalogsync sync akool  # only akool") == [["sync", "akool"]]


def _check_settings(path: Path) -> None:
    settings = load_settings(path, {}, default_base_urls())
    for provider in settings.providers.values():
        build_provider(provider)  # adapter options (Akool's types) are valid


def test_the_example_configuration_loads(tmp_path):
    _check_settings(OPS / "catalogsync.toml")


def test_the_kubernetes_configmap_holds_a_valid_configuration(tmp_path):
    text = (OPS / "kubernetes" / "configmap.yaml").read_text()
    embedded = text.split("catalogsync.toml: |\n", 1)[1]
    lines = [line[4:] for line in embedded.splitlines()]
    path = tmp_path / "catalogsync.toml"
    path.write_text("\n".join(lines) + "\n")
    _check_settings(path)


def test_the_example_configuration_explains_every_setting():
    text = (OPS / "catalogsync.toml").read_text()
    settings = {"types"} | {
        key
        for section in SECTIONS.values()
        for key in [*section.keys, *section.plain]
        # refused in the file: keys, URLs and secrets come from the environment or files
        if key not in {"api_key", "url", "secret"}
    }
    for key in sorted(settings):
        assert re.search(rf"^#? ?{key} = ", text, flags=re.M), f"{key} is not in the example"
    for table in (
        "[database]",
        "[sync]",
        "[http]",
        "[daemon]",
        "[providers.audioshake]",
        "[notify]",
    ):
        assert table in text


@pytest.mark.parametrize("name", ["catalogsync-daemon.service", "catalogsync-sync.service"])
def test_systemd_units_are_well_formed(name):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment, method-assign]
    unit.read(OPS / "systemd" / name)
    assert {"Unit", "Service"} <= set(unit.sections())
    assert unit["Service"]["ExecStart"].startswith("/opt/catalogsync/bin/catalogsync ")
    assert unit["Service"]["User"] == "catalogsync"


def test_the_daemon_stops_within_its_supervisors_grace_periods():
    stop_timeout = load_settings(OPS / "catalogsync.toml", {}, default_base_urls())
    grace = stop_timeout.daemon.stop_timeout_seconds
    service = (OPS / "systemd" / "catalogsync-daemon.service").read_text()
    timeout = re.search(r"TimeoutStopSec=(\d+)", service)
    assert timeout is not None
    assert int(timeout.group(1)) > grace
    deployment = (OPS / "kubernetes" / "deployment.yaml").read_text()
    period = re.search(r"terminationGracePeriodSeconds: (\d+)", deployment)
    assert period is not None
    assert int(period.group(1)) > grace
