"""Role assignment: channel maps, and phrase evidence in Mandarin and English (table-driven)."""

from __future__ import annotations

import pytest

from diarize import RoleOptions, assign_roles, parse_channel_map
from qa.model import Utterance


def _utts(lines: list[tuple[str, float, str]]) -> list[Utterance]:
    return [Utterance(i, "unknown", spk, t, t + 2.0, text, (), int(spk[-1])) for i, (spk, t, text) in enumerate(lines)]


CASES = [
    # (name, lines as (speaker, start, text), expected agent, expected method)
    (
        "zh greeting with agent number",
        [("SPEAKER_01", 0.5, "您好，工号1024为您服务"), ("SPEAKER_00", 3.0, "我的卡被锁了，怎么回事")],
        "SPEAKER_01",
        "phrases",
    ),
    (
        "en greeting, customer speaks first",
        [
            ("SPEAKER_00", 0.2, "hello?"),
            ("SPEAKER_01", 1.0, "Thank you for calling Northwind Bank, my name is Alex, how can I help you?"),
            ("SPEAKER_00", 5.0, "I'd like to ask about my card"),
        ],
        "SPEAKER_01",
        "phrases",
    ),
    (
        "en closing only",
        [
            ("SPEAKER_00", 1.0, "I want to close my account"),
            ("SPEAKER_01", 3.0, "Sure. Is there anything else I can help with? Have a nice day."),
        ],
        "SPEAKER_01",
        "phrases",
    ),
    (
        "no evidence: the first speaker answers the call",
        [("SPEAKER_01", 0.5, "hmm"), ("SPEAKER_00", 2.0, "okay")],
        "SPEAKER_01",
        "default",
    ),
]


@pytest.mark.parametrize(("name", "lines", "agent", "method"), CASES, ids=[c[0] for c in CASES])
def test_phrase_evidence(name: str, lines, agent: str, method: str):
    roles = {r.speaker: r for r in assign_roles(_utts(lines), ["SPEAKER_00", "SPEAKER_01"], RoleOptions())}
    assert roles[agent].role == "agent"
    assert {r.role for r in roles.values()} == {"agent", "customer"}
    assert roles[agent].method == method
    if method == "phrases":
        assert roles[agent].confidence > 0.8
        assert roles[agent].evidence
    else:
        assert roles[agent].confidence < 0.7


def test_company_name_is_strong_evidence():
    lines = [("SPEAKER_00", 0.5, "hello, Contoso"), ("SPEAKER_01", 2.0, "hi")]
    roles = assign_roles(_utts(lines), ["SPEAKER_00", "SPEAKER_01"], RoleOptions(company_names=("Contoso",)))
    agent = next(r for r in roles if r.role == "agent")
    assert agent.speaker == "SPEAKER_00" and "Contoso" in agent.evidence


def test_evidence_names_the_phrase_never_the_words_heard():
    lines = [("SPEAKER_00", 0.5, "my name is Jennifer Smith, how can I help"), ("SPEAKER_01", 2.0, "hi")]
    roles = assign_roles(_utts(lines), ["SPEAKER_00", "SPEAKER_01"], RoleOptions())
    assert not any("Jennifer" in e or "Smith" in e for r in roles for e in r.evidence)


def test_channel_map_wins_over_phrases():
    lines = [("SPEAKER_00", 0.5, "您好，工号1024为您服务"), ("SPEAKER_01", 3.0, "我想查账单")]
    roles = assign_roles(
        _utts(lines), ["SPEAKER_00", "SPEAKER_01"], RoleOptions(), {0: "customer", 1: "agent"}, "metadata"
    )
    assert {r.speaker: (r.role, r.confidence, r.method) for r in roles} == {
        "SPEAKER_00": ("customer", 1.0, "metadata"),
        "SPEAKER_01": ("agent", 1.0, "metadata"),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("agent,customer", {0: "agent", 1: "customer"}),
        (" customer , agent ", {0: "customer", 1: "agent"}),
        (["agent", "customer"], {0: "agent", 1: "customer"}),
        ({"1": "agent", "0": "customer"}, {0: "customer", 1: "agent"}),
    ],
)
def test_parse_channel_map(value, expected):
    assert parse_channel_map(value) == expected


@pytest.mark.parametrize("value", ["agent,boss", 42, {"0": "caller"}])
def test_bad_channel_map(value):
    with pytest.raises(ValueError):
        parse_channel_map(value)


def test_a_channel_map_is_ignored_for_mono_speakers():
    """Two diarized speakers on one channel: mapping channel 0 would make both the agent."""
    lines = [("SPEAKER_00", 0.5, "hmm"), ("SPEAKER_01", 2.0, "thank you for calling, how can I help")]
    utts = [u.__class__(**{**u.__dict__, "channel": 0}) for u in _utts(lines)]
    roles = {r.speaker: r.role for r in assign_roles(utts, ["SPEAKER_00", "SPEAKER_01"], RoleOptions(), {0: "agent"})}
    assert roles == {"SPEAKER_00": "customer", "SPEAKER_01": "agent"}


def test_a_lone_speaker_who_sounds_like_a_customer_is_the_customer():
    lines = [("SPEAKER_01", 0.5, "I'd like to know why my card was declined")]
    [role] = assign_roles(_utts(lines), ["SPEAKER_01"], RoleOptions())
    assert role.role == "customer"
