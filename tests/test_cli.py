"""``callqa run`` end to end on a folder of good and bad calls: one bad file never costs another."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

from qa.cli import EXIT_CALLS_FAILED, main
from qa.schema import call_schema
from tests.audiofiles import read_pcm16, tone, write_audio
from tests.conftest import DEMO
from tests.nocaps import run_without_file_override

SNIPPET_S = 14.0  # enough for a greeting and a reply; keeps the run short


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A night's folder with every kind of input the issue lists, plus the run's output."""
    src = tmp_path_factory.mktemp("calls")
    stereo, rate = read_pcm16(DEMO / "stereo_card_declined.wav")
    stereo = stereo[: int(SNIPPET_S * rate)]
    write_audio(src / "good stereo.flac", stereo, rate)
    shutil.copy(DEMO / "stereo_card_declined.meta.json", src / "good stereo.meta.json")
    mono8k = stereo.mean(axis=1)
    write_audio(src / "客户来电 8k.wav", mono8k, 8000)  # unicode + spaces, 8 kHz mono
    one_sided = stereo.copy()
    one_sided[:, 1] = 0.0
    write_audio(src / "one_silent_channel.wav", one_sided, rate)
    write_audio(src / "really_an_mp3.wav", mono8k, 8000, fmt=".mp3")  # wrong extension
    write_audio(src / "silence.wav", np.zeros((8000 * 5, 2), np.float32), 8000)
    (src / "empty.wav").write_bytes(b"")
    (src / "notes.mp3").write_text("minutes of the meeting\n" * 100)
    full = write_audio(src / "tmp.flac", tone(20.0, 16000, 2), 16000).read_bytes()
    (src / "tmp.flac").unlink()
    (src / "truncated.flac").write_bytes(full[: len(full) // 2])
    (src / "from_other_asr.json").write_text(
        json.dumps(
            {
                "language": "en",
                "utterances": [
                    {"start": 0.0, "end": 2.0, "text": "Thanks for calling, how can I help?", "speaker": "A"},
                    {"start": 2.5, "end": 4.0, "text": "My card was declined", "speaker": "B", "role": "customer"},
                ],
            }
        )
    )
    (src / "broken.json").write_text("{not json")
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["run", str(src), "--out", str(out), "--model", "tiny.en"])
    return {"src": src, "out": out, "exit_code": result.exit_code, "stderr": result.stderr}  # type: ignore[dict-item]


def _call(batch: dict, call_id: str) -> dict:
    return json.loads((batch["out"] / "calls" / f"{call_id}.json").read_text(encoding="utf-8"))


def test_exit_code_says_some_calls_failed(batch):
    assert batch["exit_code"] == EXIT_CALLS_FAILED, batch["stderr"]


def test_every_output_matches_schema_v1(batch):
    files = sorted((batch["out"] / "calls").glob("*.json"))
    assert len(files) == 10
    for f in files:
        jsonschema.validate(json.loads(f.read_text(encoding="utf-8")), call_schema())


@pytest.mark.parametrize(
    ("call_id", "code"),
    [
        ("empty", "audio.empty"),
        ("notes", "audio.not_audio"),
        ("truncated", "audio.truncated"),
        ("silence", "audio.silent"),
        ("broken", "transcript.invalid"),
    ],
)
def test_bad_inputs_fail_with_stable_codes(batch, call_id: str, code: str):
    call = _call(batch, call_id)
    assert call["status"] == "failed"
    assert call["error"]["code"] == code
    assert call["error"]["message"]
    assert not (batch["out"] / "calls" / f"{call_id}.rttm").exists()


@pytest.mark.parametrize("call_id", ["good_stereo", "客户来电_8k", "one_silent_channel", "really_an_mp3"])
def test_good_audio_comes_out_with_roles_words_and_rttm(batch, call_id: str):
    call = _call(batch, call_id)
    assert call["status"] == "ok", call["error"]
    assert call["language"] == "en"
    assert call["utterances"]
    roles = {u["role"] for u in call["utterances"]}
    assert "agent" in roles
    for u in call["utterances"]:
        assert u["words"] and u["start"] <= u["words"][0]["start"] and u["words"][-1]["end"] <= u["end"]
    rttm = (batch["out"] / "calls" / f"{call_id}.rttm").read_text(encoding="utf-8").splitlines()
    assert rttm and all(len(line.split()) == 10 and line.startswith("SPEAKER ") for line in rttm)


def test_stereo_roles_come_from_the_sidecar_channel_map(batch):
    call = _call(batch, "good_stereo")
    assert call["metadata"]["agent_id"] == "A1024"
    assert call["diarization"]["method"] == "channels"
    assert call["diarization"]["roles"]["SPEAKER_00"] == {
        "role": "agent",
        "confidence": 1.0,
        "method": "metadata",
        "evidence": [],
    }
    # the agent's greeting is on channel 0, the customer's reply on channel 1
    first_agent = next(u for u in call["utterances"] if u["role"] == "agent")
    assert first_agent["channel"] == 0 and "calling" in first_agent["text"].lower()
    assert any(u["role"] == "customer" and u["channel"] == 1 for u in call["utterances"])


def test_mono_call_is_diarized_and_the_greeter_is_the_agent(batch):
    call = _call(batch, "客户来电_8k")
    assert call["audio"] == {
        "duration_s": pytest.approx(SNIPPET_S, abs=0.05),
        "sample_rate": 8000,
        "channels": 1,
        "codec": "pcm_s16le",
    }
    assert call["diarization"]["method"] == "embedded"
    agent = [s for s, r in call["diarization"]["roles"].items() if r["role"] == "agent"]
    assert len(agent) == 1 and call["diarization"]["roles"][agent[0]]["method"] == "phrases"
    greeting = next(u for u in call["utterances"] if "calling" in u["text"].lower())
    assert greeting["role"] == "agent"


def test_one_silent_channel_is_a_warning_not_a_failure(batch):
    call = _call(batch, "one_silent_channel")
    assert [w["code"] for w in call["warnings"]] == ["audio.silent_channel"]
    assert {u["channel"] for u in call["utterances"]} == {0}


def test_transcript_json_passes_through(batch):
    call = _call(batch, "from_other_asr")
    assert call["status"] == "ok" and call["source"]["kind"] == "transcript"
    assert [u["text"] for u in call["utterances"]] == ["Thanks for calling, how can I help?", "My card was declined"]
    assert [u["role"] for u in call["utterances"]] == ["unknown", "customer"]
    assert (batch["out"] / "calls" / "from_other_asr.rttm").read_text().count("SPEAKER") == 2


def test_run_summary(batch):
    run = json.loads((batch["out"] / "run.json").read_text())
    assert (run["calls"], run["ok"], run["failed"]) == (10, 5, 5)
    assert run["errors"] == {
        "audio.empty": 1,
        "audio.not_audio": 1,
        "audio.truncated": 1,
        "audio.silent": 1,
        "transcript.invalid": 1,
    }
    assert "pyannote_token" not in run["options"]["diarize"]


def test_plain_progress_lines_when_not_a_terminal(batch):
    lines = [line for line in batch["stderr"].splitlines() if line.startswith("[")]
    assert len(lines) == 10
    assert any("FAILED audio.empty" in line for line in lines)
    assert "10 calls: 5 ok, 5 failed" in batch["stderr"]


def test_no_temporary_files_left_behind(batch):
    assert not [p for p in (batch["out"] / "calls").iterdir() if p.name.startswith(".")]


def test_unreadable_file_fails_alone(tmp_path: Path):
    """As root every file is readable, so the run happens in a child that gives up that right."""
    src = tmp_path / "in"
    src.mkdir()
    locked = write_audio(src / "locked.wav", tone(1.0, 8000), 8000)
    locked.chmod(0)
    (src / "ok.json").write_text(json.dumps([{"start": 0, "end": 1, "text": "hello"}]))
    out = tmp_path / "out"
    code = (
        "import sys\nfrom pathlib import Path\nfrom qa.run import run_batch\n"
        "run_batch([Path(sys.argv[1])], Path(sys.argv[2]))\n"
    )
    run_without_file_override(code, str(src), str(out))
    assert _call({"out": out}, "locked")["error"]["code"] == "input.unreadable"
    assert _call({"out": out}, "ok")["status"] == "ok"


def test_models_command_verifies_offline():
    result = CliRunner().invoke(main, ["models"])
    assert result.exit_code == 0, result.output
    assert "base" in result.output and "tiny.en" in result.output
    assert "BROKEN" not in result.output


def test_usage_errors_are_clear(tmp_path: Path):
    r = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--diarization", "pyannote"])
    assert r.exit_code == 2
    assert "needs a pipeline" in r.output
    r = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--channel-map", "agent,boss"])
    assert r.exit_code == 2
