"""The ``pii.v1`` condition and the leakage policy it expresses, on hand-placed entities."""

from __future__ import annotations

import textwrap

import pytest

from pii.model import Entity
from qa.errors import CallqaError
from qa.model import Utterance, Word
from rules import check_call, parse_pack

CARD = "4532015112830366"


def _pack(condition_yaml: str) -> object:
    body = textwrap.indent(textwrap.dedent(condition_yaml).strip(), " " * 6)
    text = "pack: t\nversion: '1'\nlanguage: en\nrules:\n  - id: r\n    description: d\n    severity: critical\n"
    return parse_pack(text + f"    points: -10\n    forbid:\n{body}\n", "t.yaml")


def _call() -> tuple[tuple[Utterance, ...], tuple[Entity, ...]]:
    lines = [
        ("agent", 0.0, 3.0, "Could you read me the long number on the card?"),
        ("customer", 3.5, 8.0, f"It's {CARD}."),
        ("agent", 9.0, 14.0, f"So that's {CARD}, thank you."),
        ("customer", 30.0, 34.0, f"And my other card is {CARD}."),
    ]
    utts = []
    for i, (role, a, b, text) in enumerate(lines):
        tokens = text.split()
        step = (b - a) / len(tokens)
        words = tuple(Word(a + k * step, a + (k + 1) * step, w) for k, w in enumerate(tokens))
        utts.append(Utterance(i, role, "S0" if role == "agent" else "S1", a, b, text, words))  # type: ignore[arg-type]
    entities = []
    for i, u in enumerate(utts):
        at = u.text.find(CARD)
        if at >= 0:
            w = next(k for k, word in enumerate(u.words) if CARD in word.text)
            entities.append(Entity("bank_card", i, at, at + len(CARD), u.words[w].start, u.words[w].end, CARD, "t"))
    return tuple(utts), tuple(entities)


def _findings(condition: str) -> list[dict]:
    utts, entities = _call()
    return list(check_call(utts, 40.0, "en", _pack(condition), entities).findings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("condition", "utterances"),
    [
        ("pii: [bank_card]", [1, 2, 3]),
        ("pii: [bank_card]\nrole: agent", [2]),
        ("pii: [bank_card]\nrole: customer", [1, 3]),
        ("pii: [cn_id, us_ssn]", []),
        ("pii: [bank_card]\nwindow: {last_s: 15}", [3]),
        # the customer's answer to the agent's question is expected; the card said later is not
        (
            "pii:\n  entities: [bank_card]\n  expected_after: {phrases: [number on the card], role: agent}\n"
            "  within_utterances: 1\nrole: customer",
            [3],
        ),
        (
            "pii:\n  entities: [bank_card]\n  expected_after: {phrases: [number on the card], role: agent}\n"
            "  within_s: 60\nrole: customer",
            [],
        ),
    ],
)
def test_policy(condition: str, utterances: list[int]):
    found = _findings(condition)
    assert [f["utterance"] for f in found] == utterances
    said = {e.utterance: e for e in _call()[1]}
    for f in found:
        e = said[f["utterance"]]
        assert (f["start"], f["end"]) == (round(e.start_s, 3), round(e.end_s, 3))  # the number's word only
        assert f["entity"] == "bank_card"
        assert CARD not in f["evidence"] and "[BANK_CARD]" in f["evidence"]
        assert CARD not in f["explanation"]


def test_last4_masking_in_evidence():
    utts, entities = _call()
    pack = _pack("pii: [bank_card]\nrole: agent")
    (f,) = check_call(utts, 40.0, "en", pack, entities, mask="last4").findings  # type: ignore[arg-type]
    assert f["evidence"] == "So that's [BANK_CARD …0366], thank you."


def test_entities_follow_utterances_given_out_of_time_order():
    utts, entities = _call()
    shuffled = (utts[3], utts[0], utts[2], utts[1])
    index = {u.id: k for k, u in enumerate(shuffled)}
    moved = tuple(
        Entity(e.type, index[e.utterance], e.start, e.end, e.start_s, e.end_s, e.value, "t") for e in entities
    )
    found = check_call(shuffled, 40.0, "en", _pack("pii: [bank_card]\nrole: agent"), moved).findings  # type: ignore[arg-type]
    assert [f["utterance"] for f in found] == [2]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("pii: [bank_cards]", "unknown entity type 'bank_cards'; valid: bank_card"),
        ("pii: []", "needs a list of entity types"),
        ("pii: {entities: [bank_card], after: x}", "unknown key 'after'"),
        ("pii: {entities: [bank_card], expected_after: {phrases: [x]}}", "exactly one of within_s"),
        ("pii: {entities: [bank_card], within_s: 5}", "only go with expected_after"),
        (
            "pii: {entities: [bank_card], expected_after: {phrases: [x]}, within_utterances: -1}",
            "must be a non-negative number",
        ),
        ("pii: [bank_card]\nrole: boss", "role 'boss' is not one of agent, customer, any"),
    ],
)
def test_bad_specs_name_the_line_and_the_choices(condition: str, message: str):
    with pytest.raises(
        CallqaError, match="t.yaml:[0-9]+: rule r: .*" + message.replace("(", r"\(").replace("[", r"\[")
    ):
        _pack(condition)


def test_pii_rules_are_kind_pii():
    rule = _pack("pii: [bank_card]").rules[0]  # type: ignore[attr-defined]
    assert rule.kind == "pii"
