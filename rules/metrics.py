"""Conversation metrics of one call: talk, silence, overtalk, interruptions, speech rate, latency.

Everything is computed from the utterances' times. An utterance with words is talk only where its
words are (a pause inside it is silence); one without words is talk from its start to its end.
Per-role figures are for ``agent`` and ``customer``; ``unknown`` speech still fills silence and
makes overtalk. The result is plain JSON (floats rounded to milliseconds) and depends only on the
input, never on its order.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Any

from qa.model import Utterance

Span = tuple[float, float]
_Talk = tuple[str, list[Span], Utterance]  # role, where it is talk, the utterance

PARTIES: tuple[str, str] = ("agent", "customer")
_TIMELINE_ROLES: tuple[str, ...] = ("agent", "customer", "unknown")

# Han (with extension A, compatibility and the supplementary planes), kana and Hangul: scripts
# whose speech rate is counted per character (syllable), because they are not written in words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
# A whitespace-separated token with no letter or digit in it ("-", "，") is not a word. Words are
# counted by splitting rather than by a word regex: findall pays per match, and this is the hot spot.
_NOT_A_WORD = re.compile(r"\s(?:[^\w\s]|_)+(?=\s)")

CHARS_PER_MIN = "chars_per_min"
WORDS_PER_MIN = "words_per_min"


@dataclass(frozen=True)
class MetricOptions:
    """Thresholds of the conversation metrics; a pack's ``metrics:`` mapping sets them by name."""

    # Shorter silences still count in silence_s and max_silence_s; only these are listed, because
    # rules look for holds and dead air, and a 1 s gap between turns is ordinary conversation.
    silence_min_s: float = 3.0
    # An overlap at the other's turn end this short is turn-taking: people start answering the last
    # syllable of a question. The interrupted side must go on talking at least this long.
    interruption_delay_s: float = 0.3
    # Backchannels ("嗯", "对", "mm-hm") are 0.2–0.5 s and say "I am listening"; talking over the
    # other side for at least this long is taking the floor. With the defaults this bound is the
    # stricter one; raise interruption_delay_s above it to demand that the other clearly went on.
    min_interruption_overlap_s: float = 0.5
    # Pauses up to this long between one role's stretches of talk (words, or utterances without
    # words) count as that role's talk: breaths and word-time jitter are not silence anyone hears,
    # and speech rate conventionally includes them. 0 counts every gap between words as silence.
    bridge_pause_s: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise ValueError(f"metrics option {f.name} must be a number of seconds >= 0, not {value!r}")

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> MetricOptions:
        """Options from a pack's ``metrics:`` mapping; a ValueError names an unknown key."""
        valid = [f.name for f in fields(cls)]
        for key in options:
            if key not in valid:
                raise ValueError(f"unknown metrics option {key!r}; valid: {', '.join(valid)}")
        return cls(**options)


@dataclass(frozen=True)
class _Timeline:
    """One call's talk, merged per role and measured against the call's length."""

    duration: float
    segments: Mapping[str, tuple[Span, ...]]  # per role: sorted, disjoint, pauses bridged
    speech: float  # time anyone talks
    overtalk: float  # time two or more roles talk
    gaps: tuple[tuple[float, float, str | None], ...]  # every silence, with the role before it


def conversation_metrics(
    utterances: Sequence[Utterance], duration_s: float | None = None, options: MetricOptions | None = None
) -> dict[str, Any]:
    """The call's ``metrics``: JSON-ready, deterministic, zeros (not errors) for an empty call."""
    opts = options or MetricOptions()
    talks = [(_role(u), _talk_spans(u), u) for u in utterances]
    timeline = _timeline(talks, _duration(talks, duration_s), opts.bridge_pause_s)
    talk = {role: sum(e - s for s, e in timeline.segments[role]) for role in PARTIES}
    both = talk["agent"] + talk["customer"]
    events = _interruptions(timeline.segments, opts)
    rates, units = _speech_rates(talks, talk)
    return {
        "duration_s": _r(timeline.duration),
        "talk_s": {role: _r(talk[role]) for role in PARTIES},
        "talk_ratio": _r(talk["agent"] / both) if both > 0 else None,
        "silence_s": _r(timeline.duration - timeline.speech),
        "max_silence_s": _r(max((e - s for s, e, _ in timeline.gaps), default=0.0)),
        "silences": [
            {"start": _r(s), "end": _r(e), "duration": _r(e - s), "after": after}
            for s, e, after in timeline.gaps
            if e - s >= opts.silence_min_s
        ],
        "overtalk_s": _r(timeline.overtalk),
        "interruptions": {role: sum(1 for ev in events if ev["by"] == role) for role in PARTIES},
        "interruption_events": events,
        "speech_rate": rates,
        "speech_rate_unit": units,
        "response_latency_s": _response_latencies(talks),
    }


