"""emotion.v1: building from YAML (and refusing bad specs), hits and misses on scored utterances."""

from __future__ import annotations

import textwrap

import pytest

from qa.errors import CallqaError
from qa.model import Utterance
from rules import check_call, parse_pack
from rules.conditions import REGISTRY
from rules.emotion_conditions import Emotion


def _pack(condition_yaml: str, mode: str = "forbid") -> object:
    body = textwrap.indent(textwrap.dedent(condition_yaml).strip(), " " * 6)
    text = "pack: t\nversion: '1'\nlanguage: zh\n\nrules:\n  - id: r\n    description: d\n    severity: major\n"
    return parse_pack(text + f"    {mode}:\n{body}\n", "t.yaml")


def _s(label: str, valence: float, arousal: float = 0.0) -> dict:
    return {"label": label, "score": valence, "valence": valence, "arousal": arousal, "text": valence, "voice": None}


# a 40 s call: quarters are 0–10, 10–20, 20–30, 30–40 s
CALL = (
    Utterance(0, "agent", "S0", 0.0, 4.0, "您好", sentiment=_s("neutral", 0.0)),
    Utterance(1, "customer", "S1", 4.0, 9.0, "我要投诉", sentiment=_s("angry", -0.6, 0.6)),
    Utterance(2, "agent", "S0", 10.0, 14.0, "抱歉", sentiment=_s("neutral", 0.0, 0.1)),
    Utterance(3, "customer", "S1", 14.0, 19.0, "还是没到账", sentiment=_s("negative", -0.45, 0.1)),
    Utterance(4, "agent", "S0", 20.0, 29.0, "已经处理", sentiment=None),  # emotion not scored: never matches
    Utterance(5, "customer", "S1", 31.0, 35.0, "太气人了", sentiment=_s("angry", -0.5, 0.8)),
    Utterance(6, "customer", "S1", 36.0, 40.0, "好的谢谢", sentiment=_s("positive", 0.45)),
)

HIT_CASES = [
    # (name, condition, utterance indices found with forbid)
    ("customer angry", "emotion: {role: customer, label: angry}", [1, 5]),
    ("angry in the last quarter", "emotion: {role: customer, label: angry, quarter: 4}", [5]),
    ("a list of labels", "emotion: {role: customer, label: [negative, angry]}", [1, 3, 5]),
    ("a list of quarters", "emotion: {role: customer, label: [negative, angry], quarter: [2, 3]}", [3]),
    ("valence below", "emotion: {role: customer, below: -0.5}", [1]),
    ("arousal above", "emotion: {above_arousal: 0.5}", [1, 5]),
    ("any role, positive", "emotion: {label: positive}", [6]),
    ("the agent was never negative", "emotion: {role: agent, label: [negative, angry]}", []),
    ("None never matches", "emotion: {role: agent, below: 0.5}", [0, 2]),
]


@pytest.mark.parametrize(("name", "condition", "expected"), HIT_CASES, ids=[c[0] for c in HIT_CASES])
def test_hits(name: str, condition: str, expected: list[int]) -> None:
    findings = check_call(CALL, 40.0, "zh", _pack(condition)).findings  # type: ignore[arg-type]
    assert [f["utterance"] for f in findings] == expected
    for f in findings:
        u = CALL[f["utterance"]]
        assert f["kind"] == "emotion" and f["role"] == u.role
        assert (f["start"], f["end"]) == (u.start, u.end)


def test_require_reports_a_miss_for_the_whole_call() -> None:
    findings = check_call(CALL, 40.0, "zh", _pack("emotion: {role: agent, label: positive}", "require")).findings  # type: ignore[arg-type]
    assert len(findings) == 1 and findings[0]["start"] == 0.0 and findings[0]["end"] == 40.0
    assert check_call(CALL, 40.0, "zh", _pack("emotion: {label: positive}", "require")).findings == ()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("trend", "fires"), [("improving", True), ("worsening", False), ("flat", False)], ids=lambda v: str(v)
)
def test_trend_is_one_call_level_hit(trend: str, fires: bool) -> None:
    # customer: first third -0.6 and last third 0.45 → improving
    findings = check_call(CALL, 40.0, "zh", _pack(f"emotion: {{role: customer, trend: {trend}}}")).findings  # type: ignore[arg-type]
    assert len(findings) == (1 if fires else 0)
    if fires:
        f = findings[0]
        assert f["role"] == "customer" and f["utterance"] is None and (f["start"], f["end"]) == (0.0, 40.0)


def test_trend_without_that_role_does_not_hold() -> None:
    call = tuple(u for u in CALL if u.role == "agent")
    assert check_call(call, 40.0, "zh", _pack("emotion: {role: customer, trend: flat}")).findings == ()  # type: ignore[arg-type]


def test_registered_and_requires() -> None:
    assert REGISTRY["emotion"] is Emotion and Emotion.name == "emotion.v1"
    assert _pack("emotion: {label: angry}").requires == frozenset()  # type: ignore[attr-defined]
    assert _pack("emotion: {role: customer, label: angry}").requires == {"roles"}  # type: ignore[attr-defined]
    assert _pack("emotion: {label: angry, quarter: 4}").requires == {"times"}  # type: ignore[attr-defined]
    assert _pack("emotion: {role: agent, trend: flat}").requires == {"roles", "times"}  # type: ignore[attr-defined]


BAD = [
    # (condition, words the error must contain)
    ("emotion: angry", "mapping"),
    ("emotion: {}", "mapping"),
    ("emotion: {role: customer, colour: red}", "unknown key 'colour'"),
    ("emotion: {role: caller, label: angry}", "role 'caller' is not one of agent, customer, any"),
    ("emotion: {label: furious}", "label 'furious' is not one of angry, negative, neutral, positive"),
    ("emotion: {label: []}", "empty list"),
    ("emotion: {label: angry, quarter: 5}", "quarter 5 is not one of 1, 2, 3, 4"),
    ("emotion: {label: angry, quarter: true}", "quarter True is not one of"),
    ("emotion: {below: -2}", "below must be a number from -1 to 1"),
    ("emotion: {above_arousal: high}", "above_arousal must be a number"),
    ("emotion: {role: customer, trend: better}", "trend 'better' is not one of improving, worsening, flat"),
    ("emotion: {trend: improving}", "a trend needs role agent or customer"),
    ("emotion: {role: customer, trend: improving, label: angry}", "whole call"),
    ("emotion: {role: customer}", "needs label, below, above_arousal or trend"),
    ("emotion: {label: angry}\nrole: customer", "goes inside the emotion mapping"),
]


@pytest.mark.parametrize(("condition", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_specs_are_refused_with_the_line_and_choices(condition: str, message: str) -> None:
    with pytest.raises(CallqaError) as e:
        _pack(condition)
    assert message in str(e.value)
    assert "t.yaml:10:" in str(e.value)  # the line of the emotion mapping
