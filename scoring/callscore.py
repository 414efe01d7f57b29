"""A call's v1 ``score`` block from its pack's scorecard and the findings its rules produced."""

from __future__ import annotations

from typing import Any

from rules.engine import RulesResult
from rules.pack import RulePack
from scoring.scorecard import RuleResult, score_call

Overrule = tuple[str, float | None]
"""(rule_id, start) of a finding a coach disagreed with."""


def overruled_findings(checked: RulesResult, overrule: tuple[Overrule, ...]) -> tuple[RulesResult, frozenset[int]]:
    """The findings coaches disagreed with (by rule and start time), marked ``overruled``."""
    from dataclasses import replace

    if not overrule:
        return checked, frozenset()
    hit = set()
    for i, f in enumerate(checked.findings):
        for rule_id, at in overrule:
            start = f.get("start")
            same = (at is None and start is None) or (at is not None and start is not None and abs(at - start) < 0.01)
            if f["rule_id"] == rule_id and same:
                hit.add(i)
    findings = tuple({**f, "overruled": True} if i in hit else f for i, f in enumerate(checked.findings))
    return replace(checked, findings=findings), frozenset(hit)


def score_findings(pack: RulePack, checked: RulesResult, overruled: frozenset[int] = frozenset()) -> dict[str, Any]:
    """``overruled``: indices of findings a coach disagreed with; they stay listed, but move nothing."""
    results = [
        RuleResult(
            rule_id=rule.id,
            section=rule.section,
            applicable=rule.id not in checked.not_applicable,
            points=rule.points,
            per_finding=rule.per_finding,
            auto_fail=rule.auto_fail,
            findings=tuple(i for i, f in enumerate(checked.findings) if f["rule_id"] == rule.id and i not in overruled),
        )
        for rule in pack.rules
    ]
    return score_call(pack.card, results)