def _r(x: float) -> float:
    # + 0.0 turns -0.0 into 0.0, so equal calls serialize equally.
    return round(x, 3) + 0.0


def _role(u: Utterance) -> str:
    # Roles are validated on input; anything else that slips through is treated as unknown speech.
    return u.role if u.role in _TIMELINE_ROLES else "unknown"


def _talk_spans(u: Utterance) -> list[Span]:
    """Where an utterance is talk: its words when it has them, else its whole span."""
    # "e >= s" also drops NaN times (every comparison with NaN is false); infinite ones are clipped
    # to the call later. A broken time must not poison every sum.
    if u.words:
        return [(w.start, w.end) for w in u.words if w.end >= w.start]
    return [(u.start, u.end)] if u.end >= u.start else []


def _duration(talks: Sequence[_Talk], given: float | None) -> float:
    if given is not None and math.isfinite(given) and given >= 0:
        return float(given)
    ends = [u.end for _, _, u in talks] + [max(spans, key=itemgetter(1))[1] for _, spans, _ in talks if spans]
    return max([0.0, *(e for e in ends if math.isfinite(e))])


def _merge(spans: Sequence[Span], bridge: float, duration: float) -> tuple[Span, ...]:
    """Sorted, disjoint spans within [0, duration]; neighbours at most ``bridge`` apart become one."""
    merged: list[Span] = []
    cur_s = cur_e = 0.0
    started = False
    for s, e in sorted(spans):
        if e <= 0.0 or s >= duration:
            # Outside the recording: a transcript that outruns its audio cannot add talk after the end.
            continue
        if started and s <= cur_e + bridge:
            if e > cur_e:
                cur_e = e
        else:
            if started:
                merged.append((cur_s, cur_e))
            cur_s, cur_e, started = s, e, True
    if started:
        merged.append((cur_s, cur_e))
        # Sorted and disjoint, so only the first can start before 0 and only the last end after the end.
        merged[0] = (max(merged[0][0], 0.0), merged[0][1])
        merged[-1] = (merged[-1][0], min(merged[-1][1], duration))
    return tuple(merged)


def _timeline(talks: Sequence[_Talk], duration: float, bridge: float) -> _Timeline:
    per_role: dict[str, list[Span]] = {role: [] for role in _TIMELINE_ROLES}
    for role, spans, _ in talks:
        per_role[role] += spans
    segments = {role: _merge(spans, bridge, duration) for role, spans in per_role.items()}
    # Sweep over segment edges; per role segments are disjoint, so "active" counts talking roles.
    # At one instant ends sort before starts, and of two ends the later-started one comes last:
    # when two roles fall silent together, the one who started later had the last word.
    edges: list[tuple[float, int, float, int]] = []
    for index, role in enumerate(_TIMELINE_ROLES):
        for s, e in segments[role]:
            edges += [(s, 1, s, index), (e, -1, s, index)]
    edges.sort()
    speech = overtalk = previous = 0.0
    gaps: list[tuple[float, float, str | None]] = []
    active = 0
    last: str | None = None  # the role whose talk ended last
    for t, step, _, index in edges:
        if t > previous:
            if active == 0:
                gaps.append((previous, t, last))
            else:
                speech += t - previous
                if active >= 2:
                    overtalk += t - previous
            previous = t
        active += step
        if step < 0:
            last = _TIMELINE_ROLES[index]
    if duration > previous:
        gaps.append((previous, duration, last))
    return _Timeline(duration, segments, speech, overtalk, tuple(gaps))


