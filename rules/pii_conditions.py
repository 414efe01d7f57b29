"""Conditions on sensitive data (``pii.v1``): who said which kind of number or name, and where.

The leakage policy lives in the pack as ordinary rules, e.g. the agent reading back a full card
number (``forbid: {pii: [bank_card, cn_id], role: agent}``), or a card number that does not follow
a verification prompt (``expected_after``): the customer giving their own ID when asked for it is
expected, the same number said anywhere else is a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pii.model import ENTITY_TYPES, Entity
from rules.conditions import Condition, Env, register
from rules.context import CallContext, Hit, Outcome
from rules.errors import PackError
from rules.scope import SCOPE_KEYS, Scope, parse_scope

_BODY_KEYS = ("entities", "expected_after", "within_s", "within_utterances")


@register
@dataclass(frozen=True)
class Pii(Condition):
    """``pii: [types]`` or ``pii: {entities: [types], expected_after: COND, within_utterances: N}``,
    with the usual ``role:``/``window:``/``utterances:`` scope: holds where such an entity was said."""

    key: ClassVar[str] = "pii"
    name: ClassVar[str] = "pii.v1"
    entities: frozenset[str] = frozenset()
    scope: Scope = field(default_factory=Scope)
    expected_after: Condition | None = None
    within_s: float | None = None
    within_utterances: int | None = None
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Pii:
        body = spec["pii"]
        line = getattr(body, "line", getattr(spec, "line", 0))
        if isinstance(body, list):
            body = {"entities": body}
        if not isinstance(body, dict):
            raise PackError(line, "pii takes a list of entity types or a mapping with entities:")
        extra = set(body) - set(_BODY_KEYS)
        if extra:
            raise PackError(line, f"pii: unknown key {sorted(extra)[0]!r}; valid: {', '.join(_BODY_KEYS)}")
        types = body.get("entities")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            raise PackError(line, f"pii needs a list of entity types: {', '.join(ENTITY_TYPES)}")
        unknown = [t for t in types if t not in ENTITY_TYPES]
        if unknown:
            raise PackError(line, f"pii: unknown entity type {unknown[0]!r}; valid: {', '.join(ENTITY_TYPES)}")
        anchor = None
        within_s, within_u = body.get("within_s"), body.get("within_utterances")
        if "expected_after" in body:
            if (within_s is None) == (within_u is None):
                raise PackError(line, "pii: expected_after needs exactly one of within_s and within_utterances")
            for name, value in (("within_s", within_s), ("within_utterances", within_u)):
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
                    raise PackError(line, f"pii: {name} must be a non-negative number, not {value!r}")
            anchor = env.build(body["expected_after"])
        elif within_s is not None or within_u is not None:
            raise PackError(line, "pii: within_s / within_utterances only go with expected_after")
        scope = parse_scope({k: v for k, v in spec.items() if k in SCOPE_KEYS}, getattr(spec, "line", line))
        needs: set[str] = set(anchor.requires) if anchor else set()
        needs |= {"roles"} if scope.needs_roles else set()
        needs |= {"times"} if scope.needs_times or within_s is not None else set()
        return cls(
            frozenset(types),
            scope,
            anchor,
            None if within_s is None else float(within_s),
            None if within_u is None else int(within_u),
            frozenset(needs),
        )

    def evaluate(self, call: CallContext) -> Outcome:
        in_scope = set(self.scope.select(call))
        found = [e for e in call.entities if e.type in self.entities and e.utterance in in_scope]
        if found and self.expected_after is not None:
            anchors = self.expected_after.evaluate(call).hits
            found = [e for e in found if not any(self._follows(a, e) for a in anchors)]
        hits = tuple(self._hit(e, call) for e in found)
        return Outcome(bool(hits), hits, () if hits else (Hit(0.0, call.duration, detail="no such data said"),))

    def _follows(self, anchor: Hit, e: Entity) -> bool:
        if anchor.utterance is not None and anchor.utterance == e.utterance:
            return anchor.span is None or anchor.span[0] <= e.start
        if self.within_utterances is not None:
            return anchor.utterance is not None and 0 < e.utterance - anchor.utterance <= self.within_utterances
        assert self.within_s is not None
        return (anchor.start or 0.0) <= e.start_s and e.start_s - (anchor.end or 0.0) <= self.within_s

    @staticmethod
    def _hit(e: Entity, call: CallContext) -> Hit:
        role = call.utterances[e.utterance].role
        return Hit(e.start_s, e.end_s, e.utterance, role, f"{e.type} said by the {role}", (e.start, e.end), e.type)
