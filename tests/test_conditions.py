"""Every condition type, table-driven: hits and near-misses, in Mandarin and English."""

from __future__ import annotations

import textwrap

import pytest

from qa.model import Utterance
from rules import check_call, parse_pack


def _pack(condition_yaml: str, mode: str = "forbid", language: str = "en", extra: str = "") -> object:
    body = textwrap.indent(textwrap.dedent(condition_yaml).strip(), " " * 6)
    head = f"pack: t\nversion: '1'\nlanguage: {language}\n{extra}\n"
    text = head + f"rules:\n  - id: r\n    description: d\n    severity: major\n    {mode}:\n{body}\n"
    return parse_pack(text, "t.yaml")


def _call(*lines: tuple[str, float, float, str]) -> tuple[Utterance, ...]:
    return tuple(
        Utterance(i, role, "S0" if role == "agent" else "S1", a, b, text) for i, (role, a, b, text) in enumerate(lines)
    )  # type: ignore[arg-type]


def _fires(
    condition: str,
    call: tuple[Utterance, ...],
    mode: str = "forbid",
    language: str = "en",
    duration: float = 60.0,
    extra: str = "",
) -> list[dict]:
    pack = _pack(condition, mode, language, extra)
    return list(check_call(call, duration, language, pack).findings)  # type: ignore[arg-type]


AGENT_HELLO = ("agent", 0.5, 3.0, "Thank you for calling Northwind, my name is Alex.")
CUSTOMER_ASK = ("customer", 3.5, 6.0, "I'd like to know my balance.")

PHRASE_CASES = [
    # (name, condition, language, utterances, expected number of findings with forbid)
    ("any: hit", "phrases: [my name is]", "en", [AGENT_HELLO], 1),
    ("any: case and punctuation do not matter", "phrases: ['MY NAME, IS']", "en", [AGENT_HELLO], 1),
    ("any: word boundary, 'name' is not 'named'", "phrases: [alex]", "en", [("agent", 0, 1, "Alexander speaking")], 0),
    ("wildcard", "phrases: [thank you * calling]", "en", [AGENT_HELLO], 1),
    ("synonyms", "phrases: ['{greet} for calling']", "en", [AGENT_HELLO], 1),
    ("role scope: customer said nothing of it", "phrases: [my name is]\nrole: customer", "en", [AGENT_HELLO], 0),
    ("window: after the first 2 s", "phrases: [my name is]\nwindow: {from_s: 2}", "en", [AGENT_HELLO], 0),
    ("window: first 10 %", "phrases: [balance]\nwindow: {first_pct: 10}", "en", [AGENT_HELLO, CUSTOMER_ASK], 1),
    ("utterances: only the first", "phrases: [balance]\nutterances: {first: 1}", "en", [AGENT_HELLO, CUSTOMER_ASK], 0),
    ("zh: full-width, traditional script", "phrases: [工号]", "zh", [("agent", 0, 2, "您好，工號１０２４為您服務")], 1),
    (
        "zh: spoken digits meet written ones",
        "phrases: [工号1024]",
        "zh",
        [("agent", 0, 2, "您好，工号幺零二四为您服务")],
        1,
    ),
    ("zh: no hit", "phrases: [不归我管]", "zh", [("agent", 0, 2, "这个问题我来帮您处理")], 0),
]


@pytest.mark.parametrize(
    ("name", "condition", "language", "lines", "n"), PHRASE_CASES, ids=[c[0] for c in PHRASE_CASES]
)
def test_phrases(name: str, condition: str, language: str, lines, n: int):
    extra = "synonyms:\n  greet: [thank you, thanks]"
    assert len(_fires(condition, _call(*lines), language=language, extra=extra)) == n


def test_all_and_at_least():
    call = _call(AGENT_HELLO)
    assert len(_fires("phrases: {all: [thank you, my name is]}", call, mode="require")) == 0
    missing = _fires("phrases: {all: [thank you, agent number]}", call, mode="require")
    assert len(missing) == 1 and "agent number" in missing[0]["explanation"]
    assert len(_fires("phrases: [thank you, my name, agent number]\nat_least: 2", call, mode="require")) == 0
    assert len(_fires("phrases: [thank you, agent number, welcome]\nat_least: 2", call, mode="require")) == 1