def _interruptions(segments: Mapping[str, tuple[Span, ...]], opts: MetricOptions) -> list[dict[str, Any]]:
    """Each time one party starts talking inside the other's talk and takes the floor."""
    events: list[tuple[float, str, str, float]] = []
    for by, of in (PARTIES, PARTIES[::-1]):
        theirs = segments[of]
        starts = [s for s, _ in theirs]
        for x_start, x_end in segments[by]:
            k = bisect_right(starts, x_start) - 1
            # Starting at the same instant is nobody's interruption, hence the strict "<".
            if k < 0 or not theirs[k][0] < x_start < theirs[k][1]:
                continue
            y_end = theirs[k][1]
            overlap = min(x_end, y_end) - x_start
            if y_end - x_start >= opts.interruption_delay_s and overlap >= opts.min_interruption_overlap_s:
                events.append((x_start, by, of, overlap))
    return [{"at": _r(at), "by": by, "of": of, "overlap_s": _r(ov)} for at, by, of, ov in sorted(events)]


def _units(text: str) -> tuple[int, int]:
    """(CJK characters, other words) spoken in a text; "I'd", "1024" and "e-mail" are one word each."""
    runs = [] if text.isascii() else _CJK_RUN.findall(text)
    rest = f" {_CJK_RUN.sub(' ', text)} " if runs else f" {text} "
    return sum(map(len, runs)), len(rest.split()) - len(_NOT_A_WORD.findall(rest))


def _speech_rates(talks: Sequence[_Talk], talk: Mapping[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    texts: dict[str, list[str]] = {role: [] for role in _TIMELINE_ROLES}
    for role, _, u in talks:
        texts[role].append(u.text)
    # One pass per role over its joined text; a newline keeps words of two utterances apart.
    counts = {role: _units("\n".join(parts)) for role, parts in texts.items()}
    total_cjk = sum(cjk for cjk, _ in counts.values())
    total_words = sum(words for _, words in counts.values())
    call_unit = CHARS_PER_MIN if total_cjk > total_words else WORDS_PER_MIN
    rates: dict[str, float] = {}
    units: dict[str, str] = {}
    for role in PARTIES:
        cjk, words = counts[role]
        # A role that said nothing takes the call's unit, so one call does not mix units for no reason.
        units[role] = call_unit if cjk + words == 0 else CHARS_PER_MIN if cjk > words else WORDS_PER_MIN
        # Both kinds are counted either way: an English word or a number in Mandarin speech is still
        # spoken (about one unit), and dropping it would under-count code-switched talk.
        rates[role] = _r((cjk + words) * 60.0 / talk[role]) if talk[role] > 0 else 0.0
    return rates, units


def _response_latencies(talks: Sequence[_Talk]) -> dict[str, dict[str, Any]]:
    """Per party: how long it took to answer after the other party's turn ended.

    The turn it answers is whichever utterance ended last before it (the floor). An utterance that
    ends before the floor's does is a backchannel inside the other's turn, not an answer; a
    continuation of one's own turn is not an answer either. Starting early counts as 0 s.
    """
    turns = sorted(
        (min(spans)[0], max(spans, key=itemgetter(1))[1], u.id, role)
        for role, spans, u in talks
        if spans and role in PARTIES
    )
    samples: dict[str, list[float]] = {role: [] for role in PARTIES}
    floor: tuple[float, str] | None = None  # (end, role) of the turn that ended last
    for start, end, _, role in turns:
        if floor is not None and floor[1] != role and end > floor[0]:
            samples[role].append(max(0.0, start - floor[0]))
        if floor is None or end >= floor[0]:
            floor = (end, role)
    return {
        role: {
            "mean": _r(sum(xs) / len(xs)) if xs else None,
            "max": _r(max(xs)) if xs else None,
            "count": len(xs),
        }
        for role, xs in samples.items()
    }
