"""Conditions on emotion (``emotion.v1``): who felt what, when in the call, and which way it went.

They read each utterance's ``sentiment`` (set by ``scoring.emotion`` before the rules run); an
utterance without one never matches, so a pack with emotion rules still runs with ``--no-emotion``
and simply finds nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rules.conditions import Condition, Env, register
from rules.context import CallContext, Hit, Outcome
from rules.errors import PackError
from scoring.emotion import LABELS, quarter_of, summarize

_KEYS = ("role", "label", "quarter", "below", "above_arousal", "trend")
_ROLES = ("agent", "customer", "any")
_TRENDS = ("improving", "worsening", "flat")


@register
@dataclass(frozen=True)
class Emotion(Condition):
    """``emotion: {role: customer, label: angry, quarter: 4}``: an utterance of that role felt so;
    ``emotion: {role: customer, trend: worsening}``: that side ended worse than it began."""

    key: ClassVar[str] = "emotion"
    name: ClassVar[str] = "emotion.v1"
    role: str = "any"
    labels: frozenset[str] = frozenset()
    quarters: frozenset[int] = frozenset()
    below: float | None = None  # valence
    above_arousal: float | None = None
    trend: str | None = None
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Emotion:
        body = spec["emotion"]
        line = getattr(body, "line", getattr(spec, "line", 0))
        if not isinstance(body, dict) or not body:
            raise PackError(line, f"emotion is a mapping with some of: {', '.join(_KEYS)}")
        extra = sorted(set(body) - set(_KEYS))
        if extra:
            raise PackError(line, f"emotion: unknown key {extra[0]!r}; valid: {', '.join(_KEYS)}")
        role = body.get("role", "any")
        if role not in _ROLES:
            raise PackError(line, f"emotion: role {role!r} is not one of {', '.join(_ROLES)}")
        labels = _list(body.get("label"), LABELS, "label", line)
        quarters = _list(body.get("quarter"), (1, 2, 3, 4), "quarter", line)
        bounds = {k: body[k] for k in ("below", "above_arousal") if k in body}
        for k, v in bounds.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not -1 <= v <= 1:
                raise PackError(line, f"emotion: {k} must be a number from -1 to 1, not {v!r}")
        trend = body.get("trend")
        if trend is not None and trend not in _TRENDS:
            raise PackError(line, f"emotion: trend {trend!r} is not one of {', '.join(_TRENDS)}")
        if trend is not None and (labels or quarters or bounds):
            raise PackError(line, "emotion: trend is about the whole call; it does not go with label, quarter, below")
        if trend is None and not (labels or bounds):
            raise PackError(line, "emotion needs label, below, above_arousal or trend")
        if trend is not None and role == "any":
            raise PackError(line, "emotion: a trend needs role agent or customer")
        needs = frozenset({"roles"}) if role != "any" else frozenset()
        return cls(
            role,
            frozenset(labels),
            frozenset(quarters),
            bounds.get("below"),
            bounds.get("above_arousal"),
            trend,
            needs,
        )

    def evaluate(self, call: CallContext) -> Outcome:
        if self.trend is not None:
            return self._trend(call)
        length = max((u.end for u in call.utterances), default=0.0)
        hits = []
        for i, u in enumerate(call.utterances):
            s = u.sentiment
            if s is None or (self.role != "any" and u.role != self.role):
                continue
            if self.quarters and quarter_of(u, length) not in self.quarters:
                continue
            if self.labels and s.get("label") not in self.labels:
                continue
            if self.below is not None and not s.get("valence", 0.0) < self.below:
                continue
            if self.above_arousal is not None and not s.get("arousal", 0.0) > self.above_arousal:
                continue
            detail = (
                f"{u.role} {s.get('label')} (valence {s.get('valence', 0):+.2f}, arousal {s.get('arousal', 0):+.2f})"
            )
            hits.append(Hit(u.start, u.end, i, u.role, detail))
        miss = () if hits else (Hit(0.0, call.duration, detail="no such moment"),)
        return Outcome(bool(hits), tuple(hits), miss)

    def _trend(self, call: CallContext) -> Outcome:
        summary = summarize(call.utterances, [u.sentiment for u in call.utterances]).get(self.role) or {}
        holds = summary.get("trend") == self.trend
        change = f"{summary.get('start', 0):+.2f} → {summary.get('end', 0):+.2f}"
        detail = f"{self.role} {summary.get('trend', 'unknown')}: {change}"
        hit = Hit(0.0, call.duration, None, self.role, detail)
        return Outcome(holds, (hit,) if holds else (), () if holds else (hit,))


def _list(value: Any, valid: tuple[Any, ...], what: str, line: int) -> tuple[Any, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item not in valid or isinstance(item, bool):
            raise PackError(line, f"emotion: {what} {item!r} is not one of {', '.join(map(str, valid))}")
    return tuple(items)
