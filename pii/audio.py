"""Audio redaction: a copy of a recording with a tone or silence over every sensitive word span.

The copy keeps the original's container, codec, sample rate, channel layout and length; only
the samples inside the spans change, on the span's own channel (every channel when the span has
none, e.g. after a downmix). Tags and other container metadata are not copied: an ID3 title can
hold a caller's number as easily as the audio can. The file is written to a temporary name and
renamed, like every other output.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FILLS = ("tone", "silence")
TONE_HZ = 1000.0
TONE_LEVEL = 0.25  # -12 dBFS: unmistakable, not painful
# Whisper's word times can be off by a syllable; a word that leaks at its edge defeats the point.
PAD_S = 0.25

# Decoder names whose encoder is called something else.
_ENCODER = {"mp3float": "libmp3lame", "mp3": "libmp3lame", "opus": "libopus", "aac_fixed": "aac"}
_MUXER = {".wav": "wav", ".mp3": "mp3", ".flac": "flac", ".ogg": "ogg", ".opus": "ogg", ".m4a": "ipod", ".aac": "adts"}


@dataclass(frozen=True)
class AudioRedactOptions:
    fill: str = "tone"
    pad_s: float = PAD_S

    def validate(self) -> None:
        if self.fill not in FILLS:
            raise ValueError(f"fill {self.fill!r} is not one of {', '.join(FILLS)}")
        if not 0 <= self.pad_s <= 2:
            raise ValueError(f"pad_s must be between 0 and 2 seconds, not {self.pad_s}")


Span = tuple[float, float, int | None]  # start s, end s, channel (None: all)


def redact_audio(src: Path, dst: Path, spans: Sequence[Span], options: AudioRedactOptions | None = None) -> Path:
    """Write ``dst`` (the same format as ``src``) with every span covered; returns ``dst``."""
    import av

    options = options or AudioRedactOptions()
    options.validate()
    padded = [(max(0.0, a - options.pad_s), b + options.pad_s, ch) for a, b, ch in spans]
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with av.open(str(src)) as inp:
            stream: Any = next(s for s in inp.streams if s.type == "audio")
            rate, layout = stream.codec_context.sample_rate, stream.codec_context.layout.name
            muxer = _MUXER.get(src.suffix.lower()) or inp.format.name.split(",")[0]
            with av.open(tmp, "w", format=muxer) as out:
                ostream = _output_stream(out, stream, rate, layout)
                to_float = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                done = 0  # samples written so far: the clock, whatever the input's timestamps say
                for frame in inp.decode(stream):
                    for planar in to_float.resample(frame):
                        done = _write(out, ostream, planar, done, rate, layout, padded, options.fill)
                for planar in to_float.resample(None):
                    done = _write(out, ostream, planar, done, rate, layout, padded, options.fill)
                for packet in ostream.encode(None):
                    out.mux(packet)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst


def _output_stream(out: Any, stream: Any, rate: int, layout: str) -> Any:
    name = stream.codec_context.name
    ostream = out.add_stream(_ENCODER.get(name, name), rate=rate, layout=layout)
    if name == "vorbis":
        ostream.codec_context.options = {"strict": "experimental"}  # FFmpeg's own vorbis encoder
    if stream.codec_context.bit_rate and not name.startswith(("pcm_", "flac")):
        ostream.codec_context.bit_rate = stream.codec_context.bit_rate
    return ostream


def _write(
    out: Any, ostream: Any, planar: Any, done: int, rate: int, layout: str, spans: Sequence[Span], fill: str
) -> int:
    import av

    data = planar.to_ndarray().astype(np.float32, copy=True)
    n = data.shape[1]
    t0, t1 = done / rate, (done + n) / rate
    for a, b, channel in spans:
        if b <= t0 or a >= t1:
            continue
        i, j = max(0, math.floor(a * rate) - done), min(n, math.ceil(b * rate) - done)
        rows = range(data.shape[0]) if channel is None or channel >= data.shape[0] else (channel,)
        cover = np.zeros(j - i, np.float32)
        if fill == "tone":
            cover = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * np.arange(done + i, done + j) / rate).astype(np.float32)
        for row in rows:
            data[row, i:j] = cover
    frame = av.AudioFrame.from_ndarray(data, format="fltp", layout=layout)
    frame.sample_rate = rate
    frame.pts = done
    for packet in ostream.encode(frame):
        out.mux(packet)
    return done + n
