"""A two-hour recording streams: memory stays bounded instead of growing with the call."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audiofiles import read_pcm16
from tests.conftest import DEMO, ROOT

pytestmark = pytest.mark.slow


def _write_wav(path: Path, seconds: float, placed_s: dict[float, np.ndarray]) -> None:
    """8 kHz mono telephony WAV, quiet noise with speech dropped in at the given times."""
    rate = 8000
    rng = np.random.default_rng(0)
    placed = {int(t * rate): s for t, s in placed_s.items()}
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        block = 60 * rate
        for start in range(0, int(seconds * rate), block):
            x = rng.normal(0, 30, block)
            for pos, s in placed.items():
                if start <= pos < start + block:
                    n = min(len(s), start + block - pos)
                    x[pos - start : pos - start + n] += s[:n] * 20000
            w.writeframes(np.clip(x, -32768, 32767).astype(np.int16).tobytes())


def _run(path: Path, out: Path) -> tuple[int, dict]:
    cmd = [sys.executable, "-m", "bench.peak_rss", "run", str(path), "--out", str(out), "--model", "tiny.en"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    match = re.search(r"peak_rss_mb=(\d+)", proc.stdout)
    assert match, proc.stderr[-2000:]
    return int(match.group(1)), json.loads((out / "calls" / f"{path.stem}.json").read_text())


def test_two_hour_call_keeps_memory_bounded(tmp_path: Path):
    stereo, rate = read_pcm16(DEMO / "stereo_card_declined.wav")
    assert rate == 8000
    greeting = stereo[: int(7 * rate), 0]  # "Thank you for calling Northwind Bank, …"
    hold = stereo[int(17.5 * rate) : int(20.6 * rate), 0]  # "… may I place you on hold …"
    goodbye = stereo[int(36.6 * rate) : int(40 * rate), 0]  # "Thank you for calling … nice day"
    short, long = tmp_path / "short.wav", tmp_path / "long.wav"
    _write_wav(short, 120.0, {1.0: greeting})
    _write_wav(long, 7200.0, {1.0: greeting, 3600.0: hold, 7100.0: goodbye})

    short_rss, _ = _run(short, tmp_path / "o1")
    long_rss, long_call = _run(long, tmp_path / "o2")
    print(f"\npeak RSS: 2-minute call {short_rss} MB, 2-hour call {long_rss} MB")

    assert long_call["status"] == "ok", long_call["error"]
    assert long_call["audio"]["duration_s"] == pytest.approx(7200.0, abs=0.1)
    # speech was heard at the start, in the middle and at the end, each at its own time
    text_at: dict[int, str] = {}
    for u in long_call["utterances"]:
        text_at[round(u["start"] / 100)] = text_at.get(round(u["start"] / 100), "") + " " + u["text"].lower()
    assert "calling" in text_at[0] and "moment" in text_at[36] and "nice day" in text_at[71]
    # 2 h at 16 kHz is 230 MB as int16, 460 MB as float: holding it would show here
    assert long_rss - short_rss < 150
