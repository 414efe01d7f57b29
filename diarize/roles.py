"""Which speaker is the agent: a channel map when one is known, phrase evidence otherwise.

Agents open with a greeting, the company's name and their agent number, and close with
formulas; customers state problems. Each speaker's utterances in the opening of the call are
scored against phrase lists (Mandarin and English, extendable in config), the first speaker gets
a small prior (agents usually answer), and the margin between the two becomes a confidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qa.model import RoleAssignment, Utterance

AGENT_PHRASES: tuple[str, ...] = (
    # zh
    "您好",
    "你好.{0,6}(欢迎|很高兴)",
    "欢迎致电",
    "欢迎来电",
    "工号",
    "客服",
    "为您服务",
    "很高兴为您",
    "请问有什么可以帮",
    "有什么可以帮您",
    "请问您",
    "请问还有",
    "还有其他.{0,4}(问题|需要)",
    "感谢您的来电",
    "感谢来电",
    "稍等",
    "给您",
    "为您",
    "帮您",
    "核实",
    "满意度",
    "评价",
    # en
    r"thank(s| you) for calling",
    r"how (can|may) i (help|assist)",
    r"my name is",
    r"this is \w+ (from|at|with)",
    r"speaking",
    r"agent (id|number)",
    r"employee (id|number)",
    r"is there anything else",
    r"have a (nice|great|good) day",
    r"let me (check|look|pull)",
    r"can i (have|get) your",
    r"could you (please )?(confirm|verify)",
    r"on hold",
    r"customer (service|support|care)",
    r"i can help",
    r"rate (our|the|my) service",
)
CUSTOMER_PHRASES: tuple[str, ...] = (
    # zh
    "我想",
    "我要",
    "我的(卡|账户|账号|手机|订单)",
    "我这边",
    "怎么回事",
    "为什么",
    "投诉",
    "能不能",
    "我刚才",
    "我昨天",
    # en
    r"i('d| would) like to",
    r"i want to",
    r"i need to",
    r"my (card|account|order|bill|phone)",
    r"i have a (problem|question|complaint)",
    r"why (is|did|was)",
    r"i was charged",
    r"i('m| am) calling (about|because|to)",
)


@dataclass(frozen=True)
class RoleOptions:
    channel_map: Mapping[int, str] | None = None  # {0: "agent", 1: "customer"}; per-call metadata wins
    agent_phrases: tuple[str, ...] = AGENT_PHRASES
    customer_phrases: tuple[str, ...] = CUSTOMER_PHRASES
    company_names: tuple[str, ...] = ()  # said by the agent when answering; strong evidence
    opening_s: float = 30.0  # evidence counts double here
    first_speaker_prior: float = 0.5


def parse_channel_map(value: Any) -> dict[int, str]:
    """``"agent,customer"``, ``["agent","customer"]`` or ``{"0": "agent", "1": "customer"}``."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if isinstance(value, list | tuple):
        value = dict(enumerate(value))
    if not isinstance(value, Mapping):
        raise ValueError(f"a channel map is 'agent,customer' or a channel → role mapping, not {type(value).__name__}")
    out: dict[int, str] = {}
    for k, role in value.items():
        if role not in ("agent", "customer"):
            raise ValueError(f"channel map: role {role!r} for channel {k} is not 'agent' or 'customer'")
        out[int(k)] = role
    return out


def assign_roles(
    utterances: Sequence[Utterance],
    speakers: Sequence[str],
    options: RoleOptions,
    channel_map: Mapping[int, str] | None = None,
    channel_map_source: str = "channel_map",
) -> tuple[RoleAssignment, ...]:
    """One assignment per speaker; ``channel_map`` (from the call's metadata) overrides config."""
    cmap = channel_map if channel_map is not None else options.channel_map
    channel_of = {u.speaker: u.channel for u in utterances if u.channel is not None}
    one_per_channel = len(set(channel_of.values())) == len(channel_of)  # a channel map says nothing in mono
    if cmap and one_per_channel and all(channel_of.get(s) in cmap for s in speakers):
        source = channel_map_source if channel_map is not None else "channel_map"
        return tuple(
            RoleAssignment(s, cmap[channel_of[s]], 1.0, source)  # type: ignore[arg-type]
            for s in speakers
        )
    return _by_phrases(utterances, speakers, options)


def _by_phrases(
    utterances: Sequence[Utterance], speakers: Sequence[str], options: RoleOptions
) -> tuple[RoleAssignment, ...]:
    # Evidence names the configured phrase that matched, never the words heard: a pattern
    # such as "my name is" must not copy a name into the output.
    agent = [(p, _compile(p), 1.0) for p in options.agent_phrases]
    agent += [(c, _compile(re.escape(c)), 2.0) for c in options.company_names]
    customer = [_compile(p) for p in options.customer_phrases]
    score = {s: 0.0 for s in speakers}
    evidence: dict[str, list[str]] = {s: [] for s in speakers}
    for u in utterances:
        if u.speaker not in score:
            continue
        weight = 2.0 if u.start < options.opening_s else 1.0
        for phrase, pattern, strength in agent:
            if pattern.search(u.text):
                score[u.speaker] += weight * strength
                evidence[u.speaker].append(phrase)
        score[u.speaker] -= weight * sum(1 for pattern in customer if pattern.search(u.text))
    has_evidence = any(v != 0 for v in score.values())
    if utterances:
        first = min(utterances, key=lambda u: u.start).speaker
        if first in score:
            score[first] += options.first_speaker_prior
    if not score:
        return ()
    ranked = sorted(score, key=lambda s: (-score[s], list(speakers).index(s)))
    top = ranked[0]
    margin = score[top] - (score[ranked[1]] if len(ranked) > 1 else 0.0)
    confidence = 1.0 / (1.0 + math.exp(-margin)) if len(ranked) > 1 else 0.5
    method = "phrases" if has_evidence else "default"
    if len(ranked) == 1 and score[top] < 0:
        top = ""  # one speaker who sounds like a customer (the agent's side was not recorded)
    return tuple(
        RoleAssignment(
            s,
            "agent" if s == top else "customer",
            round(confidence, 3),
            method,
            tuple(dict.fromkeys(evidence[s]))[:5] if s == top else (),
        )
        for s in speakers
    )


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)
