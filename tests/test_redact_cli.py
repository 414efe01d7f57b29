"""``callqa redact`` and the masking options of ``callqa run``, on transcript input (no ASR)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner

from qa.cli import main

CARD = "4532015112830366"
MOBILE = "13812345678"


def _transcript(folder: Path, name: str = "call.json") -> Path:
    lines = [
        ("agent", 0.5, 3.0, "Thanks for calling, could you read me the long number on the card?"),
        ("customer", 3.5, 9.0, f"Sure, it is {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}."),
        ("agent", 9.5, 12.0, "Thank you. And a phone number we can reach you on?"),
        ("customer", 12.5, 16.0, "Yes, it is one three eight, one two three four, five six seven eight."),
    ]
    utterances = []
    for i, (role, a, b, text) in enumerate(lines):
        tokens = text.split()
        step = (b - a) / len(tokens)
        words = [{"start": a + k * step, "end": a + (k + 1) * step, "text": w} for k, w in enumerate(tokens)]
        utterances.append({"id": i, "role": role, "start": a, "end": b, "text": text, "words": words})
    path = folder / name
    path.write_text(json.dumps({"language": "en", "utterances": utterances}), encoding="utf-8")
    return path


def test_redact_masks_text_words_and_lists_what_it_masked(tmp_path: Path):
    src = _transcript(tmp_path)
    result = CliRunner().invoke(main, ["redact", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "o" / "calls" / "call.json").read_text(encoding="utf-8")
    assert CARD[:8] not in text.replace(" ", "") and "12345678" not in text.replace(" ", "").replace(",", "")
    call = json.loads(text)
    assert call["utterances"][1]["text"] == "Sure, it is [BANK_CARD]."
    assert "[BANK_CARD]" in [w["text"].strip(".") for w in call["utterances"][1]["words"]]
    assert [(p["type"], p["utterance"], p["role"]) for p in call["pii"]] == [
        ("bank_card", 1, "customer"),
        ("cn_mobile", 3, "customer"),
    ]
    card = call["pii"][0]
    assert 3.5 < card["start"] < card["end"] <= 9.0
    assert call["findings"] == [] and call["score"] is None


def test_last4_and_the_unredacted_copy(tmp_path: Path):
    src = _transcript(tmp_path)
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["run", str(src), "--out", str(out), "--mask", "last4", "--write-unredacted"])
    assert result.exit_code == 0, result.output
    call = json.loads((out / "calls" / "call.json").read_text(encoding="utf-8"))
    assert call["utterances"][1]["text"] == "Sure, it is [BANK_CARD …0366]."
    private = out / "unredacted" / "call.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    raw = json.loads(private.read_text(encoding="utf-8"))
    assert CARD[:4] in raw["utterances"][1]["text"]
    assert raw["pii"][0]["text"] == f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}"


def test_metadata_values_are_masked_too(tmp_path: Path):
    src = _transcript(tmp_path)
    (tmp_path / "call.meta.json").write_text(json.dumps({"agent_id": "A7", "caller": MOBILE}), encoding="utf-8")
    CliRunner().invoke(main, ["redact", str(src), "--out", str(tmp_path / "o")])
    call = json.loads((tmp_path / "o" / "calls" / "call.json").read_text(encoding="utf-8"))
    assert call["metadata"] == {"agent_id": "A7", "caller": "[CN_MOBILE]"}


def test_a_scorecard_needs_a_pack(tmp_path: Path):
    card = tmp_path / "card.yaml"
    card.write_text("max: 100\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--scorecard", str(card)])
    assert result.exit_code == 2 and "--scorecard goes with --rules" in result.output