def test_none_reports_each_occurrence():
    call = _call(("agent", 0, 1, "I don't know."), ("customer", 1, 2, "What?"), ("agent", 2, 3, "I don't know, sorry."))
    found = _fires("phrases: {none: [i don't know]}\nrole: agent", call, mode="require")
    assert [f["utterance"] for f in found] == [0, 2]
    assert all(f["role"] == "agent" for f in found)


def test_every_agent_utterance():
    call = _call(("agent", 0, 1, "Sure, sir."), ("agent", 2, 3, "OK."), ("agent", 4, 5, "Of course, sir."))
    found = _fires("phrases: [sir]\nrole: agent\nevery: true", call, mode="require")
    assert [f["utterance"] for f in found] == [1]


def test_regex_with_exclusion():
    call = _call(("agent", 0, 1, "Order 12345 is on its way"), ("agent", 2, 3, "Your reference is 99887"))
    found = _fires(r"regex: '\d{5}'" + "\nexclude: order", call)
    assert [f["utterance"] for f in found] == [1]


def test_absence_is_a_finding_with_the_scope_times():
    found = _fires("phrases: [anything else]\nrole: agent\nwindow: {last_s: 20}", _call(AGENT_HELLO), mode="require")
    assert len(found) == 1
    assert (found[0]["start"], found[0]["end"], found[0]["utterance"]) == (40.0, 60.0, None)
    assert "required, not found" in found[0]["explanation"]


BEFORE = """
before:
  first: {phrases: [date of birth], role: agent}
  then: {phrases: [balance], role: agent}
"""


@pytest.mark.parametrize(
    ("lines", "n"),
    [
        ([("agent", 0, 1, "Your date of birth?"), ("agent", 5, 6, "Your balance is 10.")], 0),
        ([("agent", 0, 1, "Your balance is 10."), ("agent", 5, 6, "Your date of birth?")], 1),
        ([("agent", 0, 1, "Your balance is 10.")], 1),
        ([("agent", 0, 1, "Hello.")], 0),  # nothing discussed: nothing to verify first
    ],
)
def test_before(lines, n: int):
    found = _fires(BEFORE, _call(*lines), mode="require")
    assert len(found) == n
    if n:
        assert "balance" in found[0]["evidence"].lower()


AFTER = """
after:
  anchor: {phrases: [complain], role: customer}
  expect: {phrases: [sorry], role: agent}
  within_utterances: 2
"""


@pytest.mark.parametrize(
    ("lines", "n"),
    [
        ([("customer", 0, 1, "I want to complain"), ("agent", 1, 2, "I'm so sorry")], 0),
        (
            [
                ("customer", 0, 1, "I want to complain"),
                ("agent", 1, 2, "OK"),
                ("customer", 2, 3, "!"),
                ("agent", 3, 4, "sorry"),
            ],
            1,
        ),
        ([("customer", 0, 1, "I want to complain"), ("agent", 1, 2, "OK.")], 1),
        ([("agent", 0, 1, "sorry"), ("customer", 1, 2, "I want to complain")], 1),  # sorry came before
        ([("customer", 0, 1, "Hello")], 0),
    ],
)
def test_after_within_utterances(lines, n: int):
    assert len(_fires(AFTER, _call(*lines), mode="require")) == n


def test_after_within_seconds():
    cond = (
        "after:\n  anchor: {phrases: [hold], role: agent}\n"
        "  expect: {phrases: [thank you], role: agent}\n  within_s: 30"
    )
    ok = _call(("agent", 0, 2, "Please hold"), ("agent", 20, 22, "Thank you for waiting"))
    late = _call(("agent", 0, 2, "Please hold"), ("agent", 40, 42, "Thank you for waiting"))
    assert _fires(cond, ok, mode="require") == []
    assert len(_fires(cond, late, mode="require")) == 1


