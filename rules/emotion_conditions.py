"""Conditions on emotion (``emotion.v1``): who felt what, when in the call, and which way it went.

They read each utterance's ``sentiment`` (set by ``scoring.emotion`` before the rules run); an
utterance without one never matches, so a pack with emotion rules still runs with ``--no-emotion``
and simply finds nothing there. Labels match exactly: ``angry`` utterances are not also
``negative`` — write ``label: [negative, angry]`` for both, or ``below: -0.2`` on valence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rules.conditions import Condition, Env, register
from rules.context import CallContext, Hit, Outcome
from rules.errors import PackError
from scoring.emotion import LABELS, TRENDS, quarter_of, summarize

_KEYS = ("role", "label", "quarter", "below", "above_arousal", "trend")
_ROLES = ("agent", "customer", "any")
_QUARTERS = (1, 2, 3, 4)


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
    below: float | None = None  # valence strictly below
    above_arousal: float | None = None  # arousal strictly above
    trend: str | None = None
    # emotion itself is always computed (from the words when there is no audio); what a transcript
    # may lack is roles (for a role) and times (for quarters and trends)
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Emotion:
        body = spec["emotion"]
        line = getattr(body, "line", 0) or (spec.line_of("emotion") if hasattr(spec, "line_of") else 0)
        if not isinstance(body, dict) or not body:
            raise PackError(line, f"emotion is a mapping with some of: {', '.join(_KEYS)}")
        extra = sorted(set(body) - set(_KEYS))
        if extra:
            raise PackError(line, f"emotion: unknown key {extra[0]!r}; valid: {', '.join(_KEYS)}")
        outside = sorted(set(spec) - {"emotion"})
        if outside:
            raise PackError(line, f"emotion: {outside[0]!r} goes inside the emotion mapping; valid: {', '.join(_KEYS)}")
        role = body.get("role", "any")
        if role not in _ROLES:
            raise PackError(line, f"emotion: role {role!r} is not one of {', '.join(_ROLES)}")
        labels = _choices(body.get("label"), LABELS, "label", line)
        quarters = _choices(body.get("quarter"), _QUARTERS, "quarter", line)
        bounds: dict[str, float] = {}
        for k in ("below", "above_arousal"):
            if k in body:
                v = body[k]
                if isinstance(v, bool) or not isinstance(v, int | float) or not -1 <= v <= 1:
                    raise PackError(line, f"emotion: {k} must be a number from -1 to 1, not {v!r}")
                bounds[k] = float(v)
        trend = body.get("trend")
        if trend is not None:
            if trend not in TRENDS:
                raise PackError(line, f"emotion: trend {trend!r} is not one of {', '.join(TRENDS)}")
            if role == "any":
                raise PackError(line, "emotion: a trend needs role agent or customer")
            if labels or quarters or bounds:
                raise PackError(
                    line, "emotion: trend is about the whole call and goes only with role, not label, quarter, below"
                )
        elif not (labels or bounds):
            raise PackError(line, "emotion needs label, below, above_arousal or trend")
        needs = ({"roles"} if role != "any" else set()) | ({"times"} if quarters or trend else set())
        return cls(
            role,
            frozenset(labels),
            frozenset(quarters),
            bounds.get("below"),
            bounds.get("above_arousal"),
            trend,
            frozenset(needs),
        )

    def evaluate(self, call: CallContext) -> Outcome:
        if self.trend is not None:
            return self._trend(call)
        length = max((u.end for u in call.utterances), default=0.0)  # as the summary's quarters
        hits = []
        for i, u in enumerate(call.utterances):
            s = u.sentiment
            if s is None or (self.role != "any" and u.role != self.role):
                continue
            if self.quarters and quarter_of(u, length) not in self.quarters:
                continue
            valence, arousal = float(s.get("valence", 0.0)), float(s.get("arousal", 0.0))
            if self.labels and s.get("label") not in self.labels:
                continue
            if self.below is not None and not valence < self.below:
                continue
            if self.above_arousal is not None and not arousal > self.above_arousal:
                continue
            detail = f"{u.role} {s.get('label')} (valence {valence:+.2f}, arousal {arousal:+.2f})"
            hits.append(Hit(u.start, u.end, i, u.role, detail))
        role = None if self.role == "any" else self.role
        miss = () if hits else (Hit(0.0, call.duration, None, role, f"no {self.describe()}"),)
        return Outcome(bool(hits), tuple(hits), miss)

    def _trend(self, call: CallContext) -> Outcome:
        summary = summarize(call.utterances, [u.sentiment for u in call.utterances]).get(self.role) or {}
        if not summary:
            return Outcome(False, (), (Hit(0.0, call.duration, None, self.role, f"no {self.role} emotion"),))
        holds = summary["trend"] == self.trend
        detail = f"{self.role} {summary['trend']}: {summary['start']:+.2f} → {summary['end']:+.2f}"
        hit = Hit(0.0, call.duration, None, self.role, detail)
        return Outcome(holds, (hit,) if holds else (), () if holds else (hit,))

    def describe(self) -> str:
        parts = [] if self.role == "any" else [self.role]
        if self.labels:
            parts.append("/".join(sorted(self.labels)))
        parts.append("utterance")
        if self.below is not None:
            parts.append(f"with valence below {self.below:+g}")
        if self.above_arousal is not None:
            parts.append(f"with arousal above {self.above_arousal:+g}")
        if self.quarters:
            parts.append("in quarter " + "/".join(str(q) for q in sorted(self.quarters)))
        return " ".join(parts)


def _choices(value: Any, valid: tuple[Any, ...], what: str, line: int) -> tuple[Any, ...]:
    """One choice or a non-empty list of them."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not items:
        raise PackError(line, f"emotion: {what} is an empty list; use one or more of {', '.join(map(str, valid))}")
    for item in items:
        if isinstance(item, bool) or item not in valid:
            raise PackError(line, f"emotion: {what} {item!r} is not one of {', '.join(map(str, valid))}")
    return tuple(items)
