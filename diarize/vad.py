"""Voice activity detection with Silero (the ONNX model that faster-whisper ships)."""

from __future__ import annotations

from diarize.options import DiarizeOptions
from qa.model import Audio, SpeechRegion

_BLOCK_S = 600.0  # run VAD on 10-minute slices so long calls never sit whole in memory


def speech_regions(audio: Audio, channel: int, options: DiarizeOptions) -> list[SpeechRegion]:
    """Speech on one channel, with regions that a slice boundary cut joined back together."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(
        threshold=options.vad_threshold,
        min_silence_duration_ms=options.vad_min_silence_ms,
        speech_pad_ms=options.vad_pad_ms,
        min_speech_duration_ms=options.vad_min_speech_ms,
    )
    sr = audio.pcm.sample_rate
    regions: list[SpeechRegion] = []
    start = 0.0
    while start < audio.duration:
        end = min(start + _BLOCK_S, audio.duration)
        samples = audio.pcm.read(channel, start, end)
        for ts in get_speech_timestamps(samples, vad):
            a, b = start + ts["start"] / sr, start + ts["end"] / sr
            if regions and a - regions[-1].end < options.vad_min_silence_ms / 1000:
                a = regions.pop().start
            regions.append(SpeechRegion(channel, round(a, 3), round(b, 3)))
        start = end
    return regions
