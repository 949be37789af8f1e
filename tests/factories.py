"""Small builders of provider-shaped payloads (as the providers' documented examples)."""

from __future__ import annotations

import copy
from typing import Any


def audioshake_model(
    model_id: str,
    *,
    price: Any = 1,
    audio: tuple[str, ...] = ("wav", "mp3"),
    video: tuple[str, ...] = ("mp4",),
    outputs: tuple[str, ...] = ("wav", "mp3"),
    inputs: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    model: dict[str, Any] = {
        "id": model_id,
        "name": model_id.replace("_", " ").title(),
        "category": "instrumentStemSeparation",
        "description": f"The {model_id} stem.",
        "access": "enabled",
    }
    if price is not None:
        model["creditsPerMinute"] = price
    formats: dict[str, list[str]] = {}
    if audio:
        formats["audio"] = list(audio)
    if video:
        formats["video"] = list(video)
    model["inputs"] = (
        inputs
        if inputs is not None
        else [
            {
                "id": "media",
                "description": "Source audio or video file",
                "required": True,
                "taskFields": ["url", "assetId"],
                "formats": formats,
            }
        ]
    )
    model["outputFormats"] = list(outputs)
    model.update(extra)
    return model


def audioshake_payload(*models: dict[str, Any]) -> dict[str, Any]:
    return {"models": [copy.deepcopy(m) for m in models]}


def akool_model(
    value: str,
    *,
    model_type: int = 1501,
    prices: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    prices = {"720p": 5, "1080p": 10} if prices is None else prices
    sizes = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
    model: dict[str, Any] = {
        "sort": 100,
        "group": "akool",
        "provider": "akool",
        "type": model_type,
        "label": value,
        "value": value,
        "description": f"{value} video generation",
        "resolutionList": [
            {
                "label": res,
                "value": res,
                "width": sizes.get(res, (0, 0))[0],
                "height": sizes.get(res, (0, 0))[1],
                "unit_credit": credit,
            }
            for res, credit in prices.items()
        ],
        "isPro": False,
        "generate_audio": None,
        "durationList": [5, 10],
        "requiresPay": False,
        "supportedLastFrame": False,
        "supportedExtendPrompt": False,
        "maxImageCount": 1,
        "maxCount": 10,
    }
    model.update(extra)
    return model


def akool_payload(*models: dict[str, Any], code: int = 1000, msg: str = "OK") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": [copy.deepcopy(m) for m in models]}


def auriko_model(
    model_id: str, *, providers: dict[str, tuple[Any, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    providers = {"openai": (2.5, 10)} if providers is None else providers
    model: dict[str, Any] = {
        "id": model_id,
        "object": "model",
        "created": 1776656101,
        "owned_by": "auriko",
        "context_window": 128000,
        "supported_endpoints": ["chat_completions", "responses"],
        "providers": [
            {"name": name, "input_price": inp, "output_price": out, "data_policy": "no_training"}
            for name, (inp, out) in providers.items()
        ],
    }
    model.update(extra)
    return model


def auriko_payload(
    *models: dict[str, Any], version: str = "9950bdc087663c7b", age: int = 120
) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [copy.deepcopy(m) for m in models],
        "catalog_version": version,
        "catalog_age_seconds": age,
    }


def openrouter_model(
    model_id: str,
    prompt: str = "0.0000025",
    completion: str = "0.00001",
    *,
    pricing: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One entry of OpenRouter's ``/api/v1/models`` ``data`` (prices are USD per token, as text)."""
    model: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": model_id,
        "name": model_id,
        "created": 1750000000,
        "description": f"{model_id} for tests",
        "context_length": 128000,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {"prompt": prompt, "completion": completion, **(pricing or {})},
        "top_provider": {"context_length": 128000, "max_completion_tokens": None},
        "per_request_limits": None,
        "supported_parameters": ["max_tokens"],
    }
    model.update(extra)
    return model


def openrouter_payload(*models: dict[str, Any]) -> dict[str, Any]:
    return {"data": [copy.deepcopy(m) for m in models]}
