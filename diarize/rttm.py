"""Diarization as standard RTTM, so any DER tool can score it."""

from __future__ import annotations

import re

from qa.model import SpeakerTurns


def to_rttm(call_id: str, turns: SpeakerTurns) -> str:
    # RTTM fields are space-separated: a call id with spaces would break every reader.
    uri = re.sub(r"\s+", "_", call_id)
    lines = [
        f"SPEAKER {uri} {1 if t.channel is None else t.channel + 1} {t.start:.3f} {t.duration:.3f} "
        f"<NA> <NA> {t.speaker} <NA> <NA>"
        for t in sorted(turns.turns, key=lambda t: (t.start, t.speaker))
        if t.duration > 0
    ]
    return "\n".join(lines) + ("\n" if lines else "")
