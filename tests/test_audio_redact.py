"""Audio redaction: same container, codec, rate, channels and length; a tone or silence exactly where asked."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from pii.audio import TONE_HZ, AudioRedactOptions, redact_audio
from tests.audiofiles import read_pcm16, write_audio

RATE = 8000


def _speechlike(seconds: float, channels: int, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rows = [
        0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) for c in range(channels)
    ]
    return np.stack(rows, axis=1)


def _read(path: Path) -> tuple[str, str, int, np.ndarray]:
    """Container, codec, rate, and the samples as channels × frames."""
    with av.open(str(path)) as c:
        fmt, codec = c.format.name, c.streams.audio[0].codec_context.name
    samples, rate = read_pcm16(path)
    return fmt, codec, rate, samples.T


def _tone_share(x: np.ndarray, rate: int) -> float:
    """How much of the energy in ``x`` sits at the tone's frequency."""
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    near = np.abs(freqs - TONE_HZ) < 30
    return float(spectrum[near].sum() / max(spectrum.sum(), 1e-12))


@pytest.mark.parametrize(
    ("ext", "rate"), [(".wav", 8000), (".flac", 16000), (".mp3", 8000), (".ogg", 16000), (".m4a", 16000)]
)
def test_format_and_length_are_kept(tmp_path: Path, ext: str, rate: int):
    src = write_audio(tmp_path / f"call{ext}", _speechlike(6.0, 2, rate), rate)
    dst = redact_audio(src, tmp_path / "out" / f"call{ext}", [(2.0, 3.0, 0)])
    fmt0, codec0, rate0, before = _read(src)
    fmt1, codec1, rate1, after = _read(dst)
    assert (fmt1, codec1, rate1) == (fmt0, codec0, rate0)
    assert after.shape[0] == before.shape[0] == 2
    assert abs(after.shape[1] - before.shape[1]) <= (0 if ext in (".wav", ".flac") else rate0 // 20)
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_tone_covers_the_span_on_its_own_channel_only(tmp_path: Path):
    src = write_audio(tmp_path / "call.wav", _speechlike(6.0, 2), RATE)
    dst = redact_audio(src, tmp_path / "out.wav", [(2.0, 3.0, 0)], AudioRedactOptions(pad_s=0.25))
    _, _, _, before = _read(src)
    _, _, _, after = _read(dst)
    inside = slice(int(1.8 * RATE), int(3.2 * RATE))
    assert _tone_share(after[0, inside], RATE) > 0.95
    assert _tone_share(before[0, inside], RATE) < 0.01
    np.testing.assert_allclose(after[1], before[1], atol=1 / 32768)  # the other channel is untouched
    outside = np.r_[0 : int(1.7 * RATE), int(3.3 * RATE) : before.shape[1]]
    np.testing.assert_allclose(after[0, outside], before[0, outside], atol=1 / 32768)


def test_silence_fill_and_all_channels(tmp_path: Path):
    src = write_audio(tmp_path / "call.flac", _speechlike(5.0, 2), RATE)
    dst = redact_audio(src, tmp_path / "out.flac", [(1.0, 2.0, None)], AudioRedactOptions(fill="silence", pad_s=0.0))
    _, _, _, after = _read(dst)
    assert np.abs(after[:, int(1.0 * RATE) : int(2.0 * RATE)]).max() == 0.0
    assert np.abs(after[:, int(2.1 * RATE) : int(2.5 * RATE)]).max() > 0.1


def test_container_tags_are_not_copied(tmp_path: Path):
    src = write_audio(tmp_path / "call.mp3", _speechlike(3.0, 1), RATE)
    tagged = tmp_path / "tagged.mp3"
    with av.open(str(src)) as inp, av.open(str(tagged), "w") as out:
        out.metadata["title"] = "caller 13812345678"
        stream = out.add_stream_from_template(inp.streams.audio[0])
        for packet in inp.demux(inp.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with av.open(str(tagged)) as c:
        assert "13812345678" in c.metadata.get("title", "")
    dst = redact_audio(tagged, tmp_path / "out.mp3", [])
    with av.open(str(dst)) as c:
        assert "13812345678" not in str(c.metadata)
    assert b"13812345678" not in dst.read_bytes()


def test_options_are_validated():
    with pytest.raises(ValueError, match="tone, silence"):
        AudioRedactOptions(fill="beep").validate()
    with pytest.raises(ValueError, match="pad_s"):
        AudioRedactOptions(pad_s=-1).validate()
