"""A night's run: skip what is done, re-score what a pack change touched, one result per call.

Calls here are transcripts (no ASR) so each test runs in seconds; the audio path is covered by
``test_rescore_never_runs_asr`` and the fault tests.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from batch.lock import FileLock, Holder
from qa.errors import CallqaError
from qa.pipeline import Pipeline, PipelineOptions
from qa.run import BatchOptions, run_batch
from rules import load_pack
from tests.batchcalls import CARD, write_calls
from tests.conftest import DEMO

BANK_EN = load_pack("bank-en")


def rows(out: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(out / "callqa.db") as db:
        return db.execute(sql).fetchall()


def calls_json(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "calls").glob("*.json")}


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    from qa.analyse import AnalysisOptions

    return Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=BANK_EN)))


def test_rerun_skips_every_finished_call_and_changes_nothing(tmp_path, pipeline):
    write_calls(tmp_path / "in", 8)
    out = tmp_path / "out"
    first = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (first.calls, first.ok, first.skipped) == (8, 8, 0)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "calls").iterdir()}
    again = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (again.calls, again.ok, again.failed, again.skipped) == (8, 0, 0, 8)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "calls").iterdir()} == before  # nothing rewritten
    assert rows(out, "select count(*), count(distinct call_id) from calls") == [(8, 8)]
    assert len(list((out / "runs").glob("*.json"))) == 2
    assert json.loads((out / "runs" / f"{again.run_id}.json").read_text())["skipped"] == 8


def test_every_result_carries_its_keys_and_run(tmp_path, pipeline):
    write_calls(tmp_path / "in", 2)
    summary = run_batch([tmp_path / "in"], tmp_path / "out", pipeline=pipeline)
    for call in calls_json(tmp_path / "out").values():
        versions = call["versions"]
        assert versions["run_id"] == summary.run_id
        assert len(versions["work_key"]) == len(versions["rules_key"]) == 64
    keys = rows(tmp_path / "out", "select work_key, rules_key, run_id from calls")
    assert all(w and r and run == summary.run_id for w, r, run in keys)


def test_changed_pack_rescores_only_and_matches_a_full_run(tmp_path, pipeline):
    """A pack edit that changes nothing but its bytes: re-scoring on the masked transcript gives
    exactly the findings and score a run from scratch gives, PII rules included."""
    from qa.analyse import AnalysisOptions

    write_calls(tmp_path / "in", 6)
    out = tmp_path / "out"
    run_batch([tmp_path / "in"], out, pipeline=pipeline)
    before = calls_json(out)
    assert any(f["rule_id"] == "pii.agent_reads_number" for c in before.values() for f in c["findings"])

    edited = tmp_path / "bank-en.yaml"
    edited.write_text(Path(BANK_EN.path).read_text(encoding="utf-8") + "\n# reviewed 2026-11-27\n", encoding="utf-8")
    pack = load_pack(edited)
    fresh = Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=pack)))
    summary = run_batch([tmp_path / "in"], out, pipeline=fresh)
    assert (summary.ok, summary.rescored, summary.skipped) == (6, 6, 0)
    after = calls_json(out)
    for call_id, call in after.items():
        old = before[call_id]
        assert call["versions"]["rules_sha256"] == pack.sha256 != old["versions"]["rules_sha256"]
        assert call["versions"]["work_key"] == old["versions"]["work_key"]
        assert call["utterances"] == old["utterances"] and call["pii"] == old["pii"]
        strip = [{k: v for k, v in f.items()} for f in old["findings"]]
        assert call["findings"] == strip, call_id
        assert call["score"] == old["score"]
    assert CARD.replace(" ", "") not in json.dumps(after)
    assert rows(out, f"select count(*) from calls where pack_sha256 = '{pack.sha256}'") == [(6,)]


def test_rescore_never_runs_asr(tmp_path, pipeline_en):
    """An audio call re-scored after a pack change: the worker's ASR model is never even loaded."""
    from qa.analyse import AnalysisOptions

    out = tmp_path / "out"
    audio = DEMO / "stereo_card_declined.wav"
    first = run_batch([audio], out, pipeline=pipeline_en)
    assert first.ok == 1
    options = replace(pipeline_en.options, analysis=AnalysisOptions(rules=BANK_EN))
    fresh = Pipeline(options)
    summary = run_batch([audio], out, pipeline=fresh)
    assert (summary.ok, summary.rescored) == (1, 1)
    assert fresh._engine is None  # no model was loaded: no ASR ran
    call = calls_json(out)["stereo_card_declined"]
    assert call["findings"] and call["score"] and call["versions"]["rules"].startswith("bank-en@")
    assert (out / "calls" / "stereo_card_declined.rttm").exists()
    again = run_batch([audio], out, pipeline=fresh)
    assert (again.skipped, fresh._engine) == (1, None)


