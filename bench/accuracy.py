"""Accuracy on the real recordings in ../shared/data, with standard metrics.

DER with pyannote.metrics (collar 0.25 s, overlap scored); WER and CER with jiwer after the usual
normalization (case, punctuation; Chinese scored per character, in simplified script).
Used by ``python -m bench`` and, with floors asserted, by ``tests/test_accuracy.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from asr import to_simplified
from qa.model import CallResult, SpeakerTurns

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

WER_CASES = {  # file → reference text
    "faster-whisper/jfk.flac": "faster-whisper/jfk.txt",
    "wenet/librispeech-1995-1837-0001.wav": "wenet/text#librispeech-1995-1837-0001",
}
CER_CASES = {
    "wenet/aishell-BAC009S0724W0121.wav": "wenet/text#aishell-BAC009S0724W0121",
    "funasr/asr_example.wav": "funasr/asr_example.txt",
}
DER_CASES = {
    "pyannote-audio/sample.wav": ("pyannote-audio/sample.rttm", "sample"),
    "pyannote-audio/ami-dev/dev00.wav": ("pyannote-audio/ami-dev/debug.development.rttm", "dev00"),
    "pyannote-audio/ami-dev/dev01.wav": ("pyannote-audio/ami-dev/debug.development.rttm", "dev01"),
}


def reference(spec: str, shared: Path = SHARED) -> str:
    """``file`` or ``file#utterance-id`` (Kaldi-style ``text`` files: id, then the words)."""
    name, _, key = spec.partition("#")
    lines = (shared / name).read_text(encoding="utf-8").splitlines()
    if not key:
        return " ".join(line for line in lines if not line.startswith("#")).strip()
    for line in lines:
        uid, _, text = line.partition(" ")
        if uid.endswith(key):
            return text.strip()
    raise KeyError(f"{key} not in {name}")


def normalize_en(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def normalize_zh(text: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if ch.isalnum())


def wer(ref: str, hyp: str) -> float:
    import jiwer

    return float(jiwer.wer(normalize_en(ref), normalize_en(hyp) or "<empty>"))


def cer(ref: str, hyp: str) -> float:
    import jiwer

    return float(jiwer.cer(normalize_zh(ref), normalize_zh(hyp) or "∅"))


def transcript_text(result: CallResult) -> str:
    sep = "" if result.language == "zh" else " "
    return sep.join(u.text for u in result.utterances)


@dataclass(frozen=True)
class DerScore:
    der: float
    speakers: int


def der(turns: SpeakerTurns, rttm: Path, uri: str) -> DerScore:
    from pyannote.core import Annotation, Segment
    from pyannote.database.util import load_rttm
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref = load_rttm(rttm)[uri]
    hyp = Annotation(uri=uri)
    for t in turns.turns:
        hyp[Segment(t.start, t.end)] = t.speaker
    return DerScore(float(DiarizationErrorRate(collar=0.25, skip_overlap=False)(ref, hyp)), len(turns.speakers))
