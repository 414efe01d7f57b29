"""Conditions on conversation metrics: thresholds, long silences, interruptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rules.conditions import Condition, Env, register
from rules.context import CallContext, Hit, Outcome
from rules.errors import PackError

_ROLES = ("agent", "customer", "any")


def metric_value(metrics: Any, name: str) -> float | None:
    """``talk_s.agent`` → metrics["talk_s"]["agent"]; None when absent or not a number."""
    value = metrics
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@register
@dataclass(frozen=True)
class Metric(Condition):
    """``metric: NAME, above: X`` or ``below: X``: holds when the call's metric is beyond X."""

    key: ClassVar[str] = "metric"
    name: ClassVar[str] = "metric.v1"
    metric: str = ""
    above: float | None = None
    below: float | None = None
    requires: frozenset[str] = frozenset({"times"})

    @classmethod
    def build(cls, spec: Any, env: Env) -> Metric:
        line = getattr(spec, "line", 0)
        name = spec["metric"]
        if not isinstance(name, str) or name.split(".")[0] not in METRIC_NAMES:
            raise PackError(
                line, f"metric {name!r} is not one of {', '.join(METRIC_NAMES)} (use talk_s.agent for a role)"
            )
        bounds = {k: spec[k] for k in ("above", "below") if k in spec}
        if not bounds or any(isinstance(v, bool) or not isinstance(v, int | float) for v in bounds.values()):
            raise PackError(line, "metric needs a number in above: or below:")
        extra = set(spec) - {"metric", "above", "below"}
        if extra:
            raise PackError(line, f"metric: unknown key {sorted(extra)[0]!r}; valid: metric, above, below")
        needs = (
            {"times", "roles"} if any(r in name for r in ("agent", "customer", "ratio", "interruptions")) else {"times"}
        )
        return cls(name, bounds.get("above"), bounds.get("below"), frozenset(needs))

    def evaluate(self, call: CallContext) -> Outcome:
        value = metric_value(call.metrics, self.metric)
        if value is None:
            return Outcome(False)
        holds = (self.above is None or value > self.above) and (self.below is None or value < self.below)
        bound = f"above {self.above:g}" if self.above is not None else f"below {self.below:g}"
        hit = Hit(0.0, call.duration, None, None, f"{self.metric} = {value:g} ({bound})")
        return Outcome(holds, (hit,) if holds else (), () if holds else (hit,))


@register
@dataclass(frozen=True)
class Silence(Condition):
    """``silence: {min_s: N, after: agent|customer|any}``: a silence of N s or more happened."""

    key: ClassVar[str] = "silence"
    name: ClassVar[str] = "silence.v1"
    min_s: float = 0.0
    after: str = "any"
    requires: frozenset[str] = frozenset({"times"})

    @classmethod
    def build(cls, spec: Any, env: Env) -> Silence:
        body = spec["silence"]
        line = getattr(body, "line", getattr(spec, "line", 0))
        if not isinstance(body, dict) or "min_s" not in body or set(body) - {"min_s", "after"}:
            raise PackError(line, "silence needs {min_s: N} and optionally after: agent|customer|any")
        after = body.get("after", "any")
        if after not in _ROLES:
            raise PackError(line, f"silence after {after!r} is not one of {', '.join(_ROLES)}")
        return cls(float(body["min_s"]), after, frozenset({"times", "roles"} if after != "any" else {"times"}))

    def evaluate(self, call: CallContext) -> Outcome:
        hits = tuple(
            Hit(s["start"], s["end"], None, s.get("after"), f"{s['duration']:.1f} s of silence")
            for s in call.metrics.get("silences", ())
            if s["duration"] >= self.min_s and (self.after == "any" or s.get("after") == self.after)
        )
        return Outcome(bool(hits), hits)


@register
@dataclass(frozen=True)
class Interruption(Condition):
    """``interruption: {by: agent|customer}``: that role talked over the other."""

    key: ClassVar[str] = "interruption"
    name: ClassVar[str] = "interruption.v1"
    by: str = "agent"
    requires: frozenset[str] = frozenset({"times", "roles"})

    @classmethod
    def build(cls, spec: Any, env: Env) -> Interruption:
        body = spec["interruption"]
        line = getattr(body, "line", getattr(spec, "line", 0))
        if not isinstance(body, dict) or body.get("by") not in ("agent", "customer") or set(body) != {"by"}:
            raise PackError(line, "interruption needs {by: agent} or {by: customer}")
        return cls(body["by"])

    def evaluate(self, call: CallContext) -> Outcome:
        hits = tuple(
            Hit(e["at"], e["at"] + e.get("overlap_s", 0.0), None, e["by"], f"{e['by']} talked over the {e['of']}")
            for e in call.metrics.get("interruption_events", ())
            if e["by"] == self.by
        )
        return Outcome(bool(hits), hits)


METRIC_NAMES = (
    "duration_s",
    "talk_s",
    "talk_ratio",
    "silence_s",
    "max_silence_s",
    "overtalk_s",
    "interruptions",
    "speech_rate",
    "response_latency_s",
)
