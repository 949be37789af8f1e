"""The deployment files hold up beyond their command lines (those are ``tests/test_ops.py``'s):
the Kubernetes manifests validate against the API's schemas and meet the "restricted" Pod
Security Standard with memory limits above the measured peak, the systemd units pass
``systemd-analyze verify``, every cron line mails its failures and only them, and the
image's constraints pin every runtime dependency.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.processes import process_env, serve_catalogs, write_config

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "ops"
MANIFESTS = sorted((OPS / "kubernetes").glob("*.yaml"))
KUBERNETES_VERSIONS = ("1.29", latest_version())
"""The oldest Kubernetes the manifests target (CronJob timeZone is GA from 1.27) and the newest."""


def documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, doc)
        for path in MANIFESTS
        for doc in yaml.safe_load_all(path.read_text())
        if doc is not None
    ]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    """Every pod template's spec, named by its manifest and kind."""
    found = []
    for path, doc in documents():
        spec = doc.get("spec", {})
        template = {
            "Deployment": lambda s: s["template"],
            "Job": lambda s: s["template"],
            "CronJob": lambda s: s["jobTemplate"]["spec"]["template"],
        }.get(doc["kind"])
        if template is not None:
            found.append((f"{path.name} {doc['kind']}", template(spec)["spec"]))
    return found


def required_tool(name: str, package: str) -> str:
    """The tool's path; skips where it is missing, except in CI (.ci/run installs it)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run installs Debian's {package} package")
        pytest.skip(f"{name} is not installed (apt-get install {package}; CI never skips)")
    return found


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_kubernetes_manifests_validate_against_the_api_schemas(version):
    assert len(documents()) >= 5
    for path, doc in documents():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name} ({doc['kind']}), Kubernetes {version}: {exc}")


def test_the_validation_catches_a_misplaced_field():
    """The check can fail: seccompProfile one level too high is not a pod field."""
    [deployment] = [
        d for p, d in documents() if d["kind"] == "Deployment" and p.name == "deployment.yaml"
    ]
    pod = deployment["spec"]["template"]["spec"]
    pod["seccompProfile"] = pod["securityContext"].pop("seccompProfile")
    with pytest.raises(kubernetes_validate.ValidationError, match="seccompProfile"):
        kubernetes_validate.validate(deployment, latest_version(), strict=True)


@pytest.mark.parametrize(("name", "pod"), pod_specs(), ids=[n for n, _ in pod_specs()])
def test_every_pod_meets_the_restricted_pod_security_standard(name, pod):
    context = pod.get("securityContext", {})
    assert context.get("runAsNonRoot") is True
    assert context.get("runAsUser", 0) != 0
    assert context.get("seccompProfile") == {"type": "RuntimeDefault"}
    assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
    for container in pod["containers"] + pod.get("initContainers", []):
        own = container.get("securityContext", {})
        assert own.get("allowPrivilegeEscalation") is False, container["name"]
        assert own.get("capabilities", {}).get("drop") == ["ALL"], container["name"]
        assert not own.get("capabilities", {}).get("add"), container["name"]
        assert own.get("seccompProfile", {"type": "RuntimeDefault"}) == {"type": "RuntimeDefault"}
        assert not own.get("privileged"), container["name"]
        assert own.get("readOnlyRootFilesystem") is True, container["name"]
        assert container["resources"]["limits"]["memory"], container["name"]


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def measured_peak_mb() -> float:
    """The largest peak RSS of the README's 100,000-model benchmark, in MB."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("At N = 100,000", 1)[1].split("\n\n", 2)[1]
    peaks = [float(mb) for mb in re.findall(r"\| (\d+) MB \|", section)]
    assert len(peaks) >= 6, section
    return max(peaks)


