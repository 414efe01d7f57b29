"""Audio intake: every format and rate we promise, and every way a file can be bad."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from qa.audio import DecodeOptions, FilePcm, MemoryPcm, load_audio
from qa.errors import CallqaError
from tests.audiofiles import tone, write_audio
from tests.nocaps import run_without_file_override

FORMATS = [".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus"]


# Opus has no 44.1 kHz mode, and mono .ogg is written as Opus: those files cannot exist.
CASES = [
    (ext, rate, ch)
    for ext in FORMATS
    for rate in (8000, 16000, 44100, 48000)
    for ch in (1, 2)
    if not (rate == 44100 and (ext == ".opus" or (ext == ".ogg" and ch == 1)))
]


@pytest.mark.parametrize(("ext", "rate", "channels"), CASES)
def test_decodes_every_format_rate_and_layout(tmp_path: Path, ext: str, rate: int, channels: int):
    path = write_audio(tmp_path / f"call{ext}", tone(3.0, rate, channels), rate)
    audio = load_audio(path)
    assert audio.pcm.channels == channels
    assert audio.pcm.sample_rate == 16000
    assert audio.info.channels == channels
    assert audio.duration == pytest.approx(3.0, abs=0.1)  # lossy codecs add a frame of padding
    assert audio.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    x = audio.pcm.read(0, 1.0, 2.0)
    assert len(x) == 16000
    # the 440 Hz tone survives resampling: its spectral peak is where it should be
    peak = np.argmax(np.abs(np.fft.rfft(x))) * 16000 / len(x)
    assert peak == pytest.approx(440, abs=5)


def test_stereo_channels_stay_apart(tmp_path: Path):
    left, right = tone(2.0, 8000, 1, 300.0)[:, 0], tone(2.0, 8000, 1, 1000.0)[:, 0]
    path = write_audio(tmp_path / "st.wav", np.stack([left, right], axis=1), 8000)
    audio = load_audio(path)
    for ch, freq in ((0, 300), (1, 1000)):
        x = audio.pcm.read(ch)
        assert np.argmax(np.abs(np.fft.rfft(x))) * 16000 / len(x) == pytest.approx(freq, abs=5)


def test_long_audio_spills_to_disk_with_the_same_samples(tmp_path: Path):
    path = write_audio(tmp_path / "a.flac", tone(5.0, 8000, 2), 8000)
    in_memory = load_audio(path)
    spilled = load_audio(path, DecodeOptions(spill_after_s=1.0))
    assert isinstance(in_memory.pcm, MemoryPcm)
    assert isinstance(spilled.pcm, FilePcm)
    for ch in (0, 1):
        np.testing.assert_array_equal(in_memory.pcm.read(ch, 0.5, 4.5), spilled.pcm.read(ch, 0.5, 4.5))
    assert spilled.pcm.read(0, 4.9, 99).shape == (round((spilled.duration - 4.9) * 16000),)


def test_wrong_extension_is_decoded_by_content(tmp_path: Path):
    path = write_audio(tmp_path / "really_mp3.wav", tone(2.0, 16000), 16000, fmt=".mp3")
    assert load_audio(path).info.codec.startswith("mp3")


def test_unicode_and_spaces_in_the_name(tmp_path: Path):
    path = write_audio(tmp_path / "客户 来电 #1 (copy).wav", tone(1.0, 8000), 8000)
    assert load_audio(path).duration == pytest.approx(1.0, abs=0.01)


def _error(path: Path) -> CallqaError:
    with pytest.raises(CallqaError) as e:
        load_audio(path)
    assert path.name in e.value.message or e.value.code == "input.not_found"
    return e.value


def test_empty_file(tmp_path: Path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    assert _error(p).code == "audio.empty"


def test_not_audio(tmp_path: Path):
    p = tmp_path / "notes.wav"
    p.write_text("this is a text file\n" * 50)
    assert _error(p).code == "audio.not_audio"


@pytest.mark.parametrize("ext", [".wav", ".mp3", ".flac"])
def test_truncated_file(tmp_path: Path, ext: str):
    full = write_audio(tmp_path / f"full{ext}", tone(20.0, 16000, 2), 16000).read_bytes()
    p = tmp_path / f"cut{ext}"
    p.write_bytes(full[: len(full) // 2])
    assert _error(p).code == "audio.truncated"


def test_below_8khz_is_refused(tmp_path: Path):
    import wave

    p = tmp_path / "low.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(4000)
        w.writeframes(np.zeros(4000, np.int16).tobytes())
    assert _error(p).code == "audio.sample_rate"


def test_missing_file(tmp_path: Path):
    assert _error(tmp_path / "gone.wav").code == "input.not_found"


def test_a_folder_is_not_a_file(tmp_path: Path):
    (tmp_path / "dir.wav").mkdir()
    assert _error(tmp_path / "dir.wav").code == "input.unreadable"


def test_unreadable_file(tmp_path: Path):
    p = write_audio(tmp_path / "locked.wav", tone(1.0, 8000), 8000)
    p.chmod(0)
    code = (
        "import sys\nfrom pathlib import Path\nfrom qa.audio import load_audio\nfrom qa.errors import CallqaError\n"
        "try:\n    load_audio(Path(sys.argv[1]))\n    print('no error')\nexcept CallqaError as e:\n    print(e.code)\n"
    )
    assert run_without_file_override(code, str(p)) == "input.unreadable"
