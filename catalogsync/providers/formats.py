"""What kind of format a bare name is, for providers that list formats without saying.

AudioShake's ``outputFormats`` is a list of names only; its FAQ names wav/aiff/flac/mp3
audio, mp4 video and json/srt/txt text. Adapters that meet a bare format name ask here.
"""

from __future__ import annotations

_KIND_BY_FORMAT = {
    **dict.fromkeys(("wav", "aiff", "aif", "flac", "mp3", "aac", "m4a", "ogg", "opus"), "audio"),
    **dict.fromkeys(("mp4", "mov", "webm", "mkv", "avi"), "video"),
    **dict.fromkeys(("png", "jpg", "jpeg", "webp", "gif"), "image"),
    **dict.fromkeys(("json", "srt", "txt", "vtt", "csv", "xml", "midi", "mid"), "text"),
}


def infer_format_kind(name: str) -> str:
    """Return the kind of a format known only by its name (``other`` when unknown)."""
    return _KIND_BY_FORMAT.get(name.strip().lower(), "other")
