"""One call's score from a scorecard: the arithmetic in tables, and template errors with lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qa.errors import CallqaError
from rules.errors import PackError
from rules.yamlines import load_yaml
from scoring.scorecard import RuleResult, Scorecard, Section, load_scorecard, parse_scorecard, score_call


def card(*weights: tuple[str, float], top: float = 100.0, pass_mark: float = 80.0) -> Scorecard:
    return Scorecard(tuple(Section(s, s.title(), w) for s, w in weights), top, pass_mark)


def rule(
    rid: str,
    section: str,
    points: float,
    findings: tuple[int, ...] = (),
    *,
    applicable: bool = True,
    per_finding: bool = False,
    auto_fail: bool = False,
) -> RuleResult:
    return RuleResult(rid, section, applicable, points, per_finding, auto_fail, findings)


AB = card(("a", 60), ("b", 40))
ABC = card(("a", 50), ("b", 30), ("c", 20))

# (name, card, rule results, total, {section: scaled score or None})
CASES: list[tuple[str, Scorecard, list[RuleResult], float, dict[str, float | None]]] = [
    ("no findings: full marks",
     AB, [rule("r1", "a", -10), rule("r2", "b", -5)], 100, {"a": 60, "b": 40}),
    ("a deduction in its section",
     AB, [rule("r1", "a", -10, (0,)), rule("r2", "b", -5)], 90, {"a": 50, "b": 40}),
    ("weights: the same points weigh the same raw",
     AB, [rule("r1", "a", -10), rule("r2", "b", -10, (0,))], 90, {"a": 60, "b": 30}),
    ("once per call, however many findings",
     AB, [rule("r1", "a", -10, (0, 1, 2)), rule("r2", "b", 0)], 90, {"a": 50, "b": 40}),
    ("per finding",
     AB, [rule("r1", "a", -10, (0, 1, 2), per_finding=True), rule("r2", "b", 0)], 70, {"a": 30, "b": 40}),
    ("clamped at 0",
     AB, [rule("r1", "a", -25, (0, 1, 2), per_finding=True), rule("r2", "b", 0)], 40, {"a": 0, "b": 40}),
    ("bonus capped at the section max",
     AB, [rule("r1", "a", 15, (0,)), rule("r2", "b", 0)], 100, {"a": 60, "b": 40}),
    ("bonus makes up a deduction",
     AB, [rule("r1", "a", -20, (0,)), rule("r2", "a", 15, (1,)), rule("r3", "b", 0)], 95, {"a": 55, "b": 40}),
    # b N/A: a alone is scaled to 100, so -10 of 60 raw is -16.67
    ("N/A section rebalanced",
     AB, [rule("r1", "a", -10, (0,)), rule("r2", "b", -5, applicable=False)], 83.33, {"a": 83.33, "b": None}),
    ("a section without rules is N/A",
     ABC, [rule("r1", "a", -10, (0,)), rule("r2", "b", 0)], 87.5, {"a": 50, "b": 37.5, "c": None}),
    ("rounding to 2 decimals",
     card(("a", 1), ("b", 1), ("c", 1)), [rule("r1", "a", 0), rule("r2", "b", 0), rule("r3", "c", -0.5, (0,))],
     83.33, {"a": 33.33, "b": 33.33, "c": 16.67}),
    ("a rule in an unweighted section moves nothing",
     AB, [rule("r1", "a", 0), rule("r2", "b", 0), rule("x", "zzz", -50, (0,))], 100, {"a": 60, "b": 40}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "scorecard", "results", "total", "sections"), CASES, ids=[c[0] for c in CASES])
def test_arithmetic(
    name: str, scorecard: Scorecard, results: list[RuleResult], total: float, sections: dict[str, float | None]
):
    score = score_call(scorecard, results)
    assert score["total"] == total
    assert score["sections"] == sections
    assert score["passed"] is (total >= 80)
    assert score["auto_fail"] is False and score["total_before_auto_fail"] == total
    assert score["applicable"] is True


def test_moved_by_adds_up_to_what_the_section_lost():
    # a: weight 60, -25 per finding three times → clamped at 0 after 60 raw points
    results = [rule("r1", "a", -25, (0, 2, 3), per_finding=True), rule("r2", "b", -5, (1, 4))]
    score = score_call(AB, results)
    moved = [(m["finding"], m["rule_id"], m["points"]) for m in score["moved_by"]]
    assert moved == [(0, "r1", -25), (1, "r2", -5), (2, "r1", -25), (3, "r1", -10), (4, "r2", 0)]
    assert sum(m["points"] for m in score["moved_by"] if m["section"] == "a") == score["sections"]["a"] - 60


def test_moved_by_is_scaled_when_sections_rebalance():
    score = score_call(AB, [rule("r1", "a", -6, (0,)), rule("r2", "b", -5, applicable=False)])
    assert score["moved_by"] == [{"finding": 0, "rule_id": "r1", "section": "a", "points": -10.0}]


def test_auto_fail_zeroes_the_total_and_keeps_the_score_it_had():
    results = [
        rule("pii.card", "a", -5, (1,), auto_fail=True),
        rule("r2", "b", 0),
        rule("never", "b", 0, auto_fail=True),
    ]
    score = score_call(AB, results)
    assert (score["total"], score["total_before_auto_fail"]) == (0, 95)
    assert score["auto_fail"] is True and score["passed"] is False
    assert score["auto_fail_rules"] == ["pii.card"]


def test_pass_mark_is_inclusive():
    assert score_call(card(("a", 10)), [rule("r", "a", -2, (0,))])["passed"] is True  # exactly 80


def test_no_applicable_section_gives_full_marks_flagged():
    score = score_call(AB, [rule("r1", "a", -10, (0,), applicable=False)])
    assert score["total"] == 100 and score["passed"] is True
    assert score["applicable"] is False
    assert score["sections"] == {"a": None, "b": None}
    assert score["moved_by"] == []


def test_section_details():
    score = score_call(AB, [rule("r1", "a", -10, (0,)), rule("r2", "b", 0, applicable=False)])
    assert score["section_details"] == {
        "a": {"title": "A", "weight": 60, "max": 100.0, "score": 83.33, "applicable": True},
        "b": {"title": "B", "weight": 40, "max": 0.0, "score": None, "applicable": False},
    }


def test_default_weights_are_equal():
    c = Scorecard.default({"opening": "Opening", "closing": "Closing", "privacy": "Privacy", "hold": "Hold"})
    assert [s.weight for s in c.sections] == [25, 25, 25, 25]
    assert (c.max, c.pass_mark) == (100, 80)
    c.validate()


@pytest.mark.parametrize(
    ("scorecard", "message"),
    [
        (Scorecard(()), "at least one section"),
        (card(("a", 10), top=0), "max must be a positive number"),
        (card(("a", 10), pass_mark=120), "pass_mark must be between 0 and max (100)"),
        (card(("a", 0)), "section 'a': weight must be a positive number"),
        (card(("a", 1), ("a", 2)), "section 'a' is weighted twice"),
    ],
)
def test_validate(scorecard: Scorecard, message: str):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        scorecard.validate()


SECTIONS = {"opening": "Opening", "closing": "Closing"}


def parse(text: str) -> Scorecard:
    doc = load_yaml(text, "t.yaml")
    return parse_scorecard(doc["scorecard"], SECTIONS, doc.line_of("scorecard"))


def test_parse_a_full_scorecard():
    c = parse(
        "x: 1\nscorecard:\n  max: 10\n  pass_mark: 6\n"
        "  sections:\n    opening: {weight: 3, title: Hello}\n    closing: 1\n"
    )
    assert c == Scorecard((Section("opening", "Hello", 3.0), Section("closing", "Closing", 1.0)), 10.0, 6.0)


def test_parse_without_sections_weighs_them_equally():
    assert parse("scorecard: {pass_mark: 70}\n") == Scorecard(
        (Section("opening", "Opening", 50.0), Section("closing", "Closing", 50.0)), 100.0, 70.0
    )


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("  maximum: 10\n", 3, "unknown scorecard key 'maximum'; valid: max, pass_mark, sections"),
        ("  max: -5\n", 3, "scorecard max must be positive"),
        ("  max: ten\n", 3, "scorecard max must be a number"),
        ("  pass_mark: 101\n", 3, "pass_mark 101 is not between 0 and max (100)"),
        ("  max: 10\n  pass_mark: -1\n", 4, "pass_mark -1 is not between 0 and max (10)"),
        (
            "  sections:\n    opening: {weight: 1}\n    closing: {weight: 1}\n    hold: {weight: 1}\n",
            6,
            "scorecard section 'hold' is not one of the pack's sections: opening, closing",
        ),
        ("  sections:\n    opening: {weight: 1}\n    closing: {weight: 0}\n", 5, "weight must be a positive number"),
        ("  sections:\n    opening: {weight: 1}\n    closing:\n      weight: -3\n", 6, "weight must be a positive"),
        ("  sections:\n    opening: {weight: 1, colour: red}\n    closing: 1\n", 4, "valid: weight, title"),
        ("  sections:\n    opening: {title: x}\n    closing: 1\n", 4, "'opening' needs a weight"),
        ("  sections:\n    opening: 1\n", 3, "need a weight for every pack section; missing: closing"),
        ("  sections: [opening]\n", 3, "maps a section id to its weight"),
    ],
)
def test_parse_errors_name_the_line(body: str, line: int, message: str):
    with pytest.raises(PackError) as e:
        parse("pack: t\nscorecard:\n" + body)
    assert e.value.line == line
    assert message in e.value.message


def test_a_pack_scorecard_error_names_file_and_line():
    from rules import parse_pack

    text = (
        "pack: t\nversion: '1'\nsections: {opening: Opening}\nscorecard:\n  sections:\n    openin: {weight: 5}\n"
        "rules:\n  - id: a\n    description: d\n    section: opening\n"
        "    severity: major\n    require: {phrases: [hi]}\n"
    )
    with pytest.raises(CallqaError, match=r"t.yaml:6: scorecard section 'openin' is not one of .*: opening"):
        parse_pack(text, "t.yaml")


class _Pack:
    sections: dict[str, str] = SECTIONS
    rules: tuple[Any, ...] = ()


@pytest.mark.parametrize("wrapped", [True, False])
def test_load_scorecard_from_a_file(tmp_path: Path, wrapped: bool):
    body = "max: 50\npass_mark: 40\nsections:\n  opening: 1\n  closing: 3\n"
    path = tmp_path / "card.yaml"
    path.write_text("scorecard:\n" + "".join(f"  {x}\n" for x in body.splitlines()) if wrapped else body)
    c = load_scorecard(path, _Pack())  # type: ignore[arg-type]
    assert (c.max, c.pass_mark, [s.weight for s in c.sections]) == (50, 40, [1, 3])


def test_load_scorecard_errors_name_file_and_line(tmp_path: Path):
    path = tmp_path / "card.yaml"
    path.write_text("max: 50\npass_mark: 60\n")
    with pytest.raises(CallqaError, match=r"card.yaml:2: pass_mark 60 is not between 0 and max \(50\)"):
        load_scorecard(path, _Pack())  # type: ignore[arg-type]
    path.write_text("max: [\n")
    with pytest.raises(CallqaError, match=r"card\.yaml.*not valid YAML"):
        load_scorecard(path, _Pack())  # type: ignore[arg-type]
