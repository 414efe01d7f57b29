"""Offline mono diarization: Silero VAD → GE2E voice embeddings (resemblyzer) → clustering.

Every weight it needs ships inside wheels, so it runs in an air-gapped bank. Speech regions are
cut into overlapping 1.6 s windows, each window becomes a 256-d voice embedding, agglomerative
clustering groups the windows into speakers (two by default: a call), and each region is split
where its windows change speaker.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from diarize.options import DiarizeOptions
from diarize.vad import speech_regions
from qa.model import Audio, SpeakerTurn, SpeakerTurns, SpeechRegion

log = logging.getLogger("callqa.diarize")

_TARGET_DBFS = -30.0  # the loudness resemblyzer's encoder was trained on
_BATCH = 64
_MAX_CLUSTERED = 3000  # windows (20 min of speech at a 0.4 s hop) clustered directly


@dataclass(frozen=True)
class _Window:
    region: int
    start: float
    end: float

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


@lru_cache(maxsize=1)
def _encoder() -> Any:
    import torch
    from resemblyzer import VoiceEncoder

    torch.set_num_threads(1)  # measured: one thread is as fast as two for this small LSTM
    return VoiceEncoder("cpu", verbose=False)


def diarize_embedded(audio: Audio, options: DiarizeOptions) -> SpeakerTurns:
    regions = speech_regions(audio, 0, options)
    windows = _windows(regions, options, audio.duration)
    if not windows:
        return SpeakerTurns("embedded", (), (), tuple(regions))
    labels = _cluster(_embed(audio, windows, options), options)
    turns = _turns(regions, windows, _smooth(windows, labels))
    speakers = tuple(sorted({t.speaker for t in turns}))
    log.debug("embedded: %d regions, %d windows, %d speakers", len(regions), len(windows), len(speakers))
    return SpeakerTurns("embedded", tuple(turns), speakers, tuple(regions))


def _windows(regions: list[SpeechRegion], options: DiarizeOptions, duration: float) -> list[_Window]:
    w, hop = options.window_s, options.hop_s
    out: list[_Window] = []
    for i, r in enumerate(regions):
        if r.duration <= w:
            # A short region gets one window centred on it, borrowing context either side.
            c = (r.start + r.end) / 2
            a = min(max(0.0, c - w / 2), max(0.0, duration - w))
            out.append(_Window(i, a, min(duration, a + w)))
            continue
        n = int(np.ceil((r.duration - w) / hop)) + 1
        for k in range(n):
            a = min(r.start + k * hop, r.end - w)
            out.append(_Window(i, a, a + w))
    return out


def _embed(audio: Audio, windows: list[_Window], options: DiarizeOptions) -> np.ndarray:
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    encoder = _encoder()
    n_frames = round(options.window_s * 100)  # the encoder's mels hop 10 ms
    mels = []
    for win in windows:
        wav = audio.pcm.read(0, win.start, win.end)
        rms = float(np.sqrt(np.mean(wav**2))) if len(wav) else 0.0
        if rms > 1e-5:
            wav = wav * (10 ** (_TARGET_DBFS / 20) / rms)
        mel = wav_to_mel_spectrogram(wav)
        if len(mel) < n_frames:
            mel = np.pad(mel, ((0, n_frames - len(mel)), (0, 0)))
        mels.append(mel[:n_frames])
    with torch.inference_mode():
        batches = [
            encoder(torch.from_numpy(np.stack(mels[i : i + _BATCH]))).numpy() for i in range(0, len(mels), _BATCH)
        ]
    return np.concatenate(batches)


def _cluster(embeddings: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Speaker index per window, numbered in order of first appearance."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(embeddings) < 2:
        return np.zeros(len(embeddings), dtype=int)
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)
    if len(unit) > _MAX_CLUSTERED:
        # Linkage memory grows with the square of the windows: cluster an even sample of a long
        # call, then give every window the speaker whose centroid it is closest to.
        sample = unit[np.linspace(0, len(unit) - 1, _MAX_CLUSTERED).astype(int)]
        labels = _cluster(sample, options)
        centroids = np.stack([sample[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
        raw_all = np.argmax(unit @ centroids.T, axis=1)
        order_all = {c: i for i, c in enumerate(dict.fromkeys(raw_all))}
        return np.array([order_all[c] for c in raw_all])
    tree = linkage(unit, method="ward", metric="euclidean")
    if options.num_speakers:
        raw = fcluster(tree, t=min(options.num_speakers, len(unit)), criterion="maxclust")
    else:
        raw = fcluster(tree, t=options.cluster_threshold, criterion="distance")
        if len(set(raw)) > options.max_speakers:
            raw = fcluster(tree, t=options.max_speakers, criterion="maxclust")
    order = {c: i for i, c in enumerate(dict.fromkeys(raw))}
    return np.array([order[c] for c in raw])


def _smooth(windows: list[_Window], labels: np.ndarray) -> list[int]:
    """Majority of each window and its neighbours in the same region: one odd window is noise."""
    out = []
    for i, win in enumerate(windows):
        near = [labels[j] for j in (i - 1, i, i + 1) if 0 <= j < len(windows) and windows[j].region == win.region]
        top = Counter(near).most_common()
        out.append(int(labels[i]) if len(top) > 1 and top[0][1] == top[1][1] else int(top[0][0]))
    return out


def _turns(regions: list[SpeechRegion], windows: list[_Window], labels: list[int]) -> list[SpeakerTurn]:
    by_region: dict[int, list[tuple[_Window, int]]] = {}
    for w, lab in zip(windows, labels, strict=True):
        by_region.setdefault(w.region, []).append((w, lab))
    turns: list[SpeakerTurn] = []
    for i, region in enumerate(regions):
        own = by_region.get(i, [])
        # Each window speaks for the stretch between the midpoints to its neighbours.
        cuts = [region.start] + [(a.center + b.center) / 2 for (a, _), (b, _) in pairwise(own)] + [region.end]
        for k, (_, lab) in enumerate(own):
            speaker = f"SPEAKER_{lab:02d}"
            a, b = cuts[k], cuts[k + 1]
            if turns and turns[-1].speaker == speaker and abs(turns[-1].end - a) < 1e-6:
                turns[-1] = SpeakerTurn(speaker, turns[-1].start, b, 0)
            elif b > a:
                turns.append(SpeakerTurn(speaker, round(a, 3), round(b, 3), 0))
    return turns
