"""A call's v1 ``score`` block from its pack's scorecard and the findings its rules produced."""

from __future__ import annotations

from typing import Any

from rules.engine import RulesResult
from rules.pack import RulePack
from scoring.scorecard import RuleResult, score_call


def score_findings(pack: RulePack, checked: RulesResult) -> dict[str, Any]:
    results = [
        RuleResult(
            rule_id=rule.id,
            section=rule.section,
            applicable=rule.id not in checked.not_applicable,
            points=rule.points,
            per_finding=rule.per_finding,
            auto_fail=rule.auto_fail,
            findings=tuple(i for i, f in enumerate(checked.findings) if f["rule_id"] == rule.id),
        )
        for rule in pack.rules
    ]
    return score_call(pack.card, results)