def test_force_and_a_changed_file_process_again(tmp_path, pipeline):
    paths = write_calls(tmp_path / "in", 4)
    out = tmp_path / "out"
    run_batch([tmp_path / "in"], out, pipeline=pipeline)
    data = json.loads(paths[2].read_text())
    data["utterances"][4]["text"] = "The payment was refunded this morning."
    paths[2].write_text(json.dumps(data))
    summary = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (summary.ok, summary.skipped, summary.rescored) == (1, 3, 0)
    assert "refunded" in json.dumps(calls_json(out)["call-0002"])
    forced = run_batch([tmp_path / "in"], out, pipeline=pipeline, batch=BatchOptions(force=True))
    assert (forced.ok, forced.skipped) == (4, 0)
    assert rows(out, "select count(*) from calls") == [(4,)]


def test_metadata_change_rescores_without_reprocessing(tmp_path, pipeline):
    write_calls(tmp_path / "in", 3)
    out = tmp_path / "out"
    run_batch([tmp_path / "in"], out, pipeline=pipeline)
    side = tmp_path / "in" / "call-0001.meta.json"
    side.write_text(json.dumps({**json.loads(side.read_text()), "agent_id": "A777"}))
    summary = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (summary.rescored, summary.skipped) == (1, 2)
    assert rows(out, "select agent_id from calls where call_id = 'call-0001'") == [("A777",)]


