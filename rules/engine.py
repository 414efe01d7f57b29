"""Checking a call against a rule pack: metrics first, then every rule, into findings (v1 shape)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.model import Utterance
from rules.context import CallContext, Hit
from rules.metrics import MetricOptions, conversation_metrics
from rules.normalize import normalize, word_span
from rules.pack import Rule, RulePack

_SNIPPET = 60  # characters of context either side of a match in the evidence


@dataclass(frozen=True)
class RulesResult:
    metrics: dict[str, Any]
    findings: tuple[dict[str, Any], ...]


def prepare(
    utterances: Sequence[Utterance], duration: float | None, language: str | None, pack: RulePack
) -> CallContext:
    ordered = tuple(sorted(utterances, key=lambda u: (u.start, u.id)))
    lang = language or pack.language
    metrics = conversation_metrics(ordered, duration, MetricOptions.from_mapping(pack.metric_options))
    return CallContext(
        utterances=ordered,
        normalized=tuple(normalize(u.text, lang) for u in ordered),
        duration=float(metrics.get("duration_s") or (ordered[-1].end if ordered else 0.0)),
        language=lang,
        metrics=metrics,
    )


def check_call(
    utterances: Sequence[Utterance], duration: float | None, language: str | None, pack: RulePack
) -> RulesResult:
    call = prepare(utterances, duration, language, pack)
    findings: list[dict[str, Any]] = []
    for rule in pack.rules:
        findings += evaluate_rule(rule, call, pack)
    findings.sort(key=lambda f: (f["start"] if f["start"] is not None else -1.0, f["rule_id"]))
    return RulesResult(dict(call.metrics), tuple(findings))


def evaluate_rule(rule: Rule, call: CallContext, pack: RulePack) -> list[dict[str, Any]]:
    outcome = rule.condition.evaluate(call)
    if rule.mode == "require":
        if outcome.passed:
            return []
        places = outcome.misses or (Hit(0.0, call.duration),)
    else:
        if not outcome.passed:
            return []
        places = outcome.hits or (Hit(0.0, call.duration),)
    seen: set[tuple[Any, ...]] = set()
    out = []
    for hit in places:
        key = (hit.utterance, hit.start, hit.detail)
        if key not in seen:
            seen.add(key)
            out.append(_finding(rule, hit, call, pack))
    return out


def _finding(rule: Rule, hit: Hit, call: CallContext, pack: RulePack) -> dict[str, Any]:
    utt = call.utterances[hit.utterance] if hit.utterance is not None else None
    evidence = _snippet(utt.text, hit.span) if utt is not None else ""
    start, end = hit.start, hit.end
    words = word_span(utt, *hit.span) if utt is not None and hit.span is not None else None
    if utt is not None and words is not None:
        # the matched words' own times, so a coach hears exactly the phrase, not the whole turn
        start, end = utt.words[words[0]].start, utt.words[words[1]].end
    if rule.mode == "require":
        why = f"required, not found{': ' + hit.detail if hit.detail else ''}"
    else:
        why = f"forbidden, found{': ' + hit.detail if hit.detail else ''}"
    return {
        "rule_id": rule.id,
        "kind": rule.kind,
        "severity": rule.severity,
        "points": rule.points,
        "auto_fail": rule.auto_fail,
        "section": rule.section,
        "role": utt.role if utt is not None else (hit.role if hit.role in ("agent", "customer") else "unknown"),
        "start": None if start is None else round(start, 3),
        "end": None if end is None else round(end, 3),
        "utterance": utt.id if utt is not None else None,
        "evidence": evidence,
        "explanation": f"{rule.description} ({why})",
        "pack": f"{pack.name}@{pack.version}",
    }


def _snippet(text: str, span: tuple[int, int] | None) -> str:
    if span is None or len(text) <= 2 * _SNIPPET:
        return text
    a, b = max(0, span[0] - _SNIPPET), min(len(text), span[1] + _SNIPPET)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")
