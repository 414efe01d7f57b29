"""Emotion per utterance from the words and the voice, and how each side felt over the call.

Valence (negative … positive) comes from the words: Mandarin with snownlp, English with VADER,
both corrected for call speech. Generic models read a plain request as negative (snownlp gives
"请问我的余额是多少" 0.23 on its 0–1 scale) and miss the contact centre's own complaint words
("我要投诉", "close my account"), so each model's score only counts outside a neutral band and a
small list of call-centre cues adds to it.

Arousal (calm … agitated) comes mostly from the voice: loudness, pitch level, pitch range and
speech rate, each a robust z-score against the same speaker's median in this call — a naturally
loud agent is loud in every utterance and so never stands out — plus what the words say
(exclamations, anger words). Without audio, arousal is the words' part alone.

Labels: ``angry`` (clearly negative words and raised arousal), ``negative``, ``positive``,
``neutral``. This is agreement with hand labels on text (``bench.emotion``), not a measured
emotion-recognition accuracy: no labelled emotional call audio is available offline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from qa.model import Audio, Utterance

LABELS = ("angry", "negative", "neutral", "positive")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class EmotionOptions:
    # snownlp's 0–1 between these counts as neutral: call-centre requests land at 0.05–0.55
    zh_neutral: tuple[float, float] = (0.03, 0.8)
    # VADER compound inside ±this counts as neutral ("Okay." is +0.23, "Why was I charged twice?" −0.20)
    en_neutral: float = 0.3
    cue_weight: float = 0.4  # each complaint or thanks cue moves valence this much
    negative_below: float = -0.2
    positive_above: float = 0.3
    angry_valence: float = -0.35
    angry_arousal: float = 0.3
    trend_delta: float = 0.2  # end − start beyond this is improving / worsening
    min_baseline: int = 3  # utterances a speaker needs before their voice has a baseline
    voice_weight: float = 0.6  # share of arousal from the voice when there is audio

    def validate(self) -> None:
        lo, hi = self.zh_neutral
        if not 0 <= lo < hi <= 1:
            raise ValueError(f"zh_neutral must be two numbers 0 ≤ low < high ≤ 1, not {self.zh_neutral}")
        if not 0 <= self.voice_weight <= 1:
            raise ValueError(f"voice_weight must be between 0 and 1, not {self.voice_weight}")
        if self.min_baseline < 2:
            raise ValueError("min_baseline must be at least 2 utterances")
        if not self.angry_valence < 0 < self.angry_arousal:
            raise ValueError("angry_valence must be negative and angry_arousal positive")


@dataclass(frozen=True)
class CallEmotion:
    sentiments: tuple[dict[str, Any], ...]  # one per utterance, in the order given
    summary: dict[str, Any]  # the call's v1 ``emotion`` block


# --- words ------------------------------------------------------------------------------------

_ZH_NEGATIVE = re.compile(
    r"投诉|过分|失望|太差|很差|真差|差劲|破服务|什么破|垃圾|骗子|骗人|欺骗|坑人|生气|气死|凭什么|什么态度|受不了|不满意|离谱|"
    r"销户|不像话|扯皮|没人管|忍无可忍|无语|恶心|太慢|烦死|举报|曝光|报警|律师|12315|银保监|不要再|别再|一直没|到底|怎么回事"
)
_ZH_POSITIVE = re.compile(r"谢谢|感谢|太好了|满意|不错|辛苦|解决了|很好|非常好|好的|没问题|明白了|放心")
_ZH_ANGER = re.compile(r"投诉|过分|凭什么|什么态度|受不了|气死|骗子|垃圾|忍无可忍|举报|曝光|报警|律师|到底|不像话")
_EN_NEGATIVE = re.compile(
    r"\b(complain\w*|complaint|unacceptable|ridiculous|furious|fed up|rip.?off|scam|useless|disgusting|"
    r"close my account|cancel my (account|card|subscription)|switch banks|waste of (my )?time|still (hasn't|haven't|not)|"
    r"again and again|nobody (fixes|helps|called)|not happy|lawyer|sue you|ombudsman)\b",
    re.IGNORECASE,
)
_EN_POSITIVE = re.compile(r"\b(thank(s| you)|great|perfect|brilliant|appreciate|helpful|excellent|wonderful)\b", re.I)
_EN_ANGER = re.compile(
    r"\b(furious|ridiculous|unacceptable|outrageous|disgusting|scam|lawyer|sue|hate|sick of|fed up)\b", re.I
)


def text_valence(text: str, language: str | None, options: EmotionOptions | None = None) -> float:
    """-1 … 1 from the words alone, 0 for neutral (plain questions and requests included)."""
    return _text(text, language, options or EmotionOptions())[0]


def _text(text: str, language: str | None, options: EmotionOptions) -> tuple[float, float]:
    """(valence, arousal) from the words."""
    zh = (language or "").startswith(("zh", "yue")) or (language is None and bool(_HAN.search(text)))
    if not text.strip():
        return 0.0, 0.0
    if zh:
        score = _snownlp(text)
        lo, hi = options.zh_neutral
        model = -0.3 if score < lo else 0.3 if score > hi else 0.0
        cues = len(_ZH_NEGATIVE.findall(text)), len(_ZH_POSITIVE.findall(text)), len(_ZH_ANGER.findall(text))
    else:
        compound = _vader(text)
        model = compound if abs(compound) >= options.en_neutral else 0.0
        cues = len(_EN_NEGATIVE.findall(text)), len(_EN_POSITIVE.findall(text)), len(_EN_ANGER.findall(text))
    negative, positive, anger = cues
    if negative and model > 0:
        model = 0.0  # "thanks for nothing, I am closing my account": the complaint wins
    valence = model + options.cue_weight * (positive - 1.5 * negative)
    exclaim = text.count("!") + text.count("！")
    shouted = sum(1 for w in re.findall(r"[A-Za-z]{3,}", text) if w.isupper())
    arousal = 0.35 * min(anger, 2) + 0.15 * min(exclaim, 2) + 0.1 * min(shouted, 2) + 0.1 * min(negative, 2)
    return _clip(valence), _clip(arousal)


@cache
def _vader_model() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _vader(text: str) -> float:
    return float(_vader_model().polarity_scores(text)["compound"])


def _snownlp(text: str) -> float:
    from snownlp import SnowNLP

    return float(SnowNLP(text).sentiments)


# --- voice ------------------------------------------------------------------------------------

_FEATURES = ("loudness", "pitch", "pitch_range", "rate")
# below these spreads, a difference is not a change of state (dB, semitones, semitones, share)
_SPREAD_FLOOR = {"loudness": 3.0, "pitch": 1.5, "pitch_range": 2.0, "rate": 0.15}
_AROUSAL_WEIGHTS = {"loudness": 0.4, "pitch": 0.3, "pitch_range": 0.15, "rate": 0.15}


def voice_features(audio: Audio, u: Utterance) -> dict[str, float] | None:
    """Loudness (dB), pitch level and range (semitones), speech rate (units/s); None when too short."""
    import librosa

    x = audio.pcm.read(u.channel or 0, u.start, u.end)
    sr = audio.pcm.sample_rate
    if len(x) < sr // 4:
        return None
    frame, hop = 1024, 256
    rms = librosa.feature.rms(y=x, frame_length=frame, hop_length=hop)[0]
    voiced = rms > max(float(np.median(rms)), 1e-4)  # the louder half is where the voice is
    if voiced.sum() < 4:
        return None
    f0 = librosa.yin(x, fmin=60, fmax=400, sr=sr, frame_length=frame, hop_length=hop)
    n = min(len(f0), len(voiced))
    pitched = f0[:n][voiced[:n]]
    if len(pitched) < 4:
        return None
    semitones = 12 * np.log2(pitched / 100.0)
    units = len(_HAN.findall(u.text)) or len(u.text.split())
    return {
        "loudness": float(20 * np.log10(np.mean(rms[voiced]) + 1e-9)),
        "pitch": float(np.median(semitones)),
        "pitch_range": float(np.percentile(semitones, 90) - np.percentile(semitones, 10)),
        "rate": units / max(u.end - u.start, 0.3),
    }


def _relative(raw: Sequence[dict[str, float] | None], speakers: Sequence[str], minimum: int) -> list[dict | None]:
    """Each utterance's features as z-scores against its own speaker's median and spread."""
    out: list[dict | None] = [None] * len(raw)
    for speaker in set(speakers):
        idx = [i for i, s in enumerate(speakers) if s == speaker and raw[i] is not None]
        if len(idx) < minimum:
            continue
        for name in _FEATURES:
            values = np.array([raw[i][name] for i in idx])  # type: ignore[index]
            if name == "rate":
                values = np.log(np.maximum(values, 1e-3))  # a rate doubles, it does not add
            median = float(np.median(values))
            spread = max(1.4826 * float(np.median(np.abs(values - median))), _SPREAD_FLOOR[name])
            for k, i in enumerate(idx):
                out[i] = out[i] or {}
                out[i][name] = round((float(values[k]) - median) / spread, 2)  # type: ignore[index]
    return out


def _voice_arousal(z: dict[str, float]) -> float:
    return _clip(math.tanh(sum(w * z[name] for name, w in _AROUSAL_WEIGHTS.items()) / 1.5))


# --- together -----------------------------------------------------------------------------------


def analyse(
    utterances: Sequence[Utterance],
    language: str | None,
    audio: Audio | None = None,
    options: EmotionOptions | None = None,
) -> CallEmotion:
    options = options or EmotionOptions()
    voice: list[dict | None] = [None] * len(utterances)
    if audio is not None and utterances:
        raw = [voice_features(audio, u) for u in utterances]
        voice = _relative(raw, [u.speaker for u in utterances], options.min_baseline)
    sentiments = []
    for u, z in zip(utterances, voice, strict=True):
        valence, text_arousal = _text(u.text, language, options)
        arousal = text_arousal
        if z is not None:
            arousal = options.voice_weight * _voice_arousal(z) + (1 - options.voice_weight) * text_arousal
        sentiments.append(
            {
                "label": _label(valence, arousal, options),
                "score": round(valence, 3),
                "valence": round(valence, 3),
                "arousal": round(arousal, 3),
                "text": round(valence, 3),
                "voice": z,
            }
        )
    return CallEmotion(tuple(sentiments), summarize(utterances, sentiments, options))


def _label(valence: float, arousal: float, options: EmotionOptions) -> str:
    if valence <= options.angry_valence and arousal >= options.angry_arousal:
        return "angry"
    if valence <= options.negative_below:
        return "negative"
    if valence >= options.positive_above:
        return "positive"
    return "neutral"


def summarize(
    utterances: Sequence[Utterance], sentiments: Sequence[dict[str, Any] | None], options: EmotionOptions | None = None
) -> dict[str, Any]:
    """Per role: valence and arousal per quarter of the call, start vs end, trend, anger peaks."""
    options = options or EmotionOptions()
    length = max((u.end for u in utterances), default=0.0)
    out: dict[str, Any] = {}
    for role in ("customer", "agent"):
        mine = [(u, s) for u, s in zip(utterances, sentiments, strict=True) if u.role == role and s is not None]
        if not mine:
            out[role] = {}
            continue
        third = max(1, len(mine) // 3)
        start = _mean([s["valence"] for _, s in mine[:third]])
        end = _mean([s["valence"] for _, s in mine[-third:]])
        delta = end - start
        trend = (
            "improving" if delta >= options.trend_delta else "worsening" if delta <= -options.trend_delta else "flat"
        )
        out[role] = {
            "start": round(start, 3),
            "end": round(end, 3),
            "trend": trend,
            "quarters": [_quarter_mean(mine, q, length, "valence") for q in range(4)],
            "arousal_quarters": [_quarter_mean(mine, q, length, "arousal") for q in range(4)],
            "peaks": _peaks(mine),
        }
    return out


def quarter_of(u: Utterance, length: float) -> int:
    """1–4: which quarter of the call the utterance's middle falls in."""
    if length <= 0:
        return 1
    return min(4, int(4 * ((u.start + u.end) / 2) / length) + 1)


def _quarter_mean(mine: list[tuple[Utterance, dict[str, Any]]], q: int, length: float, key: str) -> float | None:
    values = [s[key] for u, s in mine if quarter_of(u, length) == q + 1]
    return round(_mean(values), 3) if values else None


def _peaks(mine: list[tuple[Utterance, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Angry utterances; ones in a row (no calm utterance of the same side between) are one peak."""
    peaks: list[dict[str, Any]] = []
    previous_angry = False
    for u, s in mine:
        angry = s["label"] == "angry"
        if angry and previous_angry:
            p = peaks[-1]
            p["end"] = round(u.end, 3)
            p["valence"] = min(p["valence"], s["valence"])
            p["arousal"] = max(p["arousal"], s["arousal"])
        elif angry:
            peaks.append(
                {
                    "utterance": u.id,
                    "start": round(u.start, 3),
                    "end": round(u.end, 3),
                    "valence": s["valence"],
                    "arousal": s["arousal"],
                }
            )
        previous_angry = angry
    return peaks


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))
