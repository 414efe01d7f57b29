"""Conversation metrics, table-driven: hand-built calls with every expected number worked out by hand."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import numpy as np
import pytest

from qa.model import Utterance, Word
from rules.metrics import MetricOptions, conversation_metrics

Spec = tuple[Any, ...]  # (role, start, end, text) or (role, start, end, text, ((start, end, word), ...))


def _call(*specs: Spec) -> tuple[Utterance, ...]:
    out = []
    for i, (role, start, end, text, *rest) in enumerate(specs):
        words = tuple(Word(a, b, w) for a, b, w in rest[0]) if rest else ()
        out.append(Utterance(i, role, f"S_{role}", float(start), float(end), text, words))
    return tuple(out)


def _latency(mean: float | None, mx: float | None, count: int) -> dict[str, Any]:
    return {"mean": mean, "max": mx, "count": count}


NO_LATENCY = _latency(None, None, 0)

CLEAN = _call(
    ("agent", 0.0, 2.0, "Thank you for calling, how can I help?"),
    ("customer", 2.5, 5.0, "I'd like my balance please"),
    ("agent", 5.5, 8.0, "Sure one moment"),
)


def test_a_clean_two_party_exchange_in_full():
    # Talk: agent [0,2] + [5.5,8] = 4.5 s (the 3.5 s between them is far over the 0.5 s bridge);
    # customer [2.5,5] = 2.5 s. Union 7 s of 10, so silence 3 s: 0.5 after the agent, 0.5 after the
    # customer, 2 s at the end after the agent; none reaches 3 s, so none is listed.
    # Rates: agent 8 + 3 words in 4.5 s = 11 / 0.075 min = 146.667; customer 5 words ("I'd" is one)
    # in 2.5 s = 120. Latencies: customer 2.5 - 2.0 = 0.5, agent 5.5 - 5.0 = 0.5.
    assert conversation_metrics(CLEAN, 10.0) == {
        "duration_s": 10.0,
        "talk_s": {"agent": 4.5, "customer": 2.5},
        "talk_ratio": 0.643,  # 4.5 / 7
        "silence_s": 3.0,
        "max_silence_s": 2.0,
        "silences": [],
        "overtalk_s": 0.0,
        "interruptions": {"agent": 0, "customer": 0},
        "interruption_events": [],
        "speech_rate": {"agent": 146.667, "customer": 120.0},
        "speech_rate_unit": {"agent": "words_per_min", "customer": "words_per_min"},
        "response_latency_s": {"agent": _latency(0.5, 0.5, 1), "customer": _latency(0.5, 0.5, 1)},
    }


EMPTY = {
    "duration_s": 0.0,
    "talk_s": {"agent": 0.0, "customer": 0.0},
    "talk_ratio": None,
    "silence_s": 0.0,
    "max_silence_s": 0.0,
    "silences": [],
    "overtalk_s": 0.0,
    "interruptions": {"agent": 0, "customer": 0},
    "interruption_events": [],
    "speech_rate": {"agent": 0.0, "customer": 0.0},
    "speech_rate_unit": {"agent": "words_per_min", "customer": "words_per_min"},
    "response_latency_s": {"agent": NO_LATENCY, "customer": NO_LATENCY},
}


def test_empty_input_gives_zeros():
    assert conversation_metrics([]) == EMPTY
    # With a known length the whole call is one silence, with nobody before it.
    silent = {**EMPTY, "duration_s": 30.0, "silence_s": 30.0, "max_silence_s": 30.0}
    silent["silences"] = [{"start": 0.0, "end": 30.0, "duration": 30.0, "after": None}]
    assert conversation_metrics([], 30.0) == silent


CASES: list[tuple[str, tuple[Utterance, ...], float | None, MetricOptions, dict[str, Any]]] = [
    (
        # Union 2 + 1.5 + 2 = 5.5 of 14 (the last end): silence 8.5 = 0.5 after the agent + 8 after
        # the customer, [4,12], the only one of 3 s or more. The agent answers 12 - 4 = 8 s late.
        "a long silence after the customer's turn",
        _call(
            ("agent", 0, 2, "Hello"),
            ("customer", 2.5, 4, "My card is blocked"),
            ("agent", 12, 14, "Sorry about that"),
        ),
        None,
        MetricOptions(),
        {
            "duration_s": 14.0,
            "silence_s": 8.5,
            "max_silence_s": 8.0,
            "silences": [{"start": 4.0, "end": 12.0, "duration": 8.0, "after": "customer"}],
            "response_latency_s": {"agent": _latency(8.0, 8.0, 1), "customer": _latency(0.5, 0.5, 1)},
        },
    ),
    (
        # Nobody talks in [0,4]: silence before the first word, so nobody is "before" it.
        "leading silence has no one before it",
        _call(("agent", 4, 6, "Hello")),
        6.0,
        MetricOptions(),
        {"silence_s": 4.0, "silences": [{"start": 0.0, "end": 4.0, "duration": 4.0, "after": None}]},
    ),
    (
        # The agent starts at 2 inside the customer's [0,4]; the customer goes on 2 s (>= 0.3) and
        # they overlap [2,4] = 2 s (>= 0.5): the agent interrupted. Union [0,6]: no silence. The agent's
        # utterance outlasts the customer's, so it is an answer, started early: latency 0.
        "overlap that is an interruption by the agent",
        _call(
            ("customer", 0, 4, "I have been waiting for an hour and"),
            ("agent", 2, 6, "Let me stop you there"),
        ),
        None,
        MetricOptions(),
        {
            "talk_s": {"agent": 4.0, "customer": 4.0},
            "silence_s": 0.0,
            "overtalk_s": 2.0,
            "interruptions": {"agent": 1, "customer": 0},
            "interruption_events": [{"at": 2.0, "by": "agent", "of": "customer", "overlap_s": 2.0}],
            "response_latency_s": {"agent": _latency(0.0, 0.0, 1), "customer": NO_LATENCY},
        },
    ),
    (
        # The customer starts at 4 inside the agent's [0,5]; the agent goes on 1 s, overlap [4,5] = 1 s.
        "overlap that is an interruption by the customer",
        _call(("agent", 0, 5, "Your balance is"), ("customer", 4, 7, "No wait that is wrong")),
        None,
        MetricOptions(),
        {
            "overtalk_s": 1.0,
            "interruptions": {"agent": 0, "customer": 1},
            "interruption_events": [{"at": 4.0, "by": "customer", "of": "agent", "overlap_s": 1.0}],
        },
    ),
    (
        # The agent starts at 2.8, the customer stops at 3.0: only 0.2 s more (< 0.3), so the agent
        # took a turn the customer was finishing. Still 0.2 s of overtalk; latency -0.2 counts as 0.
        "overlap at the turn end is normal turn-taking",
        _call(("customer", 0, 3, "That is all thanks"), ("agent", 2.8, 5, "You are welcome")),
        None,
        MetricOptions(),
        {
            "overtalk_s": 0.2,
            "interruptions": {"agent": 0, "customer": 0},
            "interruption_events": [],
            "response_latency_s": {"agent": _latency(0.0, 0.0, 1), "customer": NO_LATENCY},
        },
    ),
    (
        # A 0.4 s "mm-hm" at 2 inside the customer's [0,6]: the customer goes on 4 s, but the overlap
        # is 0.4 (< 0.5), a backchannel. It ends inside the customer's turn, so it answers nothing.
        "a backchannel is neither an interruption nor an answer",
        _call(("customer", 0, 6, "So I went to the branch and"), ("agent", 2, 2.4, "mm-hm")),
        None,
        MetricOptions(),
        {
            "overtalk_s": 0.4,
            "interruptions": {"agent": 0, "customer": 0},
            "response_latency_s": {"agent": NO_LATENCY, "customer": NO_LATENCY},
        },
    ),
    (
        # Overlap [2,3] = 1 s and the customer goes on 1 s: an interruption by default, but not when
        # the pack demands that the interrupted side goes on 1.5 s.
        "a longer interruption delay lets the speaker finish",
        _call(("customer", 0, 3, "I want to close it"), ("agent", 2, 5, "Before you do")),
        None,
        MetricOptions(interruption_delay_s=1.5),
        {"overtalk_s": 1.0, "interruptions": {"agent": 0, "customer": 0}},
    ),
    (
        # Both start at 0: nobody cut in on anybody, though they overlap [0,2].
        "starting together is nobody's interruption",
        _call(("agent", 0, 3, "Hello"), ("customer", 0, 2, "Hello")),
        None,
        MetricOptions(),
        {"overtalk_s": 2.0, "interruptions": {"agent": 0, "customer": 0}},
    ),
    (
        # Words [0,1] [1.2,2] [4,5]: the 0.2 s gap is bridged (<= 0.5), the 2 s pause is not, so talk is
        # [0,2] + [4,5] = 3 s and [2,4] is a 2 s silence after the agent. 3 words / 3 s = 60 per minute.
        "words with an internal pause: the pause is silence",
        _call(("agent", 0, 5, "hello there friend", ((0, 1, "hello"), (1.2, 2, "there"), (4, 5, "friend")))),
        None,
        MetricOptions(silence_min_s=2.0),
        {
            "talk_s": {"agent": 3.0, "customer": 0.0},
            "silence_s": 2.0,
            "silences": [{"start": 2.0, "end": 4.0, "duration": 2.0, "after": "agent"}],
            "speech_rate": {"agent": 60.0, "customer": 0.0},
        },
    ),
    (
        # Same call, no bridging: talk 1 + 0.8 + 1 = 2.8 s, silence 0.2 + 2 = 2.2; 3 / 2.8 * 60 = 64.286.
        "without bridging every gap between words is silence",
        _call(("agent", 0, 5, "hello there friend", ((0, 1, "hello"), (1.2, 2, "there"), (4, 5, "friend")))),
        None,
        MetricOptions(bridge_pause_s=0.0),
        {
            "talk_s": {"agent": 2.8, "customer": 0.0},
            "silence_s": 2.2,
            "speech_rate": {"agent": 64.286, "customer": 0.0},
        },
    ),
    (
        # The utterance says [0,6] but its words are [1,3]: talk 2 s; silence [0,1] (nobody before it)
        # and [3,6] after the agent, 3 s, listed. The call still lasts to the utterance's end.
        "word times win over the utterance's span",
        _call(("agent", 0, 6, "hi there", ((1, 2, "hi"), (2, 3, "there")))),
        None,
        MetricOptions(),
        {
            "duration_s": 6.0,
            "talk_s": {"agent": 2.0, "customer": 0.0},
            "silence_s": 4.0,
            "max_silence_s": 3.0,
            "silences": [{"start": 3.0, "end": 6.0, "duration": 3.0, "after": "agent"}],
        },
    ),
    (
        # 您好工号为您服务 = 8 characters + "1024" = 9 units in 3 s = 180 per minute, characters;
        # "I'd like to check my card" = 6 words in 3 s = 120 per minute, words.
        "Chinese is counted in characters, English in words",
        _call(("agent", 0, 3, "您好，工号1024为您服务"), ("customer", 3.5, 6.5, "I'd like to check my card")),
        None,
        MetricOptions(),
        {
            "speech_rate": {"agent": 180.0, "customer": 120.0},
            "speech_rate_unit": {"agent": "chars_per_min", "customer": "words_per_min"},
        },
    ),
    (
        # Well, I, see, thanks: 4 words (a dash or comma standing alone is no word) in 6 s = 40.
        "punctuation on its own is not a word",
        _call(("agent", 0, 6, "Well — I see , thanks")),
        None,
        MetricOptions(),
        {
            "speech_rate": {"agent": 40.0, "customer": 0.0},
            "speech_rate_unit": {"agent": "words_per_min", "customer": "words_per_min"},
        },
    ),
    (
        # 我想查一下 = 5 characters, "my balance" = 2 words: mostly Chinese, 7 units in 2 s = 210.
        # The agent said nothing and takes the call's unit (characters), at rate 0.
        "code-switched Mandarin, and a silent role takes the call's unit",
        _call(("customer", 0, 2, "我想查一下my balance")),
        None,
        MetricOptions(),
        {
            "speech_rate": {"agent": 0.0, "customer": 210.0},
            "speech_rate_unit": {"agent": "chars_per_min", "customer": "chars_per_min"},
            "talk_ratio": 0.0,
        },
    ),
    (
        # Unknown speech [1,3] fills silence and overlaps the agent's [0,2] for 1 s (overtalk), but is
        # in no per-role figure: its start inside the agent's talk is no interruption, and the
        # customer answers the agent (3 s after 2), not it. Union [0,3] + [5,6] = 4 of 6: the 2 s
        # silence [3,5] follows the unknown speaker. Talk ratio 2 / 3.
        "unknown speech counts in silence and overtalk only",
        _call(("agent", 0, 2, "Hello"), ("unknown", 1, 3, "please hold the line"), ("customer", 5, 6, "hi")),
        6.0,
        MetricOptions(silence_min_s=2.0),
        {
            "talk_s": {"agent": 2.0, "customer": 1.0},
            "talk_ratio": 0.667,
            "silence_s": 2.0,
            "silences": [{"start": 3.0, "end": 5.0, "duration": 2.0, "after": "unknown"}],
            "overtalk_s": 1.0,
            "interruptions": {"agent": 0, "customer": 0},
            "speech_rate": {"agent": 30.0, "customer": 60.0},
            "response_latency_s": {"agent": NO_LATENCY, "customer": _latency(3.0, 3.0, 1)},
        },
    ),
    (
        # Agent answers: at 3.8 to the customer's end 4 (-0.2 → 0), at 10.5 to 9 (1.5): mean 0.75.
        # Customer answers: at 2.5 to 2 (0.5), at 7 to 6 (1.0): mean 0.75. [8.2,9] continues the
        # customer's own turn and answers nothing. The 0.2 s early start is turn-taking, not an interruption.
        "response latency, with an early start counted as 0",
        _call(
            ("agent", 0, 2, "Hello"),
            ("customer", 2.5, 4, "Hi I need help"),
            ("agent", 3.8, 6, "Of course"),
            ("customer", 7, 8, "My card"),
            ("customer", 8.2, 9, "was stolen"),
            ("agent", 10.5, 11, "I see"),
        ),
        None,
        MetricOptions(),
        {
            "overtalk_s": 0.2,
            "interruptions": {"agent": 0, "customer": 0},
            "response_latency_s": {"agent": _latency(0.75, 1.5, 2), "customer": _latency(0.75, 1.0, 2)},
        },
    ),
    (
        # A transcript that runs past the recording is clipped to it: talk [0,10], no silence.
        "talk after the given duration is cut off",
        _call(("agent", 0, 12, "a long speech")),
        10.0,
        MetricOptions(),
        {"duration_s": 10.0, "talk_s": {"agent": 10.0, "customer": 0.0}, "silence_s": 0.0, "max_silence_s": 0.0},
    ),
]


@pytest.mark.parametrize(("name", "utterances", "duration", "options", "expected"), CASES, ids=[c[0] for c in CASES])
def test_metrics_cases(
    name: str, utterances: tuple[Utterance, ...], duration: float | None, options: MetricOptions, expected: dict
):
    metrics = conversation_metrics(utterances, duration, options)
    assert set(metrics) == set(EMPTY)
    assert {key: metrics[key] for key in expected} == expected


def test_input_order_does_not_matter_and_output_is_json():
    utterances = CASES[-2][1]
    shuffled = list(utterances)
    random.Random(7).shuffle(shuffled)
    metrics = conversation_metrics(utterances)
    assert conversation_metrics(shuffled) == metrics
    assert json.loads(json.dumps(metrics)) == metrics


def test_options_are_checked():
    assert MetricOptions.from_mapping({"silence_min_s": 5}).silence_min_s == 5
    with pytest.raises(ValueError, match="valid: silence_min_s"):
        MetricOptions.from_mapping({"silence_min": 5})
    for bad in (-1.0, float("nan"), True, "3"):
        with pytest.raises(ValueError, match="silence_min_s"):
            MetricOptions(silence_min_s=bad)  # type: ignore[arg-type]


# --- property check: random calls against a brute-force oracle on a 10 ms grid --------------------

TICK = 100  # grid cells per second; every random time is a whole number of cells
BRIDGE_TICKS = 50
# Half a cell over 0.5 s, so no random gap lies exactly on the bridge bound, where float rounding
# would decide.
BRIDGE = MetricOptions(bridge_pause_s=0.505)


def _random_call(rng: random.Random, roles: tuple[str, ...]) -> tuple[list[tuple[str, list[tuple[int, int]]]], int]:
    """Utterances as (role, talk spans in ticks) and the call's length in ticks."""
    utterances = []
    for _ in range(rng.randint(0, 25)):
        start = rng.randint(0, 6000)
        end = start + rng.randint(10, 800)
        if rng.random() < 0.5:
            spans, t = [], start
            while t < end:
                w_end = min(end, t + rng.randint(5, 80))
                spans.append((t, w_end))
                t = w_end + rng.choice([0, 0, 5, 20, 49, 51, 120, 300])
            utterances.append((rng.choice(roles), spans))
        else:
            utterances.append((rng.choice(roles), [(start, end)]))
    last = max((s[-1][1] for _, s in utterances), default=0)
    duration = rng.choice([last, last + rng.randint(0, 1000), max(0, last - rng.randint(0, 500))])
    return utterances, duration


