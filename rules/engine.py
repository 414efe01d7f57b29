"""Checking a call against a rule pack: metrics first, then every rule, into findings (v1 shape)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pii.model import Entity
from pii.redact import RedactedText, mask_for, redact_mentions, redact_text
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
    not_applicable: frozenset[str] = frozenset()  # rules whose ``when:`` did not hold for this call


def prepare(
    utterances: Sequence[Utterance],
    duration: float | None,
    language: str | None,
    pack: RulePack,
    entities: Sequence[Entity] = (),
) -> CallContext:
    """``entities`` index ``utterances`` as given; the context holds them re-indexed to time order."""
    order = sorted(range(len(utterances)), key=lambda i: (utterances[i].start, utterances[i].id))
    ordered = tuple(utterances[i] for i in order)
    position = {old: new for new, old in enumerate(order)}
    lang = language or pack.language
    metrics = conversation_metrics(ordered, duration, MetricOptions.from_mapping(pack.metric_options))
    return CallContext(
        utterances=ordered,
        normalized=tuple(normalize(u.text, lang) for u in ordered),
        duration=float(metrics.get("duration_s") or (ordered[-1].end if ordered else 0.0)),
        language=lang,
        metrics=metrics,
        entities=tuple(replace(e, utterance=position[e.utterance]) for e in entities),
    )


def check_call(
    utterances: Sequence[Utterance],
    duration: float | None,
    language: str | None,
    pack: RulePack,
    entities: Sequence[Entity] = (),
    mask: str = "tag",
) -> RulesResult:
    """Findings of every rule; evidence and explanations have every entity masked."""
    call = prepare(utterances, duration, language, pack, entities)
    masked = _masked_texts(call, mask)
    findings: list[dict[str, Any]] = []
    skipped = set()
    for rule in pack.rules:
        if rule.when is not None and not rule.when.evaluate(call).passed:
            skipped.add(rule.id)
            continue
        findings += evaluate_rule(rule, call, pack, masked)
    findings.sort(key=lambda f: (f["start"] if f["start"] is not None else -1.0, f["rule_id"]))
    return RulesResult(dict(call.metrics), tuple(findings), frozenset(skipped))


def _masked_texts(call: CallContext, mode: str) -> tuple[RedactedText, ...]:
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for e in call.entities:
        spans.setdefault(e.utterance, []).append((e.start, e.end, mask_for(e, mode)))
    return tuple(redact_text(u.text, spans.get(i, ())) for i, u in enumerate(call.utterances))


def evaluate_rule(
    rule: Rule, call: CallContext, pack: RulePack, masked: Sequence[RedactedText] | None = None
) -> list[dict[str, Any]]:
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
            out.append(_finding(rule, hit, call, pack, masked))
    return out


def _finding(
    rule: Rule, hit: Hit, call: CallContext, pack: RulePack, masked: Sequence[RedactedText] | None
) -> dict[str, Any]:
    utt = call.utterances[hit.utterance] if hit.utterance is not None else None
    evidence = ""
    if utt is not None and hit.utterance is not None:
        shown = masked[hit.utterance] if masked else RedactedText(utt.text)
        evidence = _snippet(shown.text, shown.span(*hit.span) if hit.span else None)
    start, end = hit.start, hit.end
    words = word_span(utt, *hit.span) if utt is not None and hit.span is not None else None
    if utt is not None and words is not None:
        # the matched words' own times, so a coach hears exactly the phrase, not the whole turn
        start, end = utt.words[words[0]].start, utt.words[words[1]].end
    if rule.mode == "require":
        why = f"required, not found{': ' + hit.detail if hit.detail else ''}"
    else:
        why = f"forbidden, found{': ' + hit.detail if hit.detail else ''}"
    if call.entities:  # a condition's detail may quote what it matched
        heard = [call.utterances[e.utterance].text[e.start : e.end] for e in call.entities]
        why = redact_mentions(why, heard, [f"[{e.tag}]" for e in call.entities])
    finding = {
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
    if hit.entity:
        finding["entity"] = hit.entity
    return finding


def _snippet(text: str, span: tuple[int, int] | None) -> str:
    if span is None or len(text) <= 2 * _SNIPPET:
        return text
    a, b = max(0, span[0] - _SNIPPET), min(len(text), span[1] + _SNIPPET)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")
