"""A scorecard template, and one call's score from the results of its pack's rules.

The arithmetic, in the order it is applied:

1. Each section's ``weight`` is its maximum in raw points; a call starts every section at full marks.
2. A section is N/A for a call when none of its rules applies to that call (every rule's ``when``
   failed, or the section has no rules). N/A sections are left out and the weights of the
   applicable ones are rebalanced to sum to ``max``: factor = max / sum(applicable weights).
3. A rule's ``points`` apply once per call however many findings it has (``per_finding: false``,
   the default) or once per finding (``per_finding: true``). Negative points deduct, positive
   points are bonuses.
4. A section's raw score = clamp(weight + sum of its applied points, 0, weight): a section never goes
   below zero, and a bonus never lifts it above its maximum.
5. Scaled section score = raw × factor; ``total`` = sum of scaled section scores, rounded to 2 decimals.
6. Any finding of an ``auto_fail`` rule (一票否决) sets ``auto_fail``, ``passed`` false and ``total``
   0; the score it would have had stays in ``total_before_auto_fail``.
7. ``passed`` = not auto_fail and total ≥ pass_mark.

A call where no section applies gets full marks (total = max, passed) with ``"applicable": false``,
so v1's ``total`` stays a number and a report can still tell such calls apart. Findings of a rule
that does not apply move nothing, not even an auto-fail; a rule whose section the scorecard does not
weigh (only possible for a card built in code: a pack's card must weigh every section) can still
auto-fail a call but moves no points.

``moved_by`` lists every finding that could move the score with the points it actually moved,
scaled: 0 for a repeat of a once-per-call rule, and only what was left for a finding that hit the
section's floor or ceiling. Within a section the findings count in their order in the call, so the
moved points always add up to (section score − section max).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rules.pack import RulePack

_CARD_KEYS = ("max", "pass_mark", "sections")
_SECTION_KEYS = ("weight", "title")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class Scorecard:
    sections: tuple[Section, ...]
    max: float = 100.0
    pass_mark: float = 80.0

    @classmethod
    def default(cls, sections: Mapping[str, str]) -> Scorecard:
        """Equal weights over ``sections`` (id → title), max 100, pass mark 80."""
        weight = 100.0 / len(sections) if sections else 0.0
        return cls(tuple(Section(sid, title, weight) for sid, title in sections.items()))

    def validate(self) -> None:
        if not self.sections:
            raise ValueError("a scorecard needs at least one section")
        if not _number(self.max) or self.max <= 0:
            raise ValueError(f"max must be a positive number, not {self.max!r}")
        if not _number(self.pass_mark) or not 0 <= self.pass_mark <= self.max:
            raise ValueError(f"pass_mark must be between 0 and max ({self.max:g}), not {self.pass_mark!r}")
        seen: set[str] = set()
        for s in self.sections:
            if s.id in seen:
                raise ValueError(f"section {s.id!r} is weighted twice")
            seen.add(s.id)
            if not _number(s.weight) or s.weight <= 0:
                raise ValueError(f"section {s.id!r}: weight must be a positive number, not {s.weight!r}")


@dataclass(frozen=True)
class RuleResult:
    """What one rule did in one call, as the scorer needs it."""

    rule_id: str
    section: str
    applicable: bool
    points: float
    per_finding: bool
    auto_fail: bool
    findings: tuple[int, ...]  # indices into the call's findings list


def _error(line: int, message: str) -> Exception:
    # imported here: rules.pack imports this module, so rules cannot be imported at its top
    from rules.errors import PackError

    return PackError(line, message)


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# ---------------------------------------------------------------- parsing


def parse_scorecard(doc: Any, sections: Mapping[str, str], line: int) -> Scorecard:
    """The pack's ``scorecard:`` mapping; ``sections`` are the pack's (id → title).

    Every pack section needs a weight: a section left out would silently stop its rules from
    moving any score.
    """
    if not isinstance(doc, Mapping):
        raise _error(line, "scorecard is a mapping: {max: 100, pass_mark: 80, sections: {opening: {weight: 20}}}")
    _known(doc, _CARD_KEYS, "scorecard", line)
    top = _number_at(doc, "max", 100.0, line)
    if top <= 0:
        raise _error(_line(doc, "max", line), f"scorecard max must be positive, not {top:g}")
    pass_mark = _number_at(doc, "pass_mark", 80.0, line)
    if not 0 <= pass_mark <= top:
        raise _error(_line(doc, "pass_mark", line), f"pass_mark {pass_mark:g} is not between 0 and max ({top:g})")
    if "sections" not in doc:
        return Scorecard(Scorecard.default(sections).sections, top, pass_mark)
    parsed = _sections(doc["sections"], sections, _line(doc, "sections", line))
    card = Scorecard(parsed, top, pass_mark)
    try:
        card.validate()
    except ValueError as e:
        raise _error(line, f"scorecard: {e}") from e
    return card


def _sections(doc: Any, pack_sections: Mapping[str, str], line: int) -> tuple[Section, ...]:
    if not isinstance(doc, Mapping) or not doc:
        raise _error(line, "scorecard sections maps a section id to its weight: {opening: {weight: 20}}")
    out = []
    for sid, spec in doc.items():
        at = _line(doc, sid, line)
        if sid not in pack_sections:
            raise _error(at, f"scorecard section {sid!r} is not one of the pack's sections: {_list(pack_sections)}")
        out.append(_section(str(sid), spec, pack_sections[sid], at))
    missing = [s for s in pack_sections if s not in doc]
    if missing:
        raise _error(line, f"scorecard sections need a weight for every pack section; missing: {', '.join(missing)}")
    return tuple(out)


def _section(sid: str, spec: Any, title: str, line: int) -> Section:
    if _number(spec):  # shorthand: ``opening: 20``
        spec = {"weight": spec}
    if not isinstance(spec, Mapping):
        raise _error(line, f"scorecard section {sid!r} is {{weight: N, title: optional}}, not {spec!r}")
    _known(spec, _SECTION_KEYS, f"scorecard section {sid!r}", line)
    if "weight" not in spec:
        raise _error(line, f"scorecard section {sid!r} needs a weight")
    weight = spec["weight"]
    if not _number(weight) or weight <= 0:
        raise _error(_line(spec, "weight", line), f"section {sid!r}: weight must be a positive number, not {weight!r}")
    return Section(sid, str(spec.get("title") or title), float(weight))


def _number_at(doc: Mapping[str, Any], key: str, default: float, line: int) -> float:
    value = doc.get(key, default)
    if not _number(value):
        raise _error(_line(doc, key, line), f"scorecard {key} must be a number, not {value!r}")
    return float(value)


def _known(doc: Mapping[str, Any], keys: tuple[str, ...], what: str, line: int) -> None:
    for key in doc:
        if key not in keys:
            raise _error(_line(doc, key, line), f"unknown {what} key {key!r}; valid: {', '.join(keys)}")


def _line(doc: Any, key: str, default: int) -> int:
    line_of = getattr(doc, "line_of", None)  # an LDict from rules.yamlines knows its lines
    return int(line_of(key)) if line_of is not None else default


def _list(names: Mapping[str, str]) -> str:
    return ", ".join(names) or "(the pack has none)"


def load_scorecard(path: Path, pack: RulePack) -> Scorecard:
    """A scorecard YAML beside a pack: the ``scorecard:`` mapping itself, or a file holding one."""
    from qa.errors import CallqaError
    from rules.errors import PackError
    from rules.yamlines import LDict, load_yaml

    try:
        doc = load_yaml(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError) as e:
        raise CallqaError("rules.invalid", f"{path.name}: cannot read the scorecard ({type(e).__name__})") from e
    except ValueError as e:
        raise CallqaError("rules.invalid", str(e)) from e
    line = 1
    if isinstance(doc, LDict) and set(doc) == {"scorecard"}:
        doc, line = doc["scorecard"], doc.line_of("scorecard")
    sections = dict(pack.sections) or {r.section: r.section for r in pack.rules}
    try:
        return parse_scorecard(doc, sections, getattr(doc, "line", line) or line)
    except PackError as e:
        raise CallqaError("rules.invalid", f"{path.name}:{e.line}: {e.message}") from e


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Move:
    finding: int
    rule_id: str
    section: str
    points: float  # nominal, before clamping


def score_call(card: Scorecard, results: Sequence[RuleResult]) -> dict[str, Any]:
    """The v1 ``score`` block (see the module docstring for the arithmetic)."""
    weights = {s.id: s.weight for s in card.sections}
    live = [r for r in results if r.applicable and r.section in weights]
    applicable = {r.section for r in live}
    total_weight = sum(weights[s] for s in applicable)
    factor = card.max / total_weight if total_weight else 0.0
    raw: dict[str, float] = {}
    moved: list[dict[str, Any]] = []
    for section in (s.id for s in card.sections if s.id in applicable):
        raw[section], applied = _section_score(weights[section], _moves(r for r in live if r.section == section))
        moved += [
            {"finding": m.finding, "rule_id": m.rule_id, "section": m.section, "points": _round(p * factor)}
            for m, p in applied
        ]
    moved.sort(key=lambda m: m["finding"])
    total = _round(sum(raw.values()) * factor) if applicable else float(card.max)
    failing = sorted({r.rule_id for r in results if r.applicable and r.auto_fail and r.findings})
    return {
        "total": 0.0 if failing else total,
        "max": float(card.max),
        "pass_mark": float(card.pass_mark),
        "passed": not failing and total >= card.pass_mark,
        "auto_fail": bool(failing),
        "auto_fail_rules": failing,
        "total_before_auto_fail": total,
        "applicable": bool(applicable),
        "sections": {s.id: _round(raw[s.id] * factor) if s.id in raw else None for s in card.sections},
        "section_details": {s.id: _details(s, raw.get(s.id), factor) for s in card.sections},
        "moved_by": moved,
    }


def _moves(rules: Iterable[RuleResult]) -> list[_Move]:
    """Each finding's nominal points, in call order; repeats of a once-per-call rule count 0."""
    out = []
    for r in rules:
        for n, i in enumerate(sorted(r.findings)):
            out.append(_Move(i, r.rule_id, r.section, r.points if r.per_finding or n == 0 else 0.0))
    return sorted(out, key=lambda m: (m.finding, m.rule_id))


def _section_score(weight: float, moves: list[_Move]) -> tuple[float, list[tuple[_Move, float]]]:
    """clamp(weight + Σ points, 0, weight), and what each move changed on the way there.

    Clamping the running sum at each step and reporting the change in the clamped value makes the
    changes add up to exactly the final clamped score, whatever the mix of deductions and bonuses.
    """
    running, shown, applied = weight, weight, []
    for m in moves:
        running += m.points
        now = min(max(running, 0.0), weight)
        applied.append((m, now - shown))
        shown = now
    return shown, applied


def _details(section: Section, raw: float | None, factor: float) -> dict[str, Any]:
    return {
        "title": section.title,
        "weight": round(section.weight, 4),
        "max": _round(section.weight * factor) if raw is not None else 0.0,
        "score": _round(raw * factor) if raw is not None else None,
        "applicable": raw is not None,
    }


def _round(x: float) -> float:
    # + 0.0 turns -0.0 into 0.0, so equal calls serialize equally.
    return round(x, 2) + 0.0