def _to_utterances(call: list[tuple[str, list[tuple[int, int]]]]) -> list[Utterance]:
    out = []
    for i, (role, spans) in enumerate(call):
        # One span is an utterance without words; several are its words.
        words = tuple(Word(a / TICK, b / TICK, "w") for a, b in spans) if len(spans) > 1 else ()
        text = " ".join("w" for _ in spans)
        out.append(Utterance(i, role, role, spans[0][0] / TICK, spans[-1][1] / TICK, text, words))  # type: ignore[arg-type]
    return out


def _oracle(call: list[tuple[str, list[tuple[int, int]]]], duration: int) -> dict[str, Any]:
    grids = {role: np.zeros(duration, dtype=bool) for role in ("agent", "customer", "unknown")}
    for role, spans in call:
        for a, b in spans:
            grids[role][a:b] = True
    for grid in grids.values():
        on = np.flatnonzero(grid)
        for left, right in itertools.pairwise(on.tolist()):
            if 1 < right - left <= BRIDGE_TICKS + 1:  # a gap of right - left - 1 cells between talking cells
                grid[left + 1 : right] = True
    talking = np.zeros(duration, dtype=int)
    for grid in grids.values():
        talking += grid
    quiet = np.concatenate((np.zeros(1, dtype=int), (talking == 0).astype(int), np.zeros(1, dtype=int)))
    edges = np.flatnonzero(np.diff(quiet))
    longest = int(max((b - a for a, b in zip(edges[::2], edges[1::2], strict=True)), default=0))
    return {
        "talk": {role: int(g.sum()) / TICK for role, g in grids.items()},
        "union": int((talking > 0).sum()) / TICK,
        "overtalk": int((talking >= 2).sum()) / TICK,
        "max_silence": longest / TICK,
        "grids": grids,
    }