def test_failed_calls_are_tried_again(tmp_path, pipeline):
    write_calls(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.json").write_text("{not json")
    out = tmp_path / "out"
    first = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (first.ok, first.failed) == (2, 1)
    from tests.batchcalls import transcript

    (tmp_path / "in" / "broken.json").write_text(json.dumps(transcript(99)))
    again = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (again.skipped, again.ok, again.failed) == (2, 1, 0)
    assert rows(out, "select status from calls where call_id = 'broken'") == [("ok",)]


def test_a_second_run_on_the_same_output_is_refused_naming_the_holder(tmp_path, pipeline):
    write_calls(tmp_path / "in", 1)
    out = tmp_path / "out"
    holder = Holder("night-box", 4242, "2026-11-27T01:00:00+00:00", "r1")
    with FileLock(out / ".callqa.lock", holder), pytest.raises(CallqaError) as e:
        run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert e.value.code == "run.locked"
    assert "night-box" in e.value.message and "4242" in e.value.message and "2026-11-27T01:00" in e.value.message
    assert not (out / "calls").exists()
    assert run_batch([tmp_path / "in"], out, pipeline=pipeline).ok == 1  # released: free again


def test_a_full_disk_stops_the_run_cleanly_and_the_rerun_completes(tmp_path, pipeline, monkeypatch):
    import qa.outputs

    write_calls(tmp_path / "in", 6)
    out = tmp_path / "out"
    real = qa.outputs.write_atomic
    written = []

    def filling_up(path: Path, text: str) -> None:
        if len(written) >= 6:  # three calls' JSON + RTTM fit, the fourth call's JSON does not
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        real(path, text)

    monkeypatch.setattr(qa.outputs, "write_atomic", filling_up)
    with pytest.raises(CallqaError) as e:
        run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert e.value.code == "output.write_failed" and "disk is full" in e.value.message
    kept = calls_json(out)
    assert len(kept) == 3 and all(c["status"] == "ok" for c in kept.values())  # whole, valid, not damaged
    assert rows(out, "select count(*) from calls") == [(3,)]
    assert not list((out / "calls").glob(".*.tmp"))

    monkeypatch.setattr(qa.outputs, "write_atomic", real)
    summary = run_batch([tmp_path / "in"], out, pipeline=pipeline)
    assert (summary.skipped, summary.ok) == (3, 3)
    assert len(calls_json(out)) == 6 and rows(out, "select count(*) from calls") == [(6,)]


def test_a_file_deleted_mid_run_fails_alone(tmp_path, pipeline):
    paths = write_calls(tmp_path / "in", 4)

    def progress(event, source, result, tally):
        if event == "start" and source.call_id == "call-0000":
            paths[3].unlink()

    summary = run_batch([tmp_path / "in"], tmp_path / "out", pipeline=pipeline, progress=progress)
    assert (summary.ok, summary.failed, summary.errors) == (3, 1, {"input.not_found": 1})


def test_malformed_manifest_rows_are_reported_and_the_rest_run(tmp_path, pipeline):
    from batch.metadata import read_manifest

    paths = write_calls(tmp_path / "in", 3)
    manifest = tmp_path / "night.csv"
    manifest.write_text(
        "call_id,path,agent_id,started_at,channel_map\n"
        f"c1,{paths[0]},A1,2026-11-26T01:00:00,\n"
        f"c2,{tmp_path / 'gone.wav'},A1,2026-11-26T01:00:00,\n"  # missing file
        f"c1,{paths[1]},A2,2026-11-26T01:00:00,\n"  # duplicate call_id
        f"c3,{paths[1]},A2,2026-11-26T01:00:00,left,right,up\n"  # unknown channel map
        f"c4,{paths[2]},A2,yesterday,\n",  # bad date
        encoding="utf-8",
    )
    parsed = read_manifest(manifest)
    assert [line for line, _ in parsed.errors] == [3, 4, 5, 6]
    summary = run_batch([], tmp_path / "out", pipeline=pipeline, manifest=parsed)
    assert (summary.calls, summary.ok) == (1, 1)
    record = json.loads(next((tmp_path / "out" / "runs").glob("*.json")).read_text())
    assert [line for line, _ in record["manifest"]["errors"]] == [3, 4, 5, 6]


def test_quoted_globs_are_expanded(tmp_path, pipeline):
    write_calls(tmp_path / "in" / "2026-11-25", 2)
    write_calls(tmp_path / "in" / "2026-11-26", 3)
    pattern = tmp_path / "in" / "2026-11-2[6]" / "**" / "*.json"
    summary = run_batch([pattern, tmp_path / "nothing-*.wav"], tmp_path / "out", pipeline=pipeline)
    assert (summary.ok, summary.failed, summary.errors) == (3, 1, {"input.not_found": 1})


def test_log_json_gives_one_json_object_per_line_and_a_summary(tmp_path):
    from click.testing import CliRunner

    from qa.cli import main

    write_calls(tmp_path / "in", 3)
    (tmp_path / "in" / "broken.json").write_text("{not json")
    args = ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--workers", "0", "--log-json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    events = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    done = [e for e in events if e.get("event") == "call.done"]
    assert len(done) == 4 and {e["status"] for e in done} == {"ok", "failed"}
    summary = events[-1]
    assert summary["event"] == "run.summary" and (summary["ok"], summary["failed"]) == (3, 1)
    assert summary["errors"] == {"transcript.invalid": 1}
    record = json.loads((tmp_path / "out" / "runs" / f"{summary['run_id']}.json").read_text())
    for key in ("calls", "ok", "failed", "skipped", "audio_hours", "wall_s", "calls_per_hour", "top_rules", "errors"):
        assert key in record
    again = CliRunner().invoke(main, args)
    assert json.loads(again.stderr.splitlines()[-1])["skipped"] == 3
