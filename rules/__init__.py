"""Rule packs, transcript normalization, script-compliance conditions and conversation metrics.

Public API: :func:`load_pack`, :func:`bundled_packs`, :func:`parse_pack`, :class:`RulePack`,
:func:`check_call` (utterances → metrics + findings), :func:`run_pack_tests`,
:func:`conversation_metrics`, :func:`normalize`, :data:`REGISTRY` (condition types by YAML key).
"""

from __future__ import annotations

from rules.conditions import REGISTRY
from rules.engine import RulesResult, check_call
from rules.metrics import MetricOptions, conversation_metrics
from rules.normalize import Normalized, normalize
from rules.pack import RulePack, bundled_packs, load_pack, parse_pack
from rules.packtests import CaseResult, run_pack_tests

__all__ = [
    "REGISTRY",
    "CaseResult",
    "MetricOptions",
    "Normalized",
    "RulePack",
    "RulesResult",
    "bundled_packs",
    "check_call",
    "conversation_metrics",
    "load_pack",
    "normalize",
    "parse_pack",
    "run_pack_tests",
]
