"""``callqa run`` with a manifest and a filename pattern: the calls it lists, their metadata, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qa.cli import main

TRANSCRIPT = {
    "language": "en",
    "utterances": [{"role": "agent", "start": 0, "end": 2, "text": "Hello, how can I help?"}],
}


def _transcript(path: Path) -> Path:
    path.write_text(json.dumps(TRANSCRIPT), encoding="utf-8")
    return path


def test_a_manifest_lists_the_calls_and_their_metadata(tmp_path: Path):
    calls = tmp_path / "calls"
    calls.mkdir()
    _transcript(calls / "a.json")
    _transcript(calls / "b.json")
    manifest = tmp_path / "night.csv"
    manifest.write_text(
        "call_id,path,agent_id,team,started_at,customer_tier\n"
        "c-001,calls/a.json,A7,cards,2026-11-24T09:00:00,S\n"
        "c-002,calls/b.json,A8,loans,yesterday,\n"  # a bad date: reported, skipped
        "c-003,calls/missing.json,A9,cards,2026-11-24,\n",  # no such file: reported, skipped
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--manifest", str(manifest), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "night.csv:3: skipped" in result.output and "night.csv:4: skipped" in result.output
    assert sorted(p.name for p in (out / "calls").glob("*.json")) == ["c-001.json"]
    call = json.loads((out / "calls" / "c-001.json").read_text(encoding="utf-8"))
    assert call["metadata"]["agent_id"] == "A7" and call["metadata"]["customer_tier"] == "S"
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["manifest"]["rows"] == 1


def test_a_filename_pattern_fills_what_sidecars_leave_out(tmp_path: Path):
    _transcript(tmp_path / "2026-11-24_A7_0001.json")
    (tmp_path / "2026-11-24_A7_0001.meta.json").write_text(json.dumps({"agent_id": "A9"}), encoding="utf-8")
    out = tmp_path / "out"
    pattern = "{started_at}_{agent_id}_{seq}"
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out), "--filename-pattern", pattern])
    assert result.exit_code == 0, result.output
    call = json.loads((out / "calls" / "2026-11-24_A7_0001.json").read_text(encoding="utf-8"))
    # the sidecar wins over the name; the name fills the rest
    assert (call["metadata"]["agent_id"], call["metadata"]["started_at"], call["metadata"]["seq"]) == (
        "A9",
        "2026-11-24",
        "0001",
    )


def test_bad_pattern_and_no_inputs_are_usage_errors(tmp_path: Path):
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--filename-pattern", "{a"])
    assert result.exit_code == 2 and "--filename-pattern" in result.output
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--manifest" in result.output
