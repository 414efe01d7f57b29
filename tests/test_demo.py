"""The demo calls (README command 1): every call ok, and every word on the right role.

The calls were made from a script (demo/make_calls.py), so who said what and when is known
exactly (demo/truth.json); role accuracy is measured per word against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.run import run_batch
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory, pipeline_en) -> Path:
    out = tmp_path_factory.mktemp("demo-out")
    summary = run_batch([DEMO], out, pipeline=pipeline_en)
    assert (summary.calls, summary.failed) == (3, 0)
    return out


def _role_at(truth: list[dict], channel: int | None, t: float) -> str | None:
    for line in truth:
        if line["start"] - 0.3 <= t <= line["end"] + 0.3 and (channel is None or line["channel"] == channel):
            return str(line["role"])
    return None


@pytest.mark.parametrize(
    ("call_id", "method"),
    [("stereo_card_declined", "channels"), ("stereo_transfer_fee", "channels"), ("mono_complaint", "embedded")],
)
def test_every_word_lands_on_the_right_role(demo_out: Path, call_id: str, method: str):
    truth = json.loads((DEMO.parent / "truth.json").read_text())[call_id]
    call = json.loads((demo_out / "calls" / f"{call_id}.json").read_text())
    assert call["diarization"]["method"] == method
    mono = method != "channels"
    judged = right = 0
    for u in call["utterances"]:
        for w in u["words"]:
            expected = _role_at(truth, None if mono else u["channel"], (w["start"] + w["end"]) / 2)
            if expected is not None:
                judged += 1
                right += expected == u["role"]
    accuracy = right / judged
    print(f"\n{call_id}: {accuracy:.1%} of {judged} words on the right role")
    assert judged > 50
    assert accuracy >= (0.9 if mono else 0.99)
