"""A pack's own test cases: utterances in, the rules that must and must not fire out.

```yaml
tests:
  - name: greeting with name and agent number
    utterances:
      - {role: agent, start: 0.5, end: 4.0, text: "Thank you for calling, my name is Alex, agent 1024"}
    fires: [closing.thanks]        # these rules must produce a finding
    passes: [greet.identify]       # these must not
```

Cases run the way a call does: sensitive data is detected and emotion scored from the words
(there is no audio) before the rules, when the pack has PII or emotion rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pii.model import Entity
from qa.model import Utterance
from rules.engine import check_call
from rules.pack import RulePack

_CASE_KEYS = ("name", "language", "duration_s", "utterances", "fires", "passes")


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def run_pack_tests(pack: RulePack) -> list[CaseResult]:
    return [_run_case(pack, i, case) for i, case in enumerate(pack.tests)]


def _run_case(pack: RulePack, index: int, case: Any) -> CaseResult:
    line = getattr(case, "line", 0)
    name = str(case.get("name", f"case {index + 1}")) if isinstance(case, dict) else f"case {index + 1}"
    problems = _validate(pack, case)
    if problems:
        return CaseResult(name, line, tuple(problems))
    utterances = tuple(
        Utterance(
            id=i,
            role=u.get("role", "unknown"),
            speaker=str(u.get("speaker", "SPEAKER_00" if u.get("role") == "agent" else "SPEAKER_01")),
            start=float(u["start"]),
            end=float(u["end"]),
            text=str(u["text"]),
            channel=u.get("channel"),
        )
        for i, u in enumerate(case["utterances"])
    )
    language = case.get("language") or pack.language
    entities: tuple[Entity, ...] = ()
    if pack.uses_pii:
        from pii.detect import detect

        entities = detect(utterances, language)
    if any(r.kind == "emotion" for r in pack.rules):
        from scoring.emotion import analyse

        felt = analyse(utterances, language)
        utterances = tuple(replace(u, sentiment=s) for u, s in zip(utterances, felt.sentiments, strict=True))
    result = check_call(utterances, case.get("duration_s"), language, pack, entities)
    fired = {f["rule_id"] for f in result.findings}
    for rid in case.get("fires") or ():
        if rid not in fired:
            problems.append(f"rule {rid} should fire but did not")
    for rid in case.get("passes") or ():
        if rid in fired:
            why = next(f["explanation"] for f in result.findings if f["rule_id"] == rid)
            problems.append(f"rule {rid} should pass but fired: {why}")
    return CaseResult(name, line, tuple(problems))


def _validate(pack: RulePack, case: Any) -> list[str]:
    if not isinstance(case, dict):
        return ["a test case is a mapping with name, utterances, fires and/or passes"]
    problems = [f"unknown key {k!r}; valid: {', '.join(_CASE_KEYS)}" for k in case if k not in _CASE_KEYS]
    ids = {r.id for r in pack.rules}
    for key in ("fires", "passes"):
        problems += [f"{key}: no rule {rid!r} in this pack" for rid in case.get(key) or () if rid not in ids]
    if not case.get("fires") and not case.get("passes"):
        problems.append("a case needs fires: and/or passes: (otherwise it tests nothing)")
    utts = case.get("utterances")
    if not isinstance(utts, list) or not utts:
        problems.append("utterances must be a non-empty list")
    else:
        for i, u in enumerate(utts):
            if not isinstance(u, dict) or not {"start", "end", "text"} <= set(u):
                problems.append(f"utterance {i} needs start, end and text")
            elif u.get("role", "unknown") not in ("agent", "customer", "unknown"):
                problems.append(f"utterance {i}: role {u.get('role')!r} is not agent, customer or unknown")
    return problems
