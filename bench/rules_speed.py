"""Rules + metrics on transcript input: calls per second for a 5-minute call (~100 utterances).

``python -m bench.rules_speed``: single process, single thread (the rules stage is pure Python).
"""

from __future__ import annotations

import time

from qa.model import Utterance, Word
from rules import check_call, load_pack
from rules.normalize import _normalize

EN = [
    ("agent", "Thank you for calling Northwind Bank, my name is Alex, agent number 1024, how can I help?"),
    ("customer", "Hi, my card was declined this morning and I was charged a fee for a transfer last week."),
    ("agent", "I'm sorry to hear that. Could you confirm your date of birth and the last four digits please?"),
    ("customer", "It's the fifth of May nineteen eighty and the card ends in four two one nine."),
    ("agent", "Thank you. The transaction was stopped by our fraud check, your card is active again now."),
    ("customer", "Why did nobody tell me? I want to invest in one of your funds as well."),
]
ZH = [
    ("agent", "您好，欢迎致电北风银行，工号幺零二四为您服务，本次通话将被录音。"),
    ("customer", "你好，我的信用卡今天刷不了，上周还被扣了一笔手续费。"),
    ("agent", "非常抱歉给您带来不便，请先帮我核实一下您的身份，报一下您的出生日期。"),
    ("customer", "一九八零年五月五号，卡号后四位是四二一九。"),
    ("agent", "好的，这笔交易被风控拦截了，现在已经恢复正常，您可以继续使用。"),
    ("customer", "为什么没有人通知我？另外我还想买点理财产品。"),
]


def synthetic_call(lines: list[tuple[str, str]], n: int = 100, seconds: float = 300.0) -> tuple[Utterance, ...]:
    step = seconds / n
    out = []
    for i in range(n):
        role, text = lines[i % len(lines)]
        start = i * step + 0.3
        tokens = text.split() if " " in text else list(text)
        dur = step - 0.6
        words = tuple(
            Word(start + k * dur / len(tokens), start + (k + 1) * dur / len(tokens), t) for k, t in enumerate(tokens)
        )
        out.append(
            Utterance(i, role, "SPEAKER_00" if role == "agent" else "SPEAKER_01", start, start + dur, text, words)
        )  # type: ignore[arg-type]
    return tuple(out)


def calls_per_second(pack_name: str, lines: list[tuple[str, str]], language: str, seconds: float = 5.0) -> float:
    pack = load_pack(pack_name)
    call = synthetic_call(lines)
    check_call(call, 300.0, language, pack)  # warm caches (compiled patterns, normalizer)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _normalize.cache_clear()  # every real call brings new text: measure without the cache
        check_call(call, 300.0, language, pack)
        n += 1
    return n / (time.perf_counter() - t0)


def main() -> dict[str, float]:
    out = {
        "bank-en": calls_per_second("bank-en", EN, "en"),
        "bank-zh": calls_per_second("bank-zh", ZH, "zh"),
    }
    for name, rate in out.items():
        print(f"  rules + metrics, {name}, 5-min call of 100 utterances: {rate:.1f} calls/s on one core")
    return out


if __name__ == "__main__":
    main()
