"""Speaker separation: who spoke when, and which speaker is the agent.

Public API: :func:`diarize` (audio → :class:`~qa.model.SpeakerTurns`),
:func:`utterances_from_words` (ASR words + turns → utterances), :func:`assign_roles`, and the
options dataclasses. Methods: ``channels`` (stereo, one speaker per channel), ``embedded``
(mono, fully offline), ``pyannote`` (a pyannote.audio pipeline the user provides).
"""

from __future__ import annotations

from diarize.attribute import join_words, utterances_from_words
from diarize.options import METHODS, DiarizeOptions
from diarize.roles import RoleOptions, assign_roles, parse_channel_map
from diarize.rttm import to_rttm
from qa.model import Audio, SpeakerTurns

__all__ = [
    "METHODS",
    "DiarizeOptions",
    "RoleOptions",
    "assign_roles",
    "diarize",
    "join_words",
    "method_for",
    "parse_channel_map",
    "to_rttm",
    "utterances_from_words",
]


def method_for(audio: Audio, options: DiarizeOptions) -> str:
    """``auto``: channels for true stereo; embedded for mono and for stereo whose channels match."""
    from diarize.channels import is_dual_mono

    if options.method != "auto":
        return options.method
    return "channels" if audio.pcm.channels > 1 and not is_dual_mono(audio) else "embedded"


def diarize(audio: Audio, options: DiarizeOptions) -> SpeakerTurns:
    """Who spoke when. Stereo defaults to channels, mono to the embedded diarizer."""
    options.validate()
    method = method_for(audio, options)
    if method == "channels":
        from diarize.channels import diarize_channels

        return diarize_channels(audio, options)
    if method == "embedded":
        from diarize.embedded import diarize_embedded

        return diarize_embedded(audio, options)
    from diarize.pyannote_backend import diarize_pyannote

    return diarize_pyannote(audio, options)
