"""Through ASR: spoken calls with known numbers → every artifact masked, every leak a finding with a time.

The calls are made here with espeak-ng (``tests/pii_calls.py``) and run by the real ``callqa``
command with Whisper base, the bank-en pack, audio redaction and an unredacted copy.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pii_calls import CARD, EMAIL, PHONE, SAID, SSN, espeak_or_skip, make_calls

pytestmark = pytest.mark.slow
NUMBERS = (CARD, SSN, PHONE)
# measured (see the printout): Whisper base mishears espeak's digits at 8 kHz often enough that a
# number can arrive with a digit missing, so these floors guard against regressions, not perfection
TYPED_FLOOR = 2
MASKED_FLOOR = 3


def leaks(text: str) -> list[str]:
    """Any 8 digits in a row of a known number (separators between digits ignored), or the email."""
    digits = re.sub(r"(?<=\d)[\s,-]+(?=\d)", "", text)
    found = [f"{value[:2]}…" for value in NUMBERS for i in range(len(value) - 7) if value[i : i + 8] in digits]
    lowered = text.casefold()
    found += [EMAIL] if EMAIL in lowered or "smith@" in lowered or "smith at example" in lowered else []
    return sorted(set(found))


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, subprocess.CompletedProcess]:
    espeak_or_skip()
    folder = tmp_path_factory.mktemp("pii-calls")
    times = make_calls(folder)
    # a broken transcript whose error message would quote a card number
    bad = {"utterances": [{"start": 0, "end": 1, "text": "x", "role": CARD}]}
    (folder / "broken.json").write_text(json.dumps(bad), encoding="utf-8")
    out = folder.parent / (folder.name + "-out")
    callqa = Path(sys.executable).parent / "callqa"
    command = [str(callqa), "-vv", "run", str(folder), "--out", str(out), "--model", "base", "--rules", "bank-en"]
    command += ["--redact-audio", "--write-unredacted"]
    proc = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), timeout=900)
    assert proc.returncode == 3, proc.stderr[-3000:]  # the broken transcript fails, the calls do not
    return out, times, proc


def _call(out: Path, name: str) -> dict:
    return json.loads((out / "calls" / f"{name}.json").read_text(encoding="utf-8"))


def test_recall_of_spoken_numbers_through_asr(night):
    """Typed: found as its own type; masked: some sensitive span covers the line's words."""
    out, times, _ = night
    typed = masked = 0
    for said in SAID:
        call = _call(out, said.call)
        start, end = times[said.call][said.line]
        near = [p for p in call["pii"] if p["start"] < end + 0.5 and p["end"] > start - 0.5]
        # a card read with one digit misheard is still that card: masked as "number", found by its detector
        typed += any(p["type"] == said.type or p["detector"].startswith(said.type) for p in near)
        masked += bool(near)
        kinds = ", ".join(sorted({p["type"] for p in near})) or "nothing"
        print(f"{said.call} line {said.line}, {said.type} by the {said.role}: masked as {kinds}")
    print(
        f"recall through ASR (Whisper base, espeak-ng, 8 kHz): typed {typed}/{len(SAID)}, masked {masked}/{len(SAID)}"
    )
    assert typed >= TYPED_FLOOR and masked >= MASKED_FLOOR


def test_no_written_file_holds_a_number(night):
    out, _, _ = night
    checked = 0
    for path in out.rglob("*"):
        if path.is_file() and "unredacted" not in path.parts and path.parent.name != "audio":
            assert leaks(path.read_text(encoding="utf-8", errors="replace")) == [], path
            checked += 1
    assert checked >= 6  # three call JSONs, two RTTMs, run.json


def test_logs_and_errors_hold_no_number(night):
    out, _, proc = night
    assert "DEBUG" in proc.stderr or "INFO" in proc.stderr or proc.stderr  # -vv logged something
    assert leaks(proc.stderr) == []
    broken = _call(out, "broken")
    assert broken["error"]["code"] == "transcript.invalid"
    assert "[BANK_CARD]" in broken["error"]["message"] and CARD not in broken["error"]["message"]


def test_leaks_are_findings_with_times_and_masked_evidence(night):
    out, times, _ = night
    call = _call(out, "pii_card_readback")
    (readback,) = [f for f in call["findings"] if f["rule_id"] == "pii.agent_reads_number"]
    start, end = times["pii_card_readback"][4]
    assert readback["role"] == "agent" and readback["entity"] in ("bank_card", "number")
    assert readback["severity"] == "critical"
    assert start - 1.0 <= readback["start"] < readback["end"] <= end + 1.0
    assert "[BANK_CARD]" in readback["evidence"] or "[NUMBER]" in readback["evidence"]
    assert call["score"]["auto_fail"] is True and call["score"]["total"] == 0
    # the customer gave it when asked: expected, not a finding
    assert not [f for f in call["findings"] if f["rule_id"] == "pii.card_outside_verification"]
    other = _call(out, "pii_volunteered")
    assert any(f["rule_id"] == "pii.id_outside_verification" and f["entity"] == "us_ssn" for f in other["findings"])


def test_redacted_audio_keeps_format_and_loses_the_numbers(night):
    from faster_whisper import WhisperModel

    from asr.models import resolve_model
    from tests.audiofiles import read_pcm16

    out, _, _ = night
    model = WhisperModel(str(resolve_model("base").path), device="cpu", compute_type="int8")
    for name in ("pii_card_readback.wav", "pii_volunteered.flac"):
        redacted = out / "audio" / name
        source = Path(_call(out, name.split(".")[0])["source"]["path"])
        original, rate = read_pcm16(source)
        masked, rate2 = read_pcm16(redacted)
        assert (rate2, masked.shape) == (rate, original.shape)
        heard = ""
        for channel in range(masked.shape[1]):
            from scipy.signal import resample_poly

            mono = resample_poly(masked[:, channel], 16000, rate).astype("float32")
            segments, _ = model.transcribe(mono, language="en", vad_filter=False)
            heard += " ".join(s.text for s in segments) + "\n"
        print(f"{name} redacted, heard: {heard!r}")
        assert leaks(heard) == []


def test_unredacted_copy_is_private(night):
    out, _, _ = night
    folder = out / "unredacted"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    path = folder / "pii_card_readback.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leaks(path.read_text(encoding="utf-8"))  # the words as heard are there, and only there
