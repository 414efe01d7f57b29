"""Packing speech regions for batched Whisper, and mapping word times back."""

from __future__ import annotations

from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pytest

from asr.engine import WINDOW_S, _blocks, _pack, _pieces
from qa.audio import MemoryPcm
from qa.model import Audio, AudioInfo, Source, SpeechRegion


def _audio(seconds: float, channels: int = 2) -> Audio:
    # each channel holds its own time ramp, so a sample tells where it came from
    n = int(seconds * 16000)
    ramp = (np.arange(n) % 32000).astype(np.int16)
    samples = np.stack([ramp + c for c in range(channels)], axis=1).astype(np.int16)
    return Audio(Source("x", None), AudioInfo(seconds, 16000, channels), MemoryPcm(samples))


def test_long_regions_are_cut_to_whisper_windows():
    pieces = _pieces([SpeechRegion(0, 0.0, 70.0)])
    assert [round(p.duration, 2) for p in pieces] == [29.5, 29.5, 11.0]
    assert pieces[0].end == pieces[1].start


def test_pieces_are_ordered_by_channel_then_time():
    pieces = _pieces([SpeechRegion(1, 0.0, 1.0), SpeechRegion(0, 5.0, 6.0), SpeechRegion(0, 1.0, 2.0)])
    assert [(p.channel, p.start) for p in pieces] == [(0, 1.0), (0, 5.0), (1, 0.0)]


def test_blocks_bound_the_speech_held_in_memory():
    pieces = [SpeechRegion(0, i * 10.0, i * 10.0 + 8.0) for i in range(20)]
    blocks = _blocks(pieces, max_block_s=50.0)
    assert all(sum(p.duration for p in b) <= 50.0 for b in blocks)
    assert sum(len(b) for b in blocks) == 20


def test_windows_never_exceed_30_s_and_words_map_back():
    audio = _audio(120.0)
    regions = [SpeechRegion(0, 2.0, 14.0), SpeechRegion(0, 40.0, 60.0), SpeechRegion(1, 10.0, 25.0)]
    packed = _pack(audio, _pieces(regions))
    assert all(b - a <= WINDOW_S + 1e-6 for a, b in packed.windows)
    assert packed.windows[0][0] == 0.0
    # windows tile the packed audio without gaps
    assert all(a2 == pytest.approx(b1) for (_, b1), (a2, _) in pairwise(packed.windows))
    # a word 1 s into the second region of channel 0 lands at 41 s on channel 0
    second = packed.starts[1]
    ch, word = packed.to_original(
        SimpleNamespace(start=second + 1.0, end=second + 1.5, word=" hello", probability=0.9), simplified=False
    )
    assert (ch, word.start, word.end, word.text) == (0, 41.0, 41.5, "hello")
    # the third piece is channel 1, starting at 10 s
    third = packed.starts[2]
    ch, word = packed.to_original(
        SimpleNamespace(start=third + 0.25, end=third + 0.5, word="你", probability=0.9), simplified=True
    )
    assert (ch, word.start) == (1, 10.25)


def test_packed_samples_come_from_the_right_channel_and_time():
    audio = _audio(30.0)
    packed = _pack(audio, _pieces([SpeechRegion(1, 3.0, 4.0)]))
    expected = audio.pcm.read(1, 3.0, 4.0)
    np.testing.assert_array_equal(packed.samples[: len(expected)], expected)


def test_a_word_end_never_leaves_its_region():
    audio = _audio(30.0, channels=1)
    packed = _pack(audio, _pieces([SpeechRegion(0, 5.0, 6.0), SpeechRegion(0, 10.0, 11.0)]))
    # Whisper's alignment smears the end of the last word into the gap
    _, w = packed.to_original(SimpleNamespace(start=0.8, end=1.15, word="x", probability=1.0), simplified=False)
    assert w.end <= 6.0


def test_a_word_starting_early_in_the_gap_belongs_to_the_next_region():
    """Whisper often starts a region's first word a little early, inside the silence before it."""
    audio = _audio(30.0, channels=1)
    packed = _pack(audio, _pieces([SpeechRegion(0, 5.0, 6.0), SpeechRegion(0, 10.0, 11.0)]))
    second = packed.starts[1]
    _, w = packed.to_original(
        SimpleNamespace(start=second - 0.15, end=second + 0.4, word=" Sure", probability=1.0), simplified=False
    )
    assert (w.start, w.end) == (10.0, 10.4)
