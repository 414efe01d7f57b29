"""Mandarin output in simplified characters, whatever script Whisper chose."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional → simplified; text already simplified (or not Chinese) comes back unchanged."""
    if text.isascii():
        return text
    return str(_converter().convert(text))
