"""Stereo separation: each channel is one speaker, so who spoke when is VAD per channel.

Both channels keep their own speech, overlapping or not; overtalk is what later metrics count.
"""

from __future__ import annotations

from qa.model import Audio, SpeakerTurn, SpeakerTurns

from diarize.options import DiarizeOptions
from diarize.vad import speech_regions


def speaker_for_channel(channel: int) -> str:
    return f"SPEAKER_{channel:02d}"


def diarize_channels(audio: Audio, options: DiarizeOptions) -> SpeakerTurns:
    regions = [r for ch in range(audio.pcm.channels) for r in speech_regions(audio, ch, options)]
    turns = tuple(
        SpeakerTurn(speaker_for_channel(r.channel), r.start, r.end, r.channel)
        for r in sorted(regions, key=lambda r: (r.start, r.channel))
    )
    speakers = tuple(sorted({t.speaker for t in turns}))
    return SpeakerTurns("channels", turns, speakers, tuple(regions))
