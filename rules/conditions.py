"""Condition types, registered by versioned name; a rule pack names them by their YAML key.

Every condition is built from its YAML mapping (``build``), which validates it and says what the
input must provide (``requires``: times, roles), and answers ``evaluate(call) -> Outcome``.
Text is matched after :func:`rules.normalize.normalize` (case, width, script, punctuation,
spoken numbers), the same for phrases and transcripts, so ``"card ending four five"`` and
``"卡号尾号四五"`` meet their digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rules.context import CallContext, Hit, Outcome
from rules.errors import PackError
from rules.normalize import normalize
from rules.scope import SCOPE_KEYS, Scope, parse_scope

_WILDCARD = ".{0,24}?"  # `*` in a phrase: a few words (or characters) of anything


@dataclass(frozen=True)
class Env:
    """What building a condition needs from its pack."""

    language: str | None
    synonyms: Mapping[str, tuple[str, ...]]
    build: Callable[[Any], Condition]


class Condition:
    key: ClassVar[str]  # the YAML key that selects this type
    name: ClassVar[str]  # versioned registry name
    requires: frozenset[str] = frozenset()

    def evaluate(self, call: CallContext) -> Outcome:
        raise NotImplementedError


REGISTRY: dict[str, type[Condition]] = {}


def register(cls: type[Condition]) -> type[Condition]:
    REGISTRY[cls.key] = cls
    return cls


def build_condition(spec: Any, env: Env) -> Condition:
    line = getattr(spec, "line", 0)
    if not isinstance(spec, dict):
        raise PackError(line, f"a condition is a mapping with one of: {', '.join(sorted(REGISTRY))}")
    kinds = [k for k in spec if k in REGISTRY]
    unknown = [k for k in spec if k not in REGISTRY and k not in _EXTRA_KEYS]
    if unknown:
        raise PackError(
            spec.line_of(unknown[0]) if hasattr(spec, "line_of") else line,
            f"unknown condition {unknown[0]!r}; valid conditions: {', '.join(sorted(REGISTRY))}",
        )
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise PackError(line, f"a condition needs exactly one of {', '.join(sorted(REGISTRY))} (found {found})")
    return REGISTRY[kinds[0]].build(spec, env)  # type: ignore[attr-defined]


_EXTRA_KEYS = frozenset(SCOPE_KEYS) | {"every", "exclude", "at_least", "above", "below"}


def _texts(value: Any, what: str, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise PackError(getattr(value, "line", line), f"{what} must be a non-empty list of phrases")
    return tuple(value)


# --- text ------------------------------------------------------------------------------------


def compile_phrase(phrase: str, env: Env, line: int) -> re.Pattern[str]:
    """A phrase → regex over normalized text: ``*`` is a wildcard, ``{name}`` a synonym set."""
    parts = re.split(r"(\*|\{[^}]+\})", phrase)
    out = []
    for part in parts:
        if part == "*":
            out.append(_WILDCARD)
        elif part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name not in env.synonyms:
                known = ", ".join(sorted(env.synonyms)) or "none defined"
                raise PackError(line, f"phrase {phrase!r} uses synonym set {{{name}}}, which is not defined ({known})")
            alts = sorted({normalize(s, env.language).text for s in env.synonyms[name]}, key=len, reverse=True)
            out.append("(?:" + "|".join(re.escape(a) for a in alts if a) + ")")
        elif part.strip():
            out.append(re.escape(normalize(part, env.language).text))
    body = r"\s*".join(p.strip() for p in out if p.strip()) if out else ""
    if not body:
        raise PackError(line, f"phrase {phrase!r} is empty after normalization")
    # Latin words get boundaries; CJK characters are words of their own and need none.
    if re.match(r"[a-z0-9]", normalize(phrase.lstrip("*{ "), env.language).text[:1] or ""):
        body = r"(?<![a-z0-9])" + body
    if re.search(r"[a-z0-9]$", normalize(phrase.rstrip("*} "), env.language).text):
        body += r"(?![a-z0-9])"
    return re.compile(body)


@dataclass(frozen=True)
class _TextMatcher:
    """Shared by phrases and regex: find matches in the normalized utterances of a scope."""

    scope: Scope

    def matches(self, call: CallContext, pattern: re.Pattern[str], exclude: re.Pattern[str] | None) -> list[Hit]:
        hits = []
        for i in self.scope.select(call):
            norm = call.normalized[i]
            if exclude is not None and exclude.search(norm.text):
                continue
            for m in pattern.finditer(norm.text):
                hits.append(_hit(call, i, norm.source_span(m.start(), m.end()), m.group(0)))
        return hits


def _hit(call: CallContext, i: int, span: tuple[int, int], detail: str) -> Hit:
    u = call.utterances[i]
    return Hit(u.start, u.end, i, u.role, detail, span)


def _scope_requires(scope: Scope) -> frozenset[str]:
    return frozenset({"times"} if scope.needs_times else set()) | frozenset({"roles"} if scope.needs_roles else set())


@register
@dataclass(frozen=True)
class Phrases(Condition):
    """``phrases: {any|all|none: [...]}`` or ``phrases: [...], at_least: N``; scope keys alongside."""

    key: ClassVar[str] = "phrases"
    name: ClassVar[str] = "phrases.v1"
    mode: str = "any"
    phrases: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    at_least: int = 1
    every: bool = False
    scope: Scope = field(default_factory=Scope)
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Phrases:
        line = spec.line_of("phrases") if hasattr(spec, "line_of") else 0
        value = spec["phrases"]
        if isinstance(value, dict):
            modes = [m for m in ("any", "all", "none") if m in value]
            if len(modes) != 1 or len(value) != 1:
                raise PackError(line, "phrases: use exactly one of any, all, none (or a list with at_least: N)")
            mode, items = modes[0], value[modes[0]]
        else:
            mode, items = "any", value
        phrases = _texts(items, "phrases", line)
        at_least = spec.get("at_least", 1)
        if not isinstance(at_least, int) or not 1 <= at_least <= len(phrases):
            raise PackError(line, f"at_least must be a whole number from 1 to {len(phrases)}, not {at_least!r}")
        if at_least > 1:
            mode = "at_least"
        scope = parse_scope(spec, line)
        patterns = tuple(compile_phrase(p, env, line) for p in phrases)
        every = bool(spec.get("every", False))
        return cls(mode, phrases, patterns, at_least, every, scope, _scope_requires(scope))

    def evaluate(self, call: CallContext) -> Outcome:
        indices = self.scope.select(call)
        if self.every:
            return self._every(call, indices)
        matcher = _TextMatcher(self.scope)
        found = [(k, matcher.matches(call, p, None)) for k, p in enumerate(self.patterns)]
        hits = tuple(h for _, hs in found for h in hs)
        present = [k for k, hs in found if hs]
        start, end = self.scope.span(call)
        missing = tuple(
            Hit(start, end, None, self.scope.role, f"missing: {self.phrases[k]}") for k, hs in found if not hs
        )
        if self.mode == "any":
            return Outcome(bool(present), hits, () if present else (Hit(start, end, None, self.scope.role, ""),))
        if self.mode == "all":
            return Outcome(not missing, hits, missing)
        if self.mode == "at_least":
            short = Hit(start, end, None, self.scope.role, f"{len(present)} of {self.at_least} needed")
            return Outcome(len(present) >= self.at_least, hits, (short,))
        return Outcome(not hits, (), hits)  # none: every occurrence is a miss

    def _every(self, call: CallContext, indices: list[int]) -> Outcome:
        good: list[Hit] = []
        bad: list[Hit] = []
        for i in indices:
            text = call.normalized[i].text
            matched = any(p.search(text) for p in self.patterns)
            ok = not matched if self.mode == "none" else matched
            u = call.utterances[i]
            (good if ok else bad).append(Hit(u.start, u.end, i, u.role, ""))
        return Outcome(not bad, tuple(good), tuple(bad))


@register
@dataclass(frozen=True)
class Regex(Condition):
    """``regex: PATTERN`` (on normalized text), optional ``exclude: PATTERN``; scope keys alongside."""

    key: ClassVar[str] = "regex"
    name: ClassVar[str] = "regex.v1"
    pattern: re.Pattern[str] = re.compile("")
    exclude: re.Pattern[str] | None = None
    scope: Scope = field(default_factory=Scope)
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Regex:
        line = spec.line_of("regex") if hasattr(spec, "line_of") else 0
        pattern = _regex(spec["regex"], "regex", line)
        exclude = _regex(spec["exclude"], "exclude", line) if "exclude" in spec else None
        scope = parse_scope(spec, line)
        return cls(pattern, exclude, scope, _scope_requires(scope))

    def evaluate(self, call: CallContext) -> Outcome:
        hits = tuple(_TextMatcher(self.scope).matches(call, self.pattern, self.exclude))
        start, end = self.scope.span(call)
        return Outcome(bool(hits), hits, () if hits else (Hit(start, end, None, self.scope.role, ""),))


def _regex(value: Any, what: str, line: int) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise PackError(line, f"{what} must be a regular expression")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as e:
        raise PackError(line, f"{what} {value!r} is not a valid regular expression: {e}") from e


# --- order and anchors -----------------------------------------------------------------------


@register
@dataclass(frozen=True)
class Before(Condition):
    """``before: {first: COND, then: COND}``: if ``then`` happens, ``first`` happened earlier."""

    key: ClassVar[str] = "before"
    name: ClassVar[str] = "before.v1"
    first: Condition = field(default_factory=Condition)
    then: Condition = field(default_factory=Condition)
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Before:
        body = spec["before"]
        line = getattr(body, "line", 0)
        if not isinstance(body, dict) or set(body) != {"first", "then"}:
            raise PackError(line, "before needs exactly two conditions: first and then")
        first, then = env.build(body["first"]), env.build(body["then"])
        return cls(first, then, first.requires | then.requires | {"times"})

    def evaluate(self, call: CallContext) -> Outcome:
        then = self.then.evaluate(call)
        if not then.hits:
            return Outcome(True)  # nothing to be early for
        first_then = min(then.hits, key=lambda h: h.start or 0.0)
        firsts = [h for h in self.first.evaluate(call).hits if (h.start or 0.0) <= (first_then.start or 0.0)]
        return Outcome(bool(firsts), tuple(firsts), () if firsts else (first_then,))


@register
@dataclass(frozen=True)
class After(Condition):
    """``after: {anchor: COND, expect: COND}`` with ``within_s: N`` or ``within_utterances: N``:
    each time the anchor happens, the expected thing follows soon enough."""

    key: ClassVar[str] = "after"
    name: ClassVar[str] = "after.v1"
    anchor: Condition = field(default_factory=Condition)
    expect: Condition = field(default_factory=Condition)
    within_s: float | None = None
    within_utterances: int | None = None
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> After:
        body = spec["after"]
        line = getattr(body, "line", 0)
        if not isinstance(body, dict) or not {"anchor", "expect"} <= set(body):
            raise PackError(line, "after needs anchor and expect conditions, and within_s or within_utterances")
        extra = set(body) - {"anchor", "expect", "within_s", "within_utterances"}
        if extra:
            raise PackError(
                line, f"after: unknown key {sorted(extra)[0]!r}; valid: anchor, expect, within_s, within_utterances"
            )
        within_s, within_u = body.get("within_s"), body.get("within_utterances")
        if (within_s is None) == (within_u is None):
            raise PackError(line, "after needs exactly one of within_s and within_utterances")
        anchor, expect = env.build(body["anchor"]), env.build(body["expect"])
        needs = anchor.requires | expect.requires | ({"times"} if within_s is not None else set())
        return cls(anchor, expect, within_s, within_u, frozenset(needs))

    def evaluate(self, call: CallContext) -> Outcome:
        anchors = self.anchor.evaluate(call).hits
        if not anchors:
            return Outcome(True)
        expected = self.expect.evaluate(call).hits
        met: list[Hit] = []
        unmet: list[Hit] = []
        for a in anchors:
            follow = [e for e in expected if self._follows(a, e)]
            (met if follow else unmet).append(follow[0] if follow else a)
        return Outcome(not unmet, tuple(met), tuple(unmet))

    def _follows(self, a: Hit, e: Hit) -> bool:
        if a.utterance is not None and a.utterance == e.utterance:
            # in the same utterance ("投资有风险"): the expected words must come after the anchor
            return a.span is not None and e.span is not None and e.span[0] >= a.span[0]
        if self.within_utterances is not None:
            if a.utterance is None or e.utterance is None:
                return False
            return 0 < e.utterance - a.utterance <= self.within_utterances
        assert self.within_s is not None
        a_end, e_start = a.end or 0.0, e.start or 0.0
        return e_start >= (a.start or 0.0) and e_start - a_end <= self.within_s


@register
@dataclass(frozen=True)
class Repeated(Condition):
    """``repeated: COND, at_least: N``: the condition matched N times or more."""

    key: ClassVar[str] = "repeated"
    name: ClassVar[str] = "repeated.v1"
    inner: Condition = field(default_factory=Condition)
    at_least: int = 2
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Repeated:
        n = spec.get("at_least")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise PackError(getattr(spec, "line", 0), "repeated needs at_least: N (a whole number, 1 or more)")
        inner = env.build(spec["repeated"])
        return cls(inner, n, inner.requires)

    def evaluate(self, call: CallContext) -> Outcome:
        hits = self.inner.evaluate(call).hits
        return Outcome(len(hits) >= self.at_least, hits, () if len(hits) >= self.at_least else hits)


# --- boolean ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Combination(Condition):
    """``all:`` / ``any:`` over a list of conditions; they differ only in how outcomes combine."""

    parts: tuple[Condition, ...] = ()
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> _Combination:
        items = spec[cls.key]
        if not isinstance(items, list) or not items:
            raise PackError(getattr(items, "line", getattr(spec, "line", 0)), f"{cls.key} needs a list of conditions")
        parts = tuple(env.build(i) for i in items)
        return cls(parts, frozenset().union(*(p.requires for p in parts)))


@register
@dataclass(frozen=True)
class AllOf(_Combination):
    key: ClassVar[str] = "all"
    name: ClassVar[str] = "all.v1"

    def evaluate(self, call: CallContext) -> Outcome:
        outs = [p.evaluate(call) for p in self.parts]
        return Outcome(
            all(o.passed for o in outs),
            tuple(h for o in outs for h in o.hits),
            tuple(h for o in outs if not o.passed for h in o.misses),
        )


@register
@dataclass(frozen=True)
class AnyOf(_Combination):
    key: ClassVar[str] = "any"
    name: ClassVar[str] = "any.v1"

    def evaluate(self, call: CallContext) -> Outcome:
        outs = [p.evaluate(call) for p in self.parts]
        passed = any(o.passed for o in outs)
        return Outcome(
            passed,
            tuple(h for o in outs if o.passed for h in o.hits),
            () if passed else tuple(h for o in outs for h in o.misses),
        )


@register
@dataclass(frozen=True)
class Not(Condition):
    key: ClassVar[str] = "not"
    name: ClassVar[str] = "not.v1"
    inner: Condition = field(default_factory=Condition)
    requires: frozenset[str] = frozenset()

    @classmethod
    def build(cls, spec: Any, env: Env) -> Not:
        inner = env.build(spec["not"])
        return cls(inner, inner.requires)

    def evaluate(self, call: CallContext) -> Outcome:
        return self.inner.evaluate(call).negated()
