"""Providers come from the ``catalogsync.providers`` entry points, so third parties can add one."""

from __future__ import annotations

import sys
import textwrap

import pytest

from catalogsync.errors import ConfigError
from catalogsync.providers import default_base_urls, get_provider_class, provider_classes


def test_the_shipped_providers_are_registered():
    assert {
        "audioshake",
        "akool",
        "auriko",
        "litellm",
        "openrouter",
        "modelsdev",
        "openai_compatible",
    } <= set(provider_classes())
    assert default_base_urls()["akool"] == "https://openapi.akool.com"
    assert default_base_urls()["openrouter"] == "https://openrouter.ai"


def test_unknown_provider_names_the_installed_ones():
    with pytest.raises(ConfigError, match=r"installed: akool, audioshake, auriko, .*litellm"):
        get_provider_class("nope")


def test_an_installed_package_adds_a_provider(tmp_path, monkeypatch):
    (tmp_path / "vendor_catalogsync.py").write_text(
        textwrap.dedent(
            """
            from catalogsync.catalog import Catalog

            class VendorProvider:
                name = "vendor"
                default_base_url = "https://api.vendor.example"

                def __init__(self, settings):
                    self.settings = settings

                def fetch(self, client):
                    return b"{}"

                def parse(self, raw):
                    return Catalog("vendor", ())
            """
        )
    )
    dist = tmp_path / "vendor_catalogsync-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vendor-catalogsync\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[catalogsync.providers]\nvendor = vendor_catalogsync:VendorProvider\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    provider_classes.cache_clear()
    try:
        assert get_provider_class("vendor").default_base_url == "https://api.vendor.example"
        assert "vendor" in default_base_urls()
    finally:
        monkeypatch.delitem(sys.modules, "vendor_catalogsync", raising=False)
        provider_classes.cache_clear()
