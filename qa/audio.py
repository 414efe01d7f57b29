"""Audio intake: decode any common format with PyAV, resample to 16 kHz, keep the channels.

Decoding streams frame by frame. Short calls stay in memory as int16; once a call passes
``spill_after_s`` of audio its samples go to a temporary file and are read back a slice at a
time, so a two-hour recording costs the same memory as a short one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from qa.errors import CallqaError
from qa.model import Audio, AudioInfo, Pcm, Source

log = logging.getLogger("callqa.audio")

SAMPLE_RATE = 16_000
MIN_SOURCE_RATE = 8_000
# A decoded length this much shorter than the container's own claim means the file was cut off.
_TRUNCATION_TOLERANCE_S = 0.5


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class MemoryPcm:
    """All samples in memory, int16 interleaved (frames × channels)."""

    sample_rate = SAMPLE_RATE

    def __init__(self, samples: np.ndarray) -> None:
        self._samples = samples
        self.frames, self.channels = samples.shape

    def read(self, channel: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        a, b = _span(self.frames, start, end)
        return self._samples[a:b, channel].astype(np.float32) / 32768.0


class FilePcm:
    """Samples in a temporary file, int16 interleaved; reads seek, never map the whole file."""

    sample_rate = SAMPLE_RATE

    def __init__(self, file: BinaryIO, frames: int, channels: int) -> None:
        self._file = file
        self.frames = frames
        self.channels = channels

    def read(self, channel: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        a, b = _span(self.frames, start, end)
        self._file.seek(a * self.channels * 2)
        raw = self._file.read((b - a) * self.channels * 2)
        block = np.frombuffer(raw, dtype=np.int16).reshape(-1, self.channels)
        return block[:, channel].astype(np.float32) / 32768.0

    def close(self) -> None:
        self._file.close()


def _span(frames: int, start: float, end: float | None) -> tuple[int, int]:
    a = min(max(0, round(start * SAMPLE_RATE)), frames)
    b = frames if end is None else min(max(a, round(end * SAMPLE_RATE)), frames)
    return a, b


class _Sink:
    """Collects resampled blocks, moving to a temp file once the call grows long."""

    def __init__(self, channels: int, spill_after_s: float) -> None:
        self.channels = channels
        self.frames = 0
        self._blocks: list[np.ndarray] = []
        self._limit = int(spill_after_s * SAMPLE_RATE)
        self._file: Any = None

    def add(self, block: np.ndarray) -> None:
        pcm16 = np.clip(block * 32768.0, -32768, 32767).astype(np.int16)
        self.frames += len(pcm16)
        if self._file is not None:
            self._file.write(pcm16.tobytes())
            return
        self._blocks.append(pcm16)
        if self.frames > self._limit:
            self._file = tempfile.TemporaryFile(prefix="callqa-pcm-")  # noqa: SIM115 (FilePcm owns it)
            for b in self._blocks:
                self._file.write(b.tobytes())
            self._blocks = []

    def finish(self) -> MemoryPcm | FilePcm:
        if self._file is not None:
            self._file.flush()
            return FilePcm(self._file, self.frames, self.channels)
        if self._blocks:
            return MemoryPcm(np.concatenate(self._blocks))
        return MemoryPcm(np.zeros((0, self.channels), dtype=np.int16))


@dataclass(frozen=True)
class DecodeOptions:
    spill_after_s: float = 1800.0


def load_audio(path: Path, options: DecodeOptions | None = None) -> Audio:
    """Decode ``path`` into an :class:`Audio`, or raise :class:`CallqaError` saying why not."""
    import av  # heavy: only when audio is really decoded

    options = options or DecodeOptions()
    _check_readable(path)
    if path.stat().st_size == 0:
        raise CallqaError("audio.empty", f"{path.name}: the file is empty (0 bytes)")
    source = Source(str(path), sha256_of(path))
    try:
        container = av.open(str(path))
    except (av.error.InvalidDataError, UnicodeDecodeError) as e:
        raise CallqaError(
            "audio.not_audio",
            f"{path.name}: not a recognised audio file, or its header is damaged ({type(e).__name__})",
        ) from e
    except av.error.FFmpegError as e:
        raise CallqaError("audio.decode", f"{path.name}: cannot open ({e.strerror or type(e).__name__})") from e
    with container:
        if not container.streams.audio:
            raise CallqaError("audio.not_audio", f"{path.name}: the file has no audio stream")
        stream = container.streams.audio[0]
        rate, channels = int(stream.rate or 0), int(stream.channels or 0)
        if rate < MIN_SOURCE_RATE:
            raise CallqaError("audio.sample_rate", f"{path.name}: sample rate {rate} Hz is below {MIN_SOURCE_RATE} Hz")
        declared = _declared_duration(container, stream)
        if container.format.name == "wav":
            declared = _wav_declared_duration(path) or declared
        sink = _Sink(channels, options.spill_after_s)
        _decode_into(container, stream, sink, path.name)
    pcm = sink.finish()
    decoded = pcm.frames / SAMPLE_RATE
    if pcm.frames == 0:
        raise CallqaError("audio.decode", f"{path.name}: no audio could be decoded")
    if declared is not None and declared - decoded > max(_TRUNCATION_TOLERANCE_S, 0.02 * declared):
        raise CallqaError(
            "audio.truncated",
            f"{path.name}: decoded {decoded:.1f} s of the {declared:.1f} s the file declares; the file is cut off",
        )
    info = AudioInfo(duration_s=decoded, sample_rate=rate, channels=channels, codec=stream.codec_context.name)
    log.debug("decoded %s: %.1f s, %d Hz, %d ch", path.name, decoded, rate, channels)
    return Audio(source=source, info=info, pcm=pcm)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise CallqaError("input.not_found", f"{path.name}: no such file")
    if not path.is_file():
        raise CallqaError("input.unreadable", f"{path.name}: not a regular file")
    if not os.access(path, os.R_OK):
        raise CallqaError("input.unreadable", f"{path.name}: permission denied")
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as e:
        raise CallqaError("input.unreadable", f"{path.name}: cannot be read ({e.strerror})") from e


def _declared_duration(container: Any, stream: Any) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _wav_declared_duration(path: Path) -> float | None:
    """What a WAV header claims, which FFmpeg does not check against the file's real size."""
    import struct

    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and pos + 20 <= len(head):
            byte_rate = struct.unpack("<I", head[pos + 16 : pos + 20])[0]
        if chunk == b"data":
            # 0 and 0xFFFFFFFF mean "unknown": streaming recorders write them before the size is known.
            if not byte_rate or size in (0, 0xFFFFFFFF):
                return None
            return size / byte_rate
        pos += 8 + size + (size & 1)
    return None


