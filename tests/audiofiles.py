"""Making test recordings in any container and codec with PyAV (no system FFmpeg needed)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# extension → (container format, codec, sample format the encoder takes)
FORMATS: dict[str, tuple[str, str, str]] = {
    ".wav": ("wav", "pcm_s16le", "s16"),
    ".flac": ("flac", "flac", "s16"),
    ".mp3": ("mp3", "libmp3lame", "s16p"),
    ".ogg": ("ogg", "vorbis", "fltp"),
    ".m4a": ("ipod", "aac", "fltp"),
    ".opus": ("ogg", "libopus", "s16"),
}
# Opus only runs at these rates; the encoder's input is resampled to the nearest one.
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


def write_audio(path: Path, samples: np.ndarray, rate: int, fmt: str | None = None) -> Path:
    """Write ``samples`` (frames × channels float in [-1, 1], or 1-D) as the file ``path``.

    ``fmt`` overrides the extension's format, to make a file whose name lies about it.
    """
    if samples.ndim == 1:
        samples = samples[:, None]
    container_fmt, codec, sample_fmt = FORMATS[fmt or path.suffix.lower()]
    if codec == "vorbis" and samples.shape[1] != 2:
        container_fmt, codec, sample_fmt = FORMATS[".opus"]  # FFmpeg's Vorbis encoder is stereo-only
    if codec == "libopus" and rate not in _OPUS_RATES:
        raise ValueError(f"opus needs one of {_OPUS_RATES} Hz")
    layout = "mono" if samples.shape[1] == 1 else "stereo"
    with av.open(str(path), "w", format=container_fmt) as out:
        # FFmpeg's own Vorbis encoder is marked experimental; it is fine for test files.
        options = {"strict": "experimental"} if codec == "vorbis" else {}
        stream = out.add_stream(codec, rate=rate, layout=layout, options=options)
        stream.time_base = Fraction(1, rate)
        frame_size = stream.codec_context.frame_size or 1024
        pts = 0
        for i in range(0, len(samples), frame_size):
            block = samples[i : i + frame_size]
            if len(block) < frame_size and codec in ("aac", "libopus", "vorbis", "libmp3lame"):
                block = np.pad(block, ((0, frame_size - len(block)), (0, 0)))  # these take whole frames only
            if sample_fmt == "s16":
                data = (np.clip(block, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            elif sample_fmt == "s16p":
                data = np.ascontiguousarray((np.clip(block, -1, 1) * 32767).astype(np.int16).T)
            else:
                data = np.ascontiguousarray(block.astype(np.float32).T)
            frame = av.AudioFrame.from_ndarray(data, format=sample_fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            pts += frame.samples
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def read_pcm16(path: Path) -> tuple[np.ndarray, int]:
    """Decode any file back to float frames × channels at its own rate (for building variants)."""
    with av.open(str(path)) as f:
        stream = f.streams.audio[0]
        rs = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
        blocks = [o.to_ndarray() for fr in f.decode(stream) for o in rs.resample(fr)]
        return np.concatenate(blocks, axis=1).T, stream.rate


def tone(seconds: float, rate: int, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * freq * t)
    return np.stack([x * (0.5 + 0.5 * c) for c in range(channels)], axis=1).astype(np.float32)
