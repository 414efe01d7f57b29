"""After the words: sensitive data, emotion, rules, score — then everything masked for writing.

Detection, emotion and rules all read the words as heard; only what leaves this module is
masked. The unredacted result is kept only when the user asked for it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pii.detect import PiiOptions, detect, scrub
from pii.model import Entity
from pii.redact import RedactOptions, by_utterance, mask_for, redact_utterance
from qa.model import Audio, CallResult, Utterance
from rules import RulePack, check_call
from rules.metrics import MetricOptions, conversation_metrics
from scoring.callscore import Overrule, overruled_findings, score_findings
from scoring.emotion import EmotionOptions
from scoring.emotion import analyse as analyse_emotion


@dataclass(frozen=True)
class AnalysisOptions:
    rules: RulePack | None = None  # adds findings and a score to every call
    pii: PiiOptions = field(default_factory=PiiOptions)
    redact: RedactOptions = field(default_factory=RedactOptions)
    emotion: EmotionOptions | None = field(default_factory=EmotionOptions)  # None: no emotion
    keep_unredacted: bool = False

    def validate(self) -> None:
        self.pii.validate()
        self.redact.validate()
        if self.emotion is not None:
            self.emotion.validate()


@dataclass(frozen=True)
class Analysed:
    result: CallResult  # masked: what gets written
    unredacted: CallResult | None = None  # only with keep_unredacted


def analyse(
    result: CallResult,
    audio: Audio | None,
    options: AnalysisOptions,
    overrule: tuple[Overrule, ...] = (),
) -> Analysed:
    """``overrule``: (rule_id, start) of findings coaches disagreed with; they do not move the score."""
    if result.status != "ok":
        return Analysed(result)
    timings = dict(result.timings)
    language = result.language
    utterances = result.utterances

    t = time.perf_counter()
    entities = detect(utterances, language, options.pii)
    timings["pii_s"] = time.perf_counter() - t

    emotion: dict[str, Any] = {}
    if options.emotion is not None:
        t = time.perf_counter()
        felt = analyse_emotion(utterances, language, audio, options.emotion)
        utterances = tuple(replace(u, sentiment=s) for u, s in zip(utterances, felt.sentiments, strict=True))
        emotion = dict(felt.summary)
        timings["emotion_s"] = time.perf_counter() - t

    duration = result.audio.duration_s if result.audio else None
    changes = judge(utterances, duration, language, options, entities, overrule, result.versions, timings)

    found = by_utterance(entities)
    masked = tuple(redact_utterance(u, found.get(i, ()), options.redact.mask) for i, u in enumerate(utterances))
    raw = result.with_(utterances=utterances, emotion=emotion, timings=timings, **changes)
    redacted = raw.with_(
        utterances=masked,
        pii=tuple(_pii_row(e, utterances, raw, options.redact.mask) for e in entities),
        metadata=scrub_metadata(raw.metadata),
    )
    unredacted = None
    if options.keep_unredacted:
        rows = tuple(
            {**_pii_row(e, utterances, raw, "tag"), "text": utterances[e.utterance].text[e.start : e.end]}
            for e in entities
        )
        unredacted = raw.with_(pii=rows)
    return Analysed(redacted, unredacted)


def judge(
    utterances: tuple[Utterance, ...],
    duration: float | None,
    language: str | None,
    options: AnalysisOptions,
    entities: tuple[Entity, ...],
    overrule: tuple[Overrule, ...],
    versions: Mapping[str, str],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Metrics, findings, score and the pack's versions: what a changed pack redoes (``timings``
    gets the rules' and scoring's seconds)."""
    pack = options.rules
    if pack is None:
        return {"metrics": conversation_metrics(utterances, duration, MetricOptions())}
    t = time.perf_counter()
    checked = check_call(utterances, duration, language, pack, entities, options.redact.mask)
    timings["rules_s"] = time.perf_counter() - t
    t = time.perf_counter()
    checked, overruled = overruled_findings(checked, overrule)
    score = score_findings(pack, checked, overruled)
    timings["scoring_s"] = time.perf_counter() - t
    return {
        "metrics": checked.metrics,
        "findings": checked.findings,
        "score": score,
        "versions": {**versions, "rules": f"{pack.name}@{pack.version}", "rules_sha256": pack.sha256},
    }


def _pii_row(e: Entity, utterances: tuple[Utterance, ...], result: CallResult, mode: str) -> dict[str, Any]:
    u = utterances[e.utterance]
    # After a downmix the words came from the mix: on the original every channel carries them.
    per_channel = result.diarization is not None and result.diarization.method == "channels"
    return {
        "type": e.type,
        "role": u.role,
        "utterance": u.id,
        "channel": u.channel if per_channel else None,
        "start": round(e.start_s, 3),
        "end": round(e.end_s, 3),
        "mask": mask_for(e, mode),
        "detector": e.detector,
    }


def scrub_metadata(metadata: Any) -> dict[str, Any]:
    """Manifest columns can hold a customer's number; every string value is scrubbed."""
    out: dict[str, Any] = {}
    for key, value in dict(metadata).items():
        out[key] = scrub(value) if isinstance(value, str) else value
    return out
