"""The web page's deployment files: each runs `serve`, probes /healthz, and keeps to the
restricted security profile; the image installs the web extra."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "ops" / "kubernetes"


def test_the_kubernetes_deployment_serves_with_a_restricted_security_context():
    text = (KUBERNETES / "web-deployment.yaml").read_text()
    assert re.search(r'command: \["catalogsync", "serve", "--host", "0.0.0.0"', text)
    assert text.count("type: RuntimeDefault") == 2  # the pod's and the container's
    for setting in (
        "runAsNonRoot: true",
        "allowPrivilegeEscalation: false",
        "readOnlyRootFilesystem: true",
        'drop: ["ALL"]',
        "automountServiceAccountToken: false",
    ):
        assert setting in text
    probes = re.findall(r"(readiness|liveness)Probe:\n\s+httpGet:\n\s+path: (\S+)", text)
    assert probes == [("readiness", "/healthz"), ("liveness", "/healthz")]
    assert "CATALOGSYNC_WEB_TOKEN_FILE" in text
    assert "API_KEY" not in text  # the web page needs no provider key


def test_the_service_points_at_the_web_pods():
    text = (KUBERNETES / "web-service.yaml").read_text()
    assert "kind: Service" in text
    assert "app.kubernetes.io/component: web" in text
    assert "targetPort: http" in text


def test_the_systemd_unit_serves_on_loopback():
    text = (ROOT / "ops" / "systemd" / "catalogsync-web.service").read_text()
    assert re.search(r"^ExecStart=\S+/catalogsync serve .*--host 127\.0\.0\.1", text, re.M)
    assert "NoNewPrivileges=yes" in text


def test_the_image_installs_the_web_extra():
    text = (ROOT / "ops" / "docker" / "Dockerfile").read_text()
    assert re.search(r"^RUN pip install .*\[web\]", text, re.M)
