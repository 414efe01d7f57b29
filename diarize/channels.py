"""Stereo separation: each channel is one speaker, so who spoke when is VAD per channel.

Both channels keep their own speech, overlapping or not; overtalk is what later metrics count.
"""

from __future__ import annotations

import numpy as np

from diarize.options import DiarizeOptions
from diarize.vad import speech_regions
from qa.model import Audio, SpeakerTurn, SpeakerTurns


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


def is_dual_mono(audio: Audio, probe_s: float = 120.0) -> bool:
    """Both channels carry the same signal: a mono recording stored as stereo.

    Some recorders write the mixed call to both channels; treating those as one speaker per
    channel would transcribe every word twice, once for each 'speaker'.
    """
    if audio.pcm.channels != 2:
        return False
    a, b = audio.pcm.read(0, 0.0, probe_s), audio.pcm.read(1, 0.0, probe_s)
    energy = float(np.sum(a * a) + np.sum(b * b))
    if energy == 0.0:
        return True
    return float(np.sum((a - b) ** 2)) / energy < 1e-3