def _decode_into(container: Any, stream: Any, sink: _Sink, name: str) -> None:
    import av

    layout = "mono" if sink.channels == 1 else ("stereo" if sink.channels == 2 else None)
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                sink.add(out.to_ndarray().T)
        for out in resampler.resample(None):
            sink.add(out.to_ndarray().T)
    except av.error.FFmpegError as e:
        if sink.frames == 0:
            raise CallqaError("audio.not_audio", f"{name}: not decodable as audio ({type(e).__name__})") from e
        raise CallqaError(
            "audio.truncated", f"{name}: decoding stopped after {sink.frames / SAMPLE_RATE:.1f} s (corrupt or cut off)"
        ) from e


class DownmixPcm:
    """One channel that is the mean of all of another Pcm's channels."""

    sample_rate = SAMPLE_RATE
    channels = 1

    def __init__(self, pcm: Pcm) -> None:
        self._pcm = pcm
        self.frames = pcm.frames

    def read(self, channel: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        parts = [self._pcm.read(c, start, end) for c in range(self._pcm.channels)]
        return np.mean(parts, axis=0).astype(np.float32)


def as_mono(audio: Audio) -> Audio:
    """The same recording with its channels mixed, for diarizers that take one signal."""
    if audio.pcm.channels == 1:
        return audio
    return Audio(audio.source, audio.info, DownmixPcm(audio.pcm))
