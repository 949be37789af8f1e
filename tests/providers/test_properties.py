"""Property-based tests of the adapters (hypothesis).

Any valid payload round-trips into the canonical model: ids, prices (exact), formats and
unknown fields all arrive. Any mangled payload, whether a value replaced by arbitrary JSON,
a key dropped, or the bytes cut or corrupted, gives the project's payload error (or Akool's
provider error), never another exception.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogsync.codec import normalize_json
from catalogsync.config import ProviderSettings
from catalogsync.errors import PayloadError, PermanentProviderError
from catalogsync.present.output import dumps_json
from catalogsync.providers.akool import AkoolProvider
from catalogsync.providers.audioshake import AudioShakeProvider
from catalogsync.providers.auriko import AurikoProvider

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a provider may send: anything but NUL and lone surrogates, which are refused
# (tests/test_bad_payloads.py), as no database can store them alike.
text = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
ids = st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=12)
amounts = st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=6)
format_names = st.sampled_from(
    ["wav", "mp3", "flac", "aiff", "mp4", "mov", "json", "srt", "txt", "xyz"]
)
json_scalars = (
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(text, max_size=8) | amounts
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(text, max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
extra_keys = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8).map(
    lambda k: f"x_{k}"
)
extras = st.dictionaries(extra_keys, json_values, max_size=2)


def _settings(name: str) -> ProviderSettings:
    return ProviderSettings(name=name, base_url="https://example.test")


@st.composite
def audioshake_payloads(draw: st.DrawFn) -> dict[str, Any]:
    model_ids = draw(st.lists(ids, min_size=0, max_size=5, unique=True))
    models = []
    for model_id in model_ids:
        model: dict[str, Any] = {"id": model_id, "name": draw(st.text(text, max_size=10))}
        if draw(st.booleans()):
            model["creditsPerMinute"] = draw(amounts)
        formats = draw(
            st.dictionaries(
                st.sampled_from(["audio", "video", "text"]),
                st.lists(format_names, min_size=1, max_size=4),
                max_size=2,
            )
        )
        model["inputs"] = [{"id": "media", "formats": formats}] if draw(st.booleans()) else []
        model["outputFormats"] = draw(st.lists(format_names, max_size=4))
        model.update(draw(extras))
        models.append(model)
    return {"models": models}


@st.composite
def akool_payloads(draw: st.DrawFn) -> dict[str, Any]:
    values = draw(st.lists(ids, min_size=0, max_size=5, unique=True))
    data = []
    for value in values:
        resolutions = draw(
            st.lists(st.sampled_from(["480p", "720p", "1080p", "4k"]), max_size=4, unique=True)
        )
        item = {
            "type": draw(st.sampled_from([1501, 1502, 2101])),
            "value": value,
            "label": draw(st.text(text, max_size=10)),
            "resolutionList": [
                {"value": r, "label": r, "unit_credit": draw(amounts)} for r in resolutions
            ],
        }
        item.update(draw(extras))
        data.append(item)
    return {"code": 1000, "msg": "OK", "data": data}


@st.composite
def auriko_payloads(draw: st.DrawFn) -> dict[str, Any]:
    model_ids = draw(st.lists(ids, min_size=0, max_size=5, unique=True))
    data = []
    for model_id in model_ids:
        upstreams = draw(
            st.lists(
                st.sampled_from(["openai", "azure", "anthropic", "google"]), max_size=3, unique=True
            )
        )
        item: dict[str, Any] = {
            "id": model_id,
            "object": "model",
            "providers": [
                {"name": u, "input_price": draw(amounts), "output_price": draw(amounts)}
                for u in upstreams
            ],
        }
        item.update(draw(extras))
        data.append(item)
    return {
        "object": "list",
        "data": data,
        "catalog_version": draw(st.text(text, min_size=1, max_size=8)),
    }


def _raw(payload: Any) -> bytes:
    return dumps_json(payload).encode()


@SETTINGS
@given(audioshake_payloads())
def test_audioshake_valid_payloads_round_trip(payload):
    catalog = AudioShakeProvider(_settings("audioshake")).parse(_raw(payload))
    models = catalog.by_id()
    assert set(models) == {m["id"] for m in payload["models"]}
    for source in payload["models"]:
        model = models[source["id"]]
        expected = [Decimal(source["creditsPerMinute"])] if "creditsPerMinute" in source else []
        assert [p.amount for p in model.prices] == expected
        assert {f.name for f in model.output_formats} == set(source["outputFormats"])
        for key, value in source.items():
            if key.startswith("x_"):
                assert model.attributes[key] == normalize_json(value)


@SETTINGS
@given(akool_payloads())
def test_akool_valid_payloads_round_trip(payload):
    catalog = AkoolProvider(_settings("akool")).parse(_raw(payload))
    models = catalog.by_id()
    assert set(models) == {item["value"] for item in payload["data"]}
    for item in payload["data"]:
        prices = {p.variant: p.amount for p in models[item["value"]].prices}
        assert prices == {r["value"]: Decimal(r["unit_credit"]) for r in item["resolutionList"]}


@SETTINGS
@given(auriko_payloads())
def test_auriko_valid_payloads_round_trip(payload):
    catalog = AurikoProvider(_settings("auriko")).parse(_raw(payload))
    assert catalog.upstream_version == payload["catalog_version"]
    models = catalog.by_id()
    assert set(models) == {item["id"] for item in payload["data"]}
    for item in payload["data"]:
        prices = {(p.price_type, p.variant): p.amount for p in models[item["id"]].prices}
        expected = {}
        for entry in item["providers"]:
            expected[("input_tokens", entry["name"])] = Decimal(entry["input_price"])
            expected[("output_tokens", entry["name"])] = Decimal(entry["output_price"])
        assert prices == expected


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@st.composite
def mangled(draw: st.DrawFn, payloads: st.SearchStrategy) -> bytes:
    payload = draw(payloads)
    how = draw(st.sampled_from(["replace", "drop", "cut", "corrupt"]))
    if how in ("replace", "drop"):
        path = draw(st.sampled_from(_paths(payload)))
        if not path:
            return _raw(draw(json_values))
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if how == "drop":
            parent.pop(path[-1])
        else:
            parent[path[-1]] = draw(json_values)
        return _raw(payload)
    raw = _raw(payload)
    position = draw(st.integers(0, max(0, len(raw) - 1)))
    if how == "cut":
        return raw[:position]
    return raw[:position] + draw(st.binary(min_size=1, max_size=3)) + raw[position + 1 :]


def _parses_or_fails_cleanly(provider: Any, raw: bytes) -> None:
    try:
        provider.parse(raw)
    except (PayloadError, PermanentProviderError) as exc:
        assert str(exc).startswith(provider.name)  # noqa: PT017 - either outcome is fine here


@SETTINGS
@given(mangled(audioshake_payloads()))
def test_audioshake_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(AudioShakeProvider(_settings("audioshake")), raw)


@SETTINGS
@given(mangled(akool_payloads()))
def test_akool_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(AkoolProvider(_settings("akool")), raw)


@SETTINGS
@given(mangled(auriko_payloads()))
def test_auriko_mangled_payloads_fail_cleanly(raw):
    _parses_or_fails_cleanly(AurikoProvider(_settings("auriko")), raw)
