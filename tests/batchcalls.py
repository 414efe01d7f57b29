"""Generated transcript calls for batch tests: fast (no ASR), with roles, times, metadata and PII."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD = "4111 1111 1111 1111"  # a Luhn-valid test card: the agent reading it aloud is a critical finding

_OPENING = "Thank you for calling Northwind Bank, my name is Alex, how can I help you today?"
_CLOSING = "Is there anything else I can help you with? Thank you for calling Northwind Bank, goodbye."


def transcript(n: int, *, leak: bool = False, angry: bool = False) -> dict[str, Any]:
    """A short two-party call; ``leak``: the agent reads a card number back; ``angry``: a complaint."""
    lines = [
        ("agent", _OPENING),
        ("customer", "Hi, this is Jordan Smith, I want to check a payment on my card." if not angry else ""),
        ("agent", "For security, can you confirm your date of birth please?"),
        ("customer", "Sure, it is the fourth of May nineteen eighty."),
        ("agent", f"Thank you. I can see call number {n} here, the payment went through yesterday."),
    ]
    if angry:
        lines[1] = ("customer", "This is absolutely ridiculous, I am furious, you charged me twice again!")
    if leak:
        lines.append(("agent", f"Your card number is {CARD}, is that right?"))
    lines.append(("customer", "Okay, thanks for checking."))
    lines.append(("agent", _CLOSING))
    utterances = []
    t = 0.0
    for i, (role, text) in enumerate(lines):
        end = t + 0.35 * len(text.split())
        utterances.append(
            {"id": i, "start": round(t, 2), "end": round(end, 2), "text": text, "role": role, "speaker": role}
        )
        t = end + 0.6
    return {"language": "en", "utterances": utterances}


def write_calls(folder: Path, count: int, *, leak_every: int = 4, agents: int = 3) -> list[Path]:
    """``count`` transcript calls with sidecar metadata (agent, team, start time)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"call-{n:04d}.json"
        path.write_text(json.dumps(transcript(n, leak=n % leak_every == 1, angry=n % 5 == 2)), encoding="utf-8")
        meta = {"agent_id": f"A{n % agents + 1:03d}", "team": "red" if n % 2 else "blue"}
        meta["queue"] = ("cards", "loans", "general")[n % 3]
        meta["started_at"] = f"2026-11-{1 + n % 20:02d}T09:{n % 60:02d}:00"
        (folder / f"call-{n:04d}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
        paths.append(path)
    return paths


def transcript_zh(n: int) -> dict[str, Any]:
    """A short Mandarin call in which the customer complains (投诉) and the agent apologises."""
    lines = [
        ("agent", "您好，北风银行，工号一零二四，很高兴为您服务。"),
        ("customer", f"我要投诉，你们第{n}次多扣了我的年费。"),
        ("agent", "非常抱歉给您带来不便，我马上为您处理。"),
        ("customer", "好的，谢谢。"),
        ("agent", "请问还有其他可以帮您的吗？感谢您的来电，再见。"),
    ]
    utterances, t = [], 0.0
    for i, (role, text) in enumerate(lines):
        end = t + 0.25 * len(text)
        utterances.append(
            {"id": i, "start": round(t, 2), "end": round(end, 2), "text": text, "role": role, "speaker": role}
        )
        t = end + 0.6
    return {"language": "zh", "utterances": utterances}
