"""How an utterance sounds, relative to how the same speaker sounds in the rest of the call.

Four measures per utterance, from its own slice of its own channel: loudness (RMS dB over the
voiced frames), pitch level (median F0, semitones), pitch range (90th − 10th percentile of F0,
semitones) and speech rate (words, or Han characters, per second). Absolute values say little —
headsets, gain and voices differ — so each becomes a robust z-score against that speaker's own
median and MAD in this call: a naturally loud agent is loud in every utterance and never stands
out, while the one utterance a customer shouts does.

F0 comes from ``librosa.yin`` on 50 ms frames (``pyin`` is 50–100× slower; yin over one hour of
speech takes ~6 s on one core), kept only where the frame is loud enough to be the speaker and
not a hiss-like consonant or the other side's echo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from qa.model import Audio, Utterance
from scoring.text_sentiment import HAN

if TYPE_CHECKING:
    from scoring.emotion import EmotionOptions

FEATURES = ("loudness", "pitch", "pitch_range", "rate")
# how much each measure says about arousal; loudness and pitch are the classic, most reliable cues
_WEIGHTS = {"loudness": 0.35, "pitch": 0.3, "pitch_range": 0.15, "rate": 0.2}
_FRAME, _HOP = 800, 320  # 50 ms frames every 20 ms at 16 kHz
_FMIN, _FMAX = 70.0, 450.0  # F0 of adult voices, shouting included
_MAX_ZCR = 0.3  # above this share of sign changes a frame is a fricative or noise, not a voiced one


def raw_features(audio: Audio, u: Utterance, options: EmotionOptions) -> dict[str, float] | None:
    """Absolute measures of one utterance; None when it is too short or too quiet to measure."""
    import librosa

    sr = audio.pcm.sample_rate
    x = audio.pcm.read(u.channel if u.channel is not None else 0, u.start, u.end)
    if len(x) < options.min_voiced_s * sr or len(x) < _FRAME:
        return None
    rms = librosa.feature.rms(y=x, frame_length=_FRAME, hop_length=_HOP, center=False)[0]
    db = 20 * np.log10(rms + 1e-10)
    # voiced: within 25 dB of the utterance's loud frames and above the digital floor
    loud = (db > np.percentile(db, 95) - 25) & (db > -60)
    zcr = librosa.feature.zero_crossing_rate(x, frame_length=_FRAME, hop_length=_HOP, center=False)[0]
    f0 = librosa.yin(x, fmin=_FMIN, fmax=_FMAX, sr=sr, frame_length=_FRAME, hop_length=_HOP, center=False)
    n = min(len(rms), len(zcr), len(f0))
    loud, zcr, f0 = loud[:n], zcr[:n], f0[:n]
    # yin answers every frame; at the search bounds it found no period
    voiced = loud & (zcr < _MAX_ZCR) & (f0 > _FMIN * 1.02) & (f0 < _FMAX * 0.98)
    if voiced.sum() * _HOP / sr < options.min_voiced_s:
        return None
    semitones = 12 * np.log2(f0[voiced] / 100.0)
    lo, hi = np.percentile(semitones, [10, 90])
    units = len(HAN.findall(u.text)) or len(u.words) or len(u.text.split())
    return {
        "loudness": float(20 * np.log10(np.sqrt(np.mean(rms[:n][loud] ** 2)) + 1e-10)),
        "pitch": float(np.median(semitones)),
        "pitch_range": float(hi - lo),
        "rate": math.log(max(units, 1) / max(u.end - u.start, 0.2)),  # log: a rate doubles, it does not add
    }


def relative(
    raw: Sequence[dict[str, float] | None], speakers: Sequence[str], options: EmotionOptions
) -> list[dict[str, float] | None]:
    """Each utterance's measures as robust z-scores against its own speaker's median and spread."""
    floors = {
        "loudness": options.floor_loudness_db,
        "pitch": options.floor_pitch_st,
        "pitch_range": options.floor_range_st,
        "rate": options.floor_rate_log,
    }
    out: list[dict[str, float] | None] = [None] * len(raw)
    for speaker in dict.fromkeys(speakers):
        idx = [i for i, s in enumerate(speakers) if s == speaker and raw[i] is not None]
        if len(idx) < options.min_baseline:
            continue  # too few utterances to know how this speaker usually sounds
        rows = [raw[i] for i in idx]
        z: dict[str, np.ndarray] = {}
        for name in FEATURES:
            values = np.array([r[name] for r in rows if r is not None])
            median = float(np.median(values))
            spread = max(1.4826 * float(np.median(np.abs(values - median))), floors[name])
            z[name] = (values - median) / spread
        for k, i in enumerate(idx):
            out[i] = {name: round(float(np.clip(z[name][k], -5, 5)), 2) for name in FEATURES}
    return out


def voice_arousal(z: dict[str, float]) -> float:
    """-1 … 1: a weighted sum of the z-scores, squashed (two spreads up on every measure ≈ 0.76)."""
    return math.tanh(sum(w * z[name] for name, w in _WEIGHTS.items()) / 2.0)
