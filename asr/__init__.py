"""Speech recognition with faster-whisper: model resolution (offline first) and transcription.

Public API: :class:`AsrOptions`, :class:`WhisperEngine` (load once, transcribe many calls),
:func:`resolve_model`, :data:`BUNDLED`, :func:`verify_bundled`, :func:`to_simplified`.
"""

from __future__ import annotations

from asr.chinese import to_simplified
from asr.engine import AsrOptions, AsrResult, ChannelWords, WhisperEngine, available_cores, resolve_device
from asr.models import BUNDLED, ResolvedModel, cache_dir, resolve_model, verify_bundled

__all__ = [
    "BUNDLED",
    "AsrOptions",
    "AsrResult",
    "ChannelWords",
    "ResolvedModel",
    "WhisperEngine",
    "available_cores",
    "cache_dir",
    "resolve_device",
    "resolve_model",
    "to_simplified",
    "verify_bundled",
]
