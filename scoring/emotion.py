"""Emotion per utterance from the words and the voice, and how each side felt over the call.

Valence (negative … positive) comes from the words (``scoring.text_sentiment``): snownlp for
Mandarin, VADER for English, each counted only outside a neutral band measured on call speech,
plus contact-centre cues the generic models miss. The voice cannot tell a happy shout from an
angry one, so it does not move valence.

Arousal (calm … agitated) is the words' intensity (escalation, insults, exclamations) plus the
voice (``scoring.voice``): loudness, pitch level and range and speech rate, each against the same
speaker's own median in this call. The voice adds to the words rather than averaging with them,
so an utterance spoken in the speaker's usual voice keeps the label it has without audio, a
raised one goes up and a calmer one goes down.

Labels: ``angry`` (clearly negative words and raised arousal), ``negative``, ``positive``,
``neutral``. How well they agree with a person is measured on text only (``bench.emotion``):
there is no labelled emotional call audio offline, so the voice part is checked for behaviour
(a speaker's raised utterances rise above that speaker's own normal ones), not accuracy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qa.model import Audio, Utterance
from scoring.text_sentiment import text_emotion
from scoring.voice import raw_features, relative, voice_arousal

LABELS = ("angry", "negative", "neutral", "positive")
TRENDS = ("improving", "worsening", "flat")


@dataclass(frozen=True)
class EmotionOptions:
    """Every threshold of emotion scoring, set on ``tests/data/emotion_set.jsonl`` (all splits but
    ``fresh``, which bench.emotion reports as the fair figure) and on espeak-ng recordings for the voice."""

    # snownlp's 0–1 between these is neutral. Plain requests reach 0.70 and complaints 0.66 on call
    # speech while thanks and praise sit at 0.80–0.96, so only the top carries sign. Its low end
    # is no evidence at all (requests 0.001–0.02 as often as complaints), hence 0: never negative.
    zh_neutral: tuple[float, float] = (0.0, 0.8)
    # VADER compound within ± this is neutral: politeness left after the formulas are removed
    # ("Could you update my mailing address?" fine, "Is there anything else…" +0.40 before removal)
    en_neutral: float = 0.3
    model_weight: float = 0.6  # the most a model's score beyond its band adds to valence
    short_units: int = 3  # words (en) or Han characters (zh) at or below which an utterance is a backchannel
    cue_weight: float = 0.45  # each complaint or thanks cue; one alone makes an utterance negative/positive
    negative_below: float = -0.2  # valence at or below: negative
    positive_above: float = 0.25  # valence at or above: positive
    angry_valence: float = -0.35  # angry needs valence at or below this (one complaint cue is -0.45) …
    angry_arousal: float = 0.3  # … and arousal at or above this (one escalation cue is 0.35 + 0.1)
    voice_weight: float = 0.6  # how much the voice's arousal (-1 … 1) adds to the words' arousal
    trend_delta: float = 0.2  # end − start valence beyond ± this is improving / worsening
    start_share: float = 1 / 3  # start and end are the role's first and last third of utterances
    min_baseline: int = 3  # measured utterances a speaker needs before their voice has a baseline
    min_voiced_s: float = 0.3  # less voiced speech than this and an utterance's voice is not measured
    # spread floors for the z-scores, about half of one speaker's natural variation across a call:
    # below them a difference is not a change of state (espeak-ng's even voice would otherwise
    # turn 0.5 dB into a "shout")
    floor_loudness_db: float = 2.0
    floor_pitch_st: float = 1.0
    floor_range_st: float = 1.5
    floor_rate_log: float = 0.1

    def validate(self) -> None:
        lo, hi = self.zh_neutral
        if not 0 <= lo < hi < 1:
            raise ValueError(f"zh_neutral must be two numbers 0 ≤ low < high < 1, not {self.zh_neutral}")
        if not 0 <= self.en_neutral < 1:
            raise ValueError(f"en_neutral must be from 0 to below 1, not {self.en_neutral}")
        if not self.negative_below < 0 < self.positive_above:
            raise ValueError("negative_below must be below 0 and positive_above above 0")
        if not (self.angry_valence < 0 and 0 < self.angry_arousal <= 1):
            raise ValueError("angry_valence must be negative and angry_arousal between 0 and 1")
        if not 0 <= self.voice_weight <= 1:
            raise ValueError(f"voice_weight must be between 0 and 1, not {self.voice_weight}")
        if not 0 < self.start_share <= 0.5:
            raise ValueError(f"start_share must be above 0 and at most 0.5, not {self.start_share}")
        if self.min_baseline < 2:
            raise ValueError(f"min_baseline must be at least 2 utterances, not {self.min_baseline}")
        if self.trend_delta <= 0 or self.min_voiced_s <= 0 or self.short_units < 0:
            raise ValueError("trend_delta and min_voiced_s must be positive, short_units not negative")
        floors = (self.floor_loudness_db, self.floor_pitch_st, self.floor_range_st, self.floor_rate_log)
        if min(floors) <= 0:
            raise ValueError("the spread floors must be positive")


DEFAULT_OPTIONS = EmotionOptions()


@dataclass(frozen=True)
class CallEmotion:
    sentiments: tuple[dict[str, Any], ...]  # one per utterance given, in the same order
    summary: dict[str, Any]  # the call's v1 ``emotion`` block: {"customer": {...}, "agent": {...}}


def text_valence(text: str, language: str | None, options: EmotionOptions = DEFAULT_OPTIONS) -> float:
    """-1 … 1 from the words alone, 0 for neutral (plain questions and requests included)."""
    return round(text_emotion(text, language, options).valence, 3)


def analyse(
    utterances: Sequence[Utterance],
    language: str | None,
    audio: Audio | None = None,
    options: EmotionOptions = DEFAULT_OPTIONS,
) -> CallEmotion:
    """Emotion of each utterance (words, and voice when ``audio`` is given) and the call's summary."""
    voice: list[dict[str, float] | None] = [None] * len(utterances)
    if audio is not None and utterances:
        raw = [raw_features(audio, u, options) for u in utterances]
        voice = relative(raw, [_speaker_key(u) for u in utterances], options)
    sentiments = []
    for u, z in zip(utterances, voice, strict=True):
        words = text_emotion(u.text, language, options)
        arousal = words.arousal
        if z is not None:
            arousal = max(-1.0, min(1.0, arousal + options.voice_weight * voice_arousal(z)))
        valence = round(words.valence, 3)
        sentiments.append(
            {
                "label": label_of(valence, arousal, options),
                "score": valence,
                "valence": valence,
                "arousal": round(arousal, 3),
                "text": valence,
                "voice": z,
            }
        )
    return CallEmotion(tuple(sentiments), summarize(utterances, sentiments, options))