@pytest.mark.parametrize("roles", [("agent", "customer"), ("agent", "customer", "unknown")])
def test_random_calls_agree_with_a_brute_force_oracle(roles: tuple[str, ...]):
    rng = random.Random(20261126)
    for _ in range(40):
        call, duration = _random_call(rng, roles)
        metrics = conversation_metrics(_to_utterances(call), duration / TICK, BRIDGE)
        want = _oracle(call, duration)
        close = pytest.approx
        assert metrics["duration_s"] == close(duration / TICK)
        assert metrics["silence_s"] + want["union"] == close(metrics["duration_s"], abs=2e-3)
        assert metrics["talk_s"] == close({r: want["talk"][r] for r in ("agent", "customer")}, abs=2e-3)
        assert metrics["overtalk_s"] == close(want["overtalk"], abs=2e-3)
        assert metrics["max_silence_s"] == close(want["max_silence"], abs=2e-3)
        talk = metrics["talk_s"]["agent"] + metrics["talk_s"]["customer"]
        if "unknown" not in roles:
            # Two parties: the union is both talks less the time they share.
            assert talk - metrics["overtalk_s"] + metrics["silence_s"] == close(metrics["duration_s"], abs=3e-3)
        # Any parties: the two talks, less all overtalk, fit in the time that is not silence.
        assert talk - metrics["overtalk_s"] + metrics["silence_s"] <= metrics["duration_s"] + 3e-3
        silences = metrics["silences"]
        assert all(s["duration"] >= 3.0 for s in silences)
        assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(silences))
        assert sum(s["duration"] for s in silences) <= metrics["silence_s"] + 1e-6
        for event in metrics["interruption_events"]:
            at = round(event["at"] * TICK)
            assert want["grids"][event["of"]][at - 1 : at + 1].all() and want["grids"][event["by"]][at]
            assert event["overlap_s"] >= 0.5
        assert [sum(e["by"] == r for e in metrics["interruption_events"]) for r in ("agent", "customer")] == [
            metrics["interruptions"]["agent"],
            metrics["interruptions"]["customer"],
        ]
        assert metrics["talk_ratio"] is None or 0.0 <= metrics["talk_ratio"] <= 1.0
