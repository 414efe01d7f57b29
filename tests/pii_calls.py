"""Spoken test calls with known sensitive numbers, made with espeak-ng like the demo calls.

Nothing here is real: the card is a public test number (Luhn-valid), the SSN, phone and email
are made up. Each item records the line it is said in, so a test knows when it was said.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.conftest import require_tools

CARD = "4532015112830366"
SSN = "536221874"
PHONE = "4152967731"
EMAIL = "john.smith@example.com"
# groups said as short sentences: espeak runs comma-separated digits together at 8 kHz
SPOKEN_CARD = "four five three two. zero one five one. one two eight three. zero three six six"


@dataclass(frozen=True)
class Said:
    call: str
    type: str
    value: str
    line: int  # index of the scripted line that says it
    role: str


SAID = (
    Said("pii_card_readback", "bank_card", CARD, 3, "customer"),
    Said("pii_card_readback", "bank_card", CARD, 4, "agent"),
    Said("pii_volunteered", "us_ssn", SSN, 1, "customer"),
    Said("pii_volunteered", "phone", PHONE, 3, "customer"),
    Said("pii_volunteered", "email", EMAIL, 5, "customer"),
)


def espeak_or_skip() -> None:
    require_tools("espeak-ng")


def make_calls(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """Write the calls into ``folder``; returns each call's line times (start, end) in seconds."""
    from demo.make_calls import Call, Line, Voice, encode, mix, place

    # the voice and pace Whisper base heard digits best from, of those tried at 8 kHz
    agent, customer = Voice("en-us+f2", pitch=40, speed=120), Voice("en-us+f2", pitch=70, speed=120)
    calls = [
        Call(
            name="pii_card_readback",
            ext="wav",
            channels=2,
            agent=agent,
            customer=customer,
            seed=7,
            summary="",
            lines=(
                Line("agent", "Thank you for calling Northwind Bank, my name is Alex. How can I help you?"),
                Line("customer", "Hi, I want to pay my bill with a new card."),
                Line("agent", "Sure. Could you read me the long number on the card?"),
                Line("customer", f"It is {SPOKEN_CARD}."),
                Line("agent", f"Let me repeat that. {SPOKEN_CARD}. Is that right?"),
                Line("customer", "Yes, that is right."),
                Line("agent", "Thank you. Is there anything else I can help you with?"),
                Line("customer", "No, thanks."),
            ),
        ),
        Call(
            name="pii_volunteered",
            ext="flac",
            channels=2,
            agent=agent,
            customer=customer,
            seed=8,
            summary="",
            lines=(
                Line("agent", "Thank you for calling Northwind Bank, my name is Sam. How can I help you?"),
                Line("customer", "Hello. My social security number is five three six. two two. one eight seven four."),
                Line("agent", "You do not need to tell me that. What is the problem?"),
                Line("customer", "Please call me back on four one five. two nine six. seven seven three one."),
                Line("agent", "Of course. Can I also have your email address?"),
                Line("customer", "It is john dot smith at example dot com."),
                Line("agent", "Thank you. Have a nice day."),
            ),
        ),
    ]
    times = {}
    import tempfile

    with tempfile.TemporaryDirectory(prefix="callqa-pii-") as tmp:
        for call in calls:
            rng = np.random.default_rng(call.seed)
            placed = place(call, rng, Path(tmp))
            encode(folder / call.filename, mix(call, placed, rng))
            times[call.name] = [(p.start, p.end) for p in placed]
    return times