def _speaker_key(u: Utterance) -> str:
    # the same label on two channels is two people (stereo files often name both SPEAKER_00)
    return f"{u.channel}/{u.speaker}"


def label_of(valence: float, arousal: float, options: EmotionOptions = DEFAULT_OPTIONS) -> str:
    if valence <= options.angry_valence and arousal >= options.angry_arousal:
        return "angry"
    if valence <= options.negative_below:
        return "negative"
    if valence >= options.positive_above:
        return "positive"
    return "neutral"


def summarize(
    utterances: Sequence[Utterance],
    sentiments: Sequence[Mapping[str, Any] | None],
    options: EmotionOptions = DEFAULT_OPTIONS,
) -> dict[str, Any]:
    """Per role: valence and arousal per quarter of the call, start vs end, trend, anger peaks.

    Utterances without a sentiment are left out; a role with none gets ``{}``.
    """
    length = max((u.end for u in utterances), default=0.0)
    out: dict[str, Any] = {}
    for role in ("customer", "agent"):
        mine = [(u, s) for u, s in zip(utterances, sentiments, strict=True) if u.role == role and s is not None]
        if not mine:
            out[role] = {}
            continue
        k = max(1, round(len(mine) * options.start_share))
        start = _mean([float(s.get("valence", 0.0)) for _, s in mine[:k]])
        end = _mean([float(s.get("valence", 0.0)) for _, s in mine[-k:]])
        out[role] = {
            "start": round(start, 3),
            "end": round(end, 3),
            "trend": trend_of(start, end, options),
            "quarters": _quarters(mine, length, "valence"),
            "arousal_quarters": _quarters(mine, length, "arousal"),
            "peaks": _peaks(mine),
        }
    return out


def trend_of(start: float, end: float, options: EmotionOptions = DEFAULT_OPTIONS) -> str:
    if end - start >= options.trend_delta:
        return "improving"
    if start - end >= options.trend_delta:
        return "worsening"
    return "flat"


def quarter_of(u: Utterance, length: float) -> int:
    """1–4: the quarter of the call (0 … ``length`` s) in which the utterance's middle falls."""
    if length <= 0:
        return 1
    return min(4, max(1, int(4 * ((u.start + u.end) / 2) / length) + 1))


def _quarters(mine: list[tuple[Utterance, Mapping[str, Any]]], length: float, key: str) -> list[float | None]:
    values: list[list[float]] = [[], [], [], []]
    for u, s in mine:
        values[quarter_of(u, length) - 1].append(float(s.get(key, 0.0)))
    return [round(_mean(v), 3) if v else None for v in values]


def _peaks(mine: list[tuple[Utterance, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Angry utterances; a run of them with no calmer utterance of the same side between is one peak."""
    peaks: list[dict[str, Any]] = []
    previous_angry = False
    for u, s in mine:
        angry = s.get("label") == "angry"
        valence, arousal = float(s.get("valence", 0.0)), float(s.get("arousal", 0.0))
        if angry and previous_angry:
            p = peaks[-1]
            p["end"] = round(u.end, 3)
            p["valence"] = min(p["valence"], valence)
            p["arousal"] = max(p["arousal"], arousal)
        elif angry:
            peaks.append(
                {
                    "utterance": u.id,
                    "start": round(u.start, 3),
                    "end": round(u.end, 3),
                    "valence": valence,
                    "arousal": arousal,
                }
            )
        previous_angry = angry
    return peaks


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0