def test_repeated():
    call = _call(*[("agent", i, i + 0.5, "um, I don't know") for i in range(3)])
    assert len(_fires("repeated: {phrases: [don't know]}\nat_least: 3", call)) == 3
    assert _fires("repeated: {phrases: [don't know]}\nat_least: 4", call) == []


def test_boolean_combinations():
    call = _call(AGENT_HELLO)
    assert _fires("all: [{phrases: [thank you]}, {phrases: [my name]}]", call) != []
    assert _fires("all: [{phrases: [thank you]}, {phrases: [agent number]}]", call) == []
    assert _fires("any: [{phrases: [goodbye]}, {phrases: [my name]}]", call) != []
    assert _fires("not: {phrases: [goodbye]}", call) != []
    assert _fires("not: {phrases: [my name]}", call) == []


def test_metric_thresholds_and_silence_and_interruptions():
    call = _call(
        ("customer", 0.0, 4.0, "I wanted to ask about my bill and"),
        ("agent", 2.0, 9.0, "yes yes the bill is fine"),
        ("customer", 30.0, 32.0, "hello?"),
    )
    assert _fires("metric: max_silence_s\nabove: 20", call, duration=32.0) != []
    assert _fires("metric: max_silence_s\nabove: 30", call, duration=32.0) == []
    silence = _fires("silence: {min_s: 15, after: agent}", call, duration=32.0)
    assert len(silence) == 1 and silence[0]["kind"] == "metric" and silence[0]["start"] == pytest.approx(9.0)
    assert _fires("silence: {min_s: 15, after: customer}", call, duration=32.0) == []
    interruptions = _fires("interruption: {by: agent}", call, duration=32.0)
    assert len(interruptions) == 1 and interruptions[0]["start"] == pytest.approx(2.0)
    assert _fires("interruption: {by: customer}", call, duration=32.0) == []


def test_findings_have_the_v1_shape():
    import jsonschema

    from qa.schema import call_schema

    finding_schema = {**call_schema()["$defs"]["finding"], "$defs": call_schema()["$defs"]}
    for f in _fires("phrases: [my name is]", _call(AGENT_HELLO)) + _fires(
        "phrases: [goodbye]", _call(AGENT_HELLO), mode="require"
    ):
        jsonschema.validate(f, finding_schema)
        assert {
            "rule_id",
            "kind",
            "severity",
            "points",
            "role",
            "start",
            "end",
            "utterance",
            "evidence",
            "explanation",
        } <= set(f)


def test_a_finding_points_at_the_matched_words():
    from qa.model import Word

    words = tuple(Word(10.0 + k, 10.5 + k, t) for k, t in enumerate(["Well,", "that's", "not", "my", "problem."]))
    utt = Utterance(0, "agent", "S0", 10.0, 14.5, "Well, that's not my problem.", words)
    [finding] = _fires("phrases: [not my problem]", (utt,))
    assert (finding["start"], finding["end"]) == (12.0, 14.5)


@pytest.mark.parametrize(
    ("text", "n"),
    [("这款产品保本保收益", 1), ("这款产品不保本，投资有风险", 0), ("這款產品保證收益", 1), ("我们不能保证收益", 0)],
)
def test_zh_regex_with_negation_lookbehind(text: str, n: int):
    cond = "regex: '(?<!不)(?<!不能)(保本|保证收益)'\nrole: agent"
    assert len(_fires(cond, _call(("agent", 0, 2, text)), language="zh")) == n


def test_zh_order_and_anchor():
    cond = (
        "after:\n  anchor: {phrases: [投诉], role: customer}\n"
        "  expect: {phrases: [抱歉, 对不起], role: agent}\n  within_utterances: 1"
    )
    ok = _call(("customer", 0, 2, "我要投诉你们"), ("agent", 2, 4, "非常抱歉给您带来不便"))
    bad = _call(("customer", 0, 2, "我要投诉你们"), ("agent", 2, 4, "这个不归我管"))
    assert _fires(cond, ok, mode="require", language="zh") == []
    assert len(_fires(cond, bad, mode="require", language="zh")) == 1