@pytest.mark.parametrize(
    "manifest", ["deployment.yaml", "cronjob.yaml"], ids=["daemon", "one-shot sync"]
)
def test_memory_limits_cover_the_measured_peak_with_headroom(manifest):
    [(name, pod)] = [(n, p) for n, p in pod_specs() if n.startswith(manifest)]
    [container] = pod["containers"]
    limit_mb = mebibytes(container["resources"]["limits"]["memory"]) * 1.048576
    request_mb = mebibytes(container["resources"]["requests"]["memory"]) * 1.048576
    peak = measured_peak_mb()
    assert peak >= 800  # the 809-824 MB the README reports
    assert limit_mb >= 1.2 * peak, f"{name}: limit {limit_mb:.0f} MB, measured peak {peak} MB"
    assert request_mb < limit_mb
    assert "100,000" in (OPS / "kubernetes" / manifest).read_text()  # the comment says where from


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    tool = required_tool("systemd-analyze", "systemd")
    # verify checks that ExecStart's program exists: point it at this checkout's catalogsync.
    installed = str(Path(sys.executable).parent / "catalogsync")
    units = []
    for unit in sorted((OPS / "systemd").iterdir()):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/catalogsync/bin/catalogsync", installed))
        units.append(str(copy))
    result = subprocess.run(
        [tool, "verify", *units], capture_output=True, text=True, timeout=120, check=False
    )
    # Unknown keys and bad values are only warnings (exit 0): any output fails too.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_reports_an_unknown_setting(tmp_path):
    """The check can fail: a misspelt key is reported."""
    tool = required_tool("systemd-analyze", "systemd")
    unit = tmp_path / "catalogsync-sync.timer"
    unit.write_text((OPS / "systemd" / "catalogsync-sync.timer").read_text() + "OnCalender=daily\n")
    result = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert "OnCalender" in result.stderr


def cron_jobs() -> list[str]:
    """The command of every job line of the crontab (not comments or variables)."""
    jobs = []
    for line in (OPS / "cron" / "catalogsync.crontab").read_text().splitlines():
        fields = line.split()
        if fields and not line.startswith("#") and "=" not in fields[0]:
            jobs.append(" ".join(fields[5:]))
    return jobs


def run_cron_job(command: str, log: Path, env: dict[str, str]) -> str:
    """Run ``command`` as cron would (``/bin/sh -c``); return what cron would mail."""
    command = command.replace("/var/log/catalogsync/sync.log", str(log))
    result = subprocess.run(
        ["/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    return result.stdout + result.stderr


def test_every_cron_line_mails_its_failures_and_nothing_else(provider_server, tmp_path):
    text = (OPS / "cron" / "catalogsync.crontab").read_text()
    assert re.search(r"^MAILTO=\S+@\S+$", text, flags=re.M)
    jobs = cron_jobs()
    assert len(jobs) >= 3
    serve_catalogs(provider_server)
    bin_dir = str(Path(sys.executable).parent)
    log = tmp_path / "sync.log"
    good = write_config(tmp_path / "good.toml", f"sqlite:///{tmp_path / 'good.db'}")
    env = process_env(provider_server, PATH=f"{bin_dir}:/usr/bin:/bin")
    env["CATALOGSYNC_CONFIG"] = str(good)
    assert "upgraded" in run_cron_job(f"catalogsync db upgrade --config {good}", log, env)

    # Success: silent, whatever the job (the syncs first, so that status finds them fresh).
    for job in jobs:
        assert run_cron_job(job, log, env) == "", job
    assert "succeeded" in log.read_text() or "unchanged" in log.read_text()

    # Failure (a database never upgraded: exit 2): every job says so.
    bad = write_config(tmp_path / "bad.toml", f"sqlite:///{tmp_path / 'bad.db'}")
    env["CATALOGSYNC_CONFIG"] = str(bad)
    for job in jobs:
        mail = run_cron_job(job, log, env)
        assert mail.strip(), f"{job}: a failure that mails nothing"
        assert "exit 2" in mail or "db upgrade" in mail, mail


def test_the_image_pins_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins: dict[str, str] = {}
    for line in (OPS / "docker" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line}"
            assert version.strip(), f"no version: {line}"
            pins[canonicalize_name(name)] = version.strip()
    # The image installs the web extra too (`catalogsync serve`).
    for dependency in [*project["dependencies"], *project["optional-dependencies"]["web"]]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in ops/docker/constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} is outside pyproject's {requirement.specifier}"
        )
        for extra in requirement.extras:  # psycopg[binary] installs psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in pins, f"{name}[{extra}]"
    dockerfile = (OPS / "docker" / "Dockerfile").read_text()
    assert "COPY ops/docker/constraints.txt" in dockerfile
    assert re.search(
        r'pip install -c \S*constraints\.txt "\$\(echo /wheels/\*\.whl\)\[web\]"', dockerfile
    )
